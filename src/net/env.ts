/**
 * `domo-emulator env`: the variables that point a shell's clients at the emulator, and the small state
 * file through which it finds a running server.
 *
 * The CLI server writes `server.json` into its data directory (the `--db` directory, or the per-user
 * directory with `--db :memory:`) and removes it when it stops; `env` reads it from the same place, so
 * `eval "$(domo-emulator env)"` needs no flags when the server was started with the default `--db`.
 */
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userDir } from './ca.js';

export const shells = ['bash', 'fish', 'powershell'] as const;
export type Shell = (typeof shells)[number];

export interface ServerState {
  pid: number;
  port: number;
  host: string;
  url: string;
  https: boolean;
  caDir?: string;
  caFile?: string;
  caBundleFile?: string;
  /** The admin user's first developer token. */
  token?: string;
}

export const stateFileName = 'server.json';

/** Where the CLI keeps its state file for a `--db` value. */
export function stateDirFor(db: string, env: NodeJS.ProcessEnv = process.env): string {
  return db === ':memory:' ? userDir(env) : db;
}

export function writeState(dir: string, state: ServerState): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, stateFileName);
  writeFileSync(file, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  return file;
}

/** Removes the state file if it is this process's (another server may have started on the same directory since). */
export function removeState(dir: string, pid = process.pid): void {
  const file = join(dir, stateFileName);
  try {
    if ((JSON.parse(readFileSync(file, 'utf8')) as ServerState).pid === pid) unlinkSync(file);
  } catch {
    // gone already, or not ours to remove
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
};

/** The running server's state in `dir`, or undefined when there is none (or its process is gone). */
export function readState(dir: string): ServerState | undefined {
  const file = join(dir, stateFileName);
  if (!existsSync(file)) return undefined;
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as ServerState;
    return Number.isInteger(state.pid) && alive(state.pid) ? state : undefined;
  } catch {
    return undefined;
  }
}

export interface EnvValues {
  /** Base URL for clients that take one (plain HTTP; the same port also speaks TLS with `https`). */
  url: string;
  instance: string;
  token: string;
  https?: { proxyUrl: string; caFile: string; caBundleFile: string };
}

/** The variables, in the order they are printed. */
export function envVars(v: EnvValues): Array<[string, string]> {
  const vars: Array<[string, string]> = [
    ['DOMO_EMULATOR_URL', v.url],
    ['DOMO_INSTANCE', v.instance],
    ['DOMO_DEVELOPER_TOKEN', v.token],
  ];
  if (v.https) {
    vars.push(
      ['HTTPS_PROXY', v.https.proxyUrl],
      // Everything else goes direct: the emulator refuses to tunnel to any other host.
      ['NO_PROXY', 'localhost,127.0.0.1,::1,.localhost'],
      // Node adds this file to its roots; the three others replace the default roots, hence the bundle.
      ['NODE_EXTRA_CA_CERTS', v.https.caFile],
      ['SSL_CERT_FILE', v.https.caBundleFile],
      ['REQUESTS_CA_BUNDLE', v.https.caBundleFile],
      ['CURL_CA_BUNDLE', v.https.caBundleFile],
    );
  }
  return vars;
}

const quote: Record<Shell, (s: string) => string> = {
  bash: (s) => `'${s.replace(/'/g, `'\\''`)}'`,
  fish: (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
  powershell: (s) => `'${s.replace(/'/g, "''")}'`,
};

const line: Record<Shell, (name: string, value: string) => string> = {
  bash: (n, v) => `export ${n}=${quote.bash(v)}`,
  fish: (n, v) => `set -gx ${n} ${quote.fish(v)}`,
  powershell: (n, v) => `$env:${n} = ${quote.powershell(v)}`,
};

/** Lines to evaluate in `shell`; `comment` (one line) goes first, as a `#` comment all three shells ignore. */
export function formatEnv(vars: Array<[string, string]>, shell: Shell, comment?: string): string {
  return [...(comment ? [`# ${comment.replace(/\n/g, ' ')}`] : []), ...vars.map(([n, v]) => line[shell](n, v))].join('\n') + '\n';
}

/** The shell to print for when `--shell` is not given: from $SHELL, PowerShell on Windows, else bash. */
export function defaultShell(env: NodeJS.ProcessEnv = process.env, platform = process.platform): Shell {
  const sh = (env.SHELL ?? '').toLowerCase();
  if (/fish$/.test(sh)) return 'fish';
  if (/(pwsh|powershell)(\.exe)?$/.test(sh)) return 'powershell';
  if (!sh && (platform === 'win32' || env.PSModulePath)) return 'powershell';
  return 'bash';
}
