/**
 * Startup: spawn -> first 200 from /_emulator/health, median of RUNS runs, for the emulator (in memory,
 * a fresh file database that must be created and seeded, and a restart on an existing one) against the
 * bare baseline server, all in the same run.   node --import tsx bench/startup.ts [runs]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, fmt, listeningUrl, median, root, writeResult } from './lib.js';

const RUNS = Number(process.argv[2] ?? 15);

async function timeToHealthy(args: string[], env: Record<string, string> = {}): Promise<number> {
  const started = performance.now();
  const proc = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, ...env } });
  const url = await listeningUrl(proc);
  for (;;) {
    const res = await fetch(`${url}/_emulator/health`).catch(() => null);
    if (res?.status === 200) {
      await res.arrayBuffer();
      break;
    }
  }
  const ms = performance.now() - started;
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
  return ms;
}

ensureBuilt();
const main = join(root, 'dist', 'domo-emulator.mjs');
const warmDir = mkdtempSync(join(tmpdir(), 'domo-startup-warm-'));
await timeToHealthy([main, '--port', '0', '--db', warmDir, '--log-level', 'warn']); // create + seed once

const series: Record<string, number[]> = { baseline: [], memory: [], fresh: [], restart: [], cold: [] };
for (let i = 0; i < RUNS; i++) {
  series.baseline.push(await timeToHealthy([join(root, 'bench', 'baseline-server.mjs')]));
  series.memory.push(await timeToHealthy([main, '--port', '0', '--db', ':memory:', '--log-level', 'warn']));
  const fresh = mkdtempSync(join(tmpdir(), 'domo-startup-'));
  series.fresh.push(await timeToHealthy([main, '--port', '0', '--db', fresh, '--log-level', 'warn']));
  rmSync(fresh, { recursive: true, force: true });
  series.restart.push(await timeToHealthy([main, '--port', '0', '--db', warmDir, '--log-level', 'warn']));
  const emptyCache = mkdtempSync(join(tmpdir(), 'domo-startup-cache-'));
  series.cold.push(await timeToHealthy([main, '--port', '0', '--db', ':memory:', '--log-level', 'warn'], { DOMO_EMULATOR_CACHE_DIR: emptyCache }));
  rmSync(emptyCache, { recursive: true, force: true });
}
rmSync(warmDir, { recursive: true, force: true });

const base = median(series.baseline);
const row = (name: string, label: string) => `| ${label} | ${fmt(median(series[name]), 0)} ms | ${fmt(median(series[name]) / base)}x |`;
writeResult(
  'startup',
  `### Startup (spawn to first 200 from /_emulator/health), median of ${RUNS} runs

Command: \`node --import tsx bench/startup.ts ${RUNS}\`

| Server | Median | vs baseline |
|---|---:|---:|
| baseline: bare Hono + one SQLite table | ${fmt(base, 0)} ms | 1.00x |
${row('memory', 'emulator, `--db :memory:` (copies the cached seeded template)')}
${row('fresh', 'emulator, new database directory (copies the cached seeded template)')}
${row('restart', 'emulator, existing database directory')}
${row('cold', 'emulator, `--db :memory:` with an empty template cache (seeds every fixture)')}

Target: emulator median under 400 ms. The seeded template is built once per fixtures, code and options
(the first start on a machine, the \`cold\` row) and cached under the OS temp directory.`,
);
