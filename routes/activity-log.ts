import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../src/http/env.js';
import type { Principal } from '../src/access/principal.js';
import { csvList } from '../src/http/paging.js';
import { valid } from '../src/http/validate.js';
import type { Instance } from '../src/instances.js';

const listQuery = z
  .object({
    start: z.coerce.number().int().min(0),
    end: z.coerce.number().int().min(0),
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(300),
    objectType: csvList.transform((l) => l.map((s) => s.toUpperCase())).optional(),
  })
  .refine((q) => q.end >= q.start, { message: 'end must not be before start', path: ['end'] });

/** Activity Log API: /api/audit/v1/user-audits (holders of audit.view). */
export function activityLogRoutes() {
  const r = new Hono<AppEnv>();
  const base = '/api/audit/v1/user-audits';

  r.get(`${base}/objectTypes`, (c) => {
    c.var.instance.access.require(c.var.principal, 'audit.read');
    return c.json(c.var.instance.stores.activity.objectTypes());
  });

  r.get(base, valid('query', listQuery), (c) => {
    c.var.instance.access.require(c.var.principal, 'audit.read');
    const q = c.req.valid('query');
    return c.json(c.var.instance.stores.activity.list({ ...q, objectTypes: q.objectType }));
  });

  return r;
}

/** Writes of other families' documented routes that the activity log records. */
const tracked: Array<[string, RegExp, string, string]> = [
  ['POST', /^\/api\/identity\/v1\/users\/?$/, 'CREATED', 'USER'],
  ['PATCH', /^\/api\/identity\/v1\/users\/(\d+)$/, 'UPDATED', 'USER'],
  ['DELETE', /^\/api\/identity\/v1\/users\/(\d+)$/, 'DELETED', 'USER'],
  ['POST', /^\/api\/content\/v2\/groups\/?$/, 'CREATED', 'GROUP'],
  ['PUT', /^\/api\/content\/v2\/groups\/(\d+)\/user\/\d+$/, 'UPDATED', 'GROUP'],
  ['DELETE', /^\/api\/content\/v2\/groups\/(\d+)\/removeuser\/\d+$/, 'UPDATED', 'GROUP'],
  ['POST', /^\/api\/data\/v2\/datasources\/?$/, 'CREATED', 'DATA_SOURCE'],
  ['DELETE', /^\/api\/data\/v3\/datasources\/([\w-]+)$/, 'DELETED', 'DATA_SOURCE'],
  ['PUT', /^\/api\/data\/v3\/datasources\/([\w-]+)\/uploads\/\d+\/commit$/, 'UPDATED', 'DATA_SOURCE'],
  ['POST', /^\/api\/data\/v1\/accounts\/?$/, 'CREATED', 'ACCOUNT'],
  ['POST', /^\/api\/data\/v1\/streams\/(\d+)\/executions$/, 'EXECUTED', 'DATAFLOW_TYPE'],
  ['PUT', /^\/api\/content\/v1\/cards\/(\d+)\/title$/, 'UPDATED', 'CARD'],
];

/** Called for every request (app.ts): records successful writes of the routes above. Returns at once for reads. */
export function recordActivity(instance: Instance, user: Principal | undefined, method: string, path: string, status: number): void {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || !user || status >= 300) return;
  for (const [m, re, action, objectType] of tracked) {
    if (m !== method) continue;
    const hit = re.exec(path);
    if (!hit) continue;
    instance.stores.activity.record({ userId: user.userId, userName: user.displayName, actionType: action, objectType, objectId: hit[1] ?? null });
    return;
  }
}
