import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

/**
 * Runs the real CLI and resolves once it has printed its banner: src/main.ts through tsx, or with
 * `{ bundle: true }` the built bundle.
 */
export function startCli(args: string[], env: Record<string, string> = {}, opts: { bundle?: boolean } = {}): Promise<CliProcess> {
  const entry = opts.bundle ? [bundlePath] : ['--import', 'tsx', join(root, 'src', 'main.ts')];
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
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'main.ts'), ...args], {
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
