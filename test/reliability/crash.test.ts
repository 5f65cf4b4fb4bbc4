/**
 * Crash safety: the real CLI on a --db directory runs three-stage dataset uploads and AppDB bulk writes
 * from several clients, is killed with SIGKILL at a seeded moment, and is started again on the same
 * directory, several times over. After every restart: every write that was answered 2xx is there, and
 * every upload and bulk write is there whole or not at all (no half-committed data version is visible,
 * no half-inserted batch). At the end: no staging table or temporary file is left behind.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceBundle, startCli, type CliProcess } from '../helpers/cli.js';
import { ADMIN, prng } from './helpers.js';

const ROUNDS = 5;
const SEED = 424242;
const ROWS_PER_PART = 300;
const PARTS = 2;
const DOCS_PER_BATCH = 100;

let dir: string;
let entry: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'domo-rel-crash-'));
  entry = await sourceBundle();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const start = () => startCli(['--port', '0', '--db', dir, '--log-level', 'error'], {}, { entry });

async function api(cli: CliProcess, method: string, path: string, body?: string, type = 'application/json') {
  const res = await fetch(cli.url + path, { method, headers: { 'X-DOMO-Developer-Token': ADMIN, 'Content-Type': type }, body });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as any) : undefined };
}

interface Ledger {
  /** upload keys whose commit answered 200 */
  committed: Set<number>;
  /** every upload key a client started */
  started: Set<number>;
  /** AppDB batch keys answered 200 */
  acked: Set<number>;
  batches: Set<number>;
}

/** One client: three-stage uploads until the server goes away. */
async function uploader(cli: CliProcess, run: { killed: boolean }, dataset: string, keys: () => number, ledger: Ledger) {
  for (;;) {
    const key = keys();
    ledger.started.add(key);
    try {
      const up = await api(cli, 'POST', `/api/data/v3/datasources/${dataset}/uploads`, '{"action":"APPEND"}');
      if (up.status !== 200) throw new Error(`start ${up.status}`);
      for (let p = 1; p <= PARTS; p++) {
        let csv = '';
        for (let i = 0; i < ROWS_PER_PART; i++) csv += `${key},${p},${i}\n`;
        const r = await api(cli, 'PUT', `/api/data/v3/datasources/${dataset}/uploads/${up.json.uploadId}/parts/${p}`, csv, 'text/csv');
        if (r.status !== 200) throw new Error(`part ${r.status}`);
      }
      const c = await api(cli, 'PUT', `/api/data/v3/datasources/${dataset}/uploads/${up.json.uploadId}/commit`, '{"action":"APPEND","index":true}');
      if (c.status === 200) ledger.committed.add(key);
      else throw new Error(`commit ${c.status}`);
    } catch (e) {
      if (run.killed) return; // killed: the outcome of this upload is unknown
      throw e;
    }
  }
}

/** One client: AppDB bulk creates until the server goes away. */
async function bulkWriter(cli: CliProcess, run: { killed: boolean }, keys: () => number, ledger: Ledger) {
  for (;;) {
    const key = keys();
    ledger.batches.add(key);
    const docs = Array.from({ length: DOCS_PER_BATCH }, (_, i) => ({ content: { b: key, i, pad: 'x'.repeat(50) } }));
    try {
      const r = await api(cli, 'POST', '/api/datastores/v1/collections/crash/documents/bulk', JSON.stringify(docs));
      if (r.status === 200 && r.json.Created === DOCS_PER_BATCH) ledger.acked.add(key);
      else throw new Error(`bulk ${r.status}`);
    } catch (e) {
      if (run.killed) return;
      throw e;
    }
  }
}

/** What the restarted server holds, checked against the ledger. */
async function verify(cli: CliProcess, dataset: string, ledger: Ledger) {
  const q = await api(cli, 'POST', `/api/query/v1/execute/${dataset}`, JSON.stringify({ sql: 'SELECT k, COUNT(*) AS n, COUNT(DISTINCT p) AS parts FROM t GROUP BY k' }));
  expect(q.status).toBe(200);
  const present = new Map<number, { n: number; parts: number }>(q.json.rows.map((r: [number, number, number]) => [r[0], { n: r[1], parts: r[2] }]));
  for (const [key, got] of present) {
    expect(ledger.started.has(key), `rows of an upload no client started: ${key}`).toBe(true);
    expect(got, `upload ${key} is only partly visible`).toEqual({ n: ROWS_PER_PART * PARTS, parts: PARTS });
  }
  for (const key of ledger.committed) expect(present.has(key), `upload ${key} was answered 200 but its rows are gone`).toBe(true);

  const a = await api(cli, 'POST', '/api/datastores/v1/collections/crash/documents/query?groupby=content.b&count=n', '{}');
  expect(a.status).toBe(200);
  const batches = new Map<number, number>(a.json.map((r: { b: number; n: number }) => [r.b, r.n]));
  for (const [key, n] of batches) {
    expect(ledger.batches.has(key)).toBe(true);
    expect(n, `bulk write ${key} is only partly there`).toBe(DOCS_PER_BATCH);
  }
  for (const key of ledger.acked) expect(batches.get(key), `bulk write ${key} was answered 200 but is gone`).toBe(DOCS_PER_BATCH);

  // the versions the dataset lists match the rows it has
  const versions = await api(cli, 'GET', `/api/data/v2/datasources/${dataset}/dataversions`);
  expect(versions.status).toBe(200);
  const listed = (versions.json as Array<{ numRows: number }>).reduce((s, v) => s + v.numRows, 0);
  expect(listed).toBe([...present.values()].reduce((s, v) => s + v.n, 0));
  return { uploads: present.size, batches: batches.size };
}

describe('kill -9 during uploads and bulk writes', () => {
  it(`${ROUNDS} rounds: every 2xx write survives, nothing is half-committed`, async () => {
    const rnd = prng(SEED);
    const ledger: Ledger = { committed: new Set(), started: new Set(), acked: new Set(), batches: new Set() };
    let cli = await start();
    const ds = await api(cli, 'POST', '/api/data/v2/datasources', JSON.stringify({ dataSourceName: 'crash', schema: { columns: [{ name: 'k', type: 'LONG' }, { name: 'p', type: 'LONG' }, { name: 'i', type: 'LONG' }] } }));
    expect(ds.status).toBe(200);
    const dataset = ds.json.id as string;
    expect((await api(cli, 'POST', '/api/datastores/v1/collections', '{"name":"crash"}')).status).toBe(200);
    let next = 0;
    const keys = () => ++next;
    const seen: Array<{ uploads: number; batches: number }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const run = { killed: false };
      const work = [uploader(cli, run, dataset, keys, ledger), uploader(cli, run, dataset, keys, ledger), bulkWriter(cli, run, keys, ledger), bulkWriter(cli, run, keys, ledger)];
      await new Promise((r) => setTimeout(r, 250 + rnd.int(900)));
      const exited = new Promise((r) => cli.proc.once('exit', r));
      run.killed = true;
      cli.proc.kill('SIGKILL');
      await Promise.all(work);
      await exited;
      cli = await start();
      seen.push(await verify(cli, dataset, ledger));
    }
    await cli.stop();
    // the clients did real work in every round, and some of it was answered before the kill
    expect(ledger.committed.size).toBeGreaterThan(ROUNDS);
    expect(ledger.acked.size).toBeGreaterThan(ROUNDS);
    expect(seen[seen.length - 1].uploads).toBeGreaterThanOrEqual(ledger.committed.size);

    // nothing half-written is left on disk: staging tables of parts, temporary database files
    const db = new Database(join(dir, 'default.db'), { readonly: true });
    try {
      // the last start dropped the staging tables of parts that were arriving at a kill
      const staging = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'dsup%' AND name NOT IN (SELECT table_name FROM dataset_upload_parts)`).all();
      expect(staging).toEqual([]);
    } finally {
      db.close();
    }
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 120_000);
});
