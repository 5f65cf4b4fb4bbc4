import { closeSync, createReadStream, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { csvLine } from '../../src/engines/csv.js';
import { compileDomoSql, iterateQuery, registerSqlFunctions, runQuery } from '../../src/engines/sql/index.js';
import type { AppEnv } from '../../src/http/env.js';
import { ApiError, badRequest } from '../../src/http/errors.js';
import { queryBool } from '../../src/http/paging.js';
import { parseOrThrow, readJsonBody, readTextBody, valid } from '../../src/http/validate.js';
import { actorOf, datasetParam } from './common.js';

const sqlBody = z.object({ sql: z.string().min(1, 'sql must not be empty').max(1_000_000) });
const execQuery = z.object({
  /** rows (default): {datasource, columns, metadata, rows, ...}; objects: an array of row objects; csv: text/csv. */
  format: z.enum(['rows', 'objects', 'array', 'csv']).optional(),
  includeHeader: queryBool.optional(),
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

/** SQLite's own errors (no such column, misuse of aggregate...) are the client's mistake: 400 with SQLite's message. */
function sqliteToApi(e: unknown): unknown {
  if (e instanceof ApiError) return e;
  const code = (e as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return badRequest(`SQL error: ${(e as Error).message}`, [{ path: 'body.sql', message: (e as Error).message }]);
  return e;
}

const SPILL_BYTES = 8 * 1024 * 1024;

/**
 * CSV of a result: rows are read synchronously from SQLite (no statement stays open across requests)
 * into memory up to a few MB, then into a temporary file under the instance data directory that is
 * streamed out and removed.
 */
function csvResponse(c: Context<AppEnv>, columns: string[], rows: Iterable<unknown[]>, header: boolean): Response {
  const chunks: string[] = [];
  let size = 0;
  let fd: number | null = null;
  let file = '';
  const flush = () => {
    if (fd === null) {
      const dir = join(c.var.instance.dataDir, 'tmp');
      mkdirSync(dir, { recursive: true });
      file = join(dir, `query-${c.var.requestId}.csv`);
      fd = openSync(file, 'w');
    }
    writeSync(fd, chunks.join(''));
    chunks.length = 0;
    size = 0;
  };
  try {
    if (header) chunks.push(csvLine(columns));
    for (const row of rows) {
      const line = csvLine(row);
      chunks.push(line);
      size += line.length;
      if (size > SPILL_BYTES) flush();
    }
    if (fd !== null) {
      flush();
      closeSync(fd);
      fd = null;
    }
  } catch (e) {
    if (fd !== null) closeSync(fd);
    if (file) rmSync(file, { force: true });
    throw e;
  }
  const headers = { 'Content-Type': 'text/csv; charset=utf-8' };
  if (!file) return c.body(chunks.join(''), 200, headers);
  const stream = createReadStream(file);
  stream.on('close', () => rmSync(file, { force: true }));
  return new Response(Readable.toWeb(stream) as ReadableStream, { status: 200, headers });
}

/** Domo SQL on a dataset: POST /api/query/v1/execute/:id and /api/query/v1/execute/export/:id. */
export function datasetQueryRoutes() {
  const r = new Hono<AppEnv>();

  const handler = async (c: Context<AppEnv>, id: string, q: z.output<typeof execQuery>) => {
    const text = await readSql(c);
    const inst = c.var.instance;
    const store = inst.stores.datasets;
    store.ensureSqlFunctions(registerSqlFunctions);
    const target = store.queryTarget(id, actorOf(c));
    const compiled = compileDomoSql(text, { table: target.table, columns: target.columns });
    const wantCsv = q.format === 'csv' || (c.req.header('accept') ?? '').toLowerCase().includes('text/csv');
    try {
      if (wantCsv) {
        const res = iterateQuery(inst.sqlite, compiled);
        return csvResponse(c, res.columns, res.rows, q.includeHeader ?? true);
      }
      const res = runQuery(inst.sqlite, compiled);
      if (q.format === 'objects' || q.format === 'array') {
        return c.json(res.rows.map((row) => Object.fromEntries(res.columns.map((name, i) => [name, row[i]]))));
      }
      const metadata = res.types.map((type, i) => {
        let max = -1;
        let min = -1;
        if (type === 'STRING') {
          for (const row of res.rows) {
            const v = row[i];
            if (typeof v !== 'string') continue;
            max = Math.max(max, v.length);
            min = min < 0 ? v.length : Math.min(min, v.length);
          }
        }
        return { type, dataSourceId: target.dataset.id, maxLength: max, minLength: min, periodIndex: 0, aggregated: false };
      });
      return c.json({
        datasource: target.dataset.id,
        columns: res.columns,
        metadata,
        rows: res.rows,
        numRows: res.rows.length,
        numColumns: res.columns.length,
        fromcache: false,
      });
    } catch (e) {
      throw sqliteToApi(e);
    }
  };

  r.post('/api/query/v1/execute/export/:datasetId', valid('param', datasetParam), valid('query', execQuery), (c) =>
    handler(c, c.req.valid('param').datasetId, c.req.valid('query')),
  );
  r.post('/api/query/v1/execute/:datasetId', valid('param', datasetParam), valid('query', execQuery), (c) =>
    handler(c, c.req.valid('param').datasetId, c.req.valid('query')),
  );

  return r;
}
