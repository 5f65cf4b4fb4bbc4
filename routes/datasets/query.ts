import { Readable } from 'node:stream';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../src/http/env.js';
import { badRequest } from '../../src/http/errors.js';
import { flag } from '../../src/http/paging.js';
import { parseOrThrow, readJsonBody, readTextBody, valid } from '../../src/http/validate.js';
import { actorOf, datasetParam } from './common.js';

const sqlBody = z.object({ sql: z.string().min(1, 'sql must not be empty').max(1_000_000) });
const execQuery = z.object({
  /** rows (default): {datasource, columns, metadata, rows, ...}; objects: an array of row objects; csv: text/csv. */
  format: z.enum(['rows', 'objects', 'array', 'csv']).optional(),
  includeHeader: flag.optional(),
});

/** SQL from a JSON body {"sql": "..."} or, with Content-Type text/plain (or application/sql), the body itself. */
async function readSql(c: Context<AppEnv>): Promise<string> {
  const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'text/plain' || type === 'application/sql') {
    const text = await readTextBody(c.req.raw, c.var.config.maxBodyBytes);
    if (!text.trim()) throw badRequest('The SQL query is empty', [{ path: 'body', message: 'Required' }]);
    return text;
  }
  return parseOrThrow(sqlBody, await readJsonBody(c), 'body').sql;
}

/**
 * Domo SQL on a dataset: POST /api/query/v1/execute/:id and /api/query/v1/execute/export/:id. The row service
 * compiles the SQL and runs it in a query worker (--query-timeout, --max-result-bytes); CSV comes from the
 * worker as text or, when large, as a spill file streamed out and removed.
 */
export function datasetQueryRoutes() {
  const r = new Hono<AppEnv>();

  const handler = async (c: Context<AppEnv>, id: string, q: z.output<typeof execQuery>, exporting = false) => {
    const text = await readSql(c);
    const rows = c.var.instance.stores.rows;
    const src = rows.source(id, actorOf(c), { export: exporting });
    const compiled = rows.sql(src, text);
    const wantCsv = q.format === 'csv' || (c.req.header('accept') ?? '').toLowerCase().includes('text/csv');
    if (wantCsv) {
      const body = rows.csvStream(await rows.csv(compiled, { header: q.includeHeader ?? true }));
      const headers = { 'Content-Type': 'text/csv; charset=utf-8' };
      if (typeof body === 'string') return c.body(body, 200, headers);
      return new Response(Readable.toWeb(body) as ReadableStream, { status: 200, headers });
    }
    const res = await rows.rows(compiled);
    if (q.format === 'objects' || q.format === 'array') return c.json(rows.objects(res));
    return c.json(rows.domoJson(src, res));
  };

  r.post('/api/query/v1/execute/export/:datasetId', valid('param', datasetParam), valid('query', execQuery), (c) =>
    handler(c, c.req.valid('param').datasetId, c.req.valid('query'), true),
  );
  r.post('/api/query/v1/execute/:datasetId', valid('param', datasetParam), valid('query', execQuery), (c) =>
    handler(c, c.req.valid('param').datasetId, c.req.valid('query')),
  );

  return r;
}
