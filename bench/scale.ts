/**
 * Scale: an 8-column dataset uploaded in parts through the HTTP API at several sizes (default 1M and 3M
 * rows; pass 10000000 to add 10M), each against a baseline in the same run:
 *   papaparse streaming the same CSV parts into better-sqlite3 (one prepared insert, one transaction),
 *   and the same SQL run directly on that table.
 * Reports per size: ingest rows/s, GROUP BY, filtered ORDER BY/LIMIT and a point filter (one id), each as
 * emulator / baseline, and the server's peak RSS (VmHWM; a fresh server per size).
 *   node --import tsx bench/scale.ts [rows,rows,...=1000000,3000000] [query-runs=3]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, baselineIngest, generate, httpIngest, normalize, PARTS } from './dataset-data.js';
import { ensureBuilt, fmt, median, spawnServer, writeResult } from './lib.js';

const SIZES = (process.argv[2] ?? '1000000,3000000').split(',').map(Number).filter((n) => n > 0);
const RUNS = Number(process.argv[3] ?? 3);
const RSS_TARGET_MB = 300;

const queriesFor = (rows: number) => ({
  'GROUP BY region (SUM, AVG, COUNT)': 'SELECT region, SUM(amount) AS total, AVG(amount) AS avg_amount, COUNT(*) AS n FROM t GROUP BY region ORDER BY region',
  'filter + ORDER BY amount DESC LIMIT 100': "SELECT id, customer, amount, sold FROM t WHERE region = 'West' AND units > 5 ORDER BY amount DESC LIMIT 100",
  'point filter (id = one value)': `SELECT * FROM t WHERE id = ${Math.floor(rows * 0.737)}`,
});

interface SizeResult {
  rows: number;
  mb: number;
  baseRate: number;
  emuRate: number;
  peak: number;
  queries: Array<{ name: string; direct: number; http: number; same: boolean }>;
}

async function runSize(rows: number): Promise<SizeResult> {
  console.log(`${rows.toLocaleString()} rows: generating...`);
  const files = await generate(rows, 'scale');
  const mb = files.reduce((s, f) => s + statSync(f).size, 0) / 1024 / 1024;
  const work = mkdtempSync(join(tmpdir(), 'domo-bench-scale-'));
  try {
    const base = await baselineIngest(files, join(work, 'baseline.db'), rows);
    console.log(`  baseline ingest ${fmt(base.seconds)} s`);
    const server = await spawnServer(['--db', join(work, 'emu'), '--log-level', 'error']);
    const queries: SizeResult['queries'] = [];
    let emu: { seconds: number; id: string };
    let peak = 0;
    try {
      emu = await httpIngest(server.url, files, rows);
      console.log(`  HTTP ingest ${fmt(emu.seconds)} s, peak RSS ${fmt(server.peakRssMb(), 0)} MB`);
      for (const [name, sql] of Object.entries(queriesFor(rows))) {
        const stmt = base.db.prepare(sql).raw(true);
        const directRows = stmt.all() as unknown[][];
        const first = await api(server.url, 'POST', `/api/query/v1/execute/${emu.id}`, { sql });
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
    return { rows, mb, baseRate: rows / base.seconds, emuRate: rows / emu.seconds, peak, queries };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

ensureBuilt();
const results: SizeResult[] = [];
for (const n of SIZES) results.push(await runSize(n));

const first = results[0];
const lines = [
  `### Scale: one 8-column dataset at ${results.map((r) => r.rows.toLocaleString('en-US')).join(', ')} rows, HTTP API vs papaparse + better-sqlite3`,
  '',
  `Command: \`node --import tsx bench/scale.ts ${SIZES.join(',')} ${RUNS}\` (a fresh server per size: the built CLI with a file database)`,
  '',
  `Each size: the CSV in ${PARTS} parts uploaded over HTTP (create, upload, ${PARTS} parts, commit) vs papaparse streaming the same parts into better-sqlite3 in one transaction; then each query ${RUNS} times through \`POST /api/query/v1/execute\` vs the same SQL on the baseline table (medians, alternating). Growth: the emulator's figure at this size over its figure at ${first.rows.toLocaleString('en-US')} rows.`,
  '',
  '| Rows | CSV | Ingest rows/s (emulator) | Ingest vs baseline | Ingest rate growth | Server peak RSS | RSS target < 300 MB |',
  '|---:|---:|---:|---:|---:|---:|---|',
  ...results.map(
    (r) =>
      `| ${r.rows.toLocaleString('en-US')} | ${fmt(r.mb, 1)} MB | ${fmt(r.emuRate, 0)} | ${fmt(r.emuRate / r.baseRate)}x | ${fmt(r.emuRate / first.emuRate)}x | ${fmt(r.peak, 0)} MB | ${r.peak < RSS_TARGET_MB ? 'met' : 'NOT met'} |`,
  ),
  '',
  '| Rows | Query | Emulator / direct | Emulator time growth | Direct time growth | Same rows |',
  '|---:|---|---:|---:|---:|---|',
  ...results.flatMap((r) =>
    r.queries.map((q, i) => {
      const q0 = first.queries[i];
      return `| ${r.rows.toLocaleString('en-US')} | ${q.name} | ${fmt(q.http / q.direct)}x | ${fmt(q.http / q0.http)}x | ${fmt(q.direct / q0.direct)}x | ${q.same ? 'yes' : 'NO'} |`;
    }),
  ),
  '',
  'Medians in milliseconds, for reading the ratios (absolute times depend on the machine and its load):',
  '',
  '| Rows | ' + first.queries.map((q) => `${q.name}: emulator / direct`).join(' | ') + ' |',
  '|---:|' + first.queries.map(() => '---:|').join(''),
  ...results.map((r) => `| ${r.rows.toLocaleString('en-US')} | ` + r.queries.map((q) => `${fmt(q.http)} / ${fmt(q.direct)}`).join(' | ') + ' |'),
  '',
  'Neither side has an index on `id`: the point filter is a full scan on both, so its time grows with the rows.',
];
writeResult('scale', lines.join('\n'));
