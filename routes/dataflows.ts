import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../src/http/env.js';
import { numericId, pagingQuery, flag } from '../src/http/paging.js';
import { valid } from '../src/http/validate.js';
import { actorOf, upperEnum } from './datasets/common.js';

/**
 * DataFlows (SQL DataFlows, Magic ETL's SQL sibling): routes Domo's own clients use under
 * /api/dataprocessing/v1, not in the reference's catalog. docs/dataflows.md has the shapes.
 */
const dataflowParam = z.object({ dataflowId: numericId });
const executionParam = z.object({ dataflowId: numericId, executionId: numericId });

const id = z.string().trim().min(1).max(100);
const input = z
  .object({
    dataSourceId: id,
    dataSourceName: z.string().max(1024).optional(),
    executeFlowWhenUpdated: flag.optional(),
    onlyLoadNewVersions: flag.optional(),
    recentVersionCutoffMs: z.number().int().min(0).optional(),
  })
  .loose();
const output = z
  .object({
    dataSourceId: id.nullable().optional(),
    dataSourceName: z.string().trim().max(1024).optional(),
    versionChainType: upperEnum(['REPLACE', 'APPEND']).optional(),
  })
  .loose();
const action = z
  .object({
    type: z.string().trim().min(1).max(100),
    id: z.string().max(200).optional(),
    name: z.string().max(1024).optional(),
    tableName: z.string().max(1024).optional(),
    selectStatement: z.string().max(200_000).optional(),
    dependsOn: z.array(z.string().max(200)).max(500).optional(),
  })
  .loose();
const body = z
  .object({
    name: z.string().trim().min(1).max(1024),
    description: z.string().max(10_000).optional(),
    databaseType: z.string().trim().max(50).optional(),
    responsibleUserId: numericId.optional(),
    runState: upperEnum(['ENABLED', 'DISABLED']).optional(),
    enabled: z.boolean().optional(),
    inputs: z.array(input).max(100),
    outputs: z.array(output).max(100).optional(),
    actions: z.array(action).max(500).default([]),
  })
  .loose();

export function dataflowsRoutes() {
  const r = new Hono<AppEnv>();
  const base = '/api/dataprocessing/v1/dataflows';
  const store = (c: { var: AppEnv['Variables'] }) => c.var.instance.stores.dataflows;

  r.get(base, valid('query', pagingQuery(500, 10_000)), (c) => c.json(store(c).list(actorOf(c), c.req.valid('query'))));
  r.post(base, valid('json', body), (c) => c.json(store(c).create(c.req.valid('json'), actorOf(c))));

  r.get(`${base}/:dataflowId`, valid('param', dataflowParam), (c) => c.json(store(c).get(c.req.valid('param').dataflowId, actorOf(c))));
  r.put(`${base}/:dataflowId`, valid('param', dataflowParam), valid('json', body), (c) =>
    c.json(store(c).update(c.req.valid('param').dataflowId, c.req.valid('json'), actorOf(c))),
  );
  r.delete(`${base}/:dataflowId`, valid('param', dataflowParam), (c) => {
    store(c).delete(c.req.valid('param').dataflowId, actorOf(c));
    return c.body(null, 204);
  });

  r.post(`${base}/:dataflowId/executions`, valid('param', dataflowParam), (c) => c.json(store(c).run(c.req.valid('param').dataflowId, actorOf(c))));
  r.get(`${base}/:dataflowId/executions`, valid('param', dataflowParam), valid('query', pagingQuery(100, 1000)), (c) =>
    c.json(store(c).executions(c.req.valid('param').dataflowId, actorOf(c), c.req.valid('query'))),
  );
  r.get(`${base}/:dataflowId/executions/:executionId`, valid('param', executionParam), (c) => {
    const p = c.req.valid('param');
    return c.json(store(c).execution(p.dataflowId, p.executionId, actorOf(c)));
  });

  return r;
}
