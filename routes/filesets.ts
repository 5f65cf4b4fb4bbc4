import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { discard, isTextLike, resolveContentType } from '../src/engines/blobs.js';
import { sendBlob } from '../src/http/file-download.js';
import { receiveMultipart, requestBodySource } from '../src/http/file-upload.js';
import type { AppEnv } from '../src/http/env.js';
import { badRequest, unsupportedMediaType } from '../src/http/errors.js';
import { flag } from '../src/http/paging.js';
import { parseClientJson, parseOrThrow, valid } from '../src/http/validate.js';
import { filterOperators, TEXT_INDEX_BYTES } from '../src/state/filesets.js';

const setParam = z.object({ filesetId: z.string().min(1).max(128) });
const fileParam = z.object({ filesetId: z.string().min(1).max(128), fileId: z.string().min(1).max(128) });

const upper = (s: string) => s.toUpperCase();
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const filter = z.object({
  field: z.string().min(1),
  value: z
    .union([z.array(scalar), scalar])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .default([]),
  operator: z.string().transform(upper).pipe(z.enum(filterOperators)).default('EQUALS'),
  not: z.boolean().default(false),
});
const fieldSort = z.object({
  field: z.string().min(1),
  order: z.string().transform(upper).pipe(z.enum(['ASC', 'DESC'])).default('ASC'),
});
const dateFilter = z.object({
  field: z.string().min(1).default('created'),
  start: z.union([z.string(), z.number()]).nullish().transform((v) => v ?? undefined),
  end: z.union([z.string(), z.number()]).nullish().transform((v) => v ?? undefined),
  not: z.boolean().default(false),
});
/** {} (or no body at all) lists everything. */
const searchBody = z
  .object({
    filters: z.array(filter).max(100).optional(),
    fieldSort: z.array(fieldSort).max(10).optional(),
    dateFilters: z.array(dateFilter).max(100).optional(),
  })
  .optional()
  .transform((v) => v ?? {});

const setSearchQuery = z.object({
  limit: z.coerce.number().int().min(0).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
const fileSearchQuery = z.object({
  directoryPath: z.string().max(1024).optional(),
  immediateChildren: flag.default(false),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  next: z.string().max(4096).optional(),
});

const createBody = z.object({
  name: z.string().trim().min(1).max(255),
  description: z.string().max(4000).optional(),
  accountId: z.number().int().nullable().optional(),
  connectorContext: z.object({ connector: z.string().min(1).max(255), relativePath: z.string().max(1024).nullable().optional() }).nullable().optional(),
});
const updateBody = z.object({
  name: z.string().trim().min(1).max(255).optional(),
  description: z.string().max(4000).optional(),
});
const queryBody = z.object({
  query: z.string().trim().min(1).max(10_000),
  directoryPath: z.string().max(1024).nullish().transform((v) => v ?? undefined),
  topK: z.number().int().min(1).max(1000).default(10),
});
const pathQuery = z.object({ path: z.string().max(2048) });
const createFileRequest = z.object({ directoryPath: z.string().max(1024).nullish().transform((v) => v ?? '') });

/** downloadUrl is built from the host the request came to. */
const origin = (c: Context<AppEnv>) => new URL(c.req.url).origin;

/** FileSets API (BETA): /api/files/v1/filesets */
export function filesetsRoutes() {
  const r = new Hono<AppEnv>();
  const base = '/api/files/v1/filesets';

  // literal before /:filesetId
  r.post(`${base}/search`, valid('query', setSearchQuery), valid('json', searchBody, { optional: true }), (c) => {
    const q = c.req.valid('query');
    return c.json(c.var.instance.stores.filesets.search({ ...c.req.valid('json'), ...q }, c.var.principal));
  });

  r.post(base, valid('json', createBody), (c) => c.json(c.var.instance.stores.filesets.create(c.req.valid('json'), c.var.principal)));

  r.get(`${base}/:filesetId`, valid('param', setParam), (c) => c.json(c.var.instance.stores.filesets.get(c.req.valid('param').filesetId, c.var.principal)));

  r.post(`${base}/:filesetId`, valid('param', setParam), valid('json', updateBody), (c) =>
    c.json(c.var.instance.stores.filesets.update(c.req.valid('param').filesetId, c.req.valid('json'), c.var.principal)),
  );

  r.delete(`${base}/:filesetId`, valid('param', setParam), (c) => {
    c.var.instance.stores.filesets.remove(c.req.valid('param').filesetId, c.var.principal);
    return c.json({ status: 'success', message: 'FileSet deleted successfully.' });
  });

  // -- files ------------------------------------------------------------------------------------

  r.post(`${base}/:filesetId/files/search`, valid('param', setParam), valid('query', fileSearchQuery), valid('json', searchBody, { optional: true }), (c) => {
    const q = c.req.valid('query');
    return c.json(c.var.instance.stores.filesets.searchFiles(c.req.valid('param').filesetId, { ...c.req.valid('json'), ...q }, origin(c)));
  });

  /** multipart/form-data: part `file` (with a filename) and part `createFileRequest` (JSON {directoryPath}). */
  r.post(`${base}/:filesetId/files`, valid('param', setParam), async (c) => {
    const { filesetId } = c.req.valid('param');
    const inst = c.var.instance;
    const store = inst.stores.filesets;
    store.assertWritable(filesetId, c.var.principal);
    const type = c.req.header('content-type') ?? '';
    if (!/^multipart\/form-data\s*;/i.test(type)) {
      throw unsupportedMediaType(`Upload a file as multipart/form-data (parts 'file' and 'createFileRequest'), got '${type.split(';')[0] || 'no Content-Type'}'`);
    }
    const form = await receiveMultipart(inst.dataDir, type, requestBodySource(c.req.raw, c.env), {
      limit: c.var.config.maxUploadBytes,
      fileField: 'file',
      textParts: ['createFileRequest'],
      captureBytes: (info) => (isTextLike(resolveContentType(info.contentType, info.fileName), info.fileName) ? TEXT_INDEX_BYTES : 0),
    });
    try {
      if (!form.file) throw badRequest("The multipart body has no part named 'file'", [{ path: 'body.file', message: 'Required' }]);
      let raw: unknown = {};
      if (form.fields.createFileRequest !== undefined && form.fields.createFileRequest.trim() !== '') {
        raw = parseClientJson(form.fields.createFileRequest, 'body.createFileRequest');
      }
      const { directoryPath } = parseOrThrow(createFileRequest, raw, 'body.createFileRequest');
      const upload = Object.assign(form.file, { contentType: resolveContentType(form.file.contentType, form.file.fileName) });
      return c.json(store.addFile(filesetId, { directoryPath, upload }, c.var.principal, origin(c)));
    } finally {
      discard(form.file);
    }
  });

  r.get(`${base}/:filesetId/files/:fileId`, valid('param', fileParam), (c) => {
    const { filesetId, fileId } = c.req.valid('param');
    return c.json(c.var.instance.stores.filesets.getFile(filesetId, fileId, origin(c)));
  });

  r.get(`${base}/:filesetId/files/:fileId/download`, valid('param', fileParam), async (c) => {
    const { filesetId, fileId } = c.req.valid('param');
    return sendBlob(c, c.var.instance.dataDir, c.var.instance.stores.filesets.download(filesetId, fileId));
  });

  r.delete(`${base}/:filesetId/files/:fileId`, valid('param', fileParam), (c) => {
    const { filesetId, fileId } = c.req.valid('param');
    c.var.instance.stores.filesets.deleteFile(filesetId, fileId, c.var.principal);
    return c.json({ status: 'success', message: 'File deleted successfully.' });
  });

  r.get(`${base}/:filesetId/path`, valid('param', setParam), valid('query', pathQuery), (c) =>
    c.json(c.var.instance.stores.filesets.getFileByPath(c.req.valid('param').filesetId, c.req.valid('query').path, origin(c))),
  );

  r.delete(`${base}/:filesetId/path`, valid('param', setParam), valid('query', pathQuery), (c) => {
    const n = c.var.instance.stores.filesets.deleteByPath(c.req.valid('param').filesetId, c.req.valid('query').path, c.var.principal);
    return c.json({ status: 'success', message: n === 1 ? 'File deleted successfully.' : `${n} files deleted successfully.` });
  });

  r.post(`${base}/:filesetId/query`, valid('param', setParam), valid('json', queryBody), (c) =>
    c.json(c.var.instance.stores.filesets.query(c.req.valid('param').filesetId, c.req.valid('json'))),
  );

  return r;
}
