import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ID, EDITOR_ID, EDITOR_TOKEN, PARTICIPANT_ID, PARTICIPANT_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

const t = testApp();
afterAll(() => t.close());

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'appdb', 'collections.json'), 'utf8')) as {
  collections: Array<{ id: string; name: string; documents: Array<{ id: string; owner: number; content: Record<string, unknown> }> }>;
};
const secureDocs = fixture.collections.find((c) => c.name === 'secureCollection')!.documents;
const campaignDocs = fixture.collections.find((c) => c.name === 'campaigns')!.documents;

const DANA = 1249569521; // in no group the security rules name
const SAM = 112321221; // Marketing
const SALES_TEAM = 6789456782;
const NOW = '2026-01-15T12:00:00.000+0000';

type Opts = Parameters<typeof t.call>[2];
/** Requests against one named instance (each describe gets a fresh world). */
function world(instance: string) {
  const call = (method: string, path: string, opts: Opts = {}) => t.call(method, path, { ...opts, instance });
  const tokenFor = async (userId: number) => (await call('POST', '/_emulator/tokens', { body: { userId }, token: null })).json.token as string;
  const clock = (body: unknown) => call('POST', '/_emulator/clock', { body, token: null });
  return { call, tokenFor, clock };
}

const ids = (docs: Array<{ id: string }>) => docs.map((d) => d.id).sort();

describe('collections', () => {
  const { call } = world('collections');

  it('GET lists the fixture collections in Domo’s shape', async () => {
    const res = await call('GET', '/api/datastores/v1/collections');
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.json.map((c: any) => [c.name, c]));
    expect(Object.keys(byName)).toEqual(['campaigns', 'secureCollection']);
    const c = byName.campaigns;
    expect(c).toMatchObject({ customer: 'collections', owner: ADMIN_ID, syncEnabled: true, syncRequired: false, exportable: true, lastSync: NOW });
    expect(typeof c.datasourceId).toBe('string');
    expect(JSON.parse(c.schemaJson)).toEqual(c.schema);
    expect(c.schema.columns[0]).toEqual({ type: 'STRING', name: 'campaignName', visible: true });
    expect(byName.secureCollection.filters[0].name).toBe('defaultFilter');
    expect(byName.secureCollection).not.toHaveProperty('datasourceId');
  });

  it('POST creates a collection (the documented example) and GET reads it back by id and by name', async () => {
    const body = { name: 'Users', schema: { columns: [{ name: 'username', type: 'STRING' }, { name: 'band', type: 'STRING' }] }, syncEnabled: true };
    const res = await call('POST', '/domo/datastores/v1/collections', { body });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      id: res.json.id,
      customer: 'collections',
      owner: ADMIN_ID,
      datastoreId: res.json.datastoreId,
      name: 'Users',
      schemaJson: '{"columns":[{"type":"STRING","name":"username","visible":true},{"type":"STRING","name":"band","visible":true}]}',
      syncRequired: true,
      fullReplaceRequired: true,
      lastSync: '1970-01-02T00:00:00.000+0000',
      updatedBy: ADMIN_ID,
      schema: { columns: [{ type: 'STRING', name: 'username', visible: true }, { type: 'STRING', name: 'band', visible: true }] },
      createdOn: NOW,
      updatedOn: NOW,
      exportable: true,
      syncEnabled: true,
    });
    const list = await call('GET', '/api/datastores/v1/collections');
    expect(res.json.datastoreId).toBe(list.json[0].datastoreId);
    expect((await call('GET', `/api/datastores/v1/collections/${res.json.id}`)).json).toEqual(res.json);
    expect((await call('GET', '/domo/datastores/v1/collections/Users')).json).toEqual(res.json);
  });

  it('rejects bad definitions (400) and duplicate names (409), creating nothing', async () => {
    const before = (await call('GET', '/api/datastores/v1/collections')).json.length;
    const number = await call('POST', '/api/datastores/v1/collections', { body: { name: 'Bad', schema: { columns: [{ name: 'n', type: 'NUMBER' }] } } });
    expect(expectErrorShape(number, 400).details![0].path).toBe('body.schema.columns.0.type');
    const integer = await call('POST', '/api/datastores/v1/collections', { body: { name: 'Bad', schema: { columns: [{ name: 'n', type: 'INTEGER' }] } } });
    expect(integer.json.message).toMatch(/STRING, LONG, DECIMAL, DOUBLE, DATE, DATETIME/);
    expectErrorShape(await call('POST', '/api/datastores/v1/collections', { body: { schema: { columns: [] } } }), 400);
    const dup = await call('POST', '/api/datastores/v1/collections', { body: { name: 'Bad', schema: { columns: [{ name: 'a', type: 'LONG' }, { name: 'a', type: 'STRING' }] } } });
    expect(expectErrorShape(dup, 400).message).toMatch(/Duplicate column name 'a'/);
    const badFilter = await call('POST', '/api/datastores/v1/collections', {
      body: { name: 'Bad', filters: [{ applyOn: ['READ'], applyToAll: true, query: { 'content.a': { $bogus: 1 } } }] },
    });
    expect(expectErrorShape(badFilter, 400).details![0].path).toBe('body.filters[0].query.content.a.$bogus');
    expectErrorShape(await call('POST', '/api/datastores/v1/collections', { body: { name: 'campaigns' } }), 409);
    expect((await call('GET', '/api/datastores/v1/collections')).json.length).toBe(before);
  });

  it('PUT updates the schema (the reference example) and syncEnabled', async () => {
    await t.call('POST', '/_emulator/clock', { body: { advance: 'PT1M' }, token: null, instance: 'collections' });
    const body = {
      schema: { columns: [{ type: 'STRING', name: 'username', visible: true }, { type: 'STRING', name: 'band', visible: true }, { type: 'STRING', name: 'favorite color', visible: true }] },
      syncEnabled: true,
    };
    const res = await call('PUT', '/api/datastores/v1/collections/Users', { body });
    expect(res.status).toBe(200);
    expect(res.json.schema).toEqual(body.schema);
    expect(res.json.schemaJson).toBe(JSON.stringify(body.schema));
    expect(res.json.updatedOn).toBe('2026-01-15T12:01:00.000+0000');
    expect(res.json.createdOn).toBe(NOW);
    expect((await call('GET', '/api/datastores/v1/collections/Users')).json.schema).toEqual(body.schema);
  });

  it('PUT rejects bad input and unknown collections, changing nothing', async () => {
    const before = (await call('GET', '/api/datastores/v1/collections/Users')).json;
    expectErrorShape(await call('PUT', '/api/datastores/v1/collections/Users', { body: { schema: { columns: [{ name: 'x', type: 'NUMBER' }] } } }), 400);
    expectErrorShape(await call('PUT', '/api/datastores/v1/collections/Users', { body: { syncEnabled: 'yes' } }), 400);
    expectErrorShape(await call('PUT', '/api/datastores/v1/collections/Users', { body: { name: 'campaigns' } }), 409);
    expectErrorShape(await call('PUT', '/api/datastores/v1/collections/Nope', { body: { syncEnabled: false } }), 404);
    expect((await call('GET', '/api/datastores/v1/collections/Users')).json).toEqual(before);
  });

  it('DELETE removes a collection with its documents: 204 under /api, 200 under /domo', async () => {
    await call('POST', '/api/datastores/v1/collections', { body: { name: 'Temp1' } });
    await call('POST', '/api/datastores/v1/collections/Temp1/documents', { body: { content: { a: 1 } } });
    const api = await call('DELETE', '/api/datastores/v1/collections/Temp1');
    expect(api.status).toBe(204);
    expect(api.text).toBe('');
    expectErrorShape(await call('GET', '/api/datastores/v1/collections/Temp1/documents'), 404);
    expectErrorShape(await call('DELETE', '/api/datastores/v1/collections/Temp1'), 404);
    await call('POST', '/api/datastores/v1/collections', { body: { name: 'Temp2' } });
    expect((await call('DELETE', '/domo/datastores/v1/collections/Temp2')).status).toBe(200);
    expect((await call('GET', '/api/datastores/v1/collections')).json.map((c: any) => c.name)).toEqual(['campaigns', 'secureCollection', 'Users']);
  });
});

describe('documents', () => {
  const { call, clock } = world('documents');
  let bill: any;

  beforeAll(async () => {
    await call('POST', '/api/datastores/v1/collections', { body: { name: 'Users' } });
  });

  it('POST creates a document (trailing slash too) owned by the caller, in Domo’s shape', async () => {
    const res = await call('POST', '/domo/datastores/v1/collections/Users/documents/', { body: { content: { username: 'Bill S. Preston, Esquire' } } });
    expect(res.status).toBe(200);
    const coll = (await call('GET', '/api/datastores/v1/collections/Users')).json;
    expect(res.json).toEqual({
      id: res.json.id,
      customer: 'documents',
      owner: ADMIN_ID,
      datastoreId: coll.datastoreId,
      collectionId: coll.id,
      createdOn: NOW,
      updatedOn: NOW,
      updatedBy: ADMIN_ID,
      content: { username: 'Bill S. Preston, Esquire' },
      syncRequired: true,
    });
    expect(Object.keys(res.json)).toEqual(['id', 'customer', 'owner', 'datastoreId', 'collectionId', 'createdOn', 'updatedOn', 'updatedBy', 'content', 'syncRequired']);
    bill = res.json;
    const editor = await call('POST', '/api/datastores/v1/collections/Users/documents', { body: { content: { username: 'Ted Theodore Logan' } }, token: EDITOR_TOKEN });
    expect(editor.json).toMatchObject({ owner: EDITOR_ID, updatedBy: EDITOR_ID });
  });

  it('GET reads a document back under /api and /domo, v1 and v2', async () => {
    for (const path of [
      `/api/datastores/v1/collections/Users/documents/${bill.id}`,
      `/api/datastores/v2/collections/Users/documents/${bill.id}`,
      `/domo/datastores/v1/collections/${bill.collectionId}/documents/${bill.id}`,
      `/domo/datastores/v2/collections/Users/documents/${bill.id}/`,
    ]) {
      const res = await call('GET', path);
      expect(res.status, path).toBe(200);
      expect(res.json).toEqual(bill);
    }
    expectErrorShape(await call('GET', '/api/datastores/v1/collections/Users/documents/nope'), 404);
    expectErrorShape(await call('GET', `/api/datastores/v1/collections/Nope/documents/${bill.id}`), 404);
  });

  it('rejects content that is not a JSON object, creating nothing', async () => {
    for (const body of [{ content: [1] }, { content: 'x' }, { content: null }, {}, [{ content: {} }]]) {
      const res = await call('POST', '/api/datastores/v1/collections/Users/documents', { body });
      expect(expectErrorShape(res, 400).message).toMatch(/content|body/);
    }
    expectErrorShape(await call('POST', '/api/datastores/v1/collections/Users/documents', { raw: '{"content": ', headers: { 'Content-Type': 'application/json' } }), 400);
    expectErrorShape(await call('POST', '/api/datastores/v1/collections/Users/documents', { raw: 'content=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 415);
    expectErrorShape(await call('POST', '/api/datastores/v1/collections/Nope/documents', { body: { content: {} } }), 404);
    expect((await call('GET', '/api/datastores/v1/collections/Users/documents')).json).toHaveLength(2);
  });

  it('PUT replaces the content; updatedOn/updatedBy follow the caller and the clock', async () => {
    await clock({ advance: 'PT1H' });
    const res = await call('PUT', `/domo/datastores/v1/collections/Users/documents/${bill.id}`, {
      body: { content: { username: 'Bill S. Preston, Esquire', Band: 'Wyld Stallyns' } },
      token: EDITOR_TOKEN,
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ...bill, updatedOn: '2026-01-15T13:00:00.000+0000', updatedBy: EDITOR_ID, content: { username: 'Bill S. Preston, Esquire', Band: 'Wyld Stallyns' } });
    expect((await call('GET', `/api/datastores/v1/collections/Users/documents/${bill.id}`)).json).toEqual(res.json);
    bill = res.json;
  });

  it('PUT rejects unknown documents and bad bodies, changing nothing', async () => {
    expectErrorShape(await call('PUT', '/api/datastores/v1/collections/Users/documents/nope', { body: { content: { a: 1 } } }), 404);
    expectErrorShape(await call('PUT', `/api/datastores/v1/collections/Users/documents/${bill.id}`, { body: { content: [] } }), 400);
    expect((await call('GET', `/api/datastores/v1/collections/Users/documents/${bill.id}`)).json).toEqual(bill);
  });

  it('bulk create answers {"Created": n}; one bad item creates nothing', async () => {
    const res = await call('POST', '/domo/datastores/v1/collections/Users/documents/bulk', { body: [{ content: { username: 'Rufus' } }, { content: { username: 'Missy' } }] });
    expect(res.json).toEqual({ Created: 2 });
    const bad = await call('POST', '/api/datastores/v1/collections/Users/documents/bulk', { body: [{ content: { username: 'ok' } }, { content: 5 }] });
    expect(expectErrorShape(bad, 400).details![0].path).toBe('body.1.content');
    expectErrorShape(await call('POST', '/api/datastores/v1/collections/Users/documents/bulk', { body: { content: {} } }), 400);
    expect((await call('GET', '/api/datastores/v1/collections/Users/documents')).json.map((d: any) => d.content.username)).toEqual([
      'Bill S. Preston, Esquire',
      'Ted Theodore Logan',
      'Rufus',
      'Missy',
    ]);
  });

  it('bulk upsert updates known ids and creates the rest (the documented example)', async () => {
    const all = (await call('GET', '/api/datastores/v1/collections/Users/documents')).json;
    const ted = all[1];
    const res = await call('PUT', '/domo/datastores/v1/collections/Users/documents/bulk', {
      body: [
        { id: bill.id, content: { username: 'Bill S. Preston, Esquire', Band: 'Wyld Stallyns' } },
        { id: ted.id, content: { username: 'Ted Theodore Logan', Band: 'Wyld Stallyns' } },
        { content: { username: 'Rufus' } },
        { id: '2bdd6370-85af-4e06-aadb-380839e4de8c', content: { username: 'Napoleon' } },
      ],
    });
    expect(res.json).toEqual({ Updated: 2, Created: 2 });
    expect((await call('GET', `/api/datastores/v1/collections/Users/documents/${ted.id}`)).json.content).toEqual({ username: 'Ted Theodore Logan', Band: 'Wyld Stallyns' });
    expect((await call('GET', '/api/datastores/v1/collections/Users/documents/2bdd6370-85af-4e06-aadb-380839e4de8c')).json.content).toEqual({ username: 'Napoleon' });
    expect((await call('GET', '/api/datastores/v1/collections/Users/documents')).json).toHaveLength(6);
  });

  it('list pages with limit and offset (default and cap 10,000)', async () => {
    const all = (await call('GET', '/api/datastores/v1/collections/Users/documents')).json;
    const page = await call('GET', '/api/datastores/v1/collections/Users/documents?limit=2&offset=1');
    expect(page.json).toEqual(all.slice(1, 3));
    expect((await call('GET', '/api/datastores/v1/collections/Users/documents?limit=50000')).json).toEqual(all);
    expect((await call('GET', '/api/datastores/v1/collections/Users/documents?limit=0')).json).toEqual([]);
    expectErrorShape(await call('GET', '/api/datastores/v1/collections/Users/documents?limit=-1'), 400);
    expectErrorShape(await call('GET', '/api/datastores/v1/collections/Users/documents?offset=x'), 400);
  });

  it('lists and queries keep insertion order across many documents', async () => {
    await call('POST', '/api/datastores/v1/collections', { body: { name: 'Many' } });
    const body = Array.from({ length: 300 }, (_, i) => ({ content: { i, even: i % 2 === 0 } }));
    expect((await call('POST', '/api/datastores/v1/collections/Many/documents/bulk', { body })).json).toEqual({ Created: 300 });
    const list = (await call('GET', '/api/datastores/v1/collections/Many/documents')).json;
    expect(list.map((d: any) => d.content.i)).toEqual(body.map((b) => b.content.i));
    const evens = (await call('POST', '/api/datastores/v2/collections/Many/documents/query?offset=10&limit=100', { body: { 'content.even': true } })).json;
    expect(evens.map((d: any) => d.content.i)).toEqual(Array.from({ length: 100 }, (_, k) => 20 + 2 * k));
    const desc = (await call('POST', '/api/datastores/v2/collections/Many/documents/query?orderby=content.i descending&limit=3', { body: {} })).json;
    expect(desc.map((d: any) => d.content.i)).toEqual([299, 298, 297]);
  });

  it('bulk delete answers {"Deleted": n}, ignoring unknown ids', async () => {
    const all = (await call('GET', '/api/datastores/v1/collections/Users/documents')).json;
    const res = await call('DELETE', `/domo/datastores/v1/collections/Users/documents/bulk?ids=${all[2].id},${all[3].id},nope`);
    expect(res.json).toEqual({ Deleted: 2 });
    expectErrorShape(await call('DELETE', '/api/datastores/v1/collections/Users/documents/bulk'), 400);
    expectErrorShape(await call('DELETE', '/api/datastores/v1/collections/Users/documents/bulk?ids='), 400);
    expect((await call('GET', '/api/datastores/v1/collections/Users/documents')).json).toHaveLength(4);
  });

  it('DELETE removes one document: 204 under /api, 200 under /domo, then 404', async () => {
    const all = (await call('GET', '/api/datastores/v1/collections/Users/documents')).json;
    const api = await call('DELETE', `/api/datastores/v1/collections/Users/documents/${all[0].id}`);
    expect(api.status).toBe(204);
    expect(api.text).toBe('');
    expect((await call('DELETE', `/domo/datastores/v1/collections/Users/documents/${all[1].id}`)).status).toBe(200);
    expectErrorShape(await call('DELETE', `/api/datastores/v1/collections/Users/documents/${all[0].id}`), 404);
    expectErrorShape(await call('GET', `/api/datastores/v1/collections/Users/documents/${all[0].id}`), 404);
    expect((await call('GET', '/api/datastores/v1/collections/Users/documents')).json).toHaveLength(2);
  });
});

describe('POST .../documents/query', () => {
  const { call } = world('query');
  const q = (body: unknown, qs = '', version = 'v2') => call('POST', `/api/datastores/${version}/collections/Things/documents/query${qs}`, { body });
  const names = (res: { json: any }) => res.json.map((d: any) => d.content.name);

  beforeAll(async () => {
    await call('POST', '/api/datastores/v1/collections', { body: { name: 'Things' } });
    await call('POST', '/api/datastores/v1/collections/Things/documents/bulk', {
      body: [
        { content: { name: 'a', userId: '123456789', n: 5, tags: ['red', 'blue'], items: [{ price: 5 }, { price: 10 }], nested: { k: 1 } } },
        { content: { name: 'b', userId: 123456789, n: '5', tags: 'red', nested: { k: 2 } } },
        { content: { name: 'c', n: null, comments: 'Happy Birthday!', username: 'Mickey Mouse' } },
        { content: { name: 'd', n: 7.5, comments: 'Bouncing makes me so happy!', username: 'Tigger' } },
        { content: { name: 'e', comments: 'gloomy', username: 'Eeyore', flag: true } },
      ],
      token: EDITOR_TOKEN,
    });
    await call('POST', '/api/datastores/v1/collections/Things/documents', { body: { content: { name: 'f', n: 1, flag: 1 } } });
  });

  it('the reference example: $eq on content.userId does not coerce types', async () => {
    const res = await q({ 'content.userId': { $eq: '123456789' } });
    expect(res.status).toBe(200);
    expect(names(res)).toEqual(['a']);
  });

  it("the app framework example: $or of $regex and $ne (a missing field matches $ne)", async () => {
    const res = await call('POST', '/domo/datastores/v1/collections/Things/documents/query', {
      body: { $or: [{ 'content.comments': { $regex: 'happy' } }, { 'content.username': { $ne: 'Eeyore' } }] },
    });
    expect(names(res)).toEqual(['a', 'b', 'c', 'd', 'f']);
  });

  it('operators over arrays, nested paths, types and missing fields', async () => {
    expect(names(await q({ 'content.tags': 'red' }))).toEqual(['a', 'b']);
    expect(names(await q({ 'content.items.price': { $gt: 7 } }))).toEqual(['a']);
    expect(names(await q({ 'content.nested.k': { $in: [2, 3] } }))).toEqual(['b']);
    expect(names(await q({ 'content.n': { $gte: 5 } }))).toEqual(['a', 'd']);
    expect(names(await q({ 'content.n': null }))).toEqual(['c', 'e']);
    expect(names(await q({ 'content.n': { $nin: [5, 7.5] } }))).toEqual(['b', 'c', 'e', 'f']);
    expect(names(await q({ 'content.n': { $exists: false } }))).toEqual(['e']);
    expect(names(await q({ 'content.n': { $type: 'string' } }))).toEqual(['b']);
    expect(names(await q({ 'content.flag': true }))).toEqual(['e']);
    expect(names(await q({ 'content.comments': { $regex: '^happy', $options: 'i' } }))).toEqual(['c']);
    expect(names(await q({ 'content.tags': { $all: ['blue', 'red'] } }))).toEqual(['a']);
    expect(names(await q({ 'content.tags': { $size: 2 } }))).toEqual(['a']);
    expect(names(await q({ 'content.items': { $elemMatch: { price: { $gte: 6 } } } }))).toEqual(['a']);
    expect(names(await q({ 'content.n': { $not: { $gt: 6 } } }))).toEqual(['a', 'b', 'c', 'e', 'f']);
    expect(names(await q({ $nor: [{ 'content.n': 5 }, { 'content.n': { $exists: false } }] }))).toEqual(['b', 'c', 'd', 'f']);
    expect(names(await q({ $and: [{ 'content.n': { $gt: 1 } }, { 'content.n': { $lt: 6 } }] }))).toEqual(['a']);
  });

  it('top-level fields: owner, id and dates as extended JSON', async () => {
    expect(names(await q({ owner: EDITOR_ID }))).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(names(await q({ owner: ADMIN_ID, 'content.n': 1 }))).toEqual(['f']);
    expect(names(await q({ createdOn: { $lte: { $date: '2026-01-15T12:00:00.000Z' } } }))).toHaveLength(6);
    expect(names(await q({ createdOn: { $lt: { $date: '2026-01-15T12:00:00.000Z' } } }))).toEqual([]);
    expect(names(await q({ updatedOn: { $gte: { $date: '2020-05-12T00:00:00.000Z' } }, 'content.name': { $in: ['a', 'z'] } }))).toEqual(['a']);
    expect(names(await q({ createdOn: { $gte: '2020-01-01' } }))).toEqual([]);
  });

  it('whole-object equality runs through the JavaScript fallback, paging included', async () => {
    expect(names(await q({ 'content.nested': { k: 1 } }))).toEqual(['a']);
    expect(names(await q({ 'content.nested': { $in: [{ k: 2 }, { k: 1 }] } }))).toEqual(['a', 'b']);
    expect(names(await q({ 'content.nested': { $ne: { k: 1 } } }, '?offset=1&limit=2'))).toEqual(['c', 'd']);
    expect(names(await q({ 'content.tags': ['red', 'blue'] }))).toEqual(['a']);
  });

  it('an empty body or {} matches every document; limit, offset and orderby apply', async () => {
    expect(names(await q(undefined))).toHaveLength(6);
    expect(names(await q({}, '?limit=2&offset=1'))).toEqual(['b', 'c']);
    expect(names(await q({ 'content.n': { $type: 'number' } }, '?orderby=content.n descending'))).toEqual(['d', 'a', 'f']);
  });

  it('rejects unknown operators and malformed filters with 400 naming them', async () => {
    const unknown = expectErrorShape(await q({ 'content.n': { $near: 5 } }), 400);
    expect(unknown.details).toEqual([{ path: 'body.content.n.$near', message: 'Unknown operator $near' }]);
    expect(expectErrorShape(await q({ $where: 'this.n > 1' }), 400).message).toMatch(/Unknown top-level operator \$where/);
    expect(expectErrorShape(await q({ $or: [] }), 400).details![0].path).toBe('body.$or');
    expect(expectErrorShape(await q({ 'content.n': { $in: 5 } }), 400).message).toMatch(/\$in needs an array/);
    expect(expectErrorShape(await q({ 'content.n': { $regex: '(' } }), 400).message).toMatch(/Invalid regular expression/);
    expect(expectErrorShape(await q({ createdOn: { $lte: { $date: 'soon' } } }), 400).message).toMatch(/\$date/);
    expect(expectErrorShape(await q([1]), 400).message).toMatch(/must be a JSON object/);
    expectErrorShape(await call('POST', '/api/datastores/v2/collections/Things/documents/query', { raw: '{', headers: { 'Content-Type': 'application/json' } }), 400);
    expectErrorShape(await call('POST', '/api/datastores/v2/collections/Nope/documents/query', { body: {} }), 404);
  });
});

describe('aggregation', () => {
  const { call } = world('aggregation');
  const documented =
    '?groupby=content.campaignName, content.month&count=documentCount&avg=content.clicks avgClicks, content.impressions avgImps' +
    '&sum=content.clicks sumClicks, content.impressions sumImps&max=content.clicks maxClicks, content.impressions maxImps' +
    '&min=content.clicks minClicks, content.impressions minImps&orderby=sumClicks descending';
  const redBlue = { 'content.campaignName': { $in: ['Red Campaign', 'Blue Campaign'] } };

  it("answers Domo's documented example over the fixture campaigns", async () => {
    const res = await call('POST', `/domo/datastores/v1/collections/campaigns/documents/query${encodeURI(documented)}`, { body: redBlue });
    expect(res.status).toBe(200);
    expect(res.json).toEqual([
      { maxImps: 1250, sumClicks: 210, sumImps: 2260, documentCount: 2, minImps: 1010, avgImps: 1130, campaignName: 'Red Campaign', minClicks: 90, avgClicks: 105, maxClicks: 120, month: 'February' },
      { maxImps: 1150, sumClicks: 190, sumImps: 2050, documentCount: 2, minImps: 900, avgImps: 1025, campaignName: 'Red Campaign', minClicks: 85, avgClicks: 95, maxClicks: 105, month: 'January' },
      { maxImps: 1000, sumClicks: 100, sumImps: 1000, documentCount: 1, minImps: 1000, avgImps: 1000, campaignName: 'Blue Campaign', minClicks: 100, avgClicks: 100, maxClicks: 100, month: 'January' },
      { maxImps: 500, sumClicks: 50, sumImps: 500, documentCount: 1, minImps: 500, avgImps: 500, campaignName: 'Blue Campaign', minClicks: 50, avgClicks: 50, maxClicks: 50, month: 'February' },
    ]);
  });

  it('each parameter on its own: groupby, count, sum, avg, min, max, orderby, limit, offset', async () => {
    const agg = async (qs: string, body: unknown = {}) => (await call('POST', `/api/datastores/v2/collections/campaigns/documents/query${encodeURI(qs)}`, { body })).json;
    expect(await agg('?count=n')).toEqual([{ n: campaignDocs.length }]);
    expect(await agg('?groupby=content.campaignName', redBlue)).toEqual([{ campaignName: 'Blue Campaign' }, { campaignName: 'Red Campaign' }]);
    expect(await agg('?sum=content.clicks total', redBlue)).toEqual([{ total: 550 }]);
    expect(await agg('?avg=content.impressions a', redBlue)).toEqual([{ a: 5810 / 6 }]);
    expect(await agg('?min=content.clicks lo&max=content.clicks hi', redBlue)).toEqual([{ lo: 50, hi: 120 }]);
    const byCampaign = await agg('?groupby=content.campaignName&count=n&orderby=n ascending');
    expect(byCampaign.map((r: any) => r.n)).toEqual([2, 4, 60, 60, 60, 60]);
    expect(await agg('?groupby=content.campaignName&count=n&orderby=n ascending&limit=2&offset=1')).toEqual(byCampaign.slice(1, 3));
    const channels = new Set(campaignDocs.map((d) => d.content.channel));
    expect(await agg('?groupby=content.channel&count=n')).toHaveLength(channels.size);
  });

  it('unwind: per array element, grouped or as documents', async () => {
    const tagCounts = new Map<string, number>();
    for (const d of campaignDocs) for (const tag of d.content.tags as string[]) tagCounts.set(tag, (tagCounts.get(tag) ?? 0) + 1);
    const res = await call('POST', `/api/datastores/v2/collections/campaigns/documents/query?unwind=content.tags&groupby=content.tags&count=n`, { body: {} });
    expect(res.json).toEqual([...tagCounts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([tags, n]) => ({ tags, n })));
    const docs = await call('POST', `/api/datastores/v2/collections/campaigns/documents/query?unwind=content.tags&limit=3`, { body: { 'content.tags': { $size: 2 } } });
    expect(docs.json).toHaveLength(3);
    expect(docs.json[0].id).toBe(docs.json[1].id);
    expect(typeof docs.json[0].content.tags).toBe('string');
  });

  it('the security rules and the filter apply before grouping', async () => {
    const danaToken = (await call('POST', '/_emulator/tokens', { body: { userId: PARTICIPANT_ID }, token: null })).json.token;
    const res = await call('POST', `/api/datastores/v2/collections/secureCollection/documents/query?groupby=content.region&count=n`, { body: {}, token: danaToken });
    expect(res.json).toEqual([{ region: 'West', n: secureDocs.filter((d) => d.content.region === 'West').length }]);
  });

  it('rejects malformed aggregation parameters', async () => {
    const bad = async (qs: string) => expectErrorShape(await call('POST', `/api/datastores/v2/collections/campaigns/documents/query${encodeURI(qs)}`, { body: {} }), 400);
    expect((await bad('?count=n&orderby=clicks descending')).details![0].path).toBe('query.orderby');
    expect((await bad('?avg=content.clicks a b')).details![0].path).toBe('query.avg');
    expect((await bad('?sum=content.clicks x&max=content.clicks x')).message).toMatch(/used twice/);
    expect((await bad('?groupby=content..a')).details![0].path).toBe('query.groupby');
    await bad('?count=n&limit=-5');
  });
});

describe('PUT .../documents/update (partial updates)', () => {
  const { call } = world('update');
  const get = async () => (await call('GET', '/api/datastores/v1/collections/Users/documents')).json.map((d: any) => d.content);
  const update = (body: unknown, token?: string) => call('PUT', '/domo/datastores/v1/collections/Users/documents/update', { body, token });

  beforeAll(async () => {
    await call('POST', '/api/datastores/v1/collections', { body: { name: 'Users' } });
    await call('POST', '/api/datastores/v1/collections/Users/documents/bulk', {
      body: [
        { content: { username: 'Bill S. Preston, Esquire', score: 1, tags: ['a'] } },
        { content: { username: 'Ted Theodore Logan', score: 2, tags: [] } },
        { content: { username: 'Rufus', score: 'high' } },
      ],
    });
  });

  it('the documented example: $set on the matching document answers the count', async () => {
    const res = await update({ query: { 'content.username': 'Bill S. Preston, Esquire' }, operation: { $set: { 'content.comment': 'Excellent!' } } });
    expect(res.status).toBe(200);
    expect(res.json).toBe(1);
    expect((await get())[0]).toEqual({ username: 'Bill S. Preston, Esquire', score: 1, tags: ['a'], comment: 'Excellent!' });
  });

  it('every operator through the API', async () => {
    const bill = { 'content.username': 'Bill S. Preston, Esquire' };
    const ops = [
      { $inc: { 'content.score': 2 }, $mul: { 'content.mult': 3 } },
      { $min: { 'content.score': 0 }, $max: { 'content.best': 10 } },
      { $rename: { 'content.comment': 'content.remark' }, $unset: { 'content.mult': '' } },
      { $currentDate: { 'content.seen': true } },
      { $addToSet: { 'content.tags': { $each: ['a', 'b'] } } },
      { $push: { 'content.tags': { $each: ['z', 'c'], $sort: 1, $slice: 3, $position: 0 } } },
      { $pop: { 'content.tags': -1 } },
      { $pullAll: { 'content.tags': ['c'] } },
    ];
    for (const operation of ops) expect((await update({ query: bill, operation })).json).toBe(1);
    expect((await get())[0]).toEqual({ username: 'Bill S. Preston, Esquire', score: 0, tags: ['b'], best: 10, remark: 'Excellent!', seen: '2026-01-15T12:00:00.000Z' });
  });

  it('counts only documents that changed; the query may be a JSON string', async () => {
    expect((await update({ query: { 'content.score': { $type: 'number' } }, operation: { $max: { 'content.score': 1 } } })).json).toBe(1);
    expect((await update({ query: '{"content.username": "Rufus"}', operation: { $set: { 'content.score': 'high' } } })).json).toBe(0);
    expect((await update({ query: { 'content.nobody': true }, operation: { $set: { 'content.x': 1 } } })).json).toBe(0);
  });

  it('stamps updatedOn and updatedBy on changed documents only', async () => {
    await call('POST', '/_emulator/clock', { body: { advance: 'PT5M' }, token: null });
    await update({ query: { 'content.username': 'Rufus' }, operation: { $set: { 'content.level': 9 } } }, EDITOR_TOKEN);
    const docs = (await call('GET', '/api/datastores/v1/collections/Users/documents')).json;
    expect(docs[2]).toMatchObject({ updatedBy: EDITOR_ID, updatedOn: '2026-01-15T12:05:00.000+0000', createdOn: NOW, owner: ADMIN_ID });
    expect(docs[1]).toMatchObject({ updatedBy: ADMIN_ID, updatedOn: NOW });
  });

  it('rejects $setOnInsert, unknown operators, bad paths and data conflicts, changing nothing', async () => {
    const before = (await call('GET', '/api/datastores/v1/collections/Users/documents')).json;
    const cases: Array<[unknown, RegExp, string?]> = [
      [{ query: {}, operation: { $setOnInsert: { 'content.a': 1 } } }, /\$setOnInsert is not supported/, 'body.operation.$setOnInsert'],
      [{ query: {}, operation: { $pull: { 'content.tags': 'a' } } }, /Unknown or unsupported update operator \$pull/],
      [{ query: {}, operation: { $set: { owner: 1 } } }, /start with 'content\.'/],
      [{ query: {}, operation: {} }, /non-empty object/],
      [{ query: { 'content.a': { $foo: 1 } }, operation: { $set: { 'content.a': 1 } } }, /Unknown operator \$foo/, 'body.query.content.a.$foo'],
      [{ query: {}, operation: { $inc: { 'content.score': 1 } } }, /non-numeric/],
      [{ query: 'not json', operation: { $set: { 'content.a': 1 } } }, /not JSON/],
      [{ operation: { $set: { 'content.a': 1 } } }, /query/],
      [{ query: {} }, /operation/],
    ];
    for (const [body, message, path] of cases) {
      const err = expectErrorShape(await update(body), 400);
      expect(err.message).toMatch(message);
      if (path) expect(err.details![0].path).toBe(path);
    }
    expect((await call('GET', '/api/datastores/v1/collections/Users/documents')).json).toEqual(before);
  });
});

describe('collection permissions', () => {
  const { call, tokenFor } = world('permissions');
  const docs = '/api/datastores/v1/collections/Notes/documents';
  let doc: any;

  beforeAll(async () => {
    await call('POST', '/api/datastores/v1/collections', { body: { name: 'Notes' } });
    doc = (await call('POST', docs, { body: { content: { text: 'first' } } })).json;
  });

  it('until permissions are set, everyone may do everything', async () => {
    expect((await call('GET', docs, { token: PARTICIPANT_TOKEN })).status).toBe(200);
    expect((await call('POST', docs, { body: { content: { text: 'by john' } }, token: PARTICIPANT_TOKEN })).status).toBe(200);
    expect((await call('GET', '/api/datastores/v1/collections/Notes/permission')).json).toEqual([]);
  });

  it('PUT .../permission/USER/:id grants a user (204 under /api); others are then refused (403)', async () => {
    const res = await call('PUT', `/api/datastores/v1/collections/Notes/permission/USER/${EDITOR_ID}?permissions=read,read_content,create_content`);
    expect(res.status).toBe(204);
    expect((await call('GET', '/api/datastores/v1/collections/Notes/permission')).json).toEqual([
      { entityType: 'USER', entityId: String(EDITOR_ID), permissions: ['read', 'read_content', 'create_content'] },
    ]);
    expectErrorShape(await call('GET', docs, { token: PARTICIPANT_TOKEN }), 403);
    expectErrorShape(await call('GET', `${docs}/${doc.id}`, { token: PARTICIPANT_TOKEN }), 403);
    expectErrorShape(await call('POST', `${docs}/query`, { body: {}, token: PARTICIPANT_TOKEN }), 403);
    expectErrorShape(await call('POST', docs, { body: { content: { text: 'nope' } }, token: PARTICIPANT_TOKEN }), 403);
    expectErrorShape(await call('GET', '/api/datastores/v1/collections/Notes', { token: PARTICIPANT_TOKEN }), 403);
    expect((await call('GET', '/api/datastores/v1/collections', { token: PARTICIPANT_TOKEN })).json.map((c: any) => c.name)).not.toContain('Notes');
    expect((await call('GET', docs)).json).toHaveLength(2);
  });

  it('a user gets exactly what was granted; admins pass everything', async () => {
    expect((await call('GET', docs, { token: EDITOR_TOKEN })).json).toHaveLength(2);
    expect((await call('POST', docs, { body: { content: { text: 'by bryan' } }, token: EDITOR_TOKEN })).status).toBe(200);
    expectErrorShape(await call('PUT', `${docs}/${doc.id}`, { body: { content: { text: 'edited' } }, token: EDITOR_TOKEN }), 403);
    expectErrorShape(await call('PUT', `${docs}/update`, { body: { query: {}, operation: { $set: { 'content.x': 1 } } }, token: EDITOR_TOKEN }), 403);
    expectErrorShape(await call('PUT', `${docs}/bulk`, { body: [{ id: doc.id, content: {} }], token: EDITOR_TOKEN }), 403);
    expectErrorShape(await call('DELETE', `${docs}/${doc.id}`, { token: EDITOR_TOKEN }), 403);
    expectErrorShape(await call('DELETE', `${docs}/bulk?ids=${doc.id}`, { token: EDITOR_TOKEN }), 403);
    expectErrorShape(await call('PUT', '/api/datastores/v1/collections/Notes', { body: { syncEnabled: true }, token: EDITOR_TOKEN }), 403);
    expectErrorShape(await call('DELETE', '/api/datastores/v1/collections/Notes', { token: EDITOR_TOKEN }), 403);
    expectErrorShape(await call('PUT', `/api/datastores/v1/collections/Notes/permission/USER/${PARTICIPANT_ID}?permissions=admin`, { token: EDITOR_TOKEN }), 403);
    expect((await call('GET', `${docs}/${doc.id}`)).json.content).toEqual({ text: 'first' });
    expect((await call('PUT', `${docs}/${doc.id}`, { body: { content: { text: 'admin edit' } } })).status).toBe(200);
  });

  it('GROUP grants apply to members; RYUU_APP grants apply to app sessions of that app only (200 under /domo)', async () => {
    expect((await call('PUT', `/api/datastores/v1/collections/Notes/permission/GROUP/${SALES_TEAM}?permissions=read_content`)).status).toBe(204);
    expect((await call('GET', docs, { token: PARTICIPANT_TOKEN })).status).toBe(200);
    const dana = await tokenFor(DANA);
    expectErrorShape(await call('GET', docs, { token: dana }), 403);
    const APP = '733ff55b-387c-472e-b3c7-9911c7057f5f';
    const app = await call('PUT', `/domo/datastores/v1/collections/Notes/permission/RYUU_APP/${APP}?permissions=read,create_content,update_content,read_content`);
    expect(app.status).toBe(200);
    expect(app.text).toBe('');
    // an app session of that app (known by its proxy id), of another app, of no named app; a developer token
    const register = (id: string, proxyId?: string) => call('POST', '/_emulator/apps', { body: { name: `App ${id}`, id, proxyId }, token: null });
    expect((await register('notes-design', APP)).status).toBe(201);
    expect((await register('other-design')).status).toBe(201);
    const session = async (appId?: string) =>
      (await call('POST', '/_emulator/tokens', { body: { userId: DANA, kind: 'app', ...(appId ? { appId } : {}) }, token: null })).json.token as string;
    const inApp = await session('notes-design');
    const ryuu = (method: string, path: string, token: string, body?: unknown) => call(method, path, { token: null, headers: { 'X-DOMO-Ryuu-Session': token }, body });
    expect((await ryuu('GET', docs, inApp)).status).toBe(200);
    expect((await ryuu('POST', docs, inApp, { content: { text: 'by dana' } })).status).toBe(200);
    expect((await ryuu('GET', docs, await session())).status).toBe(200);
    expectErrorShape(await ryuu('GET', docs, await session('other-design')), 403);
    expectErrorShape(await call('GET', docs, { token: dana }), 403);
    // the grant named by the design id works as well
    const byId = await session('other-design');
    expect((await call('PUT', '/api/datastores/v1/collections/Notes/permission/RYUU_APP/other-design?permissions=read_content')).status).toBe(204);
    expect((await ryuu('GET', docs, byId)).status).toBe(200);
    expect((await call('DELETE', '/api/datastores/v1/collections/Notes/permission/RYUU_APP/other-design')).status).toBe(204);
    const lower = await call('PUT', `/api/datastores/v1/collections/Notes/permission/ryuu_app/${APP}?permissions=read,read_content`);
    expect(lower.status).toBe(204);
    expectErrorShape(await ryuu('POST', docs, inApp, { content: { text: 'again' } }), 403);
  });

  it('DELETE .../permission/:entity/:id removes a grant; access stays enforced', async () => {
    expect((await call('DELETE', '/domo/datastores/v1/collections/Notes/permission/RYUU_APP/733ff55b-387c-472e-b3c7-9911c7057f5f')).status).toBe(200);
    expect((await call('DELETE', `/api/datastores/v1/collections/Notes/permission/GROUP/${SALES_TEAM}`)).status).toBe(204);
    expectErrorShape(await call('GET', docs, { token: PARTICIPANT_TOKEN }), 403);
    expectErrorShape(await call('DELETE', `/api/datastores/v1/collections/Notes/permission/GROUP/${SALES_TEAM}`), 404);
    expect((await call('DELETE', `/api/datastores/v1/collections/Notes/permission/USER/${EDITOR_ID}`)).status).toBe(204);
    expectErrorShape(await call('GET', docs, { token: EDITOR_TOKEN }), 403);
    expect((await call('GET', docs)).status).toBe(200);
  });

  it('rejects unknown permissions, entities, users and groups, changing nothing', async () => {
    const before = (await call('GET', '/api/datastores/v1/collections/Notes/permission')).json;
    const base = '/api/datastores/v1/collections/Notes/permission';
    expect(expectErrorShape(await call('PUT', `${base}/USER/${EDITOR_ID}?permissions=read,fly`), 400).details![0].path).toMatch(/^query\.permissions/);
    expectErrorShape(await call('PUT', `${base}/USER/${EDITOR_ID}`), 400);
    expectErrorShape(await call('PUT', `${base}/USER/${EDITOR_ID}?permissions=`), 400);
    expectErrorShape(await call('PUT', `${base}/ROBOT/1?permissions=read`), 400);
    expectErrorShape(await call('PUT', `${base}/USER/999?permissions=read`), 404);
    expectErrorShape(await call('PUT', `${base}/GROUP/999?permissions=read`), 404);
    expectErrorShape(await call('PUT', `/api/datastores/v1/collections/Nope/permission/USER/${EDITOR_ID}?permissions=read`), 404);
    expect((await call('GET', base)).json).toEqual(before);
  });
});

describe('security filters', () => {
  const { call, tokenFor } = world('security');
  const base = '/api/datastores/v1/collections/secureCollection/documents';
  const west = secureDocs.filter((d) => d.content.region === 'West');
  const east = secureDocs.find((d) => d.content.region === 'East')!;
  let dana: string;
  let sam: string;

  beforeAll(async () => {
    dana = await tokenFor(DANA);
    sam = await tokenFor(SAM);
  });

  it('a Sales Team member sees only West documents; a user no rule names sees everything', async () => {
    const john = (await call('GET', base, { token: PARTICIPANT_TOKEN })).json;
    expect(ids(john)).toEqual(ids(west));
    expect((await call('GET', base, { token: dana })).json).toHaveLength(secureDocs.length);
  });

  it('%userId% in a rule query: a Marketing member sees only documents with their user id', async () => {
    const mine = secureDocs.filter((d) => d.content.userId === SAM);
    expect(mine.length).toBeGreaterThan(0);
    expect(ids((await call('GET', base, { token: sam })).json)).toEqual(ids(mine));
  });

  it("the rule's query is ANDed with the user's own query", async () => {
    const res = await call('POST', `${base.replace('v1', 'v2')}/query`, { body: { 'content.country': 'US' }, token: PARTICIPANT_TOKEN });
    expect(ids(res.json)).toEqual(ids(west.filter((d) => d.content.country === 'US')));
  });

  it('a hidden document answers 404 to get, replace and delete, and stays as it was', async () => {
    expectErrorShape(await call('GET', `${base}/${east.id}`, { token: PARTICIPANT_TOKEN }), 404);
    expectErrorShape(await call('PUT', `${base}/${east.id}`, { body: { content: { region: 'West' } }, token: PARTICIPANT_TOKEN }), 404);
    expectErrorShape(await call('DELETE', `${base}/${east.id}`, { token: PARTICIPANT_TOKEN }), 404);
    expect((await call('GET', `${base}/${east.id}`, { token: dana })).json.content).toEqual(east.content);
  });

  it('hidden documents count 0 in bulk delete, bulk upsert and partial updates', async () => {
    const w = west[0];
    const del = await call('DELETE', `${base}/bulk?ids=${east.id},${w.id}`, { token: PARTICIPANT_TOKEN });
    expect(del.json).toEqual({ Deleted: 1 });
    expect((await call('GET', `${base}/${east.id}`, { token: dana })).status).toBe(200);
    expectErrorShape(await call('GET', `${base}/${w.id}`, { token: dana }), 404);
    const up = await call('PUT', `${base}/bulk`, { body: [{ id: east.id, content: { region: 'West', hacked: true } }, { content: { region: 'West', note: 'new' } }], token: PARTICIPANT_TOKEN });
    expect(up.json).toEqual({ Updated: 0, Created: 1 });
    expect((await call('GET', `${base}/${east.id}`, { token: dana })).json.content).toEqual(east.content);
    const count = await call('PUT', `${base}/update`, { body: { query: {}, operation: { $set: { 'content.reviewed': true } } }, token: PARTICIPANT_TOKEN });
    expect(count.json).toBe(west.length);
    const all = (await call('GET', base, { token: dana })).json;
    expect(all.filter((d: any) => d.content.reviewed).length).toBe(west.length);
    expect(all.filter((d: any) => d.content.reviewed && d.content.region !== 'West')).toEqual([]);
  });

  it('limitToOwner on UPDATE/DELETE: others read but may not change or delete', async () => {
    await call('POST', '/api/datastores/v1/collections', {
      body: { name: 'ownDocs', filters: [{ name: 'own', applyOn: ['UPDATE', 'DELETE'], applyToAll: true, limitToOwner: true }] },
    });
    const mine = (await call('POST', '/api/datastores/v1/collections/ownDocs/documents', { body: { content: { v: 1 } }, token: EDITOR_TOKEN })).json;
    const path = `/api/datastores/v1/collections/ownDocs/documents/${mine.id}`;
    expect((await call('GET', path, { token: PARTICIPANT_TOKEN })).status).toBe(200);
    expectErrorShape(await call('PUT', path, { body: { content: { v: 2 } }, token: PARTICIPANT_TOKEN }), 404);
    expectErrorShape(await call('DELETE', path, { token: PARTICIPANT_TOKEN }), 404);
    expect((await call('GET', path)).json.content).toEqual({ v: 1 });
    expect((await call('PUT', path, { body: { content: { v: 3 } }, token: EDITOR_TOKEN })).json.content).toEqual({ v: 3 });
    expect((await call('DELETE', path, { token: EDITOR_TOKEN })).status).toBe(204);
  });

  it('rules can be changed with PUT .../collections/:collection', async () => {
    const res = await call('PUT', '/api/datastores/v1/collections/secureCollection', { body: { filters: null } });
    expect(res.json).not.toHaveProperty('filters');
    expect((await call('GET', base, { token: PARTICIPANT_TOKEN })).json.length).toBeGreaterThan(west.length);
  });
});

describe('sync to datasets', () => {
  const { call, clock } = world('sync');
  const sql = async (datasetId: string, query: string) => {
    const res = await call('POST', `/api/query/v1/execute/${datasetId}`, { body: { sql: query } });
    expect(res.status, res.text).toBe(200);
    return res.json.rows as unknown[][];
  };
  const orders = [
    { orderId: 'A-1', qty: 2, price: 9.5, placed: '2026-01-02', shippedAt: '2026-01-03T10:15:00Z' },
    { orderId: 'A-2', qty: '3', price: 20, placed: '2026-01-05T08:00:00Z', shippedAt: '2026-01-06T01:00:00+02:00' },
    { orderId: 'A-3', qty: 1, price: 1, placed: 'March 3rd', shippedAt: null },
  ];

  it('the fixture collection starts synced: its dataset answers SQL', async () => {
    const c = (await call('GET', '/api/datastores/v1/collections/campaigns')).json;
    expect(c).toMatchObject({ syncRequired: false, lastSync: NOW });
    const rows = await sql(c.datasourceId, 'SELECT COUNT(*), SUM(clicks) FROM campaigns');
    expect(rows).toEqual([[campaignDocs.length, campaignDocs.reduce((n, d) => n + (d.content.clicks as number), 0)]]);
    const doc = (await call('GET', `/api/datastores/v1/collections/campaigns/documents/${campaignDocs[0].id}`)).json;
    expect(doc.syncRequired).toBe(false);
  });

  it('POST /domo/datastores/v1/export exports synced collections; non-ISO dates skip the row', async () => {
    await call('POST', '/api/datastores/v1/collections', {
      body: {
        name: 'Orders',
        syncEnabled: true,
        schema: { columns: [{ name: 'orderId', type: 'STRING' }, { name: 'qty', type: 'LONG' }, { name: 'price', type: 'DECIMAL' }, { name: 'placed', type: 'DATE' }, { name: 'shippedAt', type: 'DATETIME' }] },
      },
    });
    await call('POST', '/api/datastores/v1/collections/Orders/documents/bulk', { body: orders.map((content) => ({ content })) });
    const before = (await call('GET', '/api/datastores/v1/collections/Orders')).json;
    expect(before).toMatchObject({ syncRequired: true, lastSync: '1970-01-02T00:00:00.000+0000' });
    expect(before).not.toHaveProperty('datasourceId');

    await clock({ advance: 'PT1M' });
    const res = await call('POST', '/domo/datastores/v1/export');
    expect(res.status).toBe(200);
    const orderResult = res.json.exported.find((e: any) => e.name === 'Orders');
    expect(orderResult).toMatchObject({ rowCount: 2, skipped: 1 });
    expect(orderResult.skippedReasons[0]).toMatch(/placed.*March 3rd/);

    const after = (await call('GET', '/api/datastores/v1/collections/Orders')).json;
    expect(after).toMatchObject({ syncRequired: false, lastSync: '2026-01-15T12:01:00.000+0000', datasourceId: orderResult.datasourceId });
    expect(await sql(after.datasourceId, 'SELECT orderId, qty, price, placed, shippedAt FROM Orders ORDER BY orderId')).toEqual([
      ['A-1', 2, 9.5, '2026-01-02', '2026-01-03T10:15:00'],
      ['A-2', 3, 20, '2026-01-05', '2026-01-05T23:00:00'],
    ]);
    const docs = (await call('GET', '/api/datastores/v1/collections/Orders/documents')).json;
    expect(docs.every((d: any) => d.syncRequired === false)).toBe(true);
  });

  it('answers 423 while an export is running, and 200 once it has finished', async () => {
    const before = (await call('GET', '/api/datastores/v1/collections/Orders')).json;
    const locked = await call('POST', '/api/datastores/v1/export?includeRelatedCollections=true');
    expect(expectErrorShape(locked, 423).statusReason).toBe('Locked');
    expect((await call('GET', '/api/datastores/v1/collections/Orders')).json).toEqual(before);
    await clock({ advance: 'PT2S' });
    expect((await call('POST', '/domo/datastores/v1/export?includeRelatedCollections=true')).status).toBe(200);
  });

  it('every 15 minutes of the instance clock, changed synced collections export on their own', async () => {
    const created = (await call('POST', '/api/datastores/v1/collections/Orders/documents', { body: { content: { orderId: 'A-4', qty: 4, price: 4, placed: '2026-01-09' } } })).json;
    expect(created.syncRequired).toBe(true);
    const c = (await call('GET', '/api/datastores/v1/collections/Orders')).json;
    expect(c.syncRequired).toBe(true);
    expect(await sql(c.datasourceId, 'SELECT COUNT(*) FROM Orders')).toEqual([[2]]);
    await clock({ advance: 'PT15M' });
    expect(await sql(c.datasourceId, 'SELECT orderId FROM Orders ORDER BY orderId')).toEqual([['A-1'], ['A-2'], ['A-4']]);
    const after = (await call('GET', '/api/datastores/v1/collections/Orders')).json;
    expect(after.syncRequired).toBe(false);
    // the export ran at the slot boundary the clock passed (12:15), as the scheduler runs it
    expect(after.lastSync).toBe('2026-01-15T12:15:00.000+0000');
  });

  it('a schema change exports to a new dataset with the new columns', async () => {
    const old = (await call('GET', '/api/datastores/v1/collections/Orders')).json.datasourceId;
    await call('PUT', '/api/datastores/v1/collections/Orders', { body: { schema: { columns: [{ name: 'orderId', type: 'STRING' }, { name: 'qty', type: 'DOUBLE' }] } } });
    await clock({ advance: 'PT2S' });
    const res = await call('POST', '/domo/datastores/v1/export');
    const mine = res.json.exported.find((e: any) => e.name === 'Orders');
    expect(mine.datasourceId).not.toBe(old);
    expect(await sql(mine.datasourceId, 'SELECT orderId, qty FROM Orders ORDER BY orderId')).toEqual([['A-1', 2], ['A-2', 3], ['A-3', 1], ['A-4', 4]]);
  });

  it('a synced collection without schema columns is reported, not exported', async () => {
    await call('POST', '/api/datastores/v1/collections', { body: { name: 'NoSchema', syncEnabled: true } });
    await clock({ advance: 'PT2S' });
    const res = await call('POST', '/domo/datastores/v1/export');
    expect(res.json.exported.find((e: any) => e.name === 'NoSchema')).toMatchObject({ datasourceId: null, rowCount: 0, error: expect.stringMatching(/no schema/) });
  });
});
