import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../src/http/env.js';
import { valid } from '../src/http/validate.js';

const startBody = z.object({
  messageName: z.string().trim().min(1),
  version: z.string().trim().regex(/^\d+\.\d+\.\d+$/, 'expected a version such as 1.1.0'),
  modelId: z.string().trim().min(1),
  data: z.record(z.string(), z.unknown()),
});
const instanceParam = z.object({ instanceId: z.string().min(1) });
const modelParam = z.object({ modelId: z.string().min(1) });
const permissionsBody = z
  .array(
    z.object({
      id: z.union([z.string().regex(/^\d+$/, 'expected a numeric id'), z.number().int().positive().transform(String)]),
      permissions: z.array(z.enum(['ADMIN', 'SHARE', 'DELETE', 'WRITE', 'READ', 'EXPORT', 'EXECUTE', 'CREATE_CONTENT', 'READ_CONTENT', 'UPDATE_CONTENT', 'DELETE_CONTENT'])),
      name: z.string(),
      type: z
        .string()
        .transform((s) => s.toUpperCase())
        .pipe(z.enum(['USER', 'GROUP'])),
    }),
  )
  .min(1);

/** Workflows Product API: /api/workflow/v1 */
export function workflowsRoutes() {
  const r = new Hono<AppEnv>();
  const base = '/api/workflow/v1';

  r.post(`${base}/instances/message`, valid('json', startBody), (c) => c.json(c.var.instance.stores.workflows.start(c.req.valid('json'), c.var.principal)));

  // not in the reference: lets a client poll the instance it started
  r.get(`${base}/instances/:instanceId`, valid('param', instanceParam), (c) => c.json(c.var.instance.stores.workflows.get(c.req.valid('param').instanceId, c.var.principal)));

  r.post(`${base}/instances/:instanceId/cancel`, valid('param', instanceParam), (c) =>
    c.json(c.var.instance.stores.workflows.cancel(c.req.valid('param').instanceId, c.var.principal)),
  );

  r.post(`${base}/models/:modelId/permissions`, valid('param', modelParam), valid('json', permissionsBody), (c) =>
    c.json(c.var.instance.stores.workflows.setPermissions(c.req.valid('param').modelId, c.req.valid('json'), c.var.principal)),
  );

  return r;
}
