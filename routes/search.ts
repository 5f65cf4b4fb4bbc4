import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../src/http/env.js';
import { valid } from '../src/http/validate.js';

const num = z.union([z.number(), z.string()]);
const filter = z.discriminatedUnion('filterType', [
  z.object({ filterType: z.literal('term'), field: z.string(), value: z.unknown().optional(), values: z.array(z.unknown()).optional(), not: z.boolean().optional() }),
  z.object({ filterType: z.literal('wildcard'), field: z.string(), query: z.string() }),
  z.object({ filterType: z.literal('queryString'), field: z.string(), queryString: z.string() }),
  z.object({ filterType: z.literal('dateBucket'), field: z.string(), value: z.enum(['LAST_DAY', 'LAST_WEEK', 'LAST_MONTH', 'LAST_QUARTER']) }),
  z.object({ filterType: z.literal('dateRange'), field: z.string(), from: num.optional(), to: num.optional(), not: z.boolean().optional() }),
  z.object({ filterType: z.literal('numeric'), field: z.string(), longNumber: z.number().optional(), floatNumber: z.number().optional(), operator: z.enum(['LT', 'LTE', 'EQ', 'GT', 'GTE']), not: z.boolean().optional() }),
  z.object({ filterType: z.literal('range'), field: z.string(), from: num.optional(), to: num.optional() }),
  z.object({ filterType: z.literal('boolean'), field: z.string(), value: z.boolean() }),
  z.object({ filterType: z.literal('missing'), field: z.string(), not: z.boolean().optional() }),
]);
const body = z.object({
  count: z.number().int().min(0).max(10_000).default(10),
  offset: z.number().int().min(0).max(10_000).default(0),
  query: z.string(),
  filters: z.array(filter).default([]),
  orFilters: z.array(filter).default([]),
  notFilters: z.array(filter).default([]),
  sort: z.object({ fieldSorts: z.array(z.object({ field: z.string(), sortOrder: z.enum(['ASC', 'DESC']).default('ASC') })).nullish(), isRelevance: z.boolean().optional() }).loose().optional(),
  facetValuesToInclude: z.array(z.string()).default([]),
  facetValueLimit: z.number().int().min(0).default(0),
  facetValueOffset: z.number().int().min(0).default(0),
  includePhonetic: z.boolean().optional(),
  entityList: z.array(z.array(z.string().min(1)).min(1)).min(1).optional(),
  /** the form public clients send: `entities: ["DATASET", ...]` (each its own list) */
  entities: z.array(z.string().min(1)).min(1).optional(),
  fieldsToReturn: z.array(z.string()).optional(),
  combineResults: z.boolean().optional(),
  queryProfile: z.string().optional(),
}).transform((b, ctx) => {
  const { entities, ...rest } = b;
  const entityList = b.entityList ?? entities?.map((e) => [e]);
  if (!entityList) {
    ctx.addIssue({ code: 'custom', path: ['entityList'], message: 'Required: send entityList ([["dataset"]]) or entities (["DATASET"])' });
    return z.NEVER;
  }
  return { ...rest, entityList };
});

/** Search Product API. */
export function searchRoutes() {
  const r = new Hono<AppEnv>();
  r.post('/api/search/v1/query', valid('json', body), (c) => c.json(c.var.instance.stores.search.query(c.req.valid('json'), c.var.principal)));
  return r;
}
