import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARTICIPANT_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';
import { COVID, PEOPLE, SALES, createDataset, load, type App } from './datasets-helpers.js';

let t: App;
let id: string;
beforeAll(async () => {
  t = testApp();
  id = await createDataset(t, [
    { name: 'region', type: 'STRING' },
    { name: 'amount', type: 'DECIMAL' },
    { name: 'sold', type: 'DATE' },
    { name: 'at', type: 'DATETIME' },
    { name: 'units', type: 'LONG' },
  ]);
  await load(
    t,
    id,
    [[1, 'West,10.5,2026-01-01,2026-01-01T08:00:00,1\nEast,4.25,2026-01-02,2026-01-02T09:30:00.500,2\nWest,,2026-01-03,,3\nSouth,1,,2026-01-04T00:00:00,\n']],
    { action: 'REPLACE', index: true },
  );
});
afterAll(() => t.close());

const exec = (sql: string, query = '', opts: { token?: string; headers?: Record<string, string>; route?: string } = {}) =>
  t.call('POST', `/api/query/v1/execute/${opts.route ?? ''}${id}${query}`, { body: { sql }, token: opts.token, headers: opts.headers });

describe('POST /api/query/v1/execute/:id', () => {
  it('answers {datasource, columns, metadata, rows, numRows, numColumns, fromcache} with typed values', async () => {
    const res = await exec('SELECT region, amount, sold, at, units FROM t ORDER BY units');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      datasource: id,
      columns: ['region', 'amount', 'sold', 'at', 'units'],
      metadata: [
        { type: 'STRING', dataSourceId: id, maxLength: 5, minLength: 4, periodIndex: 0, aggregated: false },
        { type: 'DECIMAL', dataSourceId: id, maxLength: -1, minLength: -1, periodIndex: 0, aggregated: false },
        { type: 'DATE', dataSourceId: id, maxLength: -1, minLength: -1, periodIndex: 0, aggregated: false },
        { type: 'DATETIME', dataSourceId: id, maxLength: -1, minLength: -1, periodIndex: 0, aggregated: false },
        { type: 'LONG', dataSourceId: id, maxLength: -1, minLength: -1, periodIndex: 0, aggregated: false },
      ],
      rows: [
        ['South', 1, null, '2026-01-04T00:00:00', null],
        ['West', 10.5, '2026-01-01', '2026-01-01T08:00:00', 1],
        ['East', 4.25, '2026-01-02', '2026-01-02T09:30:00.500', 2],
        ['West', null, '2026-01-03', null, 3],
      ],
      numRows: 4,
      numColumns: 5,
      fromcache: false,
    });
  });

  it('gives an array of row objects with ?format=objects (the reference\'s "Query with SQL" shape)', async () => {
    const res = await exec('SELECT region, SUM(amount) AS total FROM t GROUP BY region ORDER BY region', '?format=objects');
    expect(res.json).toEqual([
      { region: 'East', total: 4.25 },
      { region: 'South', total: 1 },
      { region: 'West', total: 10.5 },
    ]);
  });

  it('pages with LIMIT n, LIMIT m,n and LIMIT n OFFSET m in the SQL; the table may be named anything', async () => {
    const all = (await exec('SELECT units FROM t ORDER BY units')).json.rows;
    expect((await exec('SELECT units FROM t ORDER BY units LIMIT 2')).json.rows).toEqual(all.slice(0, 2));
    expect((await exec('SELECT units FROM t ORDER BY units LIMIT 1,2')).json.rows).toEqual(all.slice(1, 3));
    expect((await exec('SELECT units FROM t ORDER BY units LIMIT 2 OFFSET 2')).json.rows).toEqual(all.slice(2, 4));
    expect((await exec(`SELECT COUNT(*) AS n FROM \`${id}\``)).json.rows).toEqual([[4]]);
    expect((await exec('SELECT COUNT(*) AS n FROM some_made_up_name')).json.rows).toEqual([[4]]);
  });

  it('takes text/plain SQL too', async () => {
    const res = await t.call('POST', `/api/query/v1/execute/${id}`, { raw: 'SELECT COUNT(*) FROM t', headers: { 'Content-Type': 'text/plain' } });
    expect(res.json.rows).toEqual([[4]]);
  });

  it('queries fixture datasets with backticked column names', async () => {
    const res = await t.call('POST', `/api/query/v1/execute/${SALES}`, {
      body: { sql: 'SELECT `Region`, ROUND(SUM(`Amount`), 2) AS total, COUNT(*) AS orders FROM sales GROUP BY `Region` HAVING orders > 0 ORDER BY `Region`' },
    });
    expect(res.json.rows.map((r: unknown[]) => r[0])).toEqual(['Central', 'East', 'South', 'West']);
    expect(res.json.rows.reduce((s: number, r: any[]) => s + r[2], 0)).toBe(430);
  });

  it('refuses anything but one read-only SELECT, and SQL errors, with a 400', async () => {
    for (const sql of ['DELETE FROM t', 'INSERT INTO t VALUES (1)', 'DROP TABLE t', 'SELECT 1; SELECT 2', 'PRAGMA table_info(t)', "ATTACH 'x.db' AS x", 'SELEC region FROM t', '']) {
      const res = await exec(sql);
      expectErrorShape(res, 400);
    }
    const meta = await exec('SELECT * FROM sqlite_master');
    expect(meta.text).not.toContain('CREATE TABLE');
    expectErrorShape(await exec('SELECT nope FROM t'), 400);
    expect((await exec('SELECT COUNT(*) FROM t')).json.rows).toEqual([[4]]);
    expectErrorShape(await t.call('POST', `/api/query/v1/execute/${id}`, { body: { query: 'SELECT 1' } }), 400);
  });

  it('is 404 for an unknown dataset and 403 without access', async () => {
    expectErrorShape(await t.call('POST', '/api/query/v1/execute/unknown-id', { body: { sql: 'SELECT 1 FROM t' } }), 404);
    expectErrorShape(await t.call('POST', `/api/query/v1/execute/${PEOPLE}`, { body: { sql: 'SELECT * FROM t' }, token: PARTICIPANT_TOKEN }), 403);
    expectErrorShape(await t.call('POST', `/api/query/v1/execute/export/${PEOPLE}`, { body: { sql: 'SELECT * FROM t' }, token: PARTICIPANT_TOKEN }), 403);
  });
});

describe('POST /api/query/v1/execute/export/:id', () => {
  it('answers the same object by default', async () => {
    const res = await exec('SELECT region FROM t WHERE units = 1', '?includeHeader=true', { route: 'export/' });
    expect(res.json).toMatchObject({ datasource: id, columns: ['region'], rows: [['West']], numRows: 1, numColumns: 1 });
  });

  it('gives CSV for Accept: text/csv, with or without the header row', async () => {
    const withHeader = await exec('SELECT region, amount, sold FROM t ORDER BY units', '?includeHeader=true', { route: 'export/', headers: { Accept: 'text/csv' } });
    expect(withHeader.headers.get('content-type')).toContain('text/csv');
    expect(withHeader.text).toBe('region,amount,sold\nSouth,1,\nWest,10.5,2026-01-01\nEast,4.25,2026-01-02\nWest,,2026-01-03\n');
    const bare = await exec('SELECT region FROM t ORDER BY units LIMIT 1', '?includeHeader=false', { route: 'export/', headers: { Accept: 'text/csv' } });
    expect(bare.text).toBe('South\n');
    const viaFormat = await exec('SELECT region FROM t ORDER BY units LIMIT 1', '?format=csv');
    expect(viaFormat.text).toBe('region\nSouth\n');
  });

  it('streams a large CSV result from a temporary file', async () => {
    const big = await createDataset(t, [
      { name: 'n', type: 'LONG' },
      { name: 'label', type: 'STRING' },
    ]);
    const rows = Array.from({ length: 200_000 }, (_, i) => [i, `row number ${i} with some padding text`]);
    t.instance().stores.datasets.replaceRows(big, rows);
    const res = await t.call('POST', `/api/query/v1/execute/export/${big}`, { body: { sql: 'SELECT n, label FROM t' }, headers: { Accept: 'text/csv' } });
    expect(res.status).toBe(200);
    const lines = res.text.trimEnd().split('\n');
    expect(lines).toHaveLength(200_001);
    expect(lines[200_000]).toBe('199999,row number 199999 with some padding text');
    expect(res.text.length).toBeGreaterThan(8 * 1024 * 1024);
  });

  it('reads fixture data with dates', async () => {
    const res = await t.call('POST', `/api/query/v1/execute/export/${COVID}?includeHeader=true`, {
      body: { sql: "SELECT MIN(`date`), MAX(`date`), COUNT(DISTINCT ISO3) FROM `dcad2f50-e65e-4259-a9e8-214a3d1e18a7` WHERE `date` >= '2022-04-15'" },
    });
    expect(res.json.rows).toEqual([['2022-04-15', '2022-04-30', 10]]);
  });
});
