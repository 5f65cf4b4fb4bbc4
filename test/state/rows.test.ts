import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvLine } from '../../src/engines/csv.js';
import { ApiError } from '../../src/http/errors.js';
import { ident, SPILL_BYTES, type RowSource } from '../../src/state/rows.js';
import { ADMIN_ID, testApp } from '../helpers/app.js';
import { createDataset, load } from '../routes/datasets-helpers.js';

const t = testApp();
const admin = () => t.instance().as(ADMIN_ID);
let id: string;
const rows = () => t.instance().stores.rows;

beforeAll(async () => {
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
    [[1, 'West,10.5,2026-01-01,2026-01-01T08:00:00,1\n"East, ""Big""",4.25,2026-01-02,2026-01-02T09:30:00.500,2\nWest,,2026-01-03,,3\n" South",1,,2026-01-04T00:00:00,\n']],
    { action: 'REPLACE', index: true },
  );
});
afterAll(() => t.close());

const spillFiles = () => {
  const dir = join(t.instance().dataDir, 'tmp');
  return existsSync(dir) ? readdirSync(dir) : [];
};
async function text(body: Readable | string): Promise<string> {
  if (typeof body === 'string') return body;
  let out = '';
  for await (const chunk of body) out += chunk;
  return out;
}

describe('the row service: one query, three outputs', () => {
  const SQLS = [
    'SELECT * FROM t ORDER BY units',
    'SELECT region, SUM(amount) AS total, COUNT(*) AS n, MIN(sold), CONCAT(region, \'!\') FROM t GROUP BY region ORDER BY region',
    'SELECT units / 2 AS half, YEAR(sold) AS y, NULL AS blank FROM t ORDER BY units DESC',
  ];

  it.each(SQLS)('JSON rows, row objects and CSV agree over HTTP: %s', async (sql) => {
    const call = (q: string) => t.call('POST', `/api/query/v1/execute/${id}${q}`, { body: { sql } });
    const json = (await call('')).json;
    const objects = (await call('?format=objects')).json;
    const csv = (await call('?format=csv')).text;
    const bare = (await call('?format=csv&includeHeader=false')).text;
    expect(json.numRows).toBe(json.rows.length);
    expect(objects).toEqual(json.rows.map((r: unknown[]) => Object.fromEntries(json.columns.map((c: string, i: number) => [c, r[i]]))));
    expect(csv).toBe(csvLine(json.columns) + json.rows.map((r: unknown[]) => csvLine(r)).join(''));
    expect(bare).toBe(json.rows.map((r: unknown[]) => csvLine(r)).join(''));
  });

  it('gives the same answer in a query worker and inline on the instance connection', async () => {
    const src = rows().source(id, admin());
    for (const sql of SQLS) {
      const q = rows().sql(src, sql);
      expect(await rows().rows(q)).toEqual(rows().rowsInline(q));
    }
  });

  it('builds its own queries with select(): columns, grouping, order, limit, through the same compiler', async () => {
    const src = rows().source(id, admin());
    const q = rows().select(src, {
      columns: [ident('region'), { expr: `SUM(${ident('units')})`, as: 'units' }],
      where: `${ident('units')} IS NOT NULL`,
      groupBy: [ident('region')],
      orderBy: [{ expr: ident('units'), desc: true }],
      limit: 2,
    });
    expect(await rows().rows(q)).toEqual({ columns: ['region', 'units'], types: ['STRING', 'LONG'], rows: [['West', 4], ['"East, ""Big"""'.slice(1, -1).replace(/""/g, '"'), 2]] });
  });

  it('spills a large CSV to one file under the instance data directory and removes it once streamed', async () => {
    const big = await createDataset(t, [
      { name: 'n', type: 'LONG' },
      { name: 'label', type: 'STRING' },
    ]);
    t.instance().stores.datasets.replaceRows(big, Array.from({ length: 250_000 }, (_, i) => [i, `row ${i} padded with some text`]));
    const src = rows().source(big, admin());
    const q = rows().sql(src, 'SELECT n, label FROM t ORDER BY n');
    const out = await rows().csv(q, { header: true });
    expect(out.file).toBeDefined();
    expect(out.rowCount).toBe(250_000);
    expect(spillFiles()).toHaveLength(1);
    const body = await text(rows().csvStream(out));
    expect(body.length).toBeGreaterThan(SPILL_BYTES);
    expect(body.startsWith('n,label\n0,row 0 padded with some text\n')).toBe(true);
    await expect.poll(() => spillFiles()).toEqual([]);

    // a stream abandoned half way removes its file too
    const again = rows().csvStream(await rows().csv(q, { header: false })) as Readable;
    for await (const _ of again) break;
    await expect.poll(() => spillFiles()).toEqual([]);
  });
});

describe('every reader goes through it and agrees with Domo SQL', () => {
  const SALES = '0dbe6a6a-5588-4a1e-9db4-989ca98762a5';
  const sql = async (q: string) => (await t.call('POST', `/api/query/v1/execute/${SALES}`, { body: { sql: q } })).json.rows;

  it('the S3 export CSV is the query CSV of the same columns', async () => {
    const res = await t.call('POST', `/api/query/v1/export/${SALES}`, {
      body: {
        awsAccessKey: 'AKIAEXAMPLE',
        awsAccessSecret: 'secret',
        bucket: 'rows-test',
        path: 'sales.csv',
        region: 'us-east-1',
        queryRequest: {
          query: {
            columns: [{ column: 'Region', exprType: 'COLUMN' }, { column: 'Amount', exprType: 'COLUMN' }],
            orderByColumns: [{ column: 'Order ID', exprType: 'COLUMN', sortOrder: 'DESC' }],
          },
        },
      },
    });
    expect(res.status).toBe(200);
    const fromQuery = await t.call('POST', `/api/query/v1/execute/${SALES}?format=csv`, { body: { sql: 'SELECT `Region`, `Amount` FROM t ORDER BY `Order ID` DESC' } });
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(res.json.localPath, 'utf8')).toBe(fromQuery.text);
  });

  it('a card render and the card email give the SQL totals of their dataset', async () => {
    const card = 100292101;
    const render = (await t.call('PUT', `/api/content/v1/cards/kpi/${card}/render?parts=summary,dataSource`, { body: {} })).json;
    const email = (await t.call('POST', '/api/content/v1/reportschedules/card-email-data', { body: [card] })).json[String(card)];
    const [[total, n]] = await sql('SELECT ROUND(SUM(`Amount`), 2), COUNT(*) FROM t');
    expect(render.dataSource.id).toBe(SALES);
    expect(render.summary).toMatchObject({ label: 'Total Amount' });
    expect(render.summary.value).toBeCloseTo(total, 2);
    expect(email.summaryNumberLabel).toBe('Total Amount');
    expect(email.summaryNumberValue).toBe(total.toLocaleString('en-US'));
    expect(email.htmlContent).toContain(`<p>${n} rows</p>`);
  });
});

describe('derived sources: where PDP and beast modes plug in', () => {
  const derived = (filter: { sql: string; params: Record<string, unknown> } | null): RowSource =>
    rows().derived(rows().source(id, admin()), {
      computed: [
        { name: 'Double Amount', type: 'DECIMAL', expr: `${ident('amount')} * 2` },
        { name: 'Big', type: 'LONG', expr: `CASE WHEN ${ident('amount')} > 4 THEN 1 ELSE 0 END` },
      ],
      filter,
    });

  it('adds computed columns a query can name, and a filter with parameters bound at every reference', async () => {
    const src = derived({ sql: 'v."region" = @pdp_0', params: { pdp_0: 'West' } });
    const res = await rows().rows(rows().sql(src, 'SELECT region, `Double Amount`, Big FROM t ORDER BY units'));
    expect(res.rows).toEqual([
      ['West', 21, 1],
      ['West', null, 0],
    ]);
    // a self-join reads the source twice: both see the filter
    const self = await rows().rows(rows().sql(src, 'SELECT COUNT(*) FROM t a JOIN t b ON a.region = b.region'));
    expect(self.rows).toEqual([[4]]);
    // CSV and objects follow the same source
    const csv = await rows().csv(rows().sql(src, 'SELECT units, `Double Amount` FROM t ORDER BY units'), { header: true });
    expect(csv.text).toBe('units,Double Amount\n1,21\n3,\n');
    // the emulator's own queries too
    const sum = await rows().rows(rows().select(src, { columns: [`SUM(${ident('Double Amount')})`] }));
    expect(sum.rows).toEqual([[21]]);
  });

  it('keeps the read-only guard on the dataset: a source that reads another table is refused', async () => {
    const leaky = derived({ sql: 'v."region" IN (SELECT display_name FROM users)', params: {} });
    await expect(rows().rows(rows().sql(leaky, 'SELECT COUNT(*) FROM t'))).rejects.toMatchObject({ status: 400, message: 'A query can read only its own dataset' });
    // a formula's subquery reads the dataset, whatever table it names
    const src = rows().derived(rows().source(id, admin()), { computed: [{ name: 'n', type: 'LONG', expr: '(SELECT COUNT(*) FROM users)' }] });
    expect((await rows().rows(rows().sql(src, 'SELECT DISTINCT n FROM t'))).rows).toEqual([[4]]);
    expect(() => rows().derived(rows().source(id, admin()), { computed: [{ name: 'x', type: 'LONG', expr: 'SELECT 1' }] })).toThrow(ApiError);
  });
});
