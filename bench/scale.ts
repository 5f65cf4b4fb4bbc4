/**
 * Scale: an 8-column dataset uploaded in parts through the HTTP API at several sizes (default 1M and 3M
 * rows; pass 10000000 to add 10M), each against a baseline in the same run:
 *   papaparse streaming the same CSV parts into better-sqlite3 (one prepared insert, one transaction),
 *   and the same SQL run directly on that table.
 * Reports per size: ingest rows/s, GROUP BY, filtered ORDER BY/LIMIT and a point filter (one id), each as
 * emulator / baseline, and the server's peak RSS (VmHWM; a fresh server per size).
 *   node --import tsx bench/scale.ts [rows,rows,...=1000000,3000000] [query-runs=3]
 */
import Database from 'better-sqlite3';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Papa from 'papaparse';
import { ADMIN_TOKEN, ensureBuilt, fmt, median, root, spawnServer, writeResult } from './lib.js';

const SIZES = (process.argv[2] ?? '1000000,3000000').split(',').map(Number).filter((n) => n > 0);
const RUNS = Number(process.argv[3] ?? 3);
const PARTS = 10;
const RSS_TARGET_MB = 300;

const columns = [
  { name: 'id', type: 'LONG', decl: 'INTEGER' },
  { name: 'region', type: 'STRING', decl: 'TEXT' },
  { name: 'product', type: 'STRING', decl: 'TEXT' },
  { name: 'customer', type: 'STRING', decl: 'TEXT' },
  { name: 'amount', type: 'DECIMAL', decl: 'DECIMAL_REAL' },
  { name: 'units', type: 'LONG', decl: 'INTEGER' },
  { name: 'sold', type: 'DATE', decl: 'DATE_TEXT' },
  { name: 'created', type: 'DATETIME', decl: 'DATETIME_TEXT' },
];

const queriesFor = (rows: number) => ({
  'GROUP BY region (SUM, AVG, COUNT)': 'SELECT region, SUM(amount) AS total, AVG(amount) AS avg_amount, COUNT(*) AS n FROM t GROUP BY region ORDER BY region',
  'filter + ORDER BY amount DESC LIMIT 100': "SELECT id, customer, amount, sold FROM t WHERE region = 'West' AND units > 5 ORDER BY amount DESC LIMIT 100",
  'point filter (id = one value)': `SELECT * FROM t WHERE id = ${Math.floor(rows * 0.737)}`,
});

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The CSV parts for `rows` rows (generated once into bench/.data, deterministic). */
async function generate(rows: number): Promise<string[]> {
  const dataDir = join(root, 'bench', '.data', `scale-${rows}`);
  const files = Array.from({ length: PARTS }, (_, i) => join(dataDir, `part-${i + 1}.csv`));
  if (files.every((f) => existsSync(f))) return files;
  mkdirSync(dataDir, { recursive: true });
  const r = rng(42);
  const regions = ['West', 'East', 'Central', 'South', 'North', 'Pacific', 'Mountain', 'Atlantic'];
  const products = Array.from({ length: 50 }, (_, i) => `Product ${String(i + 1).padStart(2, '0')}`);
  const customers = Array.from({ length: 2000 }, (_, i) => `Customer ${String(i + 1).padStart(4, '0')}`);
  const start = Date.UTC(2024, 0, 1);
  let id = 1;
  for (let p = 0; p < PARTS; p++) {
    const out = createWriteStream(files[p]);
    const n = Math.floor(rows / PARTS) + (p < rows % PARTS ? 1 : 0);
    let buf = '';
    for (let i = 0; i < n; i++) {
      const iso = new Date(start + Math.floor(r() * 730 * 86_400_000)).toISOString();
      buf += `${id++},${regions[Math.floor(r() * 8)]},${products[Math.floor(r() * 50)]},${customers[Math.floor(r() * 2000)]},${(r() * 5000).toFixed(2)},${1 + Math.floor(r() * 20)},${iso.slice(0, 10)},${iso.slice(0, 19)}\n`;
      if (buf.length > 1 << 20) {
        if (!out.write(buf)) await new Promise<void>((res) => out.once('drain', () => res()));
        buf = '';
      }
    }
    out.end(buf);
    await new Promise<void>((res) => out.once('finish', () => res()));
  }
  return files;
}

async function baselineIngest(files: string[], dbFile: string, rows: number): Promise<{ seconds: number; db: Database.Database }> {
  const db = new Database(dbFile);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE t (${columns.map((c) => `"${c.name}" ${c.decl}`).join(', ')})`);
  const insert = db.prepare(`INSERT INTO t VALUES (${columns.map(() => '?').join(',')})`);
  const started = performance.now();
  db.exec('BEGIN');
  for (const f of files) {
    await new Promise<void>((resolve, reject) => {
      const parser = Papa.parse(Papa.NODE_STREAM_INPUT, { delimiter: ',' });
      parser.on('data', (row: string[]) => {
        if (row.length === columns.length) insert.run(row);
      });
      parser.on('end', resolve);
      parser.on('error', reject);
      createReadStream(f).pipe(parser);
    });
  }
  db.exec('COMMIT');
  const seconds = (performance.now() - started) / 1000;
  const n = (db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n;
  if (n !== rows) throw new Error(`baseline loaded ${n} rows, expected ${rows}`);
  return { seconds, db };
}

async function api(url: string, method: string, path: string, body?: unknown): Promise<any> {
  const send = () =>
    fetch(`${url}${path}`, {
      method,
      headers: { 'X-DOMO-Developer-Token': ADMIN_TOKEN, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  let res: Response;
  try {
    res = await send();
  } catch (e) {
    if ((e as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw e;
    res = await send(); // a kept-alive socket the server closed just as this request went out
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

async function httpIngest(url: string, files: string[], rows: number): Promise<{ seconds: number; id: string }> {
  const started = performance.now();
  const created = await api(url, 'POST', '/api/data/v2/datasources', {
    userDefinedType: 'api',
    dataSourceName: 'scale',
    schema: { columns: columns.map(({ name, type }) => ({ name, type })) },
  });
  const id = created.id as string;
  const { uploadId } = await api(url, 'POST', `/api/data/v3/datasources/${id}/uploads`, { action: null, appendId: null });
  for (let p = 0; p < files.length; p++) {
    const res = await fetch(`${url}/api/data/v3/datasources/${id}/uploads/${uploadId}/parts/${p + 1}`, {
      method: 'PUT',
      headers: { 'X-DOMO-Developer-Token': ADMIN_TOKEN, 'Content-Type': 'text/csv', 'Content-Length': String(statSync(files[p]).size) },
      body: Readable.toWeb(createReadStream(files[p])) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    if (!res.ok) throw new Error(`part ${p + 1}: ${res.status} ${await res.text()}`);
    await res.text();
  }
  const commit = await api(url, 'PUT', `/api/data/v3/datasources/${id}/uploads/${uploadId}/commit`, { action: 'REPLACE', index: true });
  const seconds = (performance.now() - started) / 1000;
  if (commit.numRows !== rows) throw new Error(`commit has ${commit.numRows} rows, expected ${rows}`);
  return { seconds, id };
}

const normalize = (rows: unknown[][]) => JSON.stringify(rows.map((r) => r.map((v) => (typeof v === 'number' ? Number(v.toPrecision(10)) : v))));

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
  const files = await generate(rows);
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
