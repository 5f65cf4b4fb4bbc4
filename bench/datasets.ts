/**
 * Dataset ingest and Domo SQL, against plain better-sqlite3 in the same run.
 *   node --import tsx bench/datasets.ts [rows=1000000] [query-runs=5]
 *
 * (a) Ingest: a generated CSV (8 columns, ~80 bytes a row) uploaded through the HTTP API in 10 parts +
 *     commit, vs the baseline: papaparse streaming the same files into better-sqlite3 with one prepared
 *     insert in one transaction. Rows/s for both, and the server's peak RSS.
 * (b) Queries: GROUP BY with SUM/AVG, and filter + ORDER BY + LIMIT 100, through POST /api/query/v1/execute
 *     vs the same SQL run directly with better-sqlite3 on the baseline table (median of N warm runs).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, baselineIngest, generate, httpIngest, normalize, PARTS } from './dataset-data.js';
import { ensureBuilt, fmt, median, spawnServer, writeResult } from './lib.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 5);



const QUERIES = {
  'GROUP BY region with SUM/AVG': 'SELECT region, SUM(amount) AS total, AVG(amount) AS avg_amount, COUNT(*) AS n FROM t GROUP BY region ORDER BY region',
  'filter + ORDER BY + LIMIT 100': "SELECT id, customer, amount, sold FROM t WHERE region = 'West' AND units > 5 ORDER BY amount DESC LIMIT 100",
};

// ------------------------------------------------------------------ run
ensureBuilt();
console.log(`generating ${ROWS.toLocaleString()} rows in ${PARTS} parts...`);
const files = await generate(ROWS, 'datasets');
const bytes = files.reduce((s, f) => s + statSync(f).size, 0);
const work = mkdtempSync(join(tmpdir(), 'domo-bench-datasets-'));
try {
  console.log('baseline ingest...');
  const base = await baselineIngest(files, join(work, 'baseline.db'), ROWS);
  console.log(`  ${fmt(base.seconds)} s`);

  const server = await spawnServer(['--db', join(work, 'emu')]);
  let emu: { seconds: number; id: string };
  let peak = 0;
  const queries: Array<{ name: string; direct: number; http: number; same: boolean }> = [];
  try {
    console.log('HTTP ingest...');
    emu = await httpIngest(server.url, files, ROWS);
    peak = server.peakRssMb();
    console.log(`  ${fmt(emu.seconds)} s, peak RSS ${fmt(peak, 0)} MB`);

    for (const [name, sql] of Object.entries(QUERIES)) {
      const stmt = base.db.prepare(sql).raw(true);
      const directRows = stmt.all() as unknown[][];
      const first = await api(server.url, 'POST', `/api/query/v1/execute/${emu.id}`, { sql });
      // alternating, so that a change in the machine's load during the run weighs on both sides alike
      const direct: number[] = [];
      const http: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        let t0 = performance.now();
        stmt.all();
        direct.push(performance.now() - t0);
        t0 = performance.now();
        await api(server.url, 'POST', `/api/query/v1/execute/${emu.id}`, { sql });
        http.push(performance.now() - t0);
      }
      queries.push({ name, direct: median(direct), http: median(http), same: normalize(first.rows) === normalize(directRows) });
      console.log(`  ${name}: direct ${fmt(median(direct))} ms, execute ${fmt(median(http))} ms`);
    }
    peak = server.peakRssMb();
  } finally {
    await server.stop();
  }
  base.db.close();

  const baseRate = ROWS / base.seconds;
  const emuRate = ROWS / emu.seconds;
  const lines = [
    `### Datasets: ingest and Domo SQL (${ROWS.toLocaleString()} rows x 8 columns, ${fmt(bytes / 1024 / 1024, 1)} MB of CSV)`,
    '',
    `Command: \`node --import tsx bench/datasets.ts ${ROWS} ${RUNS}\` (server: the built CLI with a file database, \`--db <tmp>\`)`,
    '',
    '| Ingest | Seconds | Rows/s | vs baseline | Target |',
    '|---|---:|---:|---:|---|',
    `| baseline: papaparse stream -> better-sqlite3, one prepared insert, one transaction | ${fmt(base.seconds)} | ${fmt(baseRate, 0)} | 1.00x | |`,
    `| emulator: create + upload in ${PARTS} parts over HTTP + commit | ${fmt(emu.seconds)} | ${fmt(emuRate, 0)} | ${fmt(emuRate / baseRate)}x | >= 0.5x ${emuRate / baseRate >= 0.5 ? 'met' : 'NOT met'} |`,
    '',
    `Server peak RSS (VmHWM) over the ingest and the queries: ${fmt(peak, 0)} MB (target < 400 MB: ${peak < 400 ? 'met' : 'NOT met'}).`,
    '',
    `| Query (median of ${RUNS} warm runs, alternating) | better-sqlite3 direct | POST /api/query/v1/execute | Ratio | Target | Same rows |`,
    '|---|---:|---:|---:|---|---|',
    ...queries.map(
      (q) => `| ${q.name} | ${fmt(q.direct)} ms | ${fmt(q.http)} ms | ${fmt(q.http / q.direct)}x | <= 1.5x ${q.http / q.direct <= 1.5 ? 'met' : 'NOT met'} | ${q.same ? 'yes' : 'NO'} |`,
    ),
    '',
    'The execute time includes the HTTP round trip, token check, SQL compile, the hand-off to a query worker process',
    'and JSON encoding; the direct time is the statement alone in the benchmark process, on a table with the same',
    'declared types and rows.',
  ];
  writeResult('datasets', lines.join('\n'));
} finally {
  rmSync(work, { recursive: true, force: true });
}
