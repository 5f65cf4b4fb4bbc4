import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../src/http/env.js';
import { numericId } from '../src/http/paging.js';
import { valid } from '../src/http/validate.js';
import { actorOf, upperEnum } from './datasets/common.js';

const streamParam = z.object({ streamId: numericId });

const column = z.object({ name: z.string().max(1024), type: z.string().max(64) }).loose();
const streamBody = z.object({
  transport: z.object({ type: z.string().trim().min(1).max(100), description: z.string().max(500).default(''), version: z.coerce.string().default('1') }),
  configuration: z
    .array(z.object({ name: z.string().min(1).max(500), value: z.coerce.string(), type: z.string().max(100).default('string'), category: z.string().max(100).default('METADATA') }))
    .max(1000)
    .default([]),
  account: z.object({ id: numericId }).nullable().optional(),
  updateMethod: upperEnum(['APPEND', 'REPLACE']),
  dataProvider: z.object({ key: z.string().trim().min(1).max(200) }),
  dataSource: z.object({
    name: z.string().trim().min(1).max(1024),
    description: z.string().max(10_000).optional(),
    schema: z.object({ columns: z.array(column).max(1000) }).optional(),
  }),
  schemaDefinition: z.object({ columns: z.array(column).max(1000) }).optional(),
  advancedScheduleJson: z
    .string()
    .max(10_000)
    .refine((s) => {
      try {
        JSON.parse(s);
        return true;
      } catch {
        return false;
      }
    }, 'advancedScheduleJson must be a JSON string')
    .nullable()
    .optional(),
});

/** Both documented bodies start a run: {"runType": "MANUAL"} (Connectors) and {"action": "MANUAL"} (Datasets). */
const runBody = z
  .object({ runType: z.string().trim().min(1).max(50).optional(), action: z.string().trim().min(1).max(50).optional() })
  .optional();

/** Streams (connectors): create/get/update, run, history. */
export function streamsRoutes() {
  const r = new Hono<AppEnv>();
  const base = '/api/data/v1/streams';

  r.post(base, valid('json', streamBody), (c) => c.json(c.var.instance.stores.streams.create(c.req.valid('json'), actorOf(c))));

  r.get(`${base}/:streamId`, valid('param', streamParam), (c) =>
    c.json(c.var.instance.stores.streams.get(c.req.valid('param').streamId, actorOf(c))),
  );

  r.put(`${base}/:streamId`, valid('param', streamParam), valid('json', streamBody), (c) =>
    c.json(c.var.instance.stores.streams.update(c.req.valid('param').streamId, c.req.valid('json'), actorOf(c))),
  );

  r.post(`${base}/:streamId/executions`, valid('param', streamParam), valid('json', runBody, { optional: true }), (c) => {
    const b = c.req.valid('json') ?? {};
    const runType = (b.runType ?? b.action ?? 'MANUAL').toUpperCase();
    return c.json(c.var.instance.stores.streams.run(c.req.valid('param').streamId, runType, actorOf(c)), 201);
  });

  r.get(`${base}/:streamId/history/aggregate`, valid('param', streamParam), (c) =>
    c.json(c.var.instance.stores.streams.history(c.req.valid('param').streamId, actorOf(c))),
  );

  return r;
}
