/**
 * Query isolation: GET /_emulator/health latency while heavy dataset SQL runs, against the same server idle,
 * in the same run; and how long a query worker takes to start.
 *   node --import tsx bench/queries.ts [health-requests=300]
 *
 * (a) The built CLI (`--db :memory:`, `--query-timeout 10000`): health latency p50/p99 over N sequential
 *     requests (10 ms apart) with no query running, then with one heavy query running the whole time (a
 *     3.4e10-row join on the 430-row fixture dataset), then with two (both workers busy). Before the query
 *     workers, health got no answer at all while such a query ran.
 * (b) Worker start: fork to ready, for the prebuilt JS worker (dist/query-worker.mjs, what the CLI and the
 *     tests use) and for the TS worker through tsx (the fallback), median of RUNS spawns each; plus the
 *     round trip of a trivial query on a warm worker.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ADMIN_TOKEN, ensureBuilt, fmt, median, root, spawnServer, writeResult } from './lib.js';

const N = Number(process.argv[2] ?? 300);
const SPAWNS = 7;
const SALES = '0dbe6a6a-5588-4a1e-9db4-989ca98762a5';
const HEAVY = 'SELECT COUNT(*) FROM t a, t b, t c, t d';
/** Pause between health requests: the sample then spans a few seconds of the heavy queries. */
const GAP_MS = 10;
const TIMEOUT_MS = 10_000;

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

async function healthSeries(url: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const res = await fetch(`${url}/_emulator/health`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`health answered ${res.status}`);
    out.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, GAP_MS));
  }
  return out;
}

/** Keeps `n` heavy queries running until stopped; returns how many were answered (all with the timeout). */
function heavyLoad(url: string, n: number): { stop: () => Promise<{ answered: number; statuses: Set<number> }> } {
  let running = true;
  let answered = 0;
  const statuses = new Set<number>();
  const loop = async () => {
    while (running) {
      const res = await fetch(`${url}/api/query/v1/execute/${SALES}`, {
        method: 'POST',
        headers: { 'X-DOMO-Developer-Token': ADMIN_TOKEN, 'Content-Type': 'application/json' },
        body: JSON.stringify({ sql: HEAVY }),
      });
      await res.arrayBuffer();
      statuses.add(res.status);
      answered++;
    }
  };
  const loops = Array.from({ length: n }, loop);
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return { answered, statuses };
    },
  };
}

ensureBuilt();

// ------------------------------------------------------------------ (a) health latency
const server = await spawnServer(['--db', ':memory:', '--query-timeout', String(TIMEOUT_MS)]);
const rows: Array<{ name: string; p50: number; p99: number; max: number }> = [];
let idleP99 = 0;
try {
  await healthSeries(server.url); // warm up
  const idle = await healthSeries(server.url);
  idleP99 = percentile(idle, 99);
  rows.push({ name: 'idle server', p50: percentile(idle, 50), p99: idleP99, max: Math.max(...idle) });
  for (const n of [1, 2]) {
    const load = heavyLoad(server.url, n);
    await new Promise((r) => setTimeout(r, 500)); // the workers are inside the statement
    const busy = await healthSeries(server.url);
    const { statuses } = await load.stop(); // the running queries end at their deadline
    if ([...statuses].some((st) => st !== 400)) throw new Error(`heavy queries answered ${[...statuses]}`);
    rows.push({ name: `${n} heavy quer${n === 1 ? 'y' : 'ies'} running (${n === 1 ? 'one worker' : 'both workers'} busy)`, p50: percentile(busy, 50), p99: percentile(busy, 99), max: Math.max(...busy) });
  }
} finally {
  await server.stop();
}

// ------------------------------------------------------------------ (b) worker start
const dir = mkdtempSync(join(tmpdir(), 'domo-bench-queries-'));
const file = join(dir, 'q.db');
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.exec('CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2), (3)');
async function spawnTimes(modulePath: string, env: string | undefined): Promise<{ spawn: number; trip: number }> {
  const spawns: number[] = [];
  const trips: number[] = [];
  const saved = process.env.DOMO_EMULATOR_QUERY_WORKER;
  if (env === undefined) delete process.env.DOMO_EMULATOR_QUERY_WORKER;
  else process.env.DOMO_EMULATOR_QUERY_WORKER = env;
  const { QueryPool } = (await import(modulePath)) as typeof import('../src/engines/sql/pool.js');
  const { compileDomoSql } = (await import(join(root, 'dist', 'src', 'engines', 'sql', 'compile.js'))) as typeof import('../src/engines/sql/compile.js');
  const job = { file, query: compileDomoSql('SELECT COUNT(*) FROM t', { table: 't', columns: [{ name: 'n', type: 'LONG' }] }), now: 0, maxBytes: 1 << 20, output: { kind: 'rows' as const } };
  for (let i = 0; i < SPAWNS; i++) {
    const pool = new QueryPool({ timeoutMs: 30_000, maxResultBytes: 1 << 20, size: 1 });
    await pool.run(job);
    spawns.push(pool.spawnTimes[0]);
    for (let k = 0; k < 20; k++) {
      const t0 = performance.now();
      await pool.run(job);
      trips.push(performance.now() - t0);
    }
    pool.close();
  }
  if (saved === undefined) delete process.env.DOMO_EMULATOR_QUERY_WORKER;
  else process.env.DOMO_EMULATOR_QUERY_WORKER = saved;
  return { spawn: median(spawns), trip: median(trips) };
}
const js = await spawnTimes(join(root, 'dist', 'src', 'engines', 'sql', 'pool.js'), join(root, 'dist', 'query-worker.mjs'));
const ts = await spawnTimes(join(root, 'src', 'engines', 'sql', 'pool.ts'), undefined);
db.close();
rmSync(dir, { recursive: true, force: true });

const lines = [
  `### Query isolation: /_emulator/health while dataset SQL runs (${N} sequential requests per row)`,
  '',
  `Command: \`node --import tsx bench/queries.ts ${N}\` (server: the built CLI, \`--db :memory: --query-timeout ${TIMEOUT_MS}\`; ${GAP_MS} ms between health requests)`,
  '',
  `The heavy query is \`${HEAVY}\` on the 430-row fixture dataset (3.4e10 rows); it runs in a query worker`,
  'for the whole sample (and ends at the deadline with a 400). Before the query workers, health got no answer at all while it ran.',
  '',
  '| Server state | Health p50 | Health p99 | Max | p99 vs idle | Target |',
  '|---|---:|---:|---:|---:|---|',
  ...rows.map((r) => `| ${r.name} | ${fmt(r.p50)} ms | ${fmt(r.p99)} ms | ${fmt(r.max)} ms | ${fmt(r.p99 / idleP99)}x | p99 < 250 ms ${r.p99 < 250 ? 'met' : 'NOT met'} |`),
  '',
  `| Query worker (median of ${SPAWNS} spawns) | Fork to ready | Trivial query round trip (warm) |`,
  '|---|---:|---:|',
  `| prebuilt JS (dist/query-worker.mjs; the tests build the same from src with esbuild) | ${fmt(js.spawn)} ms | ${fmt(js.trip, 3)} ms |`,
  `| TS through tsx (fallback when no JS worker is found) | ${fmt(ts.spawn)} ms | ${fmt(ts.trip, 3)} ms |`,
  '',
  'The machine has 2 cores: with two heavy queries both are busy, and health shares them with the workers.',
];
writeResult('queries', lines.join('\n'));
