import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../src/http/env.js';
import { valid } from '../src/http/validate.js';

const params = z.object({ packageId: z.string().min(1), version: z.string().min(1), functionName: z.string().min(1) });
const body = z.object({
  inputVariables: z.record(z.string(), z.unknown()).default({}),
  settings: z.object({ getLogs: z.boolean().default(false) }).default({ getLogs: false }),
});

/** Code Engine API: run a function of a package version. */
export function codeEngineRoutes() {
  const r = new Hono<AppEnv>();
  r.post('/api/codeengine/v2/packages/:packageId/versions/:version/functions/:functionName', valid('param', params), valid('json', body, { optional: true }), (c) => {
    const { packageId, version, functionName } = c.req.valid('param');
    const b = c.req.valid('json') ?? { inputVariables: {}, settings: { getLogs: false } };
    return c.json(c.var.instance.stores.codeEngine.run(packageId, version, functionName, b, c.var.principal));
  });
  return r;
}
