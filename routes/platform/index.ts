import { Readable } from 'node:stream';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { parseCsvStream } from '../../src/engines/csv.js';
import type { AppEnv } from '../../src/http/env.js';
import { badRequest, notFound, unsupportedMediaType } from '../../src/http/errors.js';
import type { PlatformAuth, PlatformToken } from '../../src/http/oauth.js';
import { flag, numericId, pagingQuery } from '../../src/http/paging.js';
import { valid } from '../../src/http/validate.js';
import { platformDataset, platformGroup, platformPolicy, platformUser, policyInput, roleIdByName } from '../../src/state/platform.js';

type PEnv = AppEnv & { Variables: AppEnv['Variables'] & { platformToken: PlatformToken } };

const userBody = z.object({
  name: z.string().trim().min(1).max(255),
  email: z.email(),
  role: z.string().min(1).optional(),
  roleId: numericId.optional(),
  title: z.string().max(1000).optional(),
  phone: z.string().max(1000).optional(),
  location: z.string().max(1000).optional(),
  timezone: z.string().max(1000).optional(),
  locale: z.string().max(1000).optional(),
  employeeNumber: z.union([z.string(), z.number().transform(String)]).optional(),
});
const groupBody = z.object({ name: z.string().trim().min(1).max(255), description: z.string().max(2000).optional() });
const column = z.object({ type: z.string().min(1).max(64), name: z.string().min(1).max(1024) });
const datasetBody = z.object({ name: z.string().trim().min(1).max(1024), description: z.string().max(10_000).optional(), schema: z.object({ columns: z.array(column).min(1).max(1000) }) });
const datasetPatch = z.object({ name: z.string().trim().min(1).max(1024).optional(), description: z.string().max(10_000).optional(), schema: z.object({ columns: z.array(column).min(1).max(1000) }).optional() });
const policyBody = z.object({
  name: z.string().trim().min(1).max(255),
  type: z.string().optional(),
  filters: z.array(z.object({ column: z.string().min(1), values: z.array(z.union([z.string(), z.number()])), operator: z.string().optional(), not: z.boolean().optional() })).default([]),
  users: z.array(numericId).default([]),
  groups: z.array(numericId).default([]),
});
const dsParam = z.object({ id: z.string().trim().min(1).max(100) });
const idParam = z.object({ id: numericId });
const csvTypes = new Set(['', 'text/csv', 'application/csv', 'text/plain', 'application/octet-stream']);

/** The user fields of a platform body -> the identity store's input. */
function userInput(c: Context<PEnv>, b: Partial<z.output<typeof userBody>>) {
  let roleId = b.roleId;
  if (roleId === undefined && b.role !== undefined) {
    roleId = roleIdByName(c.var.instance, b.role);
    if (roleId === undefined) throw badRequest(`Unknown role '${b.role}'`, [{ path: 'body.role', message: 'Unknown role' }]);
  }
  const out = {
    displayName: b.name,
    emailAddress: b.email,
    roleId,
    title: b.title,
    phoneNumber: b.phone,
    location: b.location,
    timeZone: b.timezone,
    locale: b.locale,
    employeeId: b.employeeNumber,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

/**
 * Domo's platform API (api.domo.com), as the official SDKs call it: /oauth/token (client credentials),
 * then `Authorization: bearer` on /v1/users, /v1/groups, /v1/datasets (data, query, PDP policies). The
 * token picks the instance and the user; the user's principal goes through the one access model.
 */
export function platformRoutes(auth: PlatformAuth) {
  const r = new Hono<PEnv>();

  const token = (c: Context<PEnv>) => {
    const q = c.req.query();
    const t = auth.issue(c.req.header('authorization'), q.scope, q.grant_type);
    return c.json({ access_token: t.token, token_type: 'bearer', expires_in: Math.round((t.expiresAt - c.var.registry.get(t.instance).clock.nowMs()) / 1000), scope: t.scope.join(' '), customer: t.instance, domain: `${t.instance}.domo.com`, userId: t.userId, role: 'Admin', jti: t.token.slice(0, 12) });
  };
  r.get('/oauth/token', token);
  r.post('/oauth/token', token);

  /** Bearer token -> instance and principal; `scope` is the one the routes under it need. */
  const bearer =
    (scope: string): MiddlewareHandler<PEnv> =>
    async (c, next) => {
      const t = auth.check(c.req.header('authorization'));
      auth.requireScope(t, scope);
      const inst = c.var.registry.get(t.instance);
      c.set('instance', inst);
      c.set('platformToken', t);
      c.set('principal', inst.access.principal(inst.stores.users.get(t.userId), 'oauth', c.req.method, null));
      await next();
    };
  r.use('/v1/users', bearer('user'));
  r.use('/v1/users/*', bearer('user'));
  r.use('/v1/groups', bearer('user'));
  r.use('/v1/groups/*', bearer('user'));
  r.use('/v1/datasets', bearer('data'));
  r.use('/v1/datasets/*', bearer('data'));

  // -- users ----------------------------------------------------------------------------------
  r.get('/v1/users', valid('query', pagingQuery(50, 500)), (c) => {
    const page = c.var.instance.stores.users.list(c.req.valid('query'));
    return c.json(page.users.map((u) => platformUser(c.var.instance, u)));
  });
  r.post('/v1/users', valid('query', z.object({ sendInvite: flag.optional() })), valid('json', userBody), (c) => {
    const input = userInput(c, c.req.valid('json'));
    const users = c.var.instance.stores.users;
    if (input.roleId === undefined) input.roleId = roleIdByName(c.var.instance, 'Participant') ?? 4;
    const u = users.create(c.var.principal, input as unknown as Parameters<typeof users.create>[1]);
    return c.json(platformUser(c.var.instance, u), 201);
  });
  r.get('/v1/users/:id', valid('param', idParam), (c) => c.json(platformUser(c.var.instance, c.var.instance.stores.users.get(c.req.valid('param').id))));
  r.put('/v1/users/:id', valid('param', idParam), valid('json', userBody.partial()), (c) => {
    const u = c.var.instance.stores.users.update(c.var.principal, c.req.valid('param').id, userInput(c, c.req.valid('json')));
    return c.json(platformUser(c.var.instance, u));
  });
  r.delete('/v1/users/:id', valid('param', idParam), (c) => {
    c.var.instance.stores.users.delete(c.var.principal, c.req.valid('param').id);
    return c.body(null, 204);
  });

  // -- groups ---------------------------------------------------------------------------------
  r.get('/v1/groups', valid('query', pagingQuery(50, 500)), (c) => c.json(c.var.instance.stores.groups.list(c.req.valid('query')).map((g) => platformGroup(c.var.instance, g.id))));
  r.post('/v1/groups', valid('json', groupBody), (c) => {
    const g = c.var.instance.stores.groups.create(c.var.principal, { ...c.req.valid('json'), type: 'closed' });
    return c.json(platformGroup(c.var.instance, g.id), 201);
  });
  r.get('/v1/groups/:id', valid('param', idParam), (c) => c.json(platformGroup(c.var.instance, c.req.valid('param').id)));
  r.delete('/v1/groups/:id', valid('param', idParam), (c) => {
    c.var.instance.stores.groups.deleteMany(c.var.principal, [c.req.valid('param').id]);
    return c.body(null, 204);
  });
  r.get('/v1/groups/:id/users', valid('param', idParam), valid('query', pagingQuery(100, 500)), (c) => {
    const { limit, offset } = c.req.valid('query');
    return c.json(c.var.instance.stores.groups.get(c.req.valid('param').id).userIds.slice(offset, offset + limit));
  });
  const memberParam = z.object({ id: numericId, userId: numericId });
  r.put('/v1/groups/:id/users/:userId', valid('param', memberParam), (c) => {
    const { id, userId } = c.req.valid('param');
    c.var.instance.stores.groups.addUser(c.var.principal, id, userId);
    return c.body(null, 204);
  });
  r.delete('/v1/groups/:id/users/:userId', valid('param', memberParam), (c) => {
    const { id, userId } = c.req.valid('param');
    c.var.instance.stores.groups.removeUser(c.var.principal, id, userId);
    return c.body(null, 204);
  });

  // -- datasets -------------------------------------------------------------------------------
  r.post('/v1/datasets/query/execute/:id', valid('param', dsParam), valid('json', z.object({ sql: z.string().min(1).max(1_000_000) })), async (c) => {
    const rows = c.var.instance.stores.rows;
    const src = rows.source(c.req.valid('param').id, c.var.principal);
    const res = await rows.rows(rows.sql(src, c.req.valid('json').sql));
    return c.json(rows.domoJson(src, res));
  });
  r.get('/v1/datasets', valid('query', pagingQuery(50, 50).extend({ sort: z.string().optional(), nameLike: z.string().max(1024).optional() })), (c) => {
    const q = c.req.valid('query');
    const sort = q.sort?.replace(/^-/, '');
    const page = c.var.instance.stores.datasets.list({ limit: q.limit, offset: q.offset, nameLike: q.nameLike, sort: sort === 'name' ? 'name' : undefined }, c.var.principal);
    return c.json(page.dataSources.map((d) => platformDataset(c.var.instance, String(d.id), c.var.principal)));
  });
  r.post('/v1/datasets', valid('json', datasetBody), (c) => {
    const b = c.req.valid('json');
    const made = c.var.instance.stores.datasets.create({ name: b.name, description: b.description, columns: b.schema.columns, ownerId: c.var.principal.userId, dataProviderType: 'api' }, c.var.principal);
    return c.json(platformDataset(c.var.instance, made.id, c.var.principal), 201);
  });
  r.get('/v1/datasets/:id', valid('param', dsParam), (c) => c.json(platformDataset(c.var.instance, c.req.valid('param').id, c.var.principal, true)));
  r.put('/v1/datasets/:id', valid('param', dsParam), valid('json', datasetPatch), (c) => {
    const { id } = c.req.valid('param');
    const b = c.req.valid('json');
    const store = c.var.instance.stores.datasets;
    if (b.name !== undefined || b.description !== undefined) store.setProperties(id, { name: b.name, description: b.description }, c.var.principal);
    if (b.schema) store.alterSchema(id, b.schema.columns, c.var.principal);
    return c.json(platformDataset(c.var.instance, id, c.var.principal));
  });
  r.delete('/v1/datasets/:id', valid('param', dsParam), (c) => {
    c.var.instance.stores.datasets.delete(c.req.valid('param').id, c.var.principal);
    return c.body(null, 204);
  });

  /** CSV import: one upload of one part, committed with `updateMethod` (REPLACE, the default, or APPEND). */
  r.put('/v1/datasets/:id/data', valid('param', dsParam), valid('query', z.object({ updateMethod: z.string().transform((s) => s.toUpperCase()).pipe(z.enum(['REPLACE', 'APPEND'])).optional() })), async (c) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (!csvTypes.has(type)) throw unsupportedMediaType(`Expected a CSV body (Content-Type: text/csv), got '${type}'`);
    const { id } = c.req.valid('param');
    const action = c.req.valid('query').updateMethod ?? 'REPLACE';
    const store = c.var.instance.stores.datasets;
    const up = store.startUpload(id, { action }, c.var.principal);
    const h = store.beginPart(id, up.uploadId, 1, c.var.principal);
    try {
      const stats = await parseCsvStream(c.req.raw.body, {
        columns: h.columns,
        label: 'the CSV',
        maxBytes: c.var.config.maxUploadBytes,
        maxLineLength: c.var.config.maxLineLength,
        gzip: (c.req.header('content-encoding') ?? '').toLowerCase() === 'gzip',
        onBatch: (rows) => h.insertMany(rows),
      });
      store.finishPart(h, stats);
    } catch (e) {
      store.abortPart(h);
      throw e;
    }
    store.commitUpload(id, up.uploadId, { action, index: true }, c.var.principal);
    return c.body(null, 204);
  });

  r.get('/v1/datasets/:id/data', valid('param', dsParam), valid('query', z.object({ includeHeader: flag.optional(), fileName: z.string().optional() })), async (c) => {
    const rows = c.var.instance.stores.rows;
    const src = rows.source(c.req.valid('param').id, c.var.principal, { export: true });
    const out = rows.csvStream(await rows.csv(rows.sql(src, 'SELECT * FROM t'), { header: c.req.valid('query').includeHeader ?? false }));
    const headers = { 'Content-Type': 'text/csv; charset=utf-8' };
    if (typeof out === 'string') return c.body(out, 200, headers);
    return new Response(Readable.toWeb(out) as ReadableStream, { status: 200, headers });
  });

  // -- PDP policies: the product API's filter groups -------------------------------------------
  const policyParam = z.object({ id: dsParam.shape.id, policyId: numericId });
  const full = { associations: true, filters: true, openPolicy: true };
  r.get('/v1/datasets/:id/policies', valid('param', dsParam), (c) => c.json(c.var.instance.stores.pdp.list(c.req.valid('param').id, c.var.principal, full).map(platformPolicy)));
  r.post('/v1/datasets/:id/policies', valid('param', dsParam), valid('json', policyBody), (c) => {
    const { id } = c.req.valid('param');
    const pdp = c.var.instance.stores.pdp;
    const made = pdp.create(id, c.var.principal, policyInput(c.req.valid('json')));
    // a dataset with a policy filters rows: Domo turns PDP on when the first policy is added through this API
    const state = pdp.state(id, c.var.principal);
    if (!state.enabled) pdp.setState(id, c.var.principal, { enabled: true });
    return c.json(platformPolicy(made), 201);
  });
  r.get('/v1/datasets/:id/policies/:policyId', valid('param', policyParam), (c) => {
    const { id, policyId } = c.req.valid('param');
    const hit = c.var.instance.stores.pdp.list(id, c.var.principal, full).find((p) => p.filterGroupId === policyId);
    if (!hit) throw notFound(`Policy ${policyId} of DataSet ${id} not found`);
    return c.json(platformPolicy(hit));
  });
  r.put('/v1/datasets/:id/policies/:policyId', valid('param', policyParam), valid('json', policyBody.partial()), (c) => {
    const { id, policyId } = c.req.valid('param');
    const b = c.req.valid('json');
    const input = policyInput({ name: b.name ?? '', ...b });
    const patch: Record<string, unknown> = {};
    if (b.name !== undefined) patch.name = input.name;
    if (b.users !== undefined) patch.userIds = input.userIds;
    if (b.groups !== undefined) patch.groupIds = input.groupIds;
    if (b.filters !== undefined) patch.parameters = input.parameters;
    return c.json(platformPolicy(c.var.instance.stores.pdp.update(id, policyId, c.var.principal, patch)));
  });
  r.delete('/v1/datasets/:id/policies/:policyId', valid('param', policyParam), (c) => {
    const { id, policyId } = c.req.valid('param');
    c.var.instance.stores.pdp.delete(id, policyId, c.var.principal);
    return c.body(null, 204);
  });

  return r;
}
