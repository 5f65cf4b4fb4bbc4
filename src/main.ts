#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator } from './server.js';
import { createLogger, logLevels, type LogLevel } from './logger.js';
import type { EmulatorOptions } from './config.js';
import { packageRoot } from './paths.js';
import { keepServingOnUncaughtErrors } from './http/last-resort.js';

const usage = `Usage: domo-emulator [options]
  --port <n>          port to listen on, 0 = any free port   (env PORT, default 8080)
  --host <addr>       address to bind                        (env HOST, default 127.0.0.1)
  --db <dir|:memory:> directory for per-instance databases   (env DOMO_EMULATOR_DB, default .domo-emulator)
  --fixtures <dir>    fixtures directory                     (env DOMO_EMULATOR_FIXTURES, default built-in)
  --no-seed           load only the admin user and system roles (env DOMO_EMULATOR_NO_SEED=1)
  --token <value>     extra developer token for the admin user, repeatable (env DOMO_EMULATOR_TOKENS, comma-separated)
  --ids <mode>        random | sequential                    (env DOMO_EMULATOR_IDS)
  --freeze-clock <t>  start every instance clock frozen at this ISO time (env DOMO_EMULATOR_FREEZE_CLOCK)
  --max-body <bytes>  largest JSON body (413 above)          (env DOMO_EMULATOR_MAX_BODY, default 10485760)
  --max-upload <bytes> largest streamed upload: CSV part, file (env DOMO_EMULATOR_MAX_UPLOAD, default 1073741824)
  --max-line <chars>  longest line of a CSV part (400 above) (env DOMO_EMULATOR_MAX_LINE, default 8388608)
  --query-timeout <ms> deadline for dataset SQL and AppDB queries, 0 = none (env DOMO_EMULATOR_QUERY_TIMEOUT, default 30000)
  --max-result-bytes <bytes> largest query result held in memory (env DOMO_EMULATOR_MAX_RESULT_BYTES, default 67108864)
  --log-level <l>     ${logLevels.join(' | ')}  (env LOG_LEVEL, default info)
  env DOMO_EMULATOR_TEMPLATE_CACHE=0 seeds every new instance from the fixtures instead of copying a cached
  seeded template; DOMO_EMULATOR_CACHE_DIR moves that cache (default: <temp dir>/domo-emulator-cache)
  --help              this text`;

function fail(message: string): never {
  process.stderr.write(`domo-emulator: ${message}\n`);
  process.exit(2);
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
        ids: { type: 'string' },
        'freeze-clock': { type: 'string' },
        'max-body': { type: 'string' },
        'max-upload': { type: 'string' },
        'max-line': { type: 'string' },
        'query-timeout': { type: 'string' },
        'max-result-bytes': { type: 'string' },
        'log-level': { type: 'string' },
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
  const db = values.db ?? env.DOMO_EMULATOR_DB ?? '.domo-emulator';
  const fixtures = values.fixtures ?? env.DOMO_EMULATOR_FIXTURES;
  return {
    help: values.help,
    port: Number(port),
    host: values.host ?? env.HOST ?? '127.0.0.1',
    db: db === ':memory:' ? db : resolve(db),
    fixtures: fixtures ? resolve(fixtures) : undefined,
    seed: !(values['no-seed'] ?? ['1', 'true'].includes(env.DOMO_EMULATOR_NO_SEED ?? '')),
    tokens: [...envTokens, ...(values.token ?? [])],
    ids: (values.ids ?? env.DOMO_EMULATOR_IDS) as EmulatorOptions['ids'],
    freezeClock: values['freeze-clock'] ?? env.DOMO_EMULATOR_FREEZE_CLOCK,
    maxBodyBytes: maxBody,
    maxUploadBytes: maxUpload,
    maxLineLength: maxLine,
    queryTimeoutMs: queryTimeout === undefined ? undefined : Number(queryTimeout),
    maxResultBytes: maxResult,
    logLevel: (values['log-level'] ?? env.LOG_LEVEL ?? 'info') as LogLevel,
    templateCache: !['0', 'false', 'off'].includes((env.DOMO_EMULATOR_TEMPLATE_CACHE ?? '').toLowerCase()),
    cacheDir: env.DOMO_EMULATOR_CACHE_DIR ? resolve(env.DOMO_EMULATOR_CACHE_DIR) : undefined,
  };
}

async function main(): Promise<void> {
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
  const banner = [
    `domo-emulator listening on ${emu.url}`,
    ...tokens.map((t) => `developer token: ${t}`),
    `(domo-emulator ${version}; data: ${emu.config.db}; send the token as X-DOMO-Developer-Token)`,
  ];
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
