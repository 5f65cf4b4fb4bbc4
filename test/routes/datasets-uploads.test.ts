import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorShape, testApp } from '../helpers/app.js';
import {
  advance,
  commit,
  createDataset,
  ds,
  load,
  putPart,
  salesColumns,
  slowBody,
  sqlRows,
  startUpload,
  type App,
} from './datasets-helpers.js';

let t: App;
beforeAll(() => {
  t = testApp();
});
afterAll(() => t.close());

const TOTALS = 'SELECT region, SUM(amount) AS total FROM t GROUP BY region ORDER BY region';
const versionsOf = async (id: string) => (await t.call('GET', `/api/data/v2/datasources/${id}/dataversions`)).json as any[];

describe('the whole flow a client walks', () => {
  it('create, three parts out of order, APPEND, query, REPLACE, partitions, versions, delete a version, query again', async () => {
    const id = await createDataset(t, salesColumns, { name: 'Flow' });

    // stage 1..3 with parts numbered 7, 2, 4 and sent in the order 7, 2, 4
    const up = await startUpload(t, id);
    const p7 = 'West,100.50,2026-01-03,2\nEast,20.25,2026-01-04,1\n';
    const p2 = 'West,200.00,2026-01-01,5\nCentral,75.75,2026-01-02,3\n';
    const p4 = 'East,30.00,2026-01-05,1\nWest,0.25,2026-01-05,1\n';
    for (const [n, csv] of [
      [7, p7],
      [2, p2],
      [4, p4],
    ] as const) {
      const r = await putPart(t, id, up, n, csv);
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ uploadId: up, part: n, numRows: 2 });
    }
    const c1 = await commit(t, id, up, { action: 'APPEND', index: 'true' });
    expect(c1.status).toBe(200);
    expect(c1.json).toMatchObject({ dataSourceId: id, uploadId: up, dataVersionId: 1, action: 'APPEND', numRows: 6, parts: 3 });

    expect(await sqlRows(t, id, TOTALS)).toEqual([
      ['Central', 75.75],
      ['East', 50.25],
      ['West', 300.75],
    ]);
    // rows come back in part-number order (2, 4, 7), each part in line order
    expect((await sqlRows(t, id, 'SELECT region, amount FROM t')).map((r) => r[1])).toEqual([200, 75.75, 30, 0.25, 100.5, 20.25]);
    expect((await t.call('GET', ds(id))).json.rowCount).toBe(6);

    // APPEND again, then REPLACE
    await load(t, id, [[1, 'South,10,2026-01-06,1\n']], { action: 'APPEND', index: true });
    expect(await sqlRows(t, id, TOTALS)).toContainEqual(['South', 10]);
    await load(t, id, [[1, 'North,5.5,2026-01-07,1\nNorth,4.5,2026-01-07,2\n']], { action: 'REPLACE', index: true });
    expect(await sqlRows(t, id, TOTALS)).toEqual([['North', 10]]);

    // partitions: two tags, then one tag restated
    await load(t, id, [[1, 'East,1,2026-02-01,1\n']], { action: 'APPEND', dataTag: '2026-02', appendId: 'latest' });
    const up2 = await startUpload(t, id, '/?restateDataTag=2026-03');
    expect((await putPart(t, id, up2, 1, 'East,2,2026-03-01,1\nWest,3,2026-03-02,1\n')).status).toBe(200);
    expect((await commit(t, id, up2, { action: 'APPEND', index: true })).status).toBe(200);
    expect(await sqlRows(t, id, TOTALS)).toEqual([
      ['East', 3],
      ['North', 10],
      ['West', 3],
    ]);
    await load(t, id, [[1, 'East,100,2026-02-15,1\n']], { action: 'APPEND', restateDataTag: '2026-02', index: true });
    expect(await sqlRows(t, id, TOTALS)).toEqual([
      ['East', 102],
      ['North', 10],
      ['West', 3],
    ]);
    const parts = (await t.call('POST', `/api/query/v1/datasources/${id}/partition/list`, { body: { limit: 10, offset: 0 } })).json;
    expect(parts.map((p: any) => [p.partitionId, p.rowCount])).toEqual(
      expect.arrayContaining([
        ['2026-02', 1],
        ['2026-03', 2],
      ]),
    );

    // versions: 1 (APPEND) .. 7 (restated 2026-02)
    const versions = await versionsOf(id);
    expect(versions.map((v) => [v.dataId, v.numRows])).toEqual([
      [1, 6],
      [2, 1],
      [3, 2],
      [4, 1],
      [5, 2],
      [6, 1],
    ]);
    expect(versions[0]).toMatchObject({ schemaId: 1, uploadStatus: 'success', recordedDate: '2026-01-15T12:00:00Z' });

    // delete the REPLACE version: the data before it (versions 1 and 2) is what remains, with the partitions after it
    const del = await t.call('DELETE', `/api/data/v2/datasources/${id}/dataversions`, { body: [3] });
    expect(del.status).toBe(200);
    expect((await versionsOf(id)).map((v) => v.dataId)).toEqual([1, 2, 4, 5, 6]);
    expect(await sqlRows(t, id, TOTALS)).toEqual([
      ['Central', 75.75],
      ['East', 152.25],
      ['South', 10],
      ['West', 303.75],
    ]);
    expect((await t.call('GET', ds(id))).json.rowCount).toBe(10);
  });
});

describe('PUT .../uploads/:uploadId/parts/:part', () => {
  it('takes parts concurrently, interleaved, and keeps part order at commit', async () => {
    const id = await createDataset(t, salesColumns);
    const up = await startUpload(t, id);
    const rows = (region: string, n: number) => Array.from({ length: n }, (_, i) => `${region},${i + 1},2026-01-01,${i}`).join('\n') + '\n';
    const res = await Promise.all([
      putPart(t, id, up, 3, slowBody(rows('C', 300), 6)),
      putPart(t, id, up, 1, slowBody(rows('A', 200), 5)),
      putPart(t, id, up, 2, slowBody(rows('B', 250), 7)),
    ]);
    expect(res.map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await commit(t, id, up, { action: 'REPLACE', index: true })).json.numRows).toBe(750);
    const got = await sqlRows(t, id, 'SELECT region, COUNT(*), SUM(amount) FROM t GROUP BY region ORDER BY region');
    expect(got).toEqual([
      ['A', 200, 20100],
      ['B', 250, 31375],
      ['C', 300, 45150],
    ]);
    const order = (await sqlRows(t, id, 'SELECT region FROM t')).map((r) => r[0]);
    expect(order.indexOf('B')).toBe(200);
    expect(order.indexOf('C')).toBe(450);
  });

  it('rejects a bad value with a 400 naming part, line and column, keeping the other parts', async () => {
    const id = await createDataset(t, salesColumns);
    const up = await startUpload(t, id);
    expect((await putPart(t, id, up, 1, 'West,1,2026-01-01,1\n')).status).toBe(200);
    const bad = await putPart(t, id, up, 2, 'East,2,2026-01-02,1\nEast,two,2026-01-02,1\n');
    const err = expectErrorShape(bad, 400);
    expect(err.message).toContain('Part 2, line 2, column \'amount\'');
    expect(err.message).toContain("'two' is not a number");
    expect(err.details?.[0].path).toBe('part.2.line.2.amount');
    const badDate = expectErrorShape(await putPart(t, id, up, 3, 'East,2,2026-02-30,1\n'), 400);
    expect(badDate.message).toContain("Part 3, line 1, column 'sold'");
    const badCount = expectErrorShape(await putPart(t, id, up, 4, 'East,2,2026-02-01\n'), 400);
    expect(badCount.message).toContain('Part 4, line 1: expected 4 values');
    // commit holds exactly part 1
    const c = await commit(t, id, up, { action: 'REPLACE', index: true });
    expect(c.json).toMatchObject({ numRows: 1, parts: 1 });
    expect(await sqlRows(t, id, 'SELECT region, amount FROM t')).toEqual([['West', 1]]);
  });

  it('replaces a part sent twice; parses quotes, CRLF, a BOM, gzip; blank lines are skipped', async () => {
    const id = await createDataset(t, [
      { name: 'name', type: 'STRING' },
      { name: 'n', type: 'LONG' },
      { name: 'at', type: 'DATETIME' },
    ]);
    const up = await startUpload(t, id);
    expect((await putPart(t, id, up, 1, 'old,1,2026-01-01T00:00:00\n')).status).toBe(200);
    expect((await putPart(t, id, up, 1, '\ufeff"a, ""quoted""",2,2026-01-01 10:30\r\n\r\n"multi\nline",3,2026-01-01T10:00:00+02:00\r\n')).status).toBe(200);
    const gz = await t.call('PUT', ds(id, `/uploads/${up}/parts/2`), {
      raw: gzipSync(Buffer.from('zipped,4,2026-01-02\n')),
      headers: { 'Content-Type': 'text/csv', 'Content-Encoding': 'gzip' },
    });
    expect(gz.status, gz.text).toBe(200);
    await commit(t, id, up, { action: 'REPLACE', index: true });
    expect(await sqlRows(t, id, 'SELECT name, n, at FROM t')).toEqual([
      ['a, "quoted"', 2, '2026-01-01T10:30:00'],
      ['multi\nline', 3, '2026-01-01T08:00:00'],
      ['zipped', 4, '2026-01-02T00:00:00'],
    ]);
  });

  it('404 for an unknown upload, 415 for a JSON body, 413 past the upload limit; nothing is kept', async () => {
    const small = testApp({ maxUploadBytes: 64 });
    try {
      const id = await createDataset(small, salesColumns);
      const up = await startUpload(small, id);
      expectErrorShape(await putPart(small, id, 999_999, 1, 'West,1,2026-01-01,1\n'), 404);
      expectErrorShape(await putPart(small, id, up, 1, '{"a":1}', { 'Content-Type': 'application/json' }), 415);
      const big = Array.from({ length: 10 }, () => 'West,1,2026-01-01,1').join('\n');
      expectErrorShape(await putPart(small, id, up, 1, slowBody(big)), 413);
      const c = await commit(small, id, up, { action: 'APPEND', index: true });
      expect(c.json).toMatchObject({ numRows: 0, parts: 0 });
    } finally {
      small.close();
    }
  });
});

describe('PUT .../uploads/:uploadId/commit', () => {
  it('rejects a second commit, an unknown upload and a missing action; nothing changes', async () => {
    const id = await createDataset(t, salesColumns);
    const up = await startUpload(t, id);
    await putPart(t, id, up, 1, 'West,1,2026-01-01,1\n');
    expectErrorShape(await commit(t, id, up, { index: true }), 400);
    expectErrorShape(await commit(t, id, 424242, { action: 'APPEND', index: true }), 404);
    expect(await versionsOf(id)).toEqual([]);
    expect((await commit(t, id, up, { action: 'append', index: true })).status).toBe(200);
    const again = expectErrorShape(await commit(t, id, up, { action: 'APPEND', index: true }), 409);
    expect(again.message).toContain('already committed');
    expectErrorShape(await putPart(t, id, up, 2, 'West,1,2026-01-01,1\n'), 409);
    expect((await versionsOf(id)).length).toBe(1);
    expect(await sqlRows(t, id, 'SELECT COUNT(*) FROM t')).toEqual([[1]]);
  });

  it('takes the action from stage 1 and rejects conflicting partition tags', async () => {
    const id = await createDataset(t, salesColumns);
    const up = await startUpload(t, id, '', { action: 'APPEND', appendId: 'latest', message: 'Uploading' });
    await putPart(t, id, up, 1, 'West,1,2026-01-01,1\n');
    expectErrorShape(await commit(t, id, up, { restateDataTag: 'a', dataTag: 'b' }), 400);
    const ok = await commit(t, id, up, {}, '?restateDataTag=a');
    expect(ok.json).toMatchObject({ action: 'APPEND', dataTag: 'a' });
  });

  it('index: false keeps data out of queries until an index job succeeds on the clock', async () => {
    const clocked = testApp();
    try {
      const id = await createDataset(clocked, salesColumns);
      await load(clocked, id, [[1, 'West,1,2026-01-01,1\n']], { action: 'APPEND', index: true });
      await load(clocked, id, [[1, 'East,2,2026-01-01,1\n']], { action: 'APPEND', index: false });
      expect(await sqlRows(clocked, id, 'SELECT region FROM t')).toEqual([['West']]);
      const details = (await clocked.call('GET', ds(id, '/dataversions/details'))).json;
      expect(details.map((v: any) => v.indexStatus)).toEqual(['INDEXED', 'NOT_INDEXED']);

      const job = await clocked.call('POST', ds(id, '/indexes'), { body: { dataIds: [] } });
      expect(job.json).toMatchObject({ dataSourceId: id, dataIds: [2], status: 'PENDING' });
      const status = () => clocked.call('GET', ds(id, `/indexes/${job.json.indexId}/statuses`));
      await advance(clocked, 'PT0.6S');
      expect((await status()).json.status).toBe('IN_PROGRESS');
      expect(await sqlRows(clocked, id, 'SELECT region FROM t')).toEqual([['West']]);
      await advance(clocked, 'PT1S');
      expect((await status()).json).toMatchObject({ status: 'SUCCESS', completedAt: Date.parse('2026-01-15T12:00:01.500Z') });
      expect(await sqlRows(clocked, id, 'SELECT region FROM t')).toEqual([['West'], ['East']]);

      // the query-service index route starts a job too
      await load(clocked, id, [[1, 'South,3,2026-01-01,1\n']], { action: 'APPEND', index: false });
      const job2 = await clocked.call('POST', `/api/query/v1/datasources/${id}`);
      expect(job2.json.dataIds).toEqual([3]);
      await advance(clocked, 'PT2S');
      expect(await sqlRows(clocked, id, 'SELECT COUNT(*) FROM t')).toEqual([[3]]);
      expectErrorShape(await clocked.call('GET', ds(id, '/indexes/987654/statuses')), 404);
      expectErrorShape(await clocked.call('POST', ds(id, '/indexes'), { body: { dataIds: [99] } }), 404);
    } finally {
      clocked.close();
    }
  });
});

describe('the datasets store contract (AppDB sync)', () => {
  it('create, exists, replaceRows; a bad value is a 400 and changes nothing', async () => {
    const store = t.instance().stores.datasets;
    const made = store.create({
      name: 'Synced',
      columns: [
        { name: 'k', type: 'STRING' },
        { name: 'v', type: 'LONG' },
        { name: 'd', type: 'DATE' },
        { name: 'ts', type: 'DATETIME' },
      ],
      ownerId: 1893952720,
      dataProviderType: 'appdb',
    });
    expect(made).toMatchObject({ name: 'Synced', dataProviderType: 'appdb', rowCount: 0, columnCount: 4 });
    expect(store.exists(made.id)).toBe(true);
    expect(store.exists('nope')).toBe(false);
    expect(
      store.replaceRows(made.id, [
        ['a', 1, '2026-01-01', '2026-01-01T10:00:00.250Z'],
        ['b', null, null, null],
      ]),
    ).toEqual({ dataVersionId: 1, rowCount: 2 });
    expect(await sqlRows(t, made.id, 'SELECT * FROM t')).toEqual([
      ['a', 1, '2026-01-01', '2026-01-01T10:00:00.250'],
      ['b', null, null, null],
    ]);
    expect(() => store.replaceRows(made.id, [['c', 1.5, null, null]])).toThrow(/Row 1, column 'v'/);
    expect(await versionsOf(made.id)).toHaveLength(1);
    expect(await sqlRows(t, made.id, 'SELECT COUNT(*) FROM t')).toEqual([[2]]);
  });
});

describe('POST .../uploads?values= ("Append row to Dataset")', () => {
  it('appends one row at once; a bad value is a 400 and nothing is added', async () => {
    const id = await createDataset(t, salesColumns);
    const res = await t.call('POST', ds(id, `/uploads?values=${encodeURIComponent('West;1.5;2026-01-01;2')}&delimiter=;`), { body: { action: 'APPEND', message: 'Uploading', appendId: 'latest' } });
    expect(res.json).toMatchObject({ dataSourceId: id, dataVersionId: 1, rowsAppended: 1 });
    expectErrorShape(await t.call('POST', ds(id, `/uploads?values=${encodeURIComponent('West,x,2026-01-01,2')}`), { body: {} }), 400);
    expect(await sqlRows(t, id, 'SELECT * FROM t')).toEqual([['West', 1.5, '2026-01-01', 2]]);
  });
});
