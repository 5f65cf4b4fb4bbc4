import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../src/http/env.js';
import { badRequest } from '../../src/http/errors.js';
import { numericId, flag } from '../../src/http/paging.js';
import { valid } from '../../src/http/validate.js';
import { actorOf, datasetId, datasetParam, partitionTag } from './common.js';

const partitionParams = z.object({ datasetId, partitionId: partitionTag });
const indexParams = z.object({ datasetId, indexId: numericId });

const deleteVersionsBody = z.union([
  z.array(numericId).min(1).max(10_000),
  z.object({ dataVersionIds: z.array(numericId).min(1).max(10_000) }).transform((b) => b.dataVersionIds),
]);

const searchBody = z
  .object({
    paginationFields: z
      .array(
        z.object({
          fieldName: z.string().min(1).max(100),
          sortOrder: z.string().trim().toUpperCase().pipe(z.enum(['ASC', 'DESC'])).optional(),
          filterValues: z.object({ MIN: z.unknown().optional(), MAX: z.unknown().optional() }).optional(),
        }),
      )
      .max(10)
      .optional(),
    limit: z.number().int().min(0).max(10_000).default(100),
    offset: z.number().int().min(0).default(0),
  })
  .optional();

const hydrateQuery = z.object({
  engine: z.string().max(50).optional(),
  limit: z.coerce.number().int().min(0).max(10_000).default(500),
  offset: z.coerce.number().int().min(0).default(0),
});
const hydrateBody = z.object({
  id: z.string().max(200).optional(),
  type: z.string().max(100).optional(),
  dataSourceId: datasetId,
  versionWindow: z.object({ type: z.string().max(50), expression: z.string().max(1000).optional() }).optional(),
});

/** Index request bodies: {dataIds: [...]}, a bare list of data version ids, or a list of column names (all versions). */
const indexBody = z
  .union([
    z.object({ dataIds: z.array(numericId).max(10_000).optional() }).transform((b) => b.dataIds),
    z.array(numericId).max(10_000),
    z.array(z.string()).transform(() => undefined),
  ])
  .optional();

/** Data versions, partitions and indexing. */
export function datasetVersionRoutes() {
  const r = new Hono<AppEnv>();

  // data versions
  r.get('/api/data/v3/datasources/:datasetId/dataversions/details', valid('param', datasetParam), (c) =>
    c.json(c.var.instance.stores.datasets.versionDetails(c.req.valid('param').datasetId, actorOf(c))),
  );

  r.get('/api/data/v2/datasources/:datasetId/dataversions', valid('param', datasetParam), (c) =>
    c.json(c.var.instance.stores.datasets.listVersions(c.req.valid('param').datasetId, actorOf(c))),
  );

  r.delete(
    '/api/data/v2/datasources/:datasetId/dataversions',
    valid('param', datasetParam),
    valid('query', z.object({ index: flag.optional() })),
    valid('json', deleteVersionsBody),
    (c) => {
      c.var.instance.stores.datasets.deleteVersions(c.req.valid('param').datasetId, c.req.valid('json'), actorOf(c));
      return c.body(null, 200);
    },
  );

  r.post('/api/dataprocessing/v2/dataflows/data-version-hydrate', valid('query', hydrateQuery), valid('json', hydrateBody), (c) => {
    const b = c.req.valid('json');
    const expr = (b.versionWindow?.expression ?? '1=1').replace(/\s+/g, '');
    if (expr !== '1=1') {
      throw badRequest(`versionWindow.expression '${b.versionWindow?.expression}' is not supported; the emulator lists every version ("1=1")`, [
        { path: 'body.versionWindow.expression', message: 'Only 1=1 is supported' },
      ]);
    }
    return c.json(c.var.instance.stores.datasets.hydrate(b.dataSourceId, c.req.valid('query'), actorOf(c)));
  });

  // partitions (literal /partition/list before /partition/:partitionId is not needed: different methods)
  r.get('/api/query/v1/datasources/:datasetId/partition', valid('param', datasetParam), (c) =>
    c.json(c.var.instance.stores.datasets.listPartitions(c.req.valid('param').datasetId, actorOf(c))),
  );

  r.post('/api/query/v1/datasources/:datasetId/partition/list', valid('param', datasetParam), valid('json', searchBody, { optional: true }), (c) =>
    c.json(
      c.var.instance.stores.datasets.searchPartitions(
        c.req.valid('param').datasetId,
        c.req.valid('json') ?? { limit: 100, offset: 0 },
        actorOf(c),
      ),
    ),
  );

  r.delete('/api/query/v1/datasources/:datasetId/tag/:partitionId/data', valid('param', partitionParams), (c) => {
    const p = c.req.valid('param');
    return c.json(c.var.instance.stores.datasets.deletePartitionData(p.datasetId, p.partitionId, actorOf(c)));
  });

  r.delete('/api/query/v1/datasources/:datasetId/partition/:partitionId', valid('param', partitionParams), (c) => {
    const p = c.req.valid('param');
    return c.json(c.var.instance.stores.datasets.deletePartitionTag(p.datasetId, p.partitionId, actorOf(c)));
  });

  // indexing
  r.post('/api/data/v3/datasources/:datasetId/indexes', valid('param', datasetParam), valid('json', indexBody, { optional: true }), (c) => {
    const ids = c.req.valid('json');
    return c.json(c.var.instance.stores.datasets.requestIndex(c.req.valid('param').datasetId, ids && ids.length ? ids : undefined, actorOf(c)));
  });

  r.post('/api/query/v1/datasources/:datasetId', valid('param', datasetParam), (c) =>
    c.json(c.var.instance.stores.datasets.requestIndex(c.req.valid('param').datasetId, undefined, actorOf(c))),
  );

  r.get('/api/data/v3/datasources/:datasetId/indexes/:indexId/statuses', valid('param', indexParams), (c) => {
    const p = c.req.valid('param');
    return c.json(c.var.instance.stores.datasets.indexStatus(p.datasetId, p.indexId, actorOf(c)));
  });

  return r;
}
