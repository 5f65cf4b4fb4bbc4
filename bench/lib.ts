/**
 * Shared pieces of the benchmark scripts: build once, spawn the real server, sample its peak RSS,
 * medians, and writing a result file. Benchmarks are never run by `npm test`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';

export const root = join(import.meta.dirname, '..');
export const ADMIN_TOKEN = 'domo-emulator-admin-token';

/** Builds dist/ and the CLI bundle, as `npm install` does (the benchmarks measure what `npm start` runs). */
export function ensureBuilt(): void {
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed');
}

export interface Server {
  url: string;
  pid: number;
  proc: ChildProcess;
  /** Peak resident set size of the server process so far, in MB (VmHWM). */
  peakRssMb(): number;
  stop(): Promise<void>;
}

/** Starts `node dist/domo-emulator.mjs` (what `npm start` runs) on a free port with the given extra flags. */
export async function spawnServer(args: string[] = [], env: Record<string, string> = {}): Promise<Server> {
  // BENCH_SERVER_NODE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") go to the server's node, for profiling a bench
  const nodeFlags = process.env.BENCH_SERVER_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const proc = spawn(process.execPath, [...nodeFlags, join(root, 'dist', 'domo-emulator.mjs'), '--port', '0', '--log-level', 'warn', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await listeningUrl(proc);
  return {
    url,
    pid: proc.pid!,
    proc,
    peakRssMb: () => peakRssMb(proc.pid!),
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill('SIGTERM');
      await once(proc, 'exit');
    },
  };
}

/** The URL a spawned server (emulator or baseline) prints in its "listening on" line. */
export function listeningUrl(proc: ChildProcess): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (d) => {
      buf += d;
      const m = /listening on (\S+)/.exec(buf);
      if (m) resolve(m[1]);
    });
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

export function peakRssMb(pid: number = process.pid): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export const fmt = (n: number, digits = 2) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Writes bench/results/<name>.md (BENCHMARKS.md gathers these) and echoes it. */
export function writeResult(name: string, markdown: string): void {
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  const text = `${markdown.trim()}\n\n_Measured ${new Date().toISOString()} on ${process.platform} ${process.arch}, Node ${process.version}._\n`;
  writeFileSync(join(root, 'bench', 'results', `${name}.md`), text);
  process.stdout.write(text);
}
