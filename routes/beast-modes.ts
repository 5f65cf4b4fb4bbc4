import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../src/http/env.js';
import { numericId, flag } from '../src/http/paging.js';
import { valid } from '../src/http/validate.js';

const bmParam = z.object({ beastmodeId: numericId });
const searchBody = z.object({
  name: z.string().optional(),
  filters: z.array(z.object({ field: z.string().trim().min(1), value: z.unknown().optional(), values: z.array(z.unknown()).optional() }).loose()),
  sort: z.object({ field: z.string().trim().min(1), ascending: z.boolean() }),
  limit: z.number().int().min(1).max(5000),
  offset: z.number().int().min(0).default(0),
});
const updateBody = z
  .object({ expression: z.string().min(1).optional(), locked: z.boolean().optional(), name: z.string().trim().min(1).max(255).optional() })
  .refine((b) => b.expression !== undefined || b.locked !== undefined || b.name !== undefined, {
    message: 'Send expression and/or locked (or name)',
  });

/** Beast Modes: /api/query/v1/functions/... */
export function beastModesRoutes() {
  const r = new Hono<AppEnv>();
  const base = '/api/query/v1/functions';

  r.get(`${base}/statistics`, (c) => c.json(c.var.instance.stores.beastModes.statistics()));

  r.post(`${base}/search`, valid('json', searchBody), (c) => c.json(c.var.instance.stores.beastModes.search(c.req.valid('json'))));

  r.get(`${base}/template/:beastmodeId`, valid('param', bmParam), (c) => c.json(c.var.instance.stores.beastModes.get(c.req.valid('param').beastmodeId)));

  r.put(
    `${base}/template/:beastmodeId`,
    valid('param', bmParam),
    valid('query', z.object({ strict: flag.optional() })),
    valid('json', updateBody),
    (c) => {
      return c.json(c.var.instance.stores.beastModes.update(c.req.valid('param').beastmodeId, c.req.valid('json'), c.req.valid('query').strict ?? false, c.var.principal));
    },
  );

  return r;
}
