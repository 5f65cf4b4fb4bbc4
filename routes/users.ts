import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../src/http/env.js';
import { jsonId, numericId, pagingQuery } from '../src/http/paging.js';
import { responds } from '../src/http/responses.js';
import { valid } from '../src/http/validate.js';
import { userJson, userListJson, userOneJson } from '../src/schemas/identity.js';
import type { UserPart } from '../src/state/users.js';

const partNames = new Set<string>(['MINIMAL', 'SIMPLE', 'DETAILED', 'GROUPS', 'ROLE']);
/** parts=DETAILED,GROUPS (any case, comma-joined or repeated); one transform, as every user GET parses it. */
const partsQuery = z.object({
  parts: z
    .union([z.string(), z.array(z.string())])
    .transform((v, ctx) => {
      const out: UserPart[] = [];
      for (const raw of (Array.isArray(v) ? v.join(',') : v).split(',')) {
        const p = raw.trim().toUpperCase();
        if (!p) continue;
        if (!partNames.has(p)) {
          ctx.addIssue({ code: 'custom', message: `Unknown part '${raw.trim()}'; use ${[...partNames].join(', ')}` });
          return z.NEVER;
        }
        out.push(p as UserPart);
      }
      return out;
    })
    .optional(),
});

const optionalText = z.string().max(1000).nullable().optional();
const userFields = {
  displayName: z.string().trim().min(1).max(255),
  emailAddress: z.email(),
  userName: z.string().trim().min(1).max(255).optional(),
  roleId: jsonId,
  title: optionalText,
  department: optionalText,
  phoneNumber: optionalText,
  location: optionalText,
  employeeId: optionalText,
  managerId: jsonId.nullable().optional(),
  timeZone: optionalText,
  locale: optionalText,
};
const createBody = z.object(userFields);
const patchBody = z
  .object(userFields)
  .partial()
  .refine((v) => Object.keys(v).length > 0, { message: 'Give at least one field to change' });
const idParam = z.object({ userId: numericId });

/** Users API: /api/identity/v1/users */
export function usersRoutes() {
  const r = new Hono<AppEnv>();
  const base = '/api/identity/v1/users';

  r.post(base, responds({ 200: userJson }), valid('json', createBody), (c) => {
    const users = c.var.instance.stores.users;
    return c.json(users.view(users.create(c.var.principal, c.req.valid('json'))));
  });

  r.get(base, responds({ 200: userListJson }), valid('query', pagingQuery(500, 10_000).extend(partsQuery.shape)), (c) => {
    const q = c.req.valid('query');
    const users = c.var.instance.stores.users;
    const page = users.list(q);
    return c.json({ users: page.users.map((u) => users.view(u, q.parts)), count: page.total });
  });

  r.get(`${base}/:userId`, responds({ 200: userOneJson }), valid('param', idParam), valid('query', partsQuery), (c) => {
    const users = c.var.instance.stores.users;
    const u = users.get(c.req.valid('param').userId);
    return c.json({ users: [users.view(u, c.req.valid('query').parts)] });
  });

  r.patch(`${base}/:userId`, responds({ 200: userJson }), valid('param', idParam), valid('json', patchBody), (c) => {
    const users = c.var.instance.stores.users;
    return c.json(users.view(users.update(c.var.principal, c.req.valid('param').userId, c.req.valid('json'))));
  });

  r.delete(`${base}/:userId`, responds({ 200: z.literal(1) }), valid('param', idParam), (c) => {
    c.var.instance.stores.users.delete(c.var.principal, c.req.valid('param').userId);
    return c.json(1);
  });

  return r;
}
