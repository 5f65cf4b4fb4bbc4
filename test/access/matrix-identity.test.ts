import { afterAll, expect } from 'vitest';
import { matrix, type Family } from './matrix.js';

// Users, Roles, Groups: who may manage whom (docs/access.md, Users/Roles/Groups rows).
const U = '/api/identity/v1/users';
const R = '/api/authorization/v1/roles';
const G = '/api/content/v2/groups';
const SALES = 6789456782; // closed, created by the admin; members editor, part, admin
const MARKETING = 1231231232; // open; members sam, editor2
const DATA_TEAM = 1500000001; // closed; members editor, priv, editor2
const ALL = 1500000002; // dynamic

const newUser = (n: number, roleId = 4) => ({ displayName: `Matrix ${n}`, emailAddress: `matrix${n}@example.com`, roleId });
const roleIdOf = (json: any) => json.users[0].roleId;

const users: Family = {
  name: 'Users',
  // granted: a user manager who is not an admin (a role with the Participant's authorities plus user.manage)
  who: { admin: 'admin', owner: 'part', granted: 'priv', none: 'sam', norole: 'editor' },
  async setup({ as }) {
    const role = await as('admin', 'POST', R, { name: 'User managers', fromRoleId: 4 });
    const auth = (await as('admin', 'GET', `${R}/4/authorities`)).map((a: { authority: string }) => a.authority);
    await as('admin', 'PATCH', `${R}/${role.id}/authorities`, [...auth, 'user.manage']);
    await as('admin', 'PATCH', `${U}/1249569521`, { roleId: role.id });
    return { umRole: role.id };
  },
  probes: [`${U}?limit=500&parts=DETAILED,GROUPS,ROLE`],
  rows: [
    { action: 'user.read', as: 'none', method: 'GET', path: `${U}/{part}`, status: 200 },
    { action: 'user.read', as: 'norole', method: 'GET', path: `${U}?limit=5`, status: 200 },
    { action: 'user.create', as: 'admin', method: 'POST', path: U, body: newUser(1), status: 200, keep: { u1: (j) => j.id }, readback: [`${U}/{u1}`, (j) => expect(j.users[0].displayName).toBe('Matrix 1')] },
    { action: 'user.create', as: 'granted', method: 'POST', path: U, body: newUser(2), status: 200, keep: { u2: (j) => j.id }, readback: [`${U}/{u2}`, (j) => expect(roleIdOf(j)).toBe(4)] },
    { action: 'user.create', as: 'granted', method: 'POST', path: U, body: newUser(3, 1), status: 403, deny: /^Role 1 holds authorities user 1249569521 lacks/ },
    { action: 'user.create', as: 'norole', method: 'POST', path: U, body: newUser(4), status: 403, missing: 'authority user.manage to POST create a user' },
    { action: 'user.create', as: 'none', method: 'POST', path: U, body: newUser(5, 1), status: 403, missing: 'authority user.manage' },
    { action: 'user.update', as: 'owner', method: 'PATCH', path: `${U}/{part}`, body: { title: 'Pilot' }, status: 200, readback: [`${U}/{part}?parts=DETAILED`, (j) => expect(j.users[0].title).toBe('Pilot')] },
    { action: 'user.update', as: 'granted', method: 'PATCH', path: `${U}/{part}`, body: { title: 'Captain' }, status: 200, readback: [`${U}/{part}?parts=DETAILED`, (j) => expect(j.users[0].title).toBe('Captain')] },
    { action: 'user.update', as: 'admin', method: 'PATCH', path: `${U}/{part}`, body: { title: 'Admiral' }, status: 200, readback: [`${U}/{part}?parts=DETAILED`, (j) => expect(j.users[0].title).toBe('Admiral')] },
    { action: 'user.update', as: 'none', method: 'PATCH', path: `${U}/{part}`, body: { title: 'Hacked' }, status: 403, missing: 'grant SELF on user {part} to PATCH it' },
    { action: 'user.update', as: 'norole', method: 'PATCH', path: `${U}/{part}`, body: { title: 'Hacked' }, status: 403, missing: 'grant SELF on user {part}' },
    { action: 'user.assignRole', as: 'owner', method: 'PATCH', path: `${U}/{part}`, body: { roleId: 3 }, status: 403, missing: 'authority user.manage to PATCH user {part}' },
    { action: 'user.assignRole', as: 'none', method: 'PATCH', path: `${U}/{part}`, body: { roleId: 5 }, status: 403, missing: 'authority user.manage to PATCH user {part}' },
    { action: 'user.assignRole', as: 'norole', method: 'PATCH', path: `${U}/{sam}`, body: { roleId: 3 }, status: 403, missing: 'authority user.manage' },
    { action: 'user.assignRole', as: 'granted', method: 'PATCH', path: `${U}/{sam}`, body: { roleId: 5 }, status: 200, readback: [`${U}/{sam}`, (j) => expect(roleIdOf(j)).toBe(5)] },
    { action: 'user.assignRole', as: 'granted', method: 'PATCH', path: `${U}/{sam}`, body: { roleId: 3 }, status: 403, deny: /^Role 3 holds authorities user 1249569521 lacks/ },
    { action: 'user.assignRole', as: 'admin', method: 'PATCH', path: `${U}/{sam}`, body: { roleId: 4 }, status: 200, readback: [`${U}/{sam}`, (j) => expect(roleIdOf(j)).toBe(4)] },
    { action: 'user.delete', as: 'none', method: 'DELETE', path: `${U}/{u1}`, status: 403, missing: 'authority user.manage to DELETE user {u1}' },
    { action: 'user.delete', as: 'norole', method: 'DELETE', path: `${U}/{u1}`, status: 403, missing: 'authority user.manage' },
    { action: 'user.delete', as: 'owner', method: 'DELETE', path: `${U}/{part}`, status: 403, missing: 'authority user.manage to DELETE user {part}' },
    { action: 'user.delete', as: 'granted', method: 'DELETE', path: `${U}/{u1}`, status: 200, readback: [`${U}/{u1}`, (j) => expect(j.status).toBe(404)] },
    { action: 'user.delete', as: 'granted', method: 'DELETE', path: `${U}/{priv}`, status: 409 },
    { action: 'user.delete', as: 'admin', method: 'DELETE', path: `${U}/{u2}`, status: 200, readback: [`${U}/{u2}`, (j) => expect(j.status).toBe(404)] },
  ],
};

const roles: Family = {
  name: 'Roles',
  // granted: a role manager who is not an admin (the Editor's authorities plus role.manage)
  who: { admin: 'admin', granted: 'priv', none: 'sam', norole: 'editor' },
  async setup({ as }) {
    const role = await as('admin', 'POST', R, { name: 'Role managers', fromRoleId: 3 });
    const auth = (await as('admin', 'GET', `${R}/3/authorities`)).map((a: { authority: string }) => a.authority);
    await as('admin', 'PATCH', `${R}/${role.id}/authorities`, [...auth, 'role.manage']);
    await as('admin', 'PATCH', `${U}/1249569521`, { roleId: role.id });
    const spare = await as('admin', 'POST', R, { name: 'Spare', fromRoleId: 5 });
    return { rmRole: role.id, spare: spare.id };
  },
  probes: [R, `${R}/{spare}/authorities`, `${R}/4/authorities`],
  rows: [
    { action: 'role.read', as: 'none', method: 'GET', path: `${R}/1`, status: 200 },
    { action: 'role.read', as: 'none', method: 'GET', path: `${R}/1/authorities`, status: 200 },
    { action: 'role.create', as: 'admin', method: 'POST', path: R, body: { name: 'From admin', fromRoleId: 1 }, status: 200, keep: { r1: (j) => j.id }, readback: [`${R}/{r1}`, (j) => expect(j.authorityCount).toBe(32)] },
    { action: 'role.create', as: 'granted', method: 'POST', path: R, body: { name: 'From participant', fromRoleId: 4 }, status: 200, keep: { r2: (j) => j.id }, readback: [`${R}/{r2}/authorities`, (j) => expect(j).toHaveLength(8)] },
    { action: 'role.create', as: 'granted', method: 'POST', path: R, body: { name: 'Copy of Admin', fromRoleId: 1 }, status: 403, deny: /^User 1249569521 may not grant authorities they lack \(.*user\.manage/ },
    { action: 'role.create', as: 'norole', method: 'POST', path: R, body: { name: 'Editor made' }, status: 403, missing: 'authority role.manage to POST create a role' },
    { action: 'role.create', as: 'none', method: 'POST', path: R, body: { name: 'Mine', fromRoleId: 1 }, status: 403, missing: 'authority role.manage' },
    { action: 'role.update', as: 'none', method: 'PATCH', path: `${R}/4/authorities`, body: ['content.admin'], status: 403, missing: 'authority role.manage to PATCH role 4' },
    { action: 'role.update', as: 'norole', method: 'PATCH', path: `${R}/{spare}/authorities`, body: ['dataset.view'], status: 403, missing: 'authority role.manage to PATCH role {spare}' },
    { action: 'role.update', as: 'granted', method: 'PATCH', path: `${R}/{spare}/authorities`, body: ['dataset.view', 'card.view'], status: 200, readback: [`${R}/{spare}/authorities`, (j) => expect(j.map((a: any) => a.authority).sort()).toEqual(['card.view', 'dataset.view'])] },
    { action: 'role.update', as: 'granted', method: 'PATCH', path: `${R}/{spare}/authorities`, body: ['audit.view'], status: 403, deny: /^User 1249569521 may not grant authorities they lack \(audit\.view\)/ },
    { action: 'role.update', as: 'admin', method: 'PATCH', path: `${R}/{spare}/authorities`, body: ['audit.view'], status: 200, readback: [`${R}/{spare}`, (j) => expect(j.authorityCount).toBe(1)] },
    { action: 'role.delete', as: 'none', method: 'DELETE', path: `${R}/{spare}`, status: 403, missing: 'authority role.manage to DELETE role {spare}' },
    { action: 'role.delete', as: 'norole', method: 'DELETE', path: `${R}/{spare}`, status: 403, missing: 'authority role.manage' },
    { action: 'role.delete', as: 'granted', method: 'DELETE', path: `${R}/{r2}`, status: 204, readback: [`${R}/{r2}`, (j) => expect(j.status).toBe(404)] },
    { action: 'role.delete', as: 'admin', method: 'DELETE', path: `${R}/{spare}`, status: 204, readback: [`${R}/{spare}`, (j) => expect(j.status).toBe(404)] },
  ],
};

const groups: Family = {
  name: 'Groups',
  // owner: the creator of a closed group who no longer manages groups (created while Privileged, then
  // made an Editor); granted: a group manager (Privileged) who does not own it
  who: { admin: 'admin', owner: 'editor2', granted: 'priv', none: 'sam', norole: 'part' },
  async setup({ as }) {
    await as('admin', 'PATCH', `${U}/1345408759`, { roleId: 2 });
    const g = await as('editor2', 'POST', G, { name: 'Matrix closed', type: 'closed' });
    await as('admin', 'PATCH', `${U}/1345408759`, { roleId: 3 });
    return { g: g.id, sales: SALES, marketing: MARKETING, dataTeam: DATA_TEAM, all: ALL };
  },
  probes: [`${G}/{g}`, `${G}/{sales}`, `${G}/{marketing}`, `${G}/{dataTeam}`, `${G}/{all}`, `${G}?limit=100`],
  rows: [
    { action: 'group.read', as: 'none', method: 'GET', path: `${G}/{sales}`, status: 200 },
    { action: 'group.create', as: 'admin', method: 'POST', path: G, body: { name: 'Admin made', type: 'open' }, status: 200, keep: { g2: (j) => j.id }, readback: [`${G}/{g2}`, (j) => expect(j.creatorId).toBe(1893952720)] },
    { action: 'group.create', as: 'granted', method: 'POST', path: G, body: { name: 'Priv made', type: 'closed' }, status: 200, keep: { g3: (j) => j.id }, readback: [`${G}/{g3}`, (j) => expect(j.owners).toEqual([1249569521])] },
    { action: 'group.create', as: 'owner', method: 'POST', path: G, body: { name: 'Editor made', type: 'closed' }, status: 403, missing: 'authority group.manage to POST create a group' },
    { action: 'group.create', as: 'none', method: 'POST', path: G, body: { name: 'Sam made', type: 'open' }, status: 403, missing: 'authority group.manage' },
    // closed group: owner and group managers change members; nobody else, not even for themselves
    { action: 'group.members', as: 'owner', method: 'PUT', path: `${G}/{g}/user/{sam}`, status: 200, readback: [`${G}/{g}`, (j) => expect(j.userIds).toEqual([112321221])] },
    { action: 'group.members', as: 'granted', method: 'PUT', path: `${G}/{g}/user/{part}`, status: 200, readback: [`${G}/{g}`, (j) => expect(j.userIds).toContain(1089963280)] },
    { action: 'group.members', as: 'admin', method: 'PUT', path: `${G}/{g}/user/{social}`, status: 200, readback: [`${G}/{g}`, (j) => expect(j.userIds).toContain(901234)] },
    { action: 'group.members', as: 'none', method: 'PUT', path: `${G}/{dataTeam}/user/{sam}`, status: 403, missing: 'grant OWNER on group {dataTeam} to PUT it' },
    { action: 'group.members', as: 'norole', method: 'DELETE', path: `${G}/{sales}/removeuser/{admin}`, status: 403, missing: 'grant OWNER on group {sales}' },
    { action: 'group.members', as: 'norole', method: 'DELETE', path: `${G}/{g}/removeuser/{part}`, status: 403, missing: 'grant OWNER on group {g}' },
    { action: 'group.members', as: 'owner', method: 'DELETE', path: `${G}/{g}/removeuser/{part}`, status: 200, readback: [`${G}/{g}`, (j) => expect(j.userIds).not.toContain(1089963280)] },
    { action: 'group.members', as: 'none', method: 'PUT', path: `${G}/access`, body: [{ groupId: '{sales}', removeMembers: [{ type: 'USER', id: '{admin}' }] }], status: 403, missing: 'grant OWNER on group {sales}' },
    { action: 'group.members', as: 'owner', method: 'PUT', path: `${G}/access`, body: [{ groupId: '{g}', removeMembers: [{ type: 'USER', id: '{social}' }] }, { groupId: '{sales}', removeMembers: [{ type: 'USER', id: '{editor}' }] }], status: 403, missing: 'grant OWNER on group {sales}' },
    { action: 'group.members', as: 'granted', method: 'PUT', path: `${G}/access`, body: [{ groupId: '{sales}', removeMembers: [{ type: 'USER', id: '{part}' }] }], status: 200, readback: [`${G}/{sales}`, (j) => expect(j.userIds).not.toContain(1089963280)] },
    // open group: anyone joins or leaves for themselves, only owners and managers for others
    { action: 'group.members', as: 'norole', method: 'PUT', path: `${G}/{marketing}/user/{part}`, status: 200, readback: [`${G}/{marketing}`, (j) => expect(j.userIds).toContain(1089963280)] },
    { action: 'group.members', as: 'none', method: 'PUT', path: `${G}/{marketing}/user/{social}`, status: 403, missing: 'grant OWNER on group {marketing}' },
    { action: 'group.members', as: 'none', method: 'DELETE', path: `${G}/{marketing}/removeuser/{part}`, status: 403, missing: 'grant OWNER on group {marketing}' },
    { action: 'group.members', as: 'none', method: 'DELETE', path: `${G}/{marketing}/removeuser/{sam}`, status: 200, readback: [`${G}/{marketing}`, (j) => expect(j.userIds).not.toContain(112321221)] },
    // dynamic group: group managers only
    { action: 'group.members', as: 'none', method: 'DELETE', path: `${G}/{all}/removeuser/{sam}`, status: 403, deny: /^Group 1500000002 is dynamic: its members change only through group\.manage/ },
    { action: 'group.members', as: 'granted', method: 'DELETE', path: `${G}/{all}/removeuser/{sam}`, status: 200, readback: [`${G}/{all}`, (j) => expect(j.userIds).not.toContain(112321221)] },
  ],
};

const t = matrix([users, roles, groups]);
afterAll(() => t.close());
