#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator } from './server.js';
import { appMain } from './app-server.js';
import { createLogger, logLevels, type LogLevel } from './logger.js';
import type { EmulatorOptions } from './config.js';
import { packageRoot } from './paths.js';
import { caDirFor, LocalCa } from './net/ca.js';
import { defaultShell, envVars, formatEnv, readState, removeState, shells, stateDirFor, writeState, type Shell } from './net/env.js';
import { keepServingOnUncaughtErrors } from './http/last-resort.js';

const usage = `Usage: domo-emulator [options]      start the emulator
       domo-emulator env [options]  print the variables that point clients at it (see env --help)
       domo-emulator app <dir> [options]  serve a custom app offline against it (see app --help)
       domo-emulator exec [options] -- <command...>  start on a free port (in memory unless --db), run the
                      command with DOMO_EMULATOR_URL, DOMO_INSTANCE, DOMO_DEVELOPER_TOKEN (and the proxy/CA
                      variables with --https) set, stop, and exit with the command's code
  --port <n>          port to listen on, 0 = any free port   (env PORT, default 8080)
  --host <addr>       address to bind                        (env HOST, default 127.0.0.1)
  --db <dir|:memory:> directory for per-instance databases   (env DOMO_EMULATOR_DB, default .domo-emulator)
  --fixtures <dir>    fixtures directory                     (env DOMO_EMULATOR_FIXTURES, default built-in)
  --no-seed           load only the admin user and system roles (env DOMO_EMULATOR_NO_SEED=1)
  --token <value>     extra developer token for the admin user, repeatable (env DOMO_EMULATOR_TOKENS, comma-separated)
  --client <spec>     platform API OAuth client id:secret[:instance[:userId]], repeatable (also fixtures/clients.json)
  --ids <mode>        random | sequential                    (env DOMO_EMULATOR_IDS)
  --freeze-clock <t>  start every instance clock frozen at this ISO time (env DOMO_EMULATOR_FREEZE_CLOCK)
  --max-body <bytes>  largest JSON body (413 above)          (env DOMO_EMULATOR_MAX_BODY, default 10485760)
  --max-upload <bytes> largest streamed upload: CSV part, file (env DOMO_EMULATOR_MAX_UPLOAD, default 1073741824)
  --max-line <chars>  longest line of a CSV part (400 above) (env DOMO_EMULATOR_MAX_LINE, default 8388608)
  --query-timeout <ms> deadline for dataset SQL and AppDB queries, 0 = none (env DOMO_EMULATOR_QUERY_TIMEOUT, default 30000)
  --max-result-bytes <bytes> largest query result held in memory (env DOMO_EMULATOR_MAX_RESULT_BYTES, default 67108864)
  --authz <mode>      enforce | off: off lets every known token act as an admin (env DOMO_EMULATOR_AUTHZ, default enforce)
  --code-engine-timeout <ms> time limit of one Code Engine function run (env DOMO_EMULATOR_CODE_ENGINE_TIMEOUT, default 5000)
  --code-engine-memory <MB> memory limit of one Code Engine function run (env DOMO_EMULATOR_CODE_ENGINE_MEMORY, default 64)
  --https             also serve HTTPS and act as an HTTPS proxy for *.domo.com, on the same port
                      (env DOMO_EMULATOR_HTTPS=1); certificates from a local CA made on first start
  --ca-dir <dir>      where the local CA is kept (env DOMO_EMULATOR_CA_DIR, default <db>/ca, or
                      ~/.domo-emulator/ca with --db :memory:; DOMO_EMULATOR_HOME moves ~/.domo-emulator)
  --log-level <l>     ${logLevels.join(' | ')}  (env LOG_LEVEL, default info)
  env DOMO_EMULATOR_TEMPLATE_CACHE=0 seeds every new instance from the fixtures instead of copying a cached
  seeded template; DOMO_EMULATOR_CACHE_DIR moves that cache (default: <temp dir>/domo-emulator-cache)
  --help              this text`;

function fail(message: string): never {
  process.stderr.write(`domo-emulator: ${message}\n`);
  process.exit(2);
}

/** --client id:secret[:instance[:userId]] (a platform API OAuth client). */
function parseClient(spec: string): { id: string; secret: string; instance?: string; userId?: number } {
  const [id, secret, instance, userId] = spec.split(':');
  if (!id || !secret) fail(`--client takes id:secret[:instance[:userId]], got '${spec}'`);
  if (userId !== undefined && !/^\d+$/.test(userId)) fail(`--client: the user id must be a number, got '${userId}'`);
  return { id, secret, ...(instance ? { instance } : {}), ...(userId ? { userId: Number(userId) } : {}) };
}

function parse(argv: string[], env: NodeJS.ProcessEnv): EmulatorOptions & { help?: boolean } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        db: { type: 'string' },
        fixtures: { type: 'string' },
        'no-seed': { type: 'boolean' },
        token: { type: 'string', multiple: true },
        client: { type: 'string', multiple: true },
        ids: { type: 'string' },
        'freeze-clock': { type: 'string' },
        'max-body': { type: 'string' },
        'max-upload': { type: 'string' },
        'max-line': { type: 'string' },
        'query-timeout': { type: 'string' },
        authz: { type: 'string' },
        'max-result-bytes': { type: 'string' },
        'code-engine-timeout': { type: 'string' },
        'code-engine-memory': { type: 'string' },
        'log-level': { type: 'string' },
        https: { type: 'boolean' },
        'ca-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    fail(`${(e as Error).message.split('\n')[0]} (see --help)`);
  }
  const envTokens = (env.DOMO_EMULATOR_TOKENS ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  const port = values.port ?? env.PORT ?? '8080';
  if (!/^\d+$/.test(port)) fail(`--port must be a number from 0 to 65535, got '${port}'`);
  const bytes = (flag: string, value: string | undefined) => {
    if (value !== undefined && !/^\d+$/.test(value)) fail(`--${flag} must be a number of bytes, got '${value}'`);
    return value === undefined ? undefined : Number(value);
  };
  const maxBody = bytes('max-body', values['max-body'] ?? env.DOMO_EMULATOR_MAX_BODY);
  const maxUpload = bytes('max-upload', values['max-upload'] ?? env.DOMO_EMULATOR_MAX_UPLOAD);
  const maxLine = bytes('max-line', values['max-line'] ?? env.DOMO_EMULATOR_MAX_LINE);
  const queryTimeout = values['query-timeout'] ?? env.DOMO_EMULATOR_QUERY_TIMEOUT;
  if (queryTimeout !== undefined && !/^\d+$/.test(queryTimeout)) fail(`--query-timeout must be a number of milliseconds, got '${queryTimeout}'`);
  const maxResult = bytes('max-result-bytes', values['max-result-bytes'] ?? env.DOMO_EMULATOR_MAX_RESULT_BYTES);
  const count = (flag: string, unit: string, value: string | undefined) => {
    if (value !== undefined && !/^\d+$/.test(value)) fail(`--${flag} must be a number of ${unit}, got '${value}'`);
    return value === undefined ? undefined : Number(value);
  };
  const ceTimeout = count('code-engine-timeout', 'milliseconds', values['code-engine-timeout'] ?? env.DOMO_EMULATOR_CODE_ENGINE_TIMEOUT);
  const ceMemory = count('code-engine-memory', 'megabytes', values['code-engine-memory'] ?? env.DOMO_EMULATOR_CODE_ENGINE_MEMORY);
  const db = values.db ?? env.DOMO_EMULATOR_DB ?? '.domo-emulator';
  const caDir = values['ca-dir'] ?? env.DOMO_EMULATOR_CA_DIR;
  const fixtures = values.fixtures ?? env.DOMO_EMULATOR_FIXTURES;
  return {
    help: values.help,
    port: Number(port),
    host: values.host ?? env.HOST ?? '127.0.0.1',
    db: db === ':memory:' ? db : resolve(db),
    fixtures: fixtures ? resolve(fixtures) : undefined,
    seed: !(values['no-seed'] ?? ['1', 'true'].includes(env.DOMO_EMULATOR_NO_SEED ?? '')),
    tokens: [...envTokens, ...(values.token ?? [])],
    clients: (values.client ?? []).map(parseClient),
    ids: (values.ids ?? env.DOMO_EMULATOR_IDS) as EmulatorOptions['ids'],
    freezeClock: values['freeze-clock'] ?? env.DOMO_EMULATOR_FREEZE_CLOCK,
    maxBodyBytes: maxBody,
    maxUploadBytes: maxUpload,
    authz: (values.authz ?? env.DOMO_EMULATOR_AUTHZ) as EmulatorOptions['authz'],
    maxLineLength: maxLine,
    queryTimeoutMs: queryTimeout === undefined ? undefined : Number(queryTimeout),
    maxResultBytes: maxResult,
    codeEngineTimeoutMs: ceTimeout,
    codeEngineMemoryMb: ceMemory,
    logLevel: (values['log-level'] ?? env.LOG_LEVEL ?? 'info') as LogLevel,
    templateCache: !['0', 'false', 'off'].includes((env.DOMO_EMULATOR_TEMPLATE_CACHE ?? '').toLowerCase()),
    cacheDir: env.DOMO_EMULATOR_CACHE_DIR ? resolve(env.DOMO_EMULATOR_CACHE_DIR) : undefined,
    https: values.https ?? isOn(env.DOMO_EMULATOR_HTTPS),
    caDir: caDir ? resolve(caDir) : undefined,
  };
}

const isOn = (v: string | undefined) => ['1', 'true', 'on', 'yes'].includes((v ?? '').toLowerCase());

const envUsage = `Usage: domo-emulator env [options]
Prints the lines to export so that clients in this shell reach the emulator:
DOMO_EMULATOR_URL, DOMO_INSTANCE, DOMO_DEVELOPER_TOKEN and, with HTTPS on, HTTPS_PROXY, NO_PROXY,
NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE.
  eval "$(domo-emulator env)"                          bash, zsh
  domo-emulator env --shell fish | source              fish
  domo-emulator env --shell powershell | Invoke-Expression   PowerShell
It reads the running server's port, HTTPS setting, CA and token from <db>/server.json (the server writes it
at start); flags given here win over it, and without a running server they and the defaults decide.
  --shell <s>         ${shells.join(' | ')} (default: from $SHELL)
  --instance <name>   the instance for DOMO_INSTANCE (default: default)
  --db <dir|:memory:> the server's --db, to find its state file (env DOMO_EMULATOR_DB, default .domo-emulator)
  --port <n>          the server's port (default: the running server's, else env PORT, else 8080)
  --host <addr>       the server's address (default: the running server's, else env HOST, else 127.0.0.1)
  --https             HTTPS and proxy lines even without a running server (env DOMO_EMULATOR_HTTPS=1)
  --ca-dir <dir>      the server's --ca-dir (env DOMO_EMULATOR_CA_DIR)
  --token <value>     the token for DOMO_DEVELOPER_TOKEN (default: the running server's admin token)`;

/** `domo-emulator env`: see envUsage. Creates the CA when HTTPS is asked for and there is none yet. */
function printEnv(argv: string[], env: NodeJS.ProcessEnv): void {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        shell: { type: 'string' },
        instance: { type: 'string' },
        db: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        https: { type: 'boolean' },
        'ca-dir': { type: 'string' },
        token: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    fail(`${(e as Error).message.split('\n')[0]} (see env --help)`);
  }
  if (values.help) {
    process.stdout.write(envUsage + '\n');
    return;
  }
  const shell = (values.shell ?? defaultShell(env)) as Shell;
  if (!shells.includes(shell)) fail(`--shell must be one of ${shells.join(', ')}, got '${shell}'`);
  const dbValue = values.db ?? env.DOMO_EMULATOR_DB ?? '.domo-emulator';
  const db = dbValue === ':memory:' ? dbValue : resolve(dbValue);
  const stateDir = stateDirFor(db, env);
  const state = readState(stateDir);
  const port = values.port ?? (state ? String(state.port) : (env.PORT ?? '8080'));
  if (!/^\d+$/.test(port) || Number(port) > 65535) fail(`--port must be a number from 1 to 65535, got '${port}'`);
  if (Number(port) === 0) fail('--port 0 means "any free port": give the port the server printed, or start it with the default --db so env finds it');
  const bind = values.host ?? state?.host ?? env.HOST ?? '127.0.0.1';
  // a server bound to every interface is reached on loopback
  const host = ['0.0.0.0', '::', ''].includes(bind) ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;
  const base = `http://${host}:${port}`;
  const https = values.https ?? (state ? state.https : isOn(env.DOMO_EMULATOR_HTTPS));
  const instance = values.instance ?? 'default';
  const envToken = (env.DOMO_EMULATOR_TOKENS ?? '').split(',').map((t) => t.trim()).find(Boolean);
  const token = values.token ?? state?.token ?? envToken ?? 'domo-emulator-admin-token';
  let ca: { caFile: string; caBundleFile: string } | undefined;
  if (https) {
    const caDirValue = values['ca-dir'] ?? state?.caDir ?? env.DOMO_EMULATOR_CA_DIR;
    const opened = LocalCa.open(caDirFor(db, caDirValue ? resolve(caDirValue) : undefined, env));
    ca = { caFile: opened.certFile, caBundleFile: opened.bundleFile };
  }
  const comment = state
    ? `domo-emulator running on ${base} (pid ${state.pid}; from ${join(stateDir, 'server.json')})`
    : `no running domo-emulator found in ${stateDir}: values from flags and defaults`;
  const vars = envVars({ url: base, instance, token, https: ca && { proxyUrl: base, ...ca } });
  process.stdout.write(formatEnv(vars, shell, comment));
}

/** `domo-emulator exec [options] -- <command...>`: see usage. */
async function execMain(argv: string[]): Promise<void> {
  const sep = argv.indexOf('--');
  const command = sep < 0 ? [] : argv.slice(sep + 1);
  if (!command.length) fail('exec needs a command after --: domo-emulator exec [options] -- <command...>');
  const own = sep < 0 ? argv : argv.slice(0, sep);
  const opts = parse(own, { ...process.env, PORT: process.env.PORT || '0', DOMO_EMULATOR_DB: process.env.DOMO_EMULATOR_DB || ':memory:', LOG_LEVEL: process.env.LOG_LEVEL || 'warn' });
  if (!own.includes('--port')) opts.port = 0;
  const logger = createLogger(opts.logLevel ?? 'warn');
  const emu = await startEmulator(opts, logger);
  const inst = emu.instance('default');
  const adminId = Number(inst.meta('adminUserId'));
  const token = opts.tokens?.[0] ?? ((inst.sqlite.prepare(`select token from tokens where user_id = ? and kind = 'developer' order by created, token limit 1`).pluck().get(adminId) as string | undefined) ?? '');
  const vars = envVars({ url: emu.url, instance: 'default', token, https: emu.https && { proxyUrl: emu.https.proxyUrl, caFile: emu.https.caFile, caBundleFile: emu.https.caBundleFile } });
  const { spawn } = await import('node:child_process');
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env: { ...process.env, ...Object.fromEntries(vars) } });
  const forward = (sig: NodeJS.Signals) => process.on(sig, () => child.kill(sig));
  forward('SIGINT');
  forward('SIGTERM');
  const code = await new Promise<number>((resolveCode) => {
    child.once('error', (e) => {
      process.stderr.write(`domo-emulator exec: cannot run ${command[0]}: ${e.message}\n`);
      resolveCode(127);
    });
    child.once('exit', (c, signal) => resolveCode(c ?? (signal ? 128 + (({ SIGINT: 2, SIGTERM: 15, SIGKILL: 9 }) as Record<string, number>)[signal] || 1 : 1)));
  });
  await emu.close();
  process.exit(code);
}

async function main(): Promise<void> {
  if (process.argv[2] === 'exec') return execMain(process.argv.slice(3));
  if (process.argv[2] === 'env') return printEnv(process.argv.slice(3), process.env);
  if (process.argv[2] === 'app') return appMain(process.argv.slice(3));
  const opts = parse(process.argv.slice(2), process.env);
  if (opts.help) {
    process.stdout.write(usage + '\n');
    return;
  }
  if (opts.logLevel && !logLevels.includes(opts.logLevel)) fail(`--log-level must be one of ${logLevels.join(', ')}, got '${opts.logLevel}'`);
  const logger = createLogger(opts.logLevel ?? 'info');
  keepServingOnUncaughtErrors(logger);
  let emu;
  try {
    emu = await startEmulator(opts, logger);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') {
      process.stderr.write(`domo-emulator: port ${opts.port} on ${opts.host} is already in use (try --port 0 or another port)\n`);
      process.exit(1);
    }
    if (err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL') {
      process.stderr.write(`domo-emulator: cannot listen on ${opts.host}:${opts.port}: ${err.message}\n`);
      process.exit(1);
    }
    if (/^Invalid options/.test(err.message)) fail(err.message);
    throw e;
  }
  const admin = emu.instance('default');
  const adminId = Number(admin.meta('adminUserId'));
  const tokens = adminId
    ? (admin.sqlite.prepare('select token from tokens where user_id = ? order by created, token').all(adminId) as Array<{ token: string }>).map((r) => r.token)
    : [];
  const version = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const https = emu.https;
  const banner = [
    `domo-emulator listening on ${emu.url}`,
    ...(https
      ? [
          `HTTPS on the same port: ${https.url}; HTTPS proxy for *.domo.com: HTTPS_PROXY=${https.proxyUrl}`,
          `CA certificate: ${https.caFile}${https.caCreated ? ' (new: trust this file)' : ''}`,
        ]
      : []),
    ...tokens.map((t) => `developer token: ${t}`),
    `(domo-emulator ${version}; data: ${emu.config.db}; send the token as X-DOMO-Developer-Token; ` +
      '`domo-emulator env` prints the variables to export)',
  ];
  // The state file `domo-emulator env` reads (removed at exit).
  const stateDir = stateDirFor(emu.config.db);
  try {
    writeState(stateDir, {
      pid: process.pid,
      port: emu.port,
      host: emu.config.host,
      url: emu.url,
      https: Boolean(https),
      caDir: https?.caDir,
      caFile: https?.caFile,
      caBundleFile: https?.caBundleFile,
      token: tokens[0],
    });
    process.once('exit', () => removeState(stateDir));
  } catch (e) {
    logger.warn(`cannot write ${join(stateDir, 'server.json')} (domo-emulator env will not find this server): ${(e as Error).message}`);
  }
  process.stdout.write(banner.join('\n') + '\n');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: finishing in-flight requests and closing databases`);
    const force = setTimeout(() => {
      logger.warn('requests still open after 10 s; exiting');
      process.exit(0);
    }, 10_000);
    force.unref();
    emu.close().then(
      () => process.exit(0),
      (e) => {
        logger.error('error while closing', e);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e) => {
  process.stderr.write(`domo-emulator: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
