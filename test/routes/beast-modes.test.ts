import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_ID, EDITOR_ID, EDITOR_TOKEN, PARTICIPANT_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const base = '/api/query/v1/functions';
const SALES = '0dbe6a6a-5588-4a1e-9db4-989ca98762a5';
const FROZEN_MS = Date.parse('2026-01-15T12:00:00.000Z');
const search = (body: unknown, token?: string) => t.call('POST', `${base}/search`, { body, token });
const get = async (id: number) => (await t.call('GET', `${base}/template/${id}`)).json;

describe('GET /api/query/v1/functions/statistics', () => {
  it('counts the fixture Beast Modes', async () => {
    const res = await t.call('GET', `${base}/statistics`);
    expect(res.status).toBe(200);
    // 8 Beast Modes; 427 links a missing card and dataset, 232 a missing dataset; 506 uses a column Sales does not have
    expect(res.json).toEqual({ total: 8, onDatasets: 8, onCards: 4, inVisualizations: 2, locked: 1, invalid: 1, invalidLink: 2, archived: 1 });
  });

  it('follows state: locking and breaking an expression change the counts', async () => {
    await t.call('PUT', `${base}/template/502`, { body: { locked: true } });
    await t.call('PUT', `${base}/template/501?strict=false`, { body: { expression: 'SUM(`Nope`)' } });
    const s = (await t.call('GET', `${base}/statistics`)).json;
    expect(s).toMatchObject({ total: 8, locked: 2, invalid: 2 });
  });
});

describe('POST /api/query/v1/functions/search', () => {
  it('answers the reference request: non-variable Beast Modes by name, paged', async () => {
    const res = await search({ name: '', filters: [{ field: 'notvariable' }], sort: { field: 'name', ascending: true }, limit: 3, offset: 0 });
    expect(res.status).toBe(200);
    expect(res.json.totalHits).toBe(7);
    expect(res.json.hasMore).toBe(true);
    expect(res.json.degraded).toBe(false);
    expect(res.json.results.map((r: any) => r.name)).toEqual(['% Behind Schedule Objects', '% Change - Orders', 'Average Order Value']);
    expect(res.json.results[0]).toEqual({
      id: 427,
      name: '% Behind Schedule Objects',
      owner: 8811501,
      lastModified: 1670963682352,
      created: 1670963682352,
      global: false,
      locked: false,
      legacyId: 'calculation_ab07cd22-2558-4f8f-b692-f39f6869a01a',
      status: 'VALID',
      links: [
        { resource: { type: 'CARD', id: 'dr:1947052903:616023142' }, visible: true, active: false, valid: 'ILLEGAL_REFERENCE' },
        { resource: { type: 'DATA_SOURCE', id: 'aa7d9422-9abe-4581-bbf3-4a8cb5d3fc25' }, visible: false, active: false, valid: 'ILLEGAL_REFERENCE' },
      ],
      archived: false,
      activeLinks: {},
    });
    const next = await search({ filters: [{ field: 'notvariable' }], sort: { field: 'name', ascending: true }, limit: 3, offset: 6 });
    expect(next.json.results.map((r: any) => r.id)).toEqual([506]);
    expect(next.json.hasMore).toBe(false);
  });

  it('filters by name, owner, dataset, card, status, locked and archived; sorts descending', async () => {
    const ids = async (filters: unknown[], name = '', sort = { field: 'id', ascending: true }) =>
      (await search({ name, filters, sort, limit: 100 })).json.results.map((r: any) => r.id);
    expect(await ids([], 'order')).toEqual([232, 501]);
    expect(await ids([{ field: 'owner', values: [ADMIN_ID] }])).toEqual([501, 503, 505]);
    expect(await ids([{ field: 'dataSource', value: SALES }, { field: 'notarchived' }, { field: 'notvariable' }])).toEqual([501, 502, 503]);
    expect(await ids([{ field: 'card', value: '100292101' }])).toEqual([501]);
    expect(await ids([{ field: 'status', value: 'INVALID' }])).toEqual([506]);
    expect(await ids([{ field: 'locked' }])).toEqual([503]);
    expect(await ids([{ field: 'archived' }])).toEqual([506]);
    expect(await ids([{ field: 'invalidLink' }])).toEqual([232, 427]);
    expect(await ids([{ field: 'variable' }], '', { field: 'created', ascending: false })).toEqual([505]);
    expect((await ids([], '', { field: 'lastModified', ascending: false })).slice(0, 2)).toEqual([505, 504]);
  });

  it('400 for a missing filters/sort/limit, a limit outside 1..5000, an unknown filter or sort field', async () => {
    const ok = { filters: [], sort: { field: 'name', ascending: true }, limit: 10 };
    expect(expectErrorShape(await search({ sort: ok.sort, limit: 10 }), 400).details![0].path).toBe('body.filters');
    expect(expectErrorShape(await search({ filters: [], limit: 10 }), 400).details![0].path).toBe('body.sort');
    expect(expectErrorShape(await search({ ...ok, limit: 0 }), 400).details![0].path).toBe('body.limit');
    expect(expectErrorShape(await search({ ...ok, limit: 5001 }), 400).details![0].path).toBe('body.limit');
    expect(expectErrorShape(await search({ ...ok, filters: [{ field: 'color' }] }), 400).details![0].path).toBe('body.filters.0.field');
    expect(expectErrorShape(await search({ ...ok, filters: [{ field: 'owner' }] }), 400).details![0].path).toBe('body.filters.0.value');
    expect(expectErrorShape(await search({ ...ok, sort: { field: 'color', ascending: true } }), 400).details![0].path).toBe('body.sort.field');
  });
});

describe('GET /api/query/v1/functions/template/:beastmodeId', () => {
  it('returns the reference Beast Mode with what its expression implies', async () => {
    const res = await t.call('GET', `${base}/template/232`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      id: 232,
      name: '% Change - Orders',
      owner: 27,
      locked: false,
      global: false,
      legacyId: 'calculation_6ca6ab70-412a-4394-82d7-d6f648758907',
      created: 1654190830737,
      lastModified: 1654190830737,
      aggregated: true,
      analytic: false,
      nonAggregatedColumns: [],
      dataType: 'DECIMAL',
      status: 'VALID',
      cacheWindow: 'day',
      functionTemplateDependencies: [],
      archived: false,
      hidden: false,
      variable: false,
      links: [{ resource: { type: 'DATA_SOURCE', id: '32e6af61-c725-487a-8a4a-a46fbfed9fb1' }, visible: true, active: false, valid: 'ILLEGAL_REFERENCE' }],
    });
    expect(res.json.checkSum).toMatch(/^[0-9a-f]{40}$/);
    expect(res.json.columnPositions.slice(0, 3)).toEqual([
      { columnName: '`Date`', columnPosition: 67 },
      { columnName: '`Date`', columnPosition: 123 },
      { columnName: '`Orders`', columnPosition: 149 },
    ]);
    expect(res.json.functions).toEqual(expect.arrayContaining(['SUM', 'DATEDIFF', 'ADDDATE', 'DOMO_OP_MULTIPLY', 'DOMO_OP_ADD', 'DOMO_OP_SUBTRACT', 'DOMO_OP_DIVIDE']));
  });

  it('a non-aggregated expression lists its columns; 404 for an unknown id', async () => {
    const b = await get(502);
    expect(b).toMatchObject({ aggregated: false, nonAggregatedColumns: ['Units', 'Unit Price', 'Discount'], functions: ['DOMO_OP_MULTIPLY', 'DOMO_OP_SUBTRACT'] });
    expectErrorShape(await t.call('GET', `${base}/template/9999`), 404);
  });
});

describe('PUT /api/query/v1/functions/template/:beastmodeId', () => {
  it('updates the expression (strict=false) and bumps lastModified', async () => {
    const res = await t.call('PUT', `${base}/template/501?strict=false`, { token: EDITOR_TOKEN, body: { expression: 'AVG(`Amount`)' } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: 501, expression: 'AVG(`Amount`)', functions: ['AVG'], status: 'VALID', lastModified: FROZEN_MS, created: 1735689600000 });
    expect((await get(501)).expression).toBe('AVG(`Amount`)');
    expect((await get(501)).checkSum).not.toBe((await t.call('GET', `${base}/template/503`)).json.checkSum);
  });

  it('without strict an expression with unknown columns is saved as INVALID; strict=true rejects it', async () => {
    expect((await t.call('PUT', `${base}/template/502`, { body: { expression: 'SUM(`Nope`)' } })).json.status).toBe('INVALID');
    const bad = expectErrorShape(await t.call('PUT', `${base}/template/501?strict=true`, { body: { expression: 'SUM(`Nope`' } }), 400);
    expect(bad.details![0].path).toBe('body.expression');
    expectErrorShape(await t.call('PUT', `${base}/template/501?strict=true`, { body: { expression: 'SUM(`Nope`)' } }), 400);
    expect((await get(501)).expression).toBe('SUM(`Amount`) / COUNT(DISTINCT `Order ID`)');
  });

  it('locks and unlocks (the owner or an admin); a locked Beast Mode refuses others', async () => {
    const locked = await t.call('PUT', `${base}/template/502`, { token: EDITOR_TOKEN, body: { locked: true } });
    expect(locked.status).toBe(200);
    expect(locked.json).toMatchObject({ id: 502, locked: true, owner: EDITOR_ID });
    // 503 is the admin's and locked: the editor can neither edit nor unlock it
    expectErrorShape(await t.call('PUT', `${base}/template/503`, { token: EDITOR_TOKEN, body: { expression: 'SUM(`Amount`)' } }), 403);
    expectErrorShape(await t.call('PUT', `${base}/template/503`, { token: EDITOR_TOKEN, body: { locked: false } }), 403);
    expectErrorShape(await t.call('PUT', `${base}/template/501`, { token: EDITOR_TOKEN, body: { locked: true } }), 403);
    expect((await get(503)).locked).toBe(true);
    expect((await get(501)).locked).toBe(false);
    const unlocked = await t.call('PUT', `${base}/template/503`, { body: { locked: false } });
    expect(unlocked.json.locked).toBe(false);
  });

  it('participants may not edit; 400 for an empty body; 404 for an unknown id; nothing changes', async () => {
    expectErrorShape(await t.call('PUT', `${base}/template/501`, { token: PARTICIPANT_TOKEN, body: { expression: 'SUM(`Units`)' } }), 403);
    expectErrorShape(await t.call('PUT', `${base}/template/501`, { body: {} }), 400);
    expectErrorShape(await t.call('PUT', `${base}/template/501`, { body: { locked: 'yes' } }), 400);
    expectErrorShape(await t.call('PUT', `${base}/template/9999`, { body: { locked: true } }), 404);
    expect(await get(501)).toMatchObject({ expression: 'SUM(`Amount`) / COUNT(DISTINCT `Order ID`)', locked: false, lastModified: 1735689600000 });
  });
});
