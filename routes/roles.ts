import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../src/http/env.js';
import { numericId } from '../src/http/paging.js';
import { responds } from '../src/http/responses.js';
import { valid } from '../src/http/validate.js';
import { roleAuthoritiesJson, roleJson, statusJson } from '../src/schemas/identity.js';

const idParam = z.object({ roleId: numericId });
/** `fromRoleId` is optional: Domo's clients often send only a name and description (a role with no authorities). */
const createBody = z.object({
  name: z.string().trim().min(1).max(255),
  description: z.string().max(2000).optional(),
  fromRoleId: numericId.optional(),
});
const authority = z.string().trim().min(1).max(255).regex(/^[A-Za-z0-9_.:-]+$/, 'an authority is a name like dataset.manage');

/** Roles Governance API: /api/authorization/v1/roles */
export function rolesRoutes() {
  const r = new Hono<AppEnv>();
  const base = '/api/authorization/v1/roles';

  r.post(base, responds({ 200: roleJson }), valid('json', createBody), (c) => c.json(c.var.instance.stores.roles.create(c.var.principal, c.req.valid('json'))));

  r.get(base, responds({ 200: z.array(roleJson) }), (c) => c.json(c.var.instance.stores.roles.list()));

  r.get(`${base}/:roleId`, responds({ 200: roleJson }), valid('param', idParam), (c) => c.json(c.var.instance.stores.roles.get(c.req.valid('param').roleId)));

  /** Not in the reference, but Domo serves it and it is how a client reads back what the PATCH set. */
  r.get(`${base}/:roleId/authorities`, responds({ 200: roleAuthoritiesJson }), valid('param', idParam), (c) => {
    const id = c.req.valid('param').roleId;
    return c.json(c.var.instance.stores.roles.authorities(id).map((a) => ({ authority: a, roleIds: [id] })));
  });

  r.patch(`${base}/:roleId/authorities`, responds({ 200: statusJson }), valid('param', idParam), valid('json', z.array(authority)), (c) => {
    c.var.instance.stores.roles.setAuthorities(c.var.principal, c.req.valid('param').roleId, c.req.valid('json'));
    return c.json({ status: 'SUCCESS', message: '' });
  });

  r.delete(`${base}/:roleId`, responds({ 204: z.undefined() }), valid('param', idParam), (c) => {
    c.var.instance.stores.roles.delete(c.var.principal, c.req.valid('param').roleId);
    return c.body(null, 204);
  });

  return r;
}
