import { Hono } from 'hono';
import { flag } from '../src/http/paging.js';
import { z } from 'zod';
import type { AppEnv } from '../src/http/env.js';
import { valid } from '../src/http/validate.js';
import { actorOf, datasetParam } from './datasets/common.js';

const columnRef = z.union([
  z.string().min(1),
  z.object({ column: z.string().min(1), exprType: z.string().optional() }).transform((c) => c.column),
]);
const orderRef = z.union([
  z.string().min(1).transform((column) => ({ column, desc: false })),
  z
    .object({ column: z.string().min(1), order: z.string().optional(), sortOrder: z.string().optional(), exprType: z.string().optional() })
    .transform((o) => ({ column: o.column, desc: (o.order ?? o.sortOrder ?? 'ASC').toUpperCase() === 'DESC' })),
]);

const exportBody = z.object({
  awsAccessKey: z.string().trim().min(1).max(1000),
  awsAccessSecret: z.string().trim().min(1).max(1000),
  awsSessionToken: z.string().max(10_000).optional(),
  sessionToken: z.string().max(10_000).optional(),
  bucket: z.string().trim().min(1).max(63),
  path: z.string().max(1024),
  region: z.string().trim().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected an AWS region such as us-east-1'),
  queryRequest: z
    .object({
      includeBOM: flag.optional(),
      useCache: flag.optional(),
      query: z
        .object({
          columns: z.array(columnRef).max(1000).optional(),
          groupByColumns: z.array(columnRef).max(1000).optional(),
          orderByColumns: z.array(orderRef).max(1000).optional(),
        })
        .optional(),
    })
    .optional(),
});

/** Export to S3: /api/query/v1/export/:datasetId (files land under the instance data directory). */
export function exportsRoutes() {
  const r = new Hono<AppEnv>();
  const base = '/api/query/v1/export/:datasetId';

  r.post(base, valid('param', datasetParam), valid('json', exportBody), async (c) => {
    const b = c.req.valid('json');
    const q = b.queryRequest?.query;
    const res = await c.var.instance.stores.exports.create(
      c.req.valid('param').datasetId,
      {
        bucket: b.bucket,
        path: b.path,
        region: b.region,
        includeBOM: b.queryRequest?.includeBOM ?? false,
        columns: q?.columns,
        groupBy: q?.groupByColumns,
        orderBy: q?.orderByColumns,
      },
      actorOf(c),
    );
    return c.json(res.export);
  });

  r.get(base, valid('param', datasetParam), (c) => c.json(c.var.instance.stores.exports.list(c.req.valid('param').datasetId, actorOf(c))));

  return r;
}
