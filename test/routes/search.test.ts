import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_ID, PARTICIPANT_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const search = (body: unknown, token?: string) => t.call('POST', '/api/search/v1/query', { body, token });

describe('POST /api/search/v1/query', () => {
  it('searches real objects with a deterministic relevance order and per-entity results', async () => {
    const res = await search({ count: 20, offset: 0, query: 'sales', filters: [], sort: {}, facetValuesToInclude: ['OWNER_ID'], facetValueLimit: 5, facetValueOffset: 0, includePhonetic: true, entityList: [['dataset'], ['card'], ['group']] });
    expect(res.status).toBe(200);
    expect(res.json.totalResultCount).toBe(3);
    expect(res.json.searchObjects.map((o: any) => [o.entityType, o.name])).toEqual([
      ['GROUP', 'Sales Team'],
      ['DATASET', 'Sales Transactions'],
      ['CARD', 'Monthly Sales Trend'],
    ]);
    expect(res.json.searchResultsMap.dataset.map((o: any) => o.databaseId)).toEqual(['0dbe6a6a-5588-4a1e-9db4-989ca98762a5']);
    expect(res.json.facetMap.OWNER_ID).toEqual({ fieldName: 'owned_by_id', searchFacetEnum: 'OWNER_ID', facetValues: [{ value: String(ADMIN_ID), count: 2 }, { value: '587894148', count: 1 }] });
    expect(res.json.sort).toMatchObject({ isRelevance: true, fieldSorts: null });
    expect(res.json).toHaveProperty('queryUuid');
    expect(res.json.hideSearchObjects).toBe(false);
  });

  it('sees objects it creates and pages with count/offset', async () => {
    await t.call('POST', '/api/content/v2/groups', { body: { name: 'Sales Ops', type: 'open' } });
    const all = await search({ query: 'sales', entityList: [['group']] });
    expect(all.json.searchObjects.map((o: any) => o.name)).toEqual(['Sales Ops', 'Sales Team']);
    const second = await search({ query: 'sales', entityList: [['group']], count: 1, offset: 1 });
    expect(second.json).toMatchObject({ totalResultCount: 2, searchObjects: [{ name: 'Sales Team' }] });
  });

  it('applies filters and field sorts; wildcard queries', async () => {
    const users = await search({ query: '*', entityList: [['user']], filters: [{ filterType: 'numeric', field: 'role_id', longNumber: 1, operator: 'EQ' }], sort: { fieldSorts: [{ field: 'name_sort', sortOrder: 'DESC' }] } });
    expect(users.json.searchObjects.map((o: any) => o.name)).toEqual(['Scott Thompson', 'Jae Wilson']);
    const wild = await search({ query: 'j*', entityList: [['user']] });
    expect(wild.json.searchObjects.map((o: any) => o.name)).toEqual(['Jae Wilson', 'John Doe']);
    const not = await search({ query: '*', entityList: [['group']], notFilters: [{ filterType: 'term', field: 'type', value: 'closed' }] });
    expect(not.json.searchObjects.every((o: any) => o.type !== 'closed')).toBe(true);
  });

  it('shows only datasets the caller can read', async () => {
    const admin = await search({ query: '*', entityList: [['dataset']] });
    const participant = await search({ query: '*', entityList: [['dataset']] }, PARTICIPANT_TOKEN);
    expect(participant.json.totalResultCount).toBeLessThan(admin.json.totalResultCount);
  });

  it('finds pages the caller can see', async () => {
    const admin = await search({ query: 'operations', entityList: [['page']] });
    expect(admin.json.searchResultsMap.page.map((o: any) => [o.databaseId, o.name])).toEqual([['2222222', 'Operations']]);
    expect((await search({ query: 'operations', entityList: [['page']] }, PARTICIPANT_TOKEN)).json.totalResultCount).toBe(0);
    expect((await search({ query: 'sales overview', entityList: [['page']] }, PARTICIPANT_TOKEN)).json.searchObjects[0]).toMatchObject({ entityType: 'PAGE', databaseId: '12345' });
  });

  it('400 without query or entityList, for an unknown filter type, past 10,000; an unknown entity type matches nothing', async () => {
    expect(expectErrorShape(await search({ query: 'x' }), 400).details![0].path).toBe('body.entityList');
    expect(expectErrorShape(await search({ entityList: [['user']] }), 400).details![0].path).toBe('body.query');
    expectErrorShape(await search({ query: 'x', entityList: [['user']], filters: [{ filterType: 'magic', field: 'x' }] }), 400);
    expect((await search({ query: 'x', entityList: [['spaceship']] })).json.totalResultCount).toBe(0);
    expectErrorShape(await search({ query: 'x', entityList: [['user']], count: 100, offset: 9950 }), 400);
  });
});
