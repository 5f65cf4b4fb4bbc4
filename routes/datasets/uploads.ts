import { Hono } from 'hono';
import { z } from 'zod';
import { parseCsvStream } from '../../src/engines/csv.js';
import type { AppEnv } from '../../src/http/env.js';
import { badRequest, unsupportedMediaType } from '../../src/http/errors.js';
import { numericId, flag } from '../../src/http/paging.js';
import { valid } from '../../src/http/validate.js';
import { actorOf, datasetId, datasetParam, partitionTag, upperEnum } from './common.js';

const action = upperEnum(['APPEND', 'REPLACE']);
const uploadParams = z.object({ datasetId, uploadId: numericId });
const partParams = uploadParams.extend({ part: z.coerce.number().int().min(0).max(1_000_000) });
const tagQuery = z.object({ restateDataTag: partitionTag.optional() });

const startBody = z
  .object({
    action: action.nullable().optional(),
    appendId: z.string().max(200).nullable().optional(),
    message: z.string().max(10_000).nullable().optional(),
    restateDataTag: partitionTag.nullable().optional(),
    dataTag: partitionTag.nullable().optional(),
  })
  .optional();

const commitBody = z
  .object({
    action: action.nullable().optional(),
    index: flag.optional(),
    restateDataTag: partitionTag.nullable().optional(),
    dataTag: partitionTag.nullable().optional(),
    appendId: z.string().max(200).nullable().optional(),
    message: z.string().max(10_000).nullable().optional(),
  })
  .optional();

/** CSV parts may come as text/csv (the reference), text/plain, application/octet-stream or with no type. */
const csvTypes = new Set(['', 'text/csv', 'application/csv', 'text/plain', 'application/octet-stream', 'text/x-csv']);

/** The three-stage upload: start, parts (streamed), commit. */
export function datasetUploadRoutes() {
  const r = new Hono<AppEnv>();
  const base = '/api/data/v3/datasources/:datasetId/uploads';

  const startQuery = tagQuery.extend({ values: z.string().max(1_000_000).optional(), delimiter: z.string().length(1).default(',') });
  r.post(base, valid('param', datasetParam), valid('query', startQuery), valid('json', startBody, { optional: true }), (c) => {
    const b = c.req.valid('json') ?? {};
    const q = c.req.valid('query');
    // "Append row to Dataset": ?values=a,b,c appends that row at once
    if (q.values !== undefined) return c.json(c.var.instance.stores.datasets.appendValues(c.req.valid('param').datasetId, q.values, q.delimiter, actorOf(c)));
    const tag = c.req.valid('query').restateDataTag ?? b.restateDataTag ?? b.dataTag ?? null;
    return c.json(
      c.var.instance.stores.datasets.startUpload(
        c.req.valid('param').datasetId,
        { tag, action: b.action ?? null, appendId: b.appendId ?? null, message: b.message ?? null },
        actorOf(c),
      ),
    );
  });

  r.put(`${base}/:uploadId/parts/:part`, valid('param', partParams), async (c) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (!csvTypes.has(type)) throw unsupportedMediaType(`Expected a CSV body (Content-Type: text/csv), got '${type}'`);
    const encoding = (c.req.header('content-encoding') ?? '').trim().toLowerCase();
    if (encoding && encoding !== 'gzip' && encoding !== 'identity') throw unsupportedMediaType(`Unsupported Content-Encoding '${encoding}' (use gzip or none)`);
    const { datasetId: id, uploadId, part } = c.req.valid('param');
    const store = c.var.instance.stores.datasets;
    const h = store.beginPart(id, uploadId, part, actorOf(c));
    try {
      const stats = await parseCsvStream(c.req.raw.body, {
        columns: h.columns,
        label: `part ${part}`,
        maxBytes: c.var.config.maxUploadBytes,
        maxLineLength: c.var.config.maxLineLength,
        gzip: encoding === 'gzip',
        onBatch: (rows) => h.insertMany(rows),
      });
      return c.json(store.finishPart(h, stats));
    } catch (e) {
      store.abortPart(h);
      throw e;
    }
  });

  r.put(`${base}/:uploadId/commit`, valid('param', uploadParams), valid('query', tagQuery.extend({ index: flag.optional() })), valid('json', commitBody, { optional: true }), (c) => {
    const b = c.req.valid('json') ?? {};
    const q = c.req.valid('query');
    const { datasetId: id, uploadId } = c.req.valid('param');
    const tags = [q.restateDataTag, b.restateDataTag, b.dataTag].filter((t): t is string => !!t);
    if (new Set(tags).size > 1) {
      throw badRequest(`Conflicting partition tags: ${[...new Set(tags)].map((t) => `'${t}'`).join(', ')}`, [{ path: 'body.dataTag', message: 'Conflicting tags' }]);
    }
    return c.json(
      c.var.instance.stores.datasets.commitUpload(
        id,
        uploadId,
        { action: b.action ?? undefined, index: b.index ?? q.index ?? true, tag: tags[0] ?? null },
        actorOf(c),
      ),
    );
  });

  return r;
}
