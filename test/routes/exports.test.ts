import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARTICIPANT_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';
import { PEOPLE, advance, createDataset, load, type App } from './datasets-helpers.js';

let t: App;
let id: string;
beforeAll(async () => {
  t = testApp();
  id = await createDataset(t, [
    { name: 'Customer ID', type: 'LONG' },
    { name: 'Name', type: 'STRING' },
    { name: 'Date Filled', type: 'DATE' },
    { name: 'Metric Quantity', type: 'DECIMAL' },
  ]);
  await load(t, id, [[1, '3,"Lee, Ann",2026-01-02,1.5\n1,Bo,2026-01-01,2\n2,Cy,,\n']], { action: 'REPLACE', index: true });
});
afterAll(() => t.close());

const body = (over: Record<string, unknown> = {}) => ({
  awsAccessKey: 'AKIAEXAMPLE',
  awsAccessSecret: 'secret',
  bucket: 'my-bucket',
  path: 'exports/people.csv',
  region: 'us-east-1',
  queryRequest: {
    includeBOM: true,
    useCache: true,
    query: {
      columns: [
        { column: 'Customer ID', exprType: 'COLUMN' },
        { column: 'Name', exprType: 'COLUMN' },
        { column: 'Metric Quantity', exprType: 'COLUMN' },
      ],
      groupByColumns: [],
      orderByColumns: [{ column: 'Customer ID', exprType: 'COLUMN' }],
    },
  },
  ...over,
});
const root = () => join(t.instance().dataDir, 'exports');

describe('POST/GET /api/query/v1/export/:id', () => {
  it('writes the CSV under <dataDir>/exports/<bucket>/<path>; status moves none -> in_progress -> success', async () => {
    const res = await t.call('POST', `/api/query/v1/export/${id}`, { body: body() });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ bucket: 'my-bucket', path: 'exports/people.csv', compression: 'none', exportFormat: 'csv', exportStatus: 'none', finished: null, started: '2026-01-15T12:00:00.000Z' });
    const file = join(root(), 'my-bucket', 'exports', 'people.csv');
    expect(res.json.localPath).toBe(file);
    expect(readFileSync(file, 'utf8')).toBe('\ufeffCustomer ID,Name,Metric Quantity\n1,Bo,2\n2,Cy,\n3,"Lee, Ann",1.5\n');

    // a second export while this one is active: 409
    expectErrorShape(await t.call('POST', `/api/query/v1/export/${id}`, { body: body({ path: 'other.csv' }) }), 409);
    await advance(t, 'PT0.6S');
    expect((await t.call('GET', `/api/query/v1/export/${id}`)).json[0].exportStatus).toBe('in_progress');
    await advance(t, 'PT1S');
    const status = (await t.call('GET', `/api/query/v1/export/${id}`)).json;
    expect(status).toHaveLength(1);
    expect(status[0]).toMatchObject({ exportId: res.json.exportId, exportStatus: 'success', finished: '2026-01-15T12:00:01.500Z', urlRowCountMap: { 's3://my-bucket/exports/people.csv': 3 } });

    // unchanged data + same request: the previous export comes back
    const same = await t.call('POST', `/api/query/v1/export/${id}`, { body: body() });
    expect(same.json.exportId).toBe(res.json.exportId);
    // changed data: a new export, no BOM, all columns, into a "folder" path
    await load(t, id, [[1, '4,Di,2026-01-03,9\n']], { action: 'APPEND', index: true });
    const next = await t.call('POST', `/api/query/v1/export/${id}`, { body: body({ path: 'daily/', queryRequest: { includeBOM: false } }) });
    expect(next.json.exportId).not.toBe(res.json.exportId);
    expect(next.json.path).toBe(`daily/${id}.csv`);
    const text = readFileSync(join(root(), 'my-bucket', 'daily', `${id}.csv`), 'utf8');
    expect(text.split('\n')[0]).toBe('Customer ID,Name,Date Filled,Metric Quantity');
    expect(text.split('\n')).toHaveLength(6);
    expect((await t.call('GET', `/api/query/v1/export/${id}`)).json.map((e: any) => e.exportId)).toEqual([next.json.exportId, res.json.exportId]);
  });

  it('keeps files inside the export directory and validates the body; nothing is written on a rejection', async () => {
    const before = existsSync(root()) ? readdirSync(root(), { recursive: true }).length : 0;
    for (const over of [
      { path: '../../../etc/passwd' },
      { path: 'a/../../b.csv' },
      { path: 'a\\b.csv' },
      { path: 'a//b.csv' },
      { bucket: '..' },
      { bucket: 'Bad_Bucket' },
      { bucket: '../x' },
      { region: 'nowhere' },
      { awsAccessKey: '' },
      { queryRequest: { query: { columns: [{ column: 'Nope', exprType: 'COLUMN' }] } } },
    ]) {
      expectErrorShape(await t.call('POST', `/api/query/v1/export/${id}`, { body: body(over) }), 400);
    }
    const { bucket: _b, ...noBucket } = body();
    expectErrorShape(await t.call('POST', `/api/query/v1/export/${id}`, { body: noBucket }), 400);
    const after = existsSync(root()) ? readdirSync(root(), { recursive: true }).length : 0;
    expect(after).toBe(before);
    expectErrorShape(await t.call('POST', '/api/query/v1/export/unknown', { body: body() }), 404);
    expectErrorShape(await t.call('POST', `/api/query/v1/export/${PEOPLE}`, { body: body(), token: PARTICIPANT_TOKEN }), 403);
    expectErrorShape(await t.call('GET', `/api/query/v1/export/${PEOPLE}`, { token: PARTICIPANT_TOKEN }), 403);
  });
});
