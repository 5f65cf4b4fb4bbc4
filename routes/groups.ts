import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../src/http/env.js';
import { jsonId, numericId, pagingQuery } from '../src/http/paging.js';
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
const removal = z.object({
  groupId: jsonId,
  removeMembers: z.array(z.object({ type: z.string().transform((s) => s.toUpperCase()).pipe(z.literal('USER')), id: jsonId })),
});
/** The reference's example is an array; its table describes one object. Both are accepted. */
const accessBody = z.union([z.array(removal).min(1), removal.transform((v) => [v])]);

/** Group Documentation: /api/content/v2/groups */
export function groupsRoutes() {
  const r = new Hono<AppEnv>();
  const base = '/api/content/v2/groups';

  // literal path before /:groupId
  r.put(`${base}/access`, responds({ 200: z.literal(true) }), valid('json', accessBody), (c) => {
    const body = c.req.valid('json');
    c.var.instance.stores.groups.removeMany(c.var.principal, body.map((g) => ({ groupId: g.groupId, userIds: g.removeMembers.map((m) => m.id) })));
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
