import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_ID, EDITOR_ID, PARTICIPANT_ID, expectErrorShape, testApp } from '../helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const SALES = 6789456782;
const MARKETING = 1231231232;

describe('GET /api/content/v2/groups/:groupId', () => {
  it('returns the documented fields from real membership', async () => {
    const res = await t.call('GET', `/api/content/v2/groups/${SALES}`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: SALES, name: 'Sales Team', type: 'closed', creatorId: ADMIN_ID, memberCount: 3, hidden: false, default: false, active: true, description: 'Everyone who sells' });
    expect(res.json.userIds).toEqual([EDITOR_ID, PARTICIPANT_ID, ADMIN_ID].sort((a, b) => a - b));
    expect(typeof res.json.guid).toBe('string');
  });

  it('404s for an unknown group', async () => {
    expectErrorShape(await t.call('GET', '/api/content/v2/groups/5'), 404);
  });
});

describe('POST /api/content/v2/groups', () => {
  it('creates a group owned by the caller', async () => {
    const res = await t.call('POST', '/api/content/v2/groups', { body: { name: 'New Group', description: 'This is a new group', type: 'closed' } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ name: 'New Group', type: 'closed', creatorId: ADMIN_ID, memberCount: 0, userIds: [] });
    expect((await t.call('GET', `/api/content/v2/groups/${res.json.id}`)).json.name).toBe('New Group');
  });

  it('validates type and name; 409 for a taken name', async () => {
    const bad = expectErrorShape(await t.call('POST', '/api/content/v2/groups', { body: { name: 'G', type: 'secret' } }), 400);
    expect(bad.details![0].path).toBe('body.type');
    expectErrorShape(await t.call('POST', '/api/content/v2/groups', { body: { name: 'sales team', type: 'open' } }), 409);
    expect((await t.call('GET', '/api/content/v2/groups')).json).toHaveLength(4);
  });
});

describe('PUT /api/content/v2/groups/:groupId/user/:userId', () => {
  it('adds a member (idempotently)', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await t.call('PUT', `/api/content/v2/groups/${MARKETING}/user/${PARTICIPANT_ID}`);
      expect(res.status).toBe(200);
      expect(res.json).toBe(true);
    }
    const g = (await t.call('GET', `/api/content/v2/groups/${MARKETING}`)).json;
    expect(g.userIds).toContain(PARTICIPANT_ID);
    expect(g.memberCount).toBe(3);
  });

  it('404s for an unknown user or group and adds nothing', async () => {
    expectErrorShape(await t.call('PUT', `/api/content/v2/groups/${MARKETING}/user/42`), 404);
    expectErrorShape(await t.call('PUT', `/api/content/v2/groups/42/user/${PARTICIPANT_ID}`), 404);
    expect((await t.call('GET', `/api/content/v2/groups/${MARKETING}`)).json.memberCount).toBe(2);
  });
});

describe('DELETE /api/content/v2/groups/:groupId/removeuser/:userId', () => {
  it('removes a member', async () => {
    const res = await t.call('DELETE', `/api/content/v2/groups/${SALES}/removeuser/${EDITOR_ID}`);
    expect(res.json).toBe(true);
    expect((await t.call('GET', `/api/content/v2/groups/${SALES}`)).json.userIds).not.toContain(EDITOR_ID);
  });

  it('404s for an unknown user', async () => {
    expectErrorShape(await t.call('DELETE', `/api/content/v2/groups/${SALES}/removeuser/42`), 404);
  });
});

describe('PUT /api/content/v2/groups/access', () => {
  it('removes many members, in the reference form (array) and the one-object form', async () => {
    const res = await t.call('PUT', '/api/content/v2/groups/access', {
      body: [{ groupId: String(MARKETING), removeMembers: [{ type: 'USER', id: '112321221' }] }],
    });
    expect(res.status).toBe(200);
    expect(res.json).toBe(true);
    expect((await t.call('GET', `/api/content/v2/groups/${MARKETING}`)).json.userIds).toEqual([1345408759]);
    await t.call('PUT', '/api/content/v2/groups/access', {
      body: { groupId: SALES, removeMembers: [{ type: 'user', id: EDITOR_ID }, { type: 'USER', id: PARTICIPANT_ID }] },
    });
    expect((await t.call('GET', `/api/content/v2/groups/${SALES}`)).json.userIds).toEqual([ADMIN_ID]);
  });

  it('changes nothing when any group or user is unknown', async () => {
    const res = await t.call('PUT', '/api/content/v2/groups/access', {
      body: [
        { groupId: SALES, removeMembers: [{ type: 'USER', id: EDITOR_ID }] },
        { groupId: SALES, removeMembers: [{ type: 'USER', id: 42 }] },
      ],
    });
    expectErrorShape(res, 404);
    expect((await t.call('GET', `/api/content/v2/groups/${SALES}`)).json.userIds).toContain(EDITOR_ID);
    expectErrorShape(await t.call('PUT', '/api/content/v2/groups/access', { body: [{ groupId: SALES, removeMembers: [{ type: 'GROUP', id: 1 }] }] }), 400);
  });
});
