import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../src/http/env.js';
import { csvList } from '../src/http/paging.js';
import { valid } from '../src/http/validate.js';

const listQuery = z
  .object({
    start: z.coerce.number().int().min(0),
    end: z.coerce.number().int().min(0),
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(300),
    objectType: csvList.transform((l) => l.map((s) => s.toUpperCase())).optional(),
  })
  .refine((q) => q.end >= q.start, { message: 'end must not be before start', path: ['end'] });

/**
 * Activity Log API: /api/audit/v1/user-audits (holders of audit.view). Entries are written by the stores,
 * inside each write's transaction (ctx.audit, src/state/activity.ts); reading the log is logged too.
 */
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
    return c.json(c.var.instance.stores.activity.view({ ...q, objectTypes: q.objectType }, c.var.principal));
  });

  return r;
}
