/**
 * Throughput of GET /api/identity/v1/users/:id (token check, instance lookup, journal, zod, store, JSON)
 * against a bare Hono route doing one SQLite primary-key select, under the same autocannon load, same run.
 *   node --import tsx bench/throughput.ts [seconds-per-round] [rounds]
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ADMIN_TOKEN, ensureBuilt, fmt, listeningUrl, median, root, spawnServer, writeResult } from './lib.js';

const SECONDS = Number(process.argv[2] ?? 3);
const ROUNDS = Number(process.argv[3] ?? 7);
const CONNECTIONS = 10;

async function load(url: string): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const r = await autocannon({
    url: `${url}/api/identity/v1/users/587894148`,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { 'X-DOMO-Developer-Token': ADMIN_TOKEN },
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

async function baseline() {
  const proc = spawn(process.execPath, [join(root, 'bench', 'baseline-server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await listeningUrl(proc);
  return { url, stop: () => new Promise((r) => (proc.kill('SIGTERM'), proc.once('exit', r))) };
}

ensureBuilt();
const rounds: Array<{ base: number; emu: number; emuP50: number; emuP99: number; baseP50: number; errors: number }> = [];
for (let i = 0; i < ROUNDS; i++) {
  const b = await baseline();
  const rb = await load(b.url);
  await b.stop();
  const emu = await spawnServer(['--db', ':memory:']);
  await load(emu.url); // warm-up round (JIT, prepared statements)
  const re = await load(emu.url);
  await emu.stop();
  rounds.push({ base: rb.rps, emu: re.rps, emuP50: re.p50, emuP99: re.p99, baseP50: rb.p50, errors: re.errors + rb.errors });
}
const base = median(rounds.map((r) => r.base));
const emu = median(rounds.map((r) => r.emu));
// Each round runs the baseline and then the emulator back to back, so its ratio shares that moment's
// machine speed; the median of the per-round ratios is the headline number.
const ratios = rounds.map((r) => r.emu / r.base).sort((a, b) => a - b);
writeResult(
  'throughput',
  `### Throughput: GET one user by id (${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} rounds)

Command: \`node --import tsx bench/throughput.ts ${SECONDS} ${ROUNDS}\`

The baseline answers the same JSON body (same fields, same bytes) from one SQLite primary-key select with
no middleware, so the ratio is the emulator's own overhead: routing among ~400 routes, request id,
instance lookup, token check, journal, zod validation of path and query, the store and the view.

| Server | Requests/s (median) | p50 latency | vs baseline |
|---|---:|---:|---:|
| baseline: bare Hono + one SQLite primary-key select | ${fmt(base, 0)} | ${median(rounds.map((r) => r.baseP50))} ms | 1.00x |
| emulator: \`GET /api/identity/v1/users/587894148\` | ${fmt(emu, 0)} | ${median(rounds.map((r) => r.emuP50))} ms | **${fmt(median(ratios))}x** (median of per-round ratios; range ${fmt(ratios[0])}x to ${fmt(ratios[ratios.length - 1])}x) |

Errors or non-2xx during the runs: ${rounds.reduce((s, r) => s + r.errors, 0)}. Target: at least 0.70x of the baseline.
The machine (2 shared cores, client and server on it together) varies a lot from run to run; the range shows how much.`,
);
