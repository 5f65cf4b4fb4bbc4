import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../src/http/env.js';
import { numericId, pagingQuery } from '../src/http/paging.js';
import { responds } from '../src/http/responses.js';
import { valid } from '../src/http/validate.js';
import { groupJson } from '../src/schemas/identity.js';

const groupParam = z.object({ groupId: numericId });
const memberParams = z.object({ groupId: numericId, userId: numericId });
const createBody = z.object({
  name: z.string().trim().min(1).max(255),
  description: z.string().max(2000).optional(),
  type: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(['closed', 'open', 'dynamic'])),
});
const userRefs = z.array(z.object({ type: z.string().transform((s) => s.toUpperCase()).pipe(z.literal('USER')), id: numericId })).default([]);
/** One group's access change: members and owners to add or remove (each list optional, groupId a number or its text). */
const change = z
  .object({ groupId: numericId, addMembers: userRefs, removeMembers: userRefs, addOwners: userRefs, removeOwners: userRefs })
  .refine((v) => v.addMembers.length + v.removeMembers.length + v.addOwners.length + v.removeOwners.length > 0, {
    message: 'Send at least one of addMembers, removeMembers, addOwners, removeOwners',
    path: ['removeMembers'],
  });
/** The reference's example is an array; its table describes one object. Both are accepted. */
const accessBody = z.union([z.array(change).min(1), change.transform((v) => [v])]);
/** DELETE /api/content/v2/groups: the ids of the groups to delete (numbers or their text). */
const deleteBody = z.array(numericId).min(1).max(1000);

/** Group Documentation: /api/content/v2/groups */
export function groupsRoutes() {
  const r = new Hono<AppEnv>();
  const base = '/api/content/v2/groups';

  // literal path before /:groupId
  r.put(`${base}/access`, responds({ 200: z.literal(true) }), valid('json', accessBody), (c) => {
    const body = c.req.valid('json');
    const ids = (l: Array<{ id: number }>) => l.map((m) => m.id);
    c.var.instance.stores.groups.changeAccess(
      c.var.principal,
      body.map((g) => ({ groupId: g.groupId, add: ids(g.addMembers), remove: ids(g.removeMembers), addOwners: ids(g.addOwners), removeOwners: ids(g.removeOwners) })),
    );
    return c.json(true);
  });

  /** The group list some clients read (the same groups as GET /groups). */
  r.get(`${base}/grouplist`, valid('query', pagingQuery(500, 10_000)), (c) => c.json(c.var.instance.stores.groups.list(c.req.valid('query'))));

  r.delete(base, valid('json', deleteBody), (c) => {
    c.var.instance.stores.groups.deleteMany(c.var.principal, c.req.valid('json'));
    return c.json(true);
  });

  r.get(base, responds({ 200: z.array(groupJson) }), valid('query', pagingQuery(500, 10_000)), (c) => c.json(c.var.instance.stores.groups.list(c.req.valid('query'))));

  r.post(base, responds({ 200: groupJson }), valid('json', createBody), (c) => c.json(c.var.instance.stores.groups.create(c.var.principal, c.req.valid('json'))));

  r.get(`${base}/:groupId`, responds({ 200: groupJson }), valid('param', groupParam), (c) => c.json(c.var.instance.stores.groups.get(c.req.valid('param').groupId)));

  r.put(`${base}/:groupId/user/:userId`, responds({ 200: z.literal(true) }), valid('param', memberParams), (c) => {
    const { groupId, userId } = c.req.valid('param');
    c.var.instance.stores.groups.addUser(c.var.principal, groupId, userId);
    return c.json(true);
  });

  r.delete(`${base}/:groupId/removeuser/:userId`, responds({ 200: z.literal(true) }), valid('param', memberParams), (c) => {
    const { groupId, userId } = c.req.valid('param');
    c.var.instance.stores.groups.removeUser(c.var.principal, groupId, userId);
    return c.json(true);
  });

  return r;
}
