import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectErrorShape, testApp } from '../helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

describe('GET /api/authorization/v1/roles', () => {
  it('lists the five system roles with counts from real state', async () => {
    const res = await t.call('GET', '/api/authorization/v1/roles');
    expect(res.status).toBe(200);
    expect(res.json.map((r: { name: string }) => r.name)).toEqual(['Admin', 'Privileged', 'Editor', 'Participant', 'Social']);
    const admin = res.json[0];
    expect(admin).toMatchObject({ id: 1, description: 'Full access to everything' });
    expect(Object.keys(admin).sort()).toEqual(['authorityCount', 'created', 'description', 'id', 'modified', 'name', 'userCount']);
    expect(admin.userCount).toBe(2);
    // a new Participant changes the count
    await t.call('POST', '/api/identity/v1/users', { body: { displayName: 'N', emailAddress: 'n@example.com', roleId: 4 } });
    expect((await t.call('GET', '/api/authorization/v1/roles/4')).json.userCount).toBe(3);
  });
});

describe('POST /api/authorization/v1/roles', () => {
  it('creates a role with a copy of the source role authorities', async () => {
    const res = await t.call('POST', '/api/authorization/v1/roles', { body: { name: 'Auditor', description: 'Reads logs', fromRoleId: 4 } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ name: 'Auditor', description: 'Reads logs', userCount: 0 });
    const source = (await t.call('GET', '/api/authorization/v1/roles/4')).json;
    expect(res.json.authorityCount).toBe(source.authorityCount);
    const got = await t.call('GET', `/api/authorization/v1/roles/${res.json.id}`);
    expect(got.json.name).toBe('Auditor');
  });

  it('404s for an unknown source role, 409s for a taken name, 400s for a missing field; nothing is created', async () => {
    expectErrorShape(await t.call('POST', '/api/authorization/v1/roles', { body: { name: 'X', description: '', fromRoleId: 999 } }), 404);
    expectErrorShape(await t.call('POST', '/api/authorization/v1/roles', { body: { name: 'editor', description: '', fromRoleId: 3 } }), 409);
    const bad = expectErrorShape(await t.call('POST', '/api/authorization/v1/roles', { body: { description: 'no name' } }), 400);
    expect(bad.details!.map((d) => d.path)).toEqual(['body.name']);
    expect((await t.call('GET', '/api/authorization/v1/roles')).json).toHaveLength(5);
  });
});

describe('PATCH /api/authorization/v1/roles/:roleId/authorities', () => {
  it('replaces the list', async () => {
    const created = (await t.call('POST', '/api/authorization/v1/roles', { body: { name: 'Ops', description: '', fromRoleId: 1 } })).json;
    const res = await t.call('PATCH', `/api/authorization/v1/roles/${created.id}/authorities`, { body: ['dataset.manage', 'dataset.export'] });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'SUCCESS', message: '' });
    expect((await t.call('GET', `/api/authorization/v1/roles/${created.id}`)).json.authorityCount).toBe(2);
    const list = await t.call('GET', `/api/authorization/v1/roles/${created.id}/authorities`);
    expect(list.json.map((a: { authority: string }) => a.authority)).toEqual(['dataset.export', 'dataset.manage']);
  });

  it('400s for a body that is not a list of names, and keeps the old list', async () => {
    const before = (await t.call('GET', '/api/authorization/v1/roles/3')).json.authorityCount;
    expectErrorShape(await t.call('PATCH', '/api/authorization/v1/roles/3/authorities', { body: { authorities: ['x'] } }), 400);
    expectErrorShape(await t.call('PATCH', '/api/authorization/v1/roles/3/authorities', { body: ['ok.one', ''] }), 400);
    expect((await t.call('GET', '/api/authorization/v1/roles/3')).json.authorityCount).toBe(before);
    expectErrorShape(await t.call('PATCH', '/api/authorization/v1/roles/999/authorities', { body: ['a.b'] }), 404);
  });
});

describe('DELETE /api/authorization/v1/roles/:roleId', () => {
  it('deletes a custom role with no users (204)', async () => {
    const created = (await t.call('POST', '/api/authorization/v1/roles', { body: { name: 'Temp', description: '', fromRoleId: 5 } })).json;
    const res = await t.call('DELETE', `/api/authorization/v1/roles/${created.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expectErrorShape(await t.call('GET', `/api/authorization/v1/roles/${created.id}`), 404);
  });

  it('refuses a role that still has users (409) and the system roles (403)', async () => {
    const created = (await t.call('POST', '/api/authorization/v1/roles', { body: { name: 'Busy', description: '', fromRoleId: 5 } })).json;
    await t.call('POST', '/api/identity/v1/users', { body: { displayName: 'B', emailAddress: 'b@example.com', roleId: created.id } });
    expect(expectErrorShape(await t.call('DELETE', `/api/authorization/v1/roles/${created.id}`), 409).message).toMatch(/still has 1 user/);
    expectErrorShape(await t.call('DELETE', '/api/authorization/v1/roles/5'), 403);
    expect((await t.call('GET', `/api/authorization/v1/roles/${created.id}`)).status).toBe(200);
    expect((await t.call('GET', '/api/authorization/v1/roles/5')).status).toBe(200);
  });
});
