import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EDITOR_TOKEN, PARTICIPANT_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';
import { SALES, advance, createDataset, ds, load, salesColumns, sqlRows, type App } from './datasets-helpers.js';

let t: App;
beforeAll(() => {
  t = testApp();
});
afterAll(() => t.close());

const byMonth = 'SELECT SUBSTRING(`Order Date`, 1, 7) AS m, COUNT(*) FROM t GROUP BY m ORDER BY m';
const search = (id: string, body?: unknown) => t.call('POST', `/api/query/v1/datasources/${id}/partition/list`, { body });

describe('partitions', () => {
  it('GET .../partition lists the tags of the fixture sales dataset', async () => {
    const res = await t.call('GET', `/api/query/v1/datasources/${SALES}/partition`);
    expect(res.json).toEqual([{ partitionId: '2025-10' }, { partitionId: '2025-11' }, { partitionId: '2025-12' }]);
    expect(await sqlRows(t, SALES, byMonth)).toEqual([
      ['2025-10', 138],
      ['2025-11', 142],
      ['2025-12', 150],
    ]);
  });

  it('POST .../partition/list sorts, filters (MIN/MAX) and pages, with row counts', async () => {
    const all = (await search(SALES)).json;
    expect(all.map((p: any) => [p.partitionId, p.rowCount])).toEqual([
      ['2025-12', 150],
      ['2025-11', 142],
      ['2025-10', 138],
    ]);
    expect(all[0]).toMatchObject({ dataVersionId: 3, dateCompleted: Date.parse('2026-01-15T12:00:00Z'), status: 'SUCCESS' });
    expect(all[0].size).toBeGreaterThan(10_000);
    const byRows = await search(SALES, { paginationFields: [{ fieldName: 'rowcount', sortOrder: 'ASC', filterValues: { MIN: 140, MAX: null } }], limit: 100, offset: 0 });
    expect(byRows.json.map((p: any) => p.partitionId)).toEqual(['2025-11', '2025-12']);
    const paged = await search(SALES, { paginationFields: [{ fieldName: 'partitionId', sortOrder: 'DESC' }], limit: 1, offset: 1 });
    expect(paged.json.map((p: any) => p.partitionId)).toEqual(['2025-11']);
    const dated = await search(SALES, { paginationFields: [{ fieldName: 'datecompleted', sortOrder: 'DESC', filterValues: { MIN: '2026-01-16T00:00:00Z', MAX: null } }] });
    expect(dated.json).toEqual([]);
    expectErrorShape(await search(SALES, { paginationFields: [{ fieldName: 'color' }] }), 400);
    expectErrorShape(await search(SALES, { limit: -1 }), 400);
  });

  it('deleting a partition\'s data removes its rows but keeps the tag listed; deleting the tag removes it', async () => {
    const id = await createDataset(t, salesColumns);
    for (const [tag, rows] of [
      ['a', 'West,1,2026-01-01,1\nWest,1,2026-01-01,1\n'],
      ['b', 'East,2,2026-01-01,1\n'],
      ['c', 'South,3,2026-01-01,1\n'],
    ]) {
      await load(t, id, [[1, rows]], { action: 'APPEND', dataTag: tag, index: true });
    }
    expectErrorShape(await t.call('DELETE', `/api/query/v1/datasources/${id}/tag/zz/data`), 404);
    expectErrorShape(await t.call('DELETE', `/api/query/v1/datasources/${SALES}/tag/2025-10/data`, { token: PARTICIPANT_TOKEN }), 403);

    const del = await t.call('DELETE', `/api/query/v1/datasources/${id}/tag/a/data`);
    expect(del.json).toEqual({ dataSourceId: id, partitionId: 'a', deletedDataVersionIds: [1] });
    expect(await sqlRows(t, id, 'SELECT region FROM t ORDER BY region')).toEqual([['East'], ['South']]);
    expect((await t.call('GET', `/api/query/v1/datasources/${id}/partition`)).json.map((p: any) => p.partitionId)).toEqual(['a', 'b', 'c']);
    expect((await search(id)).json.map((p: any) => p.partitionId).sort()).toEqual(['b', 'c']);
    const details = (await t.call('GET', ds(id, '/dataversions/details'))).json;
    expect(details.map((v: any) => [v.dataId, v.dataTag, v.status, v.current])).toEqual([
      [1, 'a', 'DELETED', false],
      [2, 'b', 'SUCCESS', true],
      [3, 'c', 'SUCCESS', true],
    ]);

    expect((await t.call('DELETE', `/api/query/v1/datasources/${id}/partition/b`)).json).toEqual({ dataSourceId: id, partitionId: 'b', deleted: true });
    expect((await t.call('GET', `/api/query/v1/datasources/${id}/partition`)).json.map((p: any) => p.partitionId)).toEqual(['a', 'c']);
    expect(await sqlRows(t, id, 'SELECT region FROM t')).toEqual([['South']]);
    expectErrorShape(await t.call('DELETE', `/api/query/v1/datasources/${id}/partition/b`), 404);
    // a new commit under a deleted tag brings the partition back
    await load(t, id, [[1, 'North,9,2026-01-01,1\n']], { action: 'APPEND', dataTag: 'b', index: true });
    expect(await sqlRows(t, id, 'SELECT region FROM t ORDER BY region')).toEqual([['North'], ['South']]);
  });
});

describe('data versions', () => {
  it('GET v3 .../dataversions/details shows every version with its index state', async () => {
    const res = await t.call('GET', ds(SALES, '/dataversions/details'));
    expect(res.json).toHaveLength(3);
    expect(res.json[0]).toMatchObject({
      dataSourceId: SALES,
      dataId: 1,
      dataVersionId: 1,
      schemaId: 1,
      action: 'APPEND',
      dataTag: '2025-10',
      source: 'FIXTURE',
      status: 'SUCCESS',
      indexStatus: 'INDEXED',
      current: true,
      numRows: 138,
      recordedDate: '2026-01-15T12:00:00Z',
    });
  });

  it('DELETE v2 .../dataversions checks every id first; their rows leave the dataset', async () => {
    const id = await createDataset(t, salesColumns);
    await load(t, id, [[1, 'West,1,2026-01-01,1\n']], { action: 'APPEND', index: true });
    await load(t, id, [[1, 'East,2,2026-01-01,1\n']], { action: 'APPEND', index: true });
    await load(t, id, [[1, 'South,3,2026-01-01,1\n']], { action: 'APPEND', index: true });
    const list = () => t.call('GET', `/api/data/v2/datasources/${id}/dataversions`);
    const before = (await list()).json;
    expectErrorShape(await t.call('DELETE', `/api/data/v2/datasources/${id}/dataversions`, { body: [2, 77] }), 404);
    expectErrorShape(await t.call('DELETE', `/api/data/v2/datasources/${id}/dataversions`, { body: [2, 2] }), 400);
    expectErrorShape(await t.call('DELETE', `/api/data/v2/datasources/${id}/dataversions`, { body: [] }), 400);
    expectErrorShape(await t.call('DELETE', `/api/data/v2/datasources/${id}/dataversions`, { body: ['x'] }), 400);
    expect((await list()).json).toEqual(before);
    const res = await t.call('DELETE', `/api/data/v2/datasources/${id}/dataversions?index=true`, { body: [1, 3] });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect((await list()).json.map((v: any) => v.dataId)).toEqual([2]);
    expect(await sqlRows(t, id, 'SELECT region FROM t')).toEqual([['East']]);
    expectErrorShape(await t.call('DELETE', `/api/data/v2/datasources/${id}/dataversions`, { body: [1] }), 404);
  });

  it('POST /api/dataprocessing/v2/dataflows/data-version-hydrate lists stored versions, paged', async () => {
    const body = { id: '', type: 'LoadFromVault', dataSourceId: SALES, versionWindow: { type: 'EXPRESSION', expression: '1=1' } };
    const res = await t.call('POST', '/api/dataprocessing/v2/dataflows/data-version-hydrate?engine=MAGIC&limit=500&offset=0', { body });
    expect(res.json.map((v: any) => [v.dataVersionId, v.partitionId, v.rowCount])).toEqual([
      [1, '2025-10', 138],
      [2, '2025-11', 142],
      [3, '2025-12', 150],
    ]);
    const page = await t.call('POST', '/api/dataprocessing/v2/dataflows/data-version-hydrate?limit=1&offset=2', { body });
    expect(page.json.map((v: any) => v.dataVersionId)).toEqual([3]);
    expectErrorShape(
      await t.call('POST', '/api/dataprocessing/v2/dataflows/data-version-hydrate', { body: { ...body, versionWindow: { type: 'EXPRESSION', expression: 'x > 1' } } }),
      400,
    );
    expectErrorShape(await t.call('POST', '/api/dataprocessing/v2/dataflows/data-version-hydrate', { body: { type: 'LoadFromVault' } }), 400);
    expectErrorShape(await t.call('POST', '/api/dataprocessing/v2/dataflows/data-version-hydrate', { body: { ...body, dataSourceId: 'nope' } }), 404);
  });

  it('an editor can index; the status moves on the clock', async () => {
    const id = await createDataset(t, salesColumns, { token: EDITOR_TOKEN });
    const up = await t.call('POST', ds(id, '/uploads'), { body: {}, token: EDITOR_TOKEN });
    await t.call('PUT', ds(id, `/uploads/${up.json.uploadId}/parts/1`), { raw: 'West,1,2026-01-01,1\n', headers: { 'Content-Type': 'text/csv' }, token: EDITOR_TOKEN });
    await t.call('PUT', ds(id, `/uploads/${up.json.uploadId}/commit`), { body: { action: 'APPEND', index: false }, token: EDITOR_TOKEN });
    const job = await t.call('POST', ds(id, '/indexes'), { token: EDITOR_TOKEN });
    expect(job.json).toMatchObject({ status: 'PENDING', dataIds: [1], statuses: [{ status: 'PENDING' }] });
    expect(await sqlRows(t, id, 'SELECT COUNT(*) FROM t')).toEqual([[0]]);
    await advance(t, 'PT5S');
    const done = await t.call('GET', ds(id, `/indexes/${job.json.indexId}/statuses`), { token: EDITOR_TOKEN });
    expect(done.json.statuses.map((s: any) => s.status)).toEqual(['PENDING', 'IN_PROGRESS', 'SUCCESS']);
    expect(await sqlRows(t, id, 'SELECT COUNT(*) FROM t')).toEqual([[1]]);
  });
});
