import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
/**
 * The per-user directory for CLI runs (`--db :memory:` keeps its state file and CA there): a temporary
 * one, so tests never write into the real home directory.
 */
export const testHome = mkdtempSync(join(tmpdir(), 'domo-home-'));
process.once('exit', () => rmSync(testHome, { recursive: true, force: true }));

export interface CliProcess {
  proc: ChildProcess;
  url: string;
  stdout: string[];
  stderr: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The CLI as `npm start` runs it (the esbuild bundle made by `npm run build`). */
export const bundlePath = join(root, 'dist', 'domo-emulator.mjs');

let sourceBundleBuilt: Promise<string> | undefined;

/**
 * The CLI bundled from the current source, as `npm run build` bundles it (esbuild, one ES module), under
 * node_modules/.cache (so the package root is still found). Built once per test process in about a
 * second: tests that start the CLI many times (kill -9, load) get the fast startup of the bundle without
 * depending on a dist/ that may be older than the source.
 */
export function sourceBundle(): Promise<string> {
  sourceBundleBuilt ??= (async () => {
    const { build } = await import('esbuild');
    const dir = join(root, 'node_modules', '.cache', 'domo-emulator-test');
    mkdirSync(dir, { recursive: true });
    const out = join(dir, 'cli.mjs');
    const tmp = join(dir, `cli.${process.pid}.mjs`);
    const options = {
      bundle: true,
      platform: 'node' as const,
      format: 'esm' as const,
      target: 'node20',
      external: ['better-sqlite3'],
      banner: { js: "import { createRequire as __domoCreateRequire } from 'node:module'; const require = __domoCreateRequire(import.meta.url);" },
      logLevel: 'warning' as const,
    };
    // the query worker beside the CLI, where the CLI bundle looks for it (as dist/ has it)
    const worker = join(dir, 'query-worker.mjs');
    const workerTmp = join(dir, `query-worker.${process.pid}.mjs`);
    await build({ ...options, entryPoints: [join(root, 'src', 'engines', 'sql', 'query-worker.ts')], outfile: workerTmp });
    renameSync(workerTmp, worker);
    await build({ ...options, entryPoints: [join(root, 'src', 'main.ts')], outfile: tmp });
    renameSync(tmp, out);
    return out;
  })();
  return sourceBundleBuilt;
}

/**
 * Runs the real CLI and resolves once it has printed its banner: the current source bundled once per test
 * process (sourceBundle(): starts in a fraction of the time `node --import tsx src/main.ts` takes, which
 * compiles a few hundred modules per start), with `{ bundle: true }` the built dist/ bundle `npm start`
 * runs, with `{ entry }` another file, or with `{ tsx: true }` the TypeScript sources through tsx.
 */
export async function startCli(args: string[], env: Record<string, string> = {}, opts: { bundle?: boolean; entry?: string; tsx?: boolean } = {}): Promise<CliProcess> {
  const entry = opts.entry ? [opts.entry] : opts.bundle ? [bundlePath] : opts.tsx ? ['--import', 'tsx', join(root, 'src', 'main.ts')] : [await sourceBundle()];
  const proc = spawn(process.execPath, [...entry, ...args], {
    cwd: root,
    env: { ...process.env, DOMO_EMULATOR_HOME: testHome, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    let buf = '';
    let url = '';
    const timer = setTimeout(() => reject(new Error(`CLI did not start in time; stderr: ${err}`)), 20_000);
    proc.stdout!.on('data', (d) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        stdout.push(l);
        const m = /^domo-emulator listening on (http:\/\/\S+)$/.exec(l);
        if (m) url = m[1];
        // the banner ends with the "(domo-emulator <version>; ...)" line, after the token lines
        if (url && l.startsWith('(domo-emulator ')) {
          clearTimeout(timer);
          resolve({
            proc,
            url,
            stdout,
            stderr: () => err,
            stop: (signal = 'SIGTERM') =>
              new Promise((res) => {
                if (proc.exitCode !== null) return res(proc.exitCode);
                proc.once('exit', (code) => res(code));
                proc.kill(signal);
              }),
          });
        }
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`CLI exited with ${code}; stderr: ${err}`), { code, stderr: err }));
    });
  });
}

/** Runs the CLI to completion (for flag errors) and returns its exit code and output. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [await sourceBundle(), ...args], {
    cwd: root,
    env: { ...process.env, DOMO_EMULATOR_HOME: testHome, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (err += d));
  return new Promise((resolve) => proc.once('exit', (code) => resolve({ code, stdout: out, stderr: err })));
}
