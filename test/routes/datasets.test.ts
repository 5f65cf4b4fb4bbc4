import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ID, EDITOR_ID, EDITOR_TOKEN, PARTICIPANT_ID, PARTICIPANT_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';
import { ACTIVITY, PEOPLE, SALES, createDataset, ds, load, salesColumns, sqlRows, tokenFor, type App } from './datasets-helpers.js';

let t: App;
beforeAll(() => {
  t = testApp();
});
afterAll(() => t.close());

const count = async () => (await t.call('GET', '/api/data/v3/datasources?limit=1000')).json._metaData.totalCount as number;

describe('POST /api/data/v2/datasources', () => {
  it('creates an API dataset owned by the caller, with a stream, shown as the metadata endpoint shows it', async () => {
    const res = await t.call('POST', '/api/data/v2/datasources', {
      body: { userDefinedType: 'api', dataSourceName: 'hello world', schema: { columns: [{ type: 'STRING', name: 'Friend' }, { type: 'string', name: 'Attending' }] } },
      token: EDITOR_TOKEN,
    });
    expect(res.status).toBe(200);
    const id = res.json.id;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.json).toMatchObject({
      dataSourceId: id,
      dataSource: { dataSourceId: id, name: 'hello world' },
      name: 'hello world',
      owner: { id: String(EDITOR_ID), name: 'Bryan Van Kampen', type: 'USER', group: false },
      rowCount: 0,
      columnCount: 2,
      created: Date.parse('2026-01-15T12:00:00Z'),
      permissions: 'READ_WRITE_DELETE_SHARE_ADMIN',
      dataProviderType: 'api',
      transportType: 'API',
    });
    expect(typeof res.json.streamId).toBe('number');
    const meta = await t.call('GET', ds(id), { token: EDITOR_TOKEN });
    expect(meta.json).toMatchObject({ id, name: 'hello world', columnCount: 2, streamId: res.json.streamId });
    const stream = await t.call('GET', `/api/data/v1/streams/${res.json.streamId}`, { token: EDITOR_TOKEN });
    expect(stream.json.dataSource.id).toBe(id);
    const schema = await t.call('GET', `/api/data/v2/datasources/${id}/schemas/latest`);
    expect(schema.json.schema.columns.map((c: any) => [c.name, c.type])).toEqual([
      ['Friend', 'STRING'],
      ['Attending', 'STRING'],
    ]);
  });

  it('rejects bad schemas with a 400 naming the column; nothing is created', async () => {
    const before = await count();
    const bad = async (columns: unknown, where: string) => {
      const res = await t.call('POST', '/api/data/v2/datasources', { body: { userDefinedType: 'api', dataSourceName: 'x', schema: { columns } } });
      const err = expectErrorShape(res, 400);
      expect(err.details?.map((d) => d.path).join(' ')).toContain(where);
    };
    await bad([{ name: '', type: 'STRING' }], 'columns[0].name');
    await bad([{ name: 'a', type: 'STRING' }, { name: 'A', type: 'LONG' }], 'columns[1].name');
    await bad([{ name: 'a', type: 'INTEGER' }], 'columns[0].type');
    await bad([], 'schema.columns');
    expectErrorShape(await t.call('POST', '/api/data/v2/datasources', { body: { userDefinedType: 'api', schema: { columns: [{ name: 'a', type: 'STRING' }] } } }), 400);
    expectErrorShape(await t.call('POST', '/api/data/v2/datasources', { body: { dataSourceName: 'no schema' } }), 400);
    expect(await count()).toBe(before);
  });
});

describe('GET /api/data/v3/datasources/:id', () => {
  it('shows fixture metadata with counts, cards, tags and the caller permissions; part/requestedParts accepted', async () => {
    const res = await t.call('GET', ds(SALES, '?part=core,permission'));
    expect(res.json).toMatchObject({
      id: SALES,
      name: 'Sales Transactions',
      rowCount: 430,
      columnCount: 11,
      streamId: 25222,
      cardInfo: { cardCount: 3 },
      cardCount: 3,
      tags: '["sales","finance","partitioned"]',
      permissions: 'READ_WRITE_DELETE_SHARE_ADMIN',
      status: 'SUCCESS',
    });
    expect((await t.call('GET', ds(SALES, '?requestedParts=core'), { token: EDITOR_TOKEN })).json.permissions).toBe('READ_WRITE_SHARE');
    expect((await t.call('GET', ds(SALES), { token: PARTICIPANT_TOKEN })).json.permissions).toBe('READ');
  });

  it('is 404 for an unknown id and 403 for a non-admin without access (admins see everything)', async () => {
    expectErrorShape(await t.call('GET', ds('no-such-dataset')), 404);
    expectErrorShape(await t.call('GET', ds(PEOPLE), { token: PARTICIPANT_TOKEN }), 403);
    expectErrorShape(await t.call('POST', `/api/query/v1/execute/${PEOPLE}`, { body: { sql: 'SELECT * FROM t' }, token: PARTICIPANT_TOKEN }), 403);
    expectErrorShape(await t.call('GET', `/api/data/v2/datasources/${PEOPLE}/dataversions`, { token: PARTICIPANT_TOKEN }), 403);
    expectErrorShape(await t.call('GET', `/api/query/v1/datasources/${PEOPLE}/schema/indexed`, { token: PARTICIPANT_TOKEN }), 403);
    expect((await t.call('GET', ds(PEOPLE))).status).toBe(200);
  });
});

describe('GET /api/data/v3/datasources', () => {
  it('lists what the caller may see, paged, with filters', async () => {
    const all = (await t.call('GET', '/api/data/v3/datasources?limit=100')).json;
    expect(all.dataSources.map((d: any) => d.id)).toEqual(expect.arrayContaining([SALES, PEOPLE, ACTIVITY]));
    const mine = (await t.call('GET', '/api/data/v3/datasources?limit=100', { token: PARTICIPANT_TOKEN })).json.dataSources.map((d: any) => d.id);
    expect(mine).toContain(SALES);
    expect(mine).not.toContain(PEOPLE);
    const page = (await t.call('GET', '/api/data/v3/datasources?limit=2&offset=1&sort=name')).json;
    expect(page.dataSources).toHaveLength(2);
    expect(page._metaData).toMatchObject({ limit: 2, offset: 1 });
    expect((await t.call('GET', '/api/data/v3/datasources?nameLike=covid')).json.dataSources.map((d: any) => d.name)).toEqual([
      'DOMO Covid Time Series Tracker Data',
    ]);
    expectErrorShape(await t.call('GET', '/api/data/v3/datasources?limit=-1'), 400);
  });
});

describe('DELETE /api/data/v3/datasources/:id', () => {
  it('deletes for owners and admins; 403 for an editor; 404 afterwards', async () => {
    const id = await createDataset(t, salesColumns);
    await load(t, id, [[1, 'West,1,2026-01-01,1\n']], { action: 'APPEND', index: true });
    expectErrorShape(await t.call('DELETE', ds(id), { token: PARTICIPANT_TOKEN }), 403);
    expect((await t.call('GET', ds(id))).status).toBe(200);
    expect((await t.call('DELETE', ds(id))).status).toBe(204);
    expectErrorShape(await t.call('GET', ds(id)), 404);
    expectErrorShape(await t.call('POST', `/api/query/v1/execute/${id}`, { body: { sql: 'SELECT 1 FROM t' } }), 404);
    expectErrorShape(await t.call('DELETE', ds(id)), 404);
  });
});

describe('schema endpoints', () => {
  it('GET .../schema/indexed hides hidden columns unless includeHidden=true', async () => {
    const plain = (await t.call('GET', `/api/query/v1/datasources/${PEOPLE}/schema/indexed?includeHidden=false`)).json;
    expect(plain).toMatchObject({ name: 'schema', dataSourceId: PEOPLE });
    expect(plain.tables[0].columns.map((c: any) => c.name)).toEqual(['Display Name', 'Role', 'Department', 'Title', 'Hired']);
    expect(plain.tables[0].columns[0]).toEqual({ name: 'Display Name', id: 'Display Name', type: 'STRING', visible: true, order: 0 });
    const all = (await t.call('GET', `/api/query/v1/datasources/${PEOPLE}/schema/indexed?includeHidden=true`)).json;
    expect(all.tables[0].columns.find((c: any) => c.name === 'Email')).toMatchObject({ visible: false, order: 2 });
    const latest = (await t.call('GET', `/api/data/v2/datasources/${PEOPLE}/schemas/latest`)).json;
    expect(latest.schema.columns[2]).toEqual({
      type: 'STRING',
      name: 'Email',
      id: 'Email',
      visible: false,
      metadata: { colLabel: 'Email', colFormat: '', isEncrypted: false },
    });
  });

  it('POST .../schemas adds, drops, renames and retypes columns; rows keep their values or become null', async () => {
    const id = await createDataset(t, [
      { name: 'name', type: 'STRING' },
      { name: 'code', type: 'STRING' },
      { name: 'score', type: 'LONG' },
      { name: 'gone', type: 'STRING' },
    ]);
    await load(t, id, [[1, 'a,10,1,x\nb,,2,y\n']], { action: 'APPEND', index: true });
    const res = await t.call('POST', `/api/data/v2/datasources/${id}/schemas`, {
      body: {
        columns: [
          { name: 'label', id: 'name', type: 'STRING', visible: true, order: 0 },
          { name: 'code', id: 'code', type: 'LONG', visible: true, order: 0 },
          { name: 'score', id: 'score', type: 'DOUBLE', visible: true, order: 0 },
          { name: 'added', id: 'added', type: 'DATE', visible: true, order: 0 },
        ],
        objects: [],
        views: [],
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.schemaId).toBe(2);
    expect(res.json.schema.columns.map((c: any) => `${c.name}:${c.type}`)).toEqual(['label:STRING', 'code:LONG', 'score:DOUBLE', 'added:DATE']);
    expect(await sqlRows(t, id, 'SELECT * FROM t')).toEqual([
      ['a', 10, 1, null],
      ['b', null, 2, null],
    ]);
    expect((await t.call('GET', `/api/data/v2/datasources/${id}/dataversions`)).json[0].schemaId).toBe(1);
    // new data uses the new schema
    await load(t, id, [[1, 'c,3,2.5,2026-01-01\n']], { action: 'APPEND', index: true });
    expect(await sqlRows(t, id, 'SELECT label, added FROM t WHERE added IS NOT NULL')).toEqual([['c', '2026-01-01']]);
  });

  it('an impossible conversion is a 400 naming the column, and nothing changes', async () => {
    const id = await createDataset(t, [
      { name: 'name', type: 'STRING' },
      { name: 'code', type: 'STRING' },
    ]);
    await load(t, id, [[1, 'a,10\nb,x7\n']], { action: 'APPEND', index: true });
    const res = await t.call('POST', `/api/data/v2/datasources/${id}/schemas`, {
      body: { columns: [{ name: 'name', type: 'STRING' }, { name: 'code', type: 'LONG' }, { name: 'extra', type: 'STRING' }] },
    });
    const err = expectErrorShape(res, 400);
    expect(err.message).toContain("Column 'code'");
    expect(err.message).toContain('"x7"');
    const latest = (await t.call('GET', `/api/data/v2/datasources/${id}/schemas/latest`)).json;
    expect(latest.schemaId).toBe(1);
    expect(latest.schema.columns.map((c: any) => `${c.name}:${c.type}`)).toEqual(['name:STRING', 'code:STRING']);
    expect(await sqlRows(t, id, 'SELECT * FROM t')).toEqual([
      ['a', '10'],
      ['b', 'x7'],
    ]);
    expectErrorShape(await t.call('POST', `/api/data/v2/datasources/${id}/schemas`, { body: { columns: [{ name: 'a', type: 'BLOB' }] } }), 400);
  });
});

describe('PUT .../properties and POST /api/data/ui/v3/datasources/:id/tags', () => {
  it('change the provider type, name and tags; 400 for an empty body; 403 for a viewer', async () => {
    const id = await createDataset(t, salesColumns);
    const res = await t.call('PUT', ds(id, '/properties'), { body: { dataProviderType: 'domo-jupyterdata' } });
    expect(res.json).toMatchObject({ dataProviderType: 'domo-jupyterdata', displayType: 'domo-jupyterdata' });
    expect((await t.call('PUT', ds(id, '/properties'), { body: { dataSourceName: 'Renamed' } })).json.name).toBe('Renamed');
    expectErrorShape(await t.call('PUT', ds(id, '/properties'), { body: {} }), 400);
    const tags = await t.call('POST', `/api/data/ui/v3/datasources/${id}/tags`, { body: ['tag1', 'tag2', 'tag1', ' '] });
    expect(tags.json).toEqual({ dataSourceId: id, tags: ['tag1', 'tag2'] });
    expect((await t.call('GET', ds(id))).json.tags).toBe('["tag1","tag2"]');
    expectErrorShape(await t.call('POST', `/api/data/ui/v3/datasources/${SALES}/tags`, { body: ['x'], token: PARTICIPANT_TOKEN }), 403);
    expect((await t.call('GET', ds(SALES))).json.tags).toBe('["sales","finance","partitioned"]');
  });
});

describe('GET /api/content/v1/datasources/:id/cards', () => {
  it('lists the cards built on a dataset', async () => {
    const res = await t.call('GET', `/api/content/v1/datasources/${ACTIVITY}/cards?drill=true`);
    expect(res.json.map((c: any) => [c.id, c.title, c.chartType, c.ownerId])).toEqual([
      [93905300, 'Page Views by User', 'badge_xyscatterplot', 587894148],
      [100292082, 'DataFlow Creation', 'badge_vert_bar', 1893952720],
    ]);
    expect(res.json[0]).toMatchObject({ urn: '93905300', type: 'kpi', access: true, datasourceId: ACTIVITY, owners: [{ id: '587894148', type: 'USER', displayName: 'Bryan Van Kampen' }] });
    expect((await t.call('GET', `/api/content/v1/datasources/${PEOPLE}/cards`)).json).toEqual([]);
    expectErrorShape(await t.call('GET', '/api/content/v1/datasources/nope/cards'), 404);
  });
});

describe('sharing', () => {
  it('lists, shares (with email to the outbox), revokes one user and removes many', async () => {
    const id = await createDataset(t, salesColumns, { name: 'Shared' });
    await load(t, id, [[1, 'West,1,2026-01-01,1\n']], { action: 'APPEND', index: true });
    const list0 = (await t.call('GET', ds(id, '/permissions'))).json;
    expect(list0).toEqual({ list: [{ type: 'USER', id: String(ADMIN_ID), accessLevel: 'OWNER', name: 'Jae Wilson' }], totalUserCount: 1, totalGroupCount: 0 });
    expectErrorShape(await t.call('GET', ds(id), { token: PARTICIPANT_TOKEN }), 403);

    const share = await t.call('POST', ds(id, '/share'), {
      body: {
        permissions: [
          { id: String(PARTICIPANT_ID), type: 'USER', accessLevel: 'CAN_VIEW' },
          { id: 1500000001, type: 'GROUP', accessLevel: 'CAN_EDIT' },
        ],
        sendEmail: true,
      },
    });
    expect(share.status).toBe(200);
    expect(share.json).toEqual({});
    const list1 = (await t.call('GET', ds(id, '/permissions'))).json;
    expect(list1.totalUserCount).toBe(2);
    expect(list1.totalGroupCount).toBe(1);
    expect(list1.list).toContainEqual({ type: 'GROUP', id: '1500000001', accessLevel: 'CAN_EDIT', name: 'Data Team' });
    const mail = (await t.call('GET', '/_emulator/outbox?to=john.doe@example.com', { token: null })).json;
    expect(mail.at(-1)).toMatchObject({ kind: 'email', recipients: ['john.doe@example.com'] });
    expect(mail.at(-1).subject).toContain('Shared');

    // the participant can now read and query, but not write
    expect((await t.call('GET', ds(id), { token: PARTICIPANT_TOKEN })).json.permissions).toBe('READ');
    expect(await sqlRows(t, id, 'SELECT region FROM t', PARTICIPANT_TOKEN)).toEqual([['West']]);
    expectErrorShape(await t.call('POST', ds(id, '/uploads'), { body: {}, token: PARTICIPANT_TOKEN }), 403);
    // a viewer cannot share
    expectErrorShape(await t.call('POST', ds(id, '/share'), { body: { permissions: [{ id: EDITOR_ID, type: 'USER', accessLevel: 'CAN_VIEW' }] }, token: PARTICIPANT_TOKEN }), 403);

    // revoke one; unknown user 404; the owner cannot be removed; nothing changes on a rejection
    expectErrorShape(await t.call('DELETE', ds(id, '/permissions/USER/999999')), 404);
    expectErrorShape(await t.call('DELETE', ds(id, `/permissions/USER/${ADMIN_ID}`)), 400);
    expect((await t.call('GET', ds(id, '/permissions'))).json).toEqual(list1);
    expect((await t.call('DELETE', ds(id, `/permissions/USER/${PARTICIPANT_ID}`))).json).toEqual({});
    expectErrorShape(await t.call('GET', ds(id), { token: PARTICIPANT_TOKEN }), 403);

    // USERS/:userId (either case) and the bulk route
    await t.call('POST', ds(id, '/share'), { body: { permissions: [{ id: PARTICIPANT_ID, type: 'USER', accessLevel: 'CAN_SHARE' }, { id: EDITOR_ID, type: 'USER', accessLevel: 'CO_OWNER' }], sendEmail: false } });
    expect((await t.call('DELETE', ds(id, `/USERS/${PARTICIPANT_ID}`))).status).toBe(200);
    await t.call('POST', ds(id, '/share'), { body: { permissions: [{ id: PARTICIPANT_ID, type: 'USER', accessLevel: 'CAN_VIEW' }], sendEmail: false } });
    expect((await t.call('DELETE', ds(id, `/users/${PARTICIPANT_ID}`))).status).toBe(200);
    const beforeBulk = (await t.call('GET', ds(id, '/permissions'))).json;
    expectErrorShape(await t.call('DELETE', ds(id, '/users'), { body: [{ id: String(EDITOR_ID), type: 'USER' }, { id: '4242', type: 'USER' }] }), 404);
    expect((await t.call('GET', ds(id, '/permissions'))).json).toEqual(beforeBulk);
    expect((await t.call('DELETE', ds(id, '/users'), { body: [{ id: String(EDITOR_ID), type: 'USER' }, { id: '1500000001', type: 'GROUP' }] })).status).toBe(200);
    expect((await t.call('GET', ds(id, '/permissions'))).json.list).toHaveLength(1);
    expectErrorShape(await t.call('GET', ds(id), { token: EDITOR_TOKEN }), 403);
  });

  it('group access counts, and a sharer cannot grant more than they have', async () => {
    const dana = await tokenFor(t, 1249569521); // member of Data Team
    const id = await createDataset(t, salesColumns);
    expectErrorShape(await t.call('GET', ds(id), { token: dana }), 403);
    await t.call('POST', ds(id, '/share'), { body: { permissions: [{ id: 1500000001, type: 'GROUP', accessLevel: 'CAN_SHARE' }], sendEmail: false } });
    expect((await t.call('GET', ds(id), { token: dana })).json.permissions).toBe('READ_SHARE');
    expectErrorShape(await t.call('POST', ds(id, '/share'), { body: { permissions: [{ id: PARTICIPANT_ID, type: 'USER', accessLevel: 'CAN_EDIT' }] }, token: dana }), 403);
    expect((await t.call('POST', ds(id, '/share'), { body: { permissions: [{ id: PARTICIPANT_ID, type: 'USER', accessLevel: 'CAN_VIEW' }] }, token: dana })).status).toBe(200);
    expectErrorShape(await t.call('POST', ds(id, '/share'), { body: { permissions: [{ id: PARTICIPANT_ID, type: 'USER', accessLevel: 'SUPREME' }] } }), 400);
  });
});
