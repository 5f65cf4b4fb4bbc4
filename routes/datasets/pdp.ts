import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../src/http/env.js';
import { csvList, numericId, flag } from '../../src/http/paging.js';
import { valid } from '../../src/http/validate.js';
import { actorOf, datasetId, upperEnum } from './common.js';

const operators = ['EQUALS', 'NOT_EQUALS', 'GREATER_THAN', 'LESS_THAN', 'GREATER_THAN_EQUAL', 'LESS_THAN_EQUAL', 'BETWEEN', 'CONTAINS', 'NOT_CONTAINS'] as const;
const parameter = z.object({
  type: upperEnum(['COLUMN', 'DYNAMIC'] as const).default('COLUMN'),
  name: z.string().trim().min(1).max(255),
  values: z.array(z.union([z.string(), z.number(), z.boolean()]).transform(String)).max(10_000),
  operator: upperEnum(operators).default('EQUALS'),
  ignoreCase: z.boolean().default(false),
});
const policyFields = {
  name: z.string().trim().min(1).max(255),
  userIds: z.array(numericId).max(100_000).optional(),
  virtualUserIds: z.array(z.string().max(255)).max(100_000).optional(),
  groupIds: z.array(numericId).max(100_000).optional(),
  dataSourcePermissions: z.boolean().optional(),
  parameters: z.array(parameter).max(100).optional(),
};
const policyBody = z.object(policyFields);
const policyPatch = z.object(policyFields).partial();
const listQuery = z.object({ options: csvList.transform((l) => l.map((o) => o.toLowerCase())).optional() });
const stateBody = z.object({ enabled: flag, external: flag.optional() });
const dsParam = z.object({ datasetId });
const policyParam = z.object({ datasetId, filterGroupId: numericId });

/**
 * Row-level PDP, at the routes Domo's own clients use: /api/query/v1/data-control/{datasetId}
 * (on/off) and .../filter-groups (the policies).
 */
export function datasetPdpRoutes() {
  const r = new Hono<AppEnv>();
  const base = '/api/query/v1/data-control/:datasetId';

  r.get(base, valid('param', dsParam), (c) => c.json(c.var.instance.stores.pdp.state(c.req.valid('param').datasetId, actorOf(c))));

  r.put(base, valid('param', dsParam), valid('json', stateBody), (c) =>
    c.json(c.var.instance.stores.pdp.setState(c.req.valid('param').datasetId, actorOf(c), c.req.valid('json'))),
  );

  r.get(`${base}/filter-groups`, valid('param', dsParam), valid('query', listQuery), (c) => {
    const o = new Set(c.req.valid('query').options ?? []);
    const opts = { associations: o.has('load_associations'), filters: o.has('load_filters'), openPolicy: o.has('include_open_policy') };
    return c.json(c.var.instance.stores.pdp.list(c.req.valid('param').datasetId, actorOf(c), opts));
  });

  r.post(`${base}/filter-groups`, valid('param', dsParam), valid('json', policyBody), (c) =>
    c.json(c.var.instance.stores.pdp.create(c.req.valid('param').datasetId, actorOf(c), c.req.valid('json'))),
  );

  r.put(`${base}/filter-groups/:filterGroupId`, valid('param', policyParam), valid('json', policyPatch), (c) => {
    const { datasetId: id, filterGroupId } = c.req.valid('param');
    return c.json(c.var.instance.stores.pdp.update(id, filterGroupId, actorOf(c), c.req.valid('json')));
  });

  r.delete(`${base}/filter-groups/:filterGroupId`, valid('param', policyParam), (c) => {
    const { datasetId: id, filterGroupId } = c.req.valid('param');
    c.var.instance.stores.pdp.delete(id, filterGroupId, actorOf(c));
    return c.body(null, 204);
  });

  return r;
}
