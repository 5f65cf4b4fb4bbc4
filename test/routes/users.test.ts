import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_ID, EDITOR_ID, EDITOR_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const newUser = { displayName: 'Ada Lovelace', emailAddress: 'ada@example.com', roleId: 4 };

describe('POST /api/identity/v1/users', () => {
  it('creates a user that GET then returns', async () => {
    const res = await t.call('POST', '/api/identity/v1/users', { body: newUser });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ displayName: 'Ada Lovelace', emailAddress: 'ada@example.com', userName: 'ada@example.com', roleId: 4 });
    expect(typeof res.json.id).toBe('number');
    expect(Array.isArray(res.json.attributes)).toBe(true);
    const got = await t.call('GET', `/api/identity/v1/users/${res.json.id}`);
    expect(got.status).toBe(200);
    expect(got.json.users[0]).toMatchObject({ id: res.json.id, displayName: 'Ada Lovelace', roleId: 4 });
  });

  it('accepts roleId as a numeric string', async () => {
    const res = await t.call('POST', '/api/identity/v1/users', { body: { ...newUser, roleId: '3' } });
    expect(res.status).toBe(200);
    expect(res.json.roleId).toBe(3);
  });

  it('rejects an unknown role with 400 and creates nothing', async () => {
    const before = (await t.call('GET', '/api/identity/v1/users')).json.users.length;
    const res = await t.call('POST', '/api/identity/v1/users', { body: { ...newUser, roleId: 99 } });
    const err = expectErrorShape(res, 400, '/api/identity/v1/users');
    expect(err.message).toMatch(/roleId 99/);
    expect(err.details).toEqual([{ path: 'body.roleId', message: 'Role 99 does not exist' }]);
    expect((await t.call('GET', '/api/identity/v1/users')).json.users.length).toBe(before);
  });

  it('rejects a duplicate email (any case) with 409', async () => {
    const res = await t.call('POST', '/api/identity/v1/users', { body: { ...newUser, emailAddress: 'JAE.WILSON@example.com' } });
    expect(expectErrorShape(res, 409).message).toMatch(/already exists/);
  });

  it('names every invalid field', async () => {
    const res = await t.call('POST', '/api/identity/v1/users', { body: { displayName: '', emailAddress: 'nope' } });
    const err = expectErrorShape(res, 400);
    expect(err.details!.map((d) => d.path).sort()).toEqual(['body.displayName', 'body.emailAddress', 'body.roleId']);
  });
});

describe('GET /api/identity/v1/users/:userId', () => {
  it('returns the documented envelope with parts', async () => {
    const res = await t.call('GET', `/api/identity/v1/users/${EDITOR_ID}?parts=DETAILED,GROUPS,ROLE`);
    expect(res.status).toBe(200);
    const u = res.json.users[0];
    expect(u).toMatchObject({ id: EDITOR_ID, displayName: 'Bryan Van Kampen', roleId: 3, role: { id: 3, name: 'Editor' }, title: 'Data Analyst' });
    expect(u.attributes).toContainEqual({ key: 'title', values: ['Data Analyst'] });
    expect(u.groups.map((g: { id: number }) => g.id)).toContain(6789456782);
  });

  it('answers the documented shape without parts: every attribute once, under attributes', async () => {
    const u = (await t.call('GET', `/api/identity/v1/users/${EDITOR_ID}`)).json.users[0];
    expect(Object.keys(u).sort()).toEqual(['attributes', 'displayName', 'emailAddress', 'id', 'roleId', 'userName']);
    expect(u.attributes.map((a: { key: string }) => a.key)).toEqual([
      'title', 'department', 'phoneNumber', 'location', 'employeeId', 'managerId', 'timeZone', 'locale', 'created', 'lastModified',
    ]);
    const simple = (await t.call('GET', `/api/identity/v1/users/${EDITOR_ID}?parts=SIMPLE`)).json.users[0];
    expect(simple.attributes.map((a: { key: string }) => a.key)).toEqual(['title', 'department', 'phoneNumber']);
  });

  it('adds the Group documentation fields for parts=detailed', async () => {
    const u = (await t.call('GET', `/api/identity/v1/users/${EDITOR_ID}?parts=detailed`)).json.users[0];
    expect(u).toMatchObject({ name: 'Bryan Van Kampen', title: 'Data Analyst', location: 'American Fork, UT', phoneNumber: '+1 801-555-0101', manager: 'Jae Wilson' });
  });

  it('gives only id and displayName for MINIMAL (parts are case-insensitive)', async () => {
    const res = await t.call('GET', `/api/identity/v1/users/${EDITOR_ID}?parts=minimal`);
    expect(res.json.users[0]).toEqual({ id: EDITOR_ID, displayName: 'Bryan Van Kampen' });
  });

  it('404s for an unknown user or a non-numeric id (no route), 400s for an unknown part', async () => {
    expectErrorShape(await t.call('GET', '/api/identity/v1/users/42'), 404);
    expectErrorShape(await t.call('GET', '/api/identity/v1/users/abc'), 404);
    expectErrorShape(await t.call('GET', `/api/identity/v1/users/${EDITOR_ID}?parts=EVERYTHING`), 400);
  });
});

describe('GET /api/identity/v1/users', () => {
  it('lists the fixture users with limit/offset', async () => {
    const all = await t.call('GET', '/api/identity/v1/users');
    expect(all.status).toBe(200);
    expect(all.json.users.map((u: { displayName: string }) => u.displayName)).toEqual(
      expect.arrayContaining(['Jae Wilson', 'Bryan Van Kampen', 'John Doe']),
    );
    const page = await t.call('GET', '/api/identity/v1/users?limit=2&offset=1');
    expect(page.json.users).toHaveLength(2);
    expect(page.json.users[0].id).toBe(all.json.users[1].id);
    expect(page.json.count).toBe(all.json.users.length);
  });
});

describe('PATCH /api/identity/v1/users/:userId', () => {
  it('changes the role and reads back', async () => {
    const res = await t.call('PATCH', `/api/identity/v1/users/${EDITOR_ID}`, { body: { roleId: 5, title: 'Lead Analyst' } });
    expect(res.status).toBe(200);
    expect(res.json.roleId).toBe(5);
    expect(res.json.attributes).toContainEqual({ key: 'title', values: ['Lead Analyst'] });
    const read = (await t.call('GET', `/api/identity/v1/users/${EDITOR_ID}`)).json.users[0];
    expect(read.roleId).toBe(5);
    expect(read.attributes).toContainEqual({ key: 'title', values: ['Lead Analyst'] });
    expect((await t.call('GET', '/api/authorization/v1/roles/5')).json.userCount).toBe(2);
  });

  it('refuses an unknown role, a taken email and an empty patch without changing anything', async () => {
    expectErrorShape(await t.call('PATCH', `/api/identity/v1/users/${EDITOR_ID}`, { body: { roleId: 77 } }), 400);
    expectErrorShape(await t.call('PATCH', `/api/identity/v1/users/${EDITOR_ID}`, { body: { emailAddress: 'john.doe@example.com' } }), 409);
    expectErrorShape(await t.call('PATCH', `/api/identity/v1/users/${EDITOR_ID}`, { body: {} }), 400);
    const u = (await t.call('GET', `/api/identity/v1/users/${EDITOR_ID}`)).json.users[0];
    expect(u).toMatchObject({ roleId: 3, emailAddress: 'bryan.vankampen@example.com' });
  });

  it('404s for an unknown user', async () => {
    expectErrorShape(await t.call('PATCH', '/api/identity/v1/users/42', { body: { roleId: 2 } }), 404);
  });
});

describe('DELETE /api/identity/v1/users/:userId', () => {
  it('deletes the user, removes them from groups and revokes their tokens', async () => {
    const res = await t.call('DELETE', `/api/identity/v1/users/${EDITOR_ID}`);
    expect(res.status).toBe(200);
    expect(res.json).toBe(1);
    expectErrorShape(await t.call('GET', `/api/identity/v1/users/${EDITOR_ID}`), 404);
    const group = (await t.call('GET', '/api/content/v2/groups/6789456782')).json;
    expect(group.userIds).not.toContain(EDITOR_ID);
    expect(group.memberCount).toBe(group.userIds.length);
    expectErrorShape(await t.call('GET', '/api/identity/v1/users', { token: EDITOR_TOKEN }), 401);
    expectErrorShape(await t.call('DELETE', `/api/identity/v1/users/${EDITOR_ID}`), 404);
  });

  it('keeps the admin reachable', async () => {
    expect((await t.call('GET', `/api/identity/v1/users/${ADMIN_ID}`)).status).toBe(200);
  });
});
