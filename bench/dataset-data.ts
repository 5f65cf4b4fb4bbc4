/**
 * The generated 8-column sales dataset the dataset benches share (bench/datasets.ts, bench/scale.ts): the
 * CSV parts, the papaparse + better-sqlite3 baseline and the emulator's three-stage upload over HTTP.
 */
import Database from 'better-sqlite3';
import { createReadStream, createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Papa from 'papaparse';
import { ADMIN_TOKEN, fmt, root } from './lib.js';
import { mulberry32 as rng } from '../src/rng.js';

export const PARTS = 10;

export const columns = [
  { name: 'id', type: 'LONG', decl: 'INTEGER' },
  { name: 'region', type: 'STRING', decl: 'TEXT' },
  { name: 'product', type: 'STRING', decl: 'TEXT' },
  { name: 'customer', type: 'STRING', decl: 'TEXT' },
  { name: 'amount', type: 'DECIMAL', decl: 'DECIMAL_REAL' },
  { name: 'units', type: 'LONG', decl: 'INTEGER' },
  { name: 'sold', type: 'DATE', decl: 'DATE_TEXT' },
  { name: 'created', type: 'DATETIME', decl: 'DATETIME_TEXT' },
];

/** The CSV parts for `rows` rows, generated once (deterministic) into bench/.data/<name>-<rows>. */
export async function generate(rows: number, name: string): Promise<string[]> {
  const dataDir = join(root, 'bench', '.data', `${name}-${rows}`);
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
      const t = start + Math.floor(r() * 730 * 86_400_000);
      const iso = new Date(t).toISOString();
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

/** The baseline: papaparse streaming the parts into better-sqlite3, one prepared insert in one transaction. */
export async function baselineIngest(files: string[], dbFile: string, rows: number): Promise<{ seconds: number; db: Database.Database }> {
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

/** A JSON call as the admin (a request sent on a socket the server just closed is resent once). */
export async function api(url: string, method: string, path: string, body?: unknown): Promise<any> {
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
    // a kept-alive socket the server closed (5 s idle) just as this request went out: send it once more
    if ((e as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw e;
    console.log(`  (${method} ${path}: the server closed an idle connection; resent)`);
    res = await send();
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/** The emulator: create the dataset, upload the parts (streamed), commit; time from create to commit. */
export async function httpIngest(url: string, files: string[], rows: number): Promise<{ seconds: number; id: string }> {
  const started = performance.now();
  const created = await api(url, 'POST', '/api/data/v2/datasources', {
    userDefinedType: 'api',
    dataSourceName: `bench-${rows}`,
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
    if (process.env.BENCH_VERBOSE) console.log(`  part ${p + 1} done at ${fmt((performance.now() - started) / 1000)} s`);
  }
  const commit = await api(url, 'PUT', `/api/data/v3/datasources/${id}/uploads/${uploadId}/commit`, { action: 'REPLACE', index: true });
  const seconds = (performance.now() - started) / 1000;
  if (commit.numRows !== rows) throw new Error(`commit has ${commit.numRows} rows, expected ${rows}`);
  return { seconds, id };
}

/** Rows compared across engines (numbers to 10 significant digits). */
export function normalize(rows: unknown[][]): string {
  return JSON.stringify(rows.map((r) => r.map((v) => (typeof v === 'number' ? Number(v.toPrecision(10)) : v))));
}
