import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { accessDoc, type RoleFixture } from '../../src/access/doc.js';
import { packageRoot } from '../../src/paths.js';
import { ADMIN_ID, ADMIN_TOKEN, EDITOR_ID, EDITOR_TOKEN, PARTICIPANT_ID, PARTICIPANT_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

// The escalations a Participant could make before the access model, each now refused with a 403 that
// says what is missing (or a 409 for the last administrator), and nothing changed.
let t = testApp();
afterAll(() => t.close());
beforeEach(() => {
  t.registry.reset('default');
});

const SALES_TEAM = 6789456782;
const DATA_TEAM = 1500000001;
const MARKETING = 1231231232;
const SCOTT = 27; // the fixtures' second Admin
const SAM = 112321221; // Participant

async function tokenFor(userId: number): Promise<string> {
  return (await t.call('POST', '/_emulator/tokens', { body: { userId }, token: null })).json.token;
}
const user = async (id: number) => (await t.call('GET', `/api/identity/v1/users/${id}`)).json.users[0];
const group = async (id: number) => (await t.call('GET', `/api/content/v2/groups/${id}`)).json;

describe('users: only user managers, never upwards for oneself', () => {
  it('a participant cannot make itself an admin', async () => {
    const res = expectErrorShape(await t.call('PATCH', `/api/identity/v1/users/${PARTICIPANT_ID}`, { body: { roleId: 1 }, token: PARTICIPANT_TOKEN }), 403);
    expect(res.message).toBe(`Missing authority user.manage to PATCH user ${PARTICIPANT_ID}`);
    expect((await user(PARTICIPANT_ID)).roleId).toBe(4);
  });

  it('a participant cannot create an admin, or any user', async () => {
    const before = (await t.call('GET', '/api/identity/v1/users?limit=500')).json.count;
    const res = expectErrorShape(
      await t.call('POST', '/api/identity/v1/users', { body: { displayName: 'Evil', emailAddress: 'evil@example.com', roleId: 1 }, token: PARTICIPANT_TOKEN }),
      403,
    );
    expect(res.message).toContain('Missing authority user.manage');
    expect((await t.call('GET', '/api/identity/v1/users?limit=500')).json.count).toBe(before);
  });

  it('a participant cannot delete an admin; the admin token keeps working', async () => {
    expectErrorShape(await t.call('DELETE', `/api/identity/v1/users/${ADMIN_ID}`, { token: PARTICIPANT_TOKEN }), 403);
    expect((await t.call('GET', '/api/identity/v1/users/' + ADMIN_ID, { token: ADMIN_TOKEN })).status).toBe(200);
  });

  it('users edit their own profile, but not others’', async () => {
    expect((await t.call('PATCH', `/api/identity/v1/users/${PARTICIPANT_ID}`, { body: { title: 'Pilot' }, token: PARTICIPANT_TOKEN })).status).toBe(200);
    expectErrorShape(await t.call('PATCH', `/api/identity/v1/users/${EDITOR_ID}`, { body: { title: 'Pilot' }, token: PARTICIPANT_TOKEN }), 403);
    expect((await t.call('GET', `/api/identity/v1/users/${EDITOR_ID}?parts=DETAILED`)).json.users[0].title).not.toBe('Pilot');
  });

  it('nobody assigns a role holding authorities they lack, and nobody raises their own role', async () => {
    // a user manager without role.manage: may assign Editor, not Admin
    const role = (await t.call('POST', '/api/authorization/v1/roles', { body: { name: 'User managers', fromRoleId: 4 } })).json;
    const participant = (await t.call('GET', '/api/authorization/v1/roles/4/authorities')).json.map((a: { authority: string }) => a.authority);
    expect((await t.call('PATCH', `/api/authorization/v1/roles/${role.id}/authorities`, { body: [...participant, 'user.manage'] })).status).toBe(200);
    await t.call('PATCH', `/api/identity/v1/users/${SAM}`, { body: { roleId: role.id } });
    const sam = await tokenFor(SAM);
    expect((await t.call('PATCH', `/api/identity/v1/users/${PARTICIPANT_ID}`, { body: { roleId: 5 }, token: sam })).status).toBe(200);
    const up = expectErrorShape(await t.call('PATCH', `/api/identity/v1/users/${PARTICIPANT_ID}`, { body: { roleId: 1 }, token: sam }), 403);
    expect(up.message).toMatch(/^Role 1 holds authorities user 112321221 lacks \(.*role\.manage.*\)/);
    const self = expectErrorShape(await t.call('PATCH', `/api/identity/v1/users/${SAM}`, { body: { roleId: 1 }, token: sam }), 403);
    expect(self.message).toContain('nobody assigns rights they do not hold');
    expect((await user(PARTICIPANT_ID)).roleId).toBe(5);
    expect((await user(SAM)).roleId).toBe(role.id);
  });

  it('the last administrator cannot be deleted or demoted (409), and nobody deletes themselves', async () => {
    expectErrorShape(await t.call('DELETE', `/api/identity/v1/users/${ADMIN_ID}`), 409);
    expect((await t.call('DELETE', `/api/identity/v1/users/${SCOTT}`)).status).toBe(200);
    const demote = expectErrorShape(await t.call('PATCH', `/api/identity/v1/users/${ADMIN_ID}`, { body: { roleId: 3 } }), 409);
    expect(demote.message).toContain('last administrator');
    expect((await user(ADMIN_ID)).roleId).toBe(1);
    // the admin role of the last administrator keeps user.manage and role.manage
    expectErrorShape(await t.call('PATCH', '/api/authorization/v1/roles/1/authorities', { body: ['dataset.view'] }), 409);
    expect((await t.call('GET', '/api/authorization/v1/roles/1')).json.authorityCount).toBeGreaterThan(20);
  });
});

describe('roles: only role managers, no authority they lack', () => {
  it('a participant cannot change its own role’s authorities or copy Admin', async () => {
    const before = (await t.call('GET', '/api/authorization/v1/roles/4/authorities')).json;
    const res = expectErrorShape(await t.call('PATCH', '/api/authorization/v1/roles/4/authorities', { body: ['content.admin'], token: PARTICIPANT_TOKEN }), 403);
    expect(res.message).toBe('Missing authority role.manage to PATCH role 4');
    expect((await t.call('GET', '/api/authorization/v1/roles/4/authorities')).json).toEqual(before);
    expectErrorShape(await t.call('POST', '/api/authorization/v1/roles', { body: { name: 'Mine', description: '', fromRoleId: 1 }, token: PARTICIPANT_TOKEN }), 403);
    expect((await t.call('GET', '/api/authorization/v1/roles')).json).toHaveLength(5);
  });

  it('an Editor cannot create roles; a role with only user.read cannot create datasets', async () => {
    expectErrorShape(await t.call('POST', '/api/authorization/v1/roles', { body: { name: 'Ed role' }, token: EDITOR_TOKEN }), 403);
    const role = (await t.call('POST', '/api/authorization/v1/roles', { body: { name: 'Readers', description: 'd' } })).json;
    expect(role.authorityCount).toBe(0); // no fromRoleId: a role with no authorities, as Domo creates it
    await t.call('PATCH', `/api/authorization/v1/roles/${role.id}/authorities`, { body: ['user.read'] });
    await t.call('PATCH', `/api/identity/v1/users/${SAM}`, { body: { roleId: role.id } });
    const res = expectErrorShape(
      await t.call('POST', '/api/data/v2/datasources', { body: { name: 'x', schema: { columns: [{ name: 'a', type: 'STRING' }] } }, token: await tokenFor(SAM) }),
      403,
    );
    expect(res.message).toContain('Missing authority dataset.create');
  });
});

describe('groups: owners and group managers; open groups for oneself', () => {
  it('a participant cannot join a closed group or remove the admin from one', async () => {
    expectErrorShape(await t.call('PUT', `/api/content/v2/groups/${DATA_TEAM}/user/${PARTICIPANT_ID}`, { token: PARTICIPANT_TOKEN }), 403);
    expectErrorShape(await t.call('DELETE', `/api/content/v2/groups/${SALES_TEAM}/removeuser/${ADMIN_ID}`, { token: PARTICIPANT_TOKEN }), 403);
    expect((await group(DATA_TEAM)).userIds).not.toContain(PARTICIPANT_ID);
    expect((await group(SALES_TEAM)).userIds).toContain(ADMIN_ID);
  });

  it('anyone joins or leaves an open group themselves, and only themselves', async () => {
    expect((await t.call('PUT', `/api/content/v2/groups/${MARKETING}/user/${PARTICIPANT_ID}`, { token: PARTICIPANT_TOKEN })).status).toBe(200);
    expect((await group(MARKETING)).userIds).toContain(PARTICIPANT_ID);
    expectErrorShape(await t.call('DELETE', `/api/content/v2/groups/${MARKETING}/removeuser/${SAM}`, { token: PARTICIPANT_TOKEN }), 403);
    expect((await t.call('DELETE', `/api/content/v2/groups/${MARKETING}/removeuser/${PARTICIPANT_ID}`, { token: PARTICIPANT_TOKEN })).status).toBe(200);
    expect((await group(MARKETING)).userIds).toEqual(expect.arrayContaining([SAM]));
  });

  it('the owner of a closed group changes its members', async () => {
    const g = (await t.call('POST', '/api/content/v2/groups', { body: { name: 'Closed one', type: 'closed' } })).json;
    expect(g.owners).toEqual([ADMIN_ID]);
    expect((await t.call('PUT', `/api/content/v2/groups/${g.id}/user/${EDITOR_ID}`)).status).toBe(200);
    expectErrorShape(await t.call('PUT', `/api/content/v2/groups/${g.id}/user/${SAM}`, { token: EDITOR_TOKEN }), 403);
    expect((await group(g.id)).userIds).toEqual([EDITOR_ID]);
  });
});

describe('--authz off', () => {
  it('lets every known token act as an admin; unknown tokens still get 401', async () => {
    const off = testApp({ authz: 'off' });
    try {
      expect((await off.call('PATCH', `/api/identity/v1/users/${PARTICIPANT_ID}`, { body: { roleId: 1 }, token: PARTICIPANT_TOKEN })).status).toBe(200);
      expect((await off.call('PATCH', '/api/authorization/v1/roles/4/authorities', { body: ['content.admin'], token: PARTICIPANT_TOKEN })).status).toBe(200);
      expect((await off.call('PUT', `/api/content/v2/groups/${DATA_TEAM}/user/${SAM}`, { token: PARTICIPANT_TOKEN })).status).toBe(200);
      expectErrorShape(await off.call('GET', '/api/identity/v1/users', { token: 'nope-nope-nope' }), 401);
    } finally {
      off.close();
    }
  });
});

describe('the journal records each decision', () => {
  it('names the action, the object and why', async () => {
    await t.call('PATCH', `/api/identity/v1/users/${PARTICIPANT_ID}`, { body: { roleId: 1 }, token: PARTICIPANT_TOKEN });
    const last = (await t.call('GET', '/_emulator/requests?limit=1', { token: null })).json[0];
    expect(last.auth).toMatchObject({ userId: PARTICIPANT_ID, tokenKind: 'developer' });
    expect(last.auth.decisions).toContainEqual({ action: 'user.assignRole', object: `user ${PARTICIPANT_ID}`, allowed: false, reason: `Missing authority user.manage to PATCH user ${PARTICIPANT_ID}` });
  });
});

describe('one policy module', () => {
  it('docs/access.md is current (npm run docs:access)', () => {
    const roles = JSON.parse(readFileSync(join(packageRoot, 'fixtures/roles.json'), 'utf8')) as RoleFixture[];
    expect(readFileSync(join(packageRoot, 'docs/access.md'), 'utf8')).toBe(accessDoc(roles));
  });

  it('no code outside src/access compares role ids or reads group membership', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) {
          const rel = relative(packageRoot, p);
          if (rel.startsWith('src/access/')) continue;
          const text = readFileSync(p, 'utf8');
          if (/roleId\s*[!=]==?\s*\d/.test(text) || /admin:\s*(true|isAdmin)/.test(text)) offenders.push(`${rel}: role id comparison`);
          // the groups store writes memberships; nothing else reads them
          if (rel !== 'src/state/groups.ts' && /group_members|groupMembers/.test(text)) offenders.push(`${rel}: group membership query`);
        }
      }
    };
    walk(join(packageRoot, 'src'));
    walk(join(packageRoot, 'routes'));
    expect(offenders).toEqual([]);
  });
});
