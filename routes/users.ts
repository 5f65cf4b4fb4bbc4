import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../src/http/env.js';
import { numericId, pagingQuery } from '../src/http/paging.js';
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
  roleId: numericId,
  title: optionalText,
  department: optionalText,
  phoneNumber: optionalText,
  location: optionalText,
  employeeId: optionalText,
  managerId: numericId.nullable().optional(),
  timeZone: optionalText,
  locale: optionalText,
};
const createBody = z.object(userFields);
/** Profile fields a PATCH may also send as Domo's `attributes: [{key, values}]` entries (what GET shows). */
const attributeKeys = ['title', 'department', 'phoneNumber', 'location', 'employeeId', 'managerId', 'timeZone', 'locale', 'displayName', 'emailAddress'] as const;
const attributeList = z.array(
  z.object({
    key: z.enum(attributeKeys, { message: `a user attribute key: one of ${attributeKeys.join(', ')}` }),
    values: z.array(z.union([z.string(), z.number()]).nullable()).max(1),
  }),
);
const patchBody = z
  .object({ ...userFields, attributes: attributeList })
  .partial()
  .transform((v, ctx) => {
    const { attributes, ...fields } = v;
    const out: Record<string, unknown> = { ...fields };
    for (const [i, a] of (attributes ?? []).entries()) {
      const value = a.values[0] ?? null;
      const field = userFields[a.key].safeParse(value === null ? null : a.key === 'managerId' ? value : String(value));
      if (!field.success) {
        ctx.addIssue({ code: 'custom', path: ['attributes', i, 'values'], message: `not a valid ${a.key}: ${field.error.issues[0]?.message ?? 'invalid'}` });
        return z.NEVER;
      }
      out[a.key] = field.data;
    }
    return out as Partial<z.output<typeof createBody>>;
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'Give at least one field to change (or attributes)' });
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
