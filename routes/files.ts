import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { discard, resolveContentType } from '../src/engines/blobs.js';
import { sendBlob } from '../src/http/file-download.js';
import { receiveFile } from '../src/http/file-upload.js';
import type { AppEnv } from '../src/http/env.js';
import { csvList, numericId, flag } from '../src/http/paging.js';
import { valid } from '../src/http/validate.js';
import { grantPattern, type Expand, type UploadedBytes } from '../src/state/files.js';

const fileParam = z.object({ dataFileId: numericId });
const revisionParam = z.object({ dataFileId: numericId, revisionId: numericId });
/** A revision's details: its id, or -1 for the current revision. */
const revisionDetailsParam = z.object({ dataFileId: numericId, revisionId: z.union([z.literal('-1').transform(() => -1), numericId]) });
const copyParam = z.object({ sourceDataFileId: numericId, targetDataFileId: numericId });

/** expand=revisions,metadata (comma-joined or repeated, any case). */
const expandList = csvList.pipe(z.array(z.string().transform((s) => s.toLowerCase()).pipe(z.enum(['revisions', 'metadata']))));
const expandQuery = z.object({ expand: expandList.optional() });

const uploadQuery = z.object({
  name: z.string().trim().min(1, 'name is required').max(255),
  description: z.string().max(4000).optional(),
  /** The reference's text: public defaults to true (its code example says false). */
  public: flag.optional(),
});

const listQuery = z.object({
  userId: numericId.optional(),
  expand: expandList.optional(),
  dataFileIds: csvList.pipe(z.array(z.string().regex(/^\d+$/, 'expected numeric file ids').transform(Number))).optional(),
});

/** The Endpoint line says `filename`, the code and table `fileName`: both are read. */
const downloadQuery = z.object({ fileName: z.string().max(255).optional(), filename: z.string().max(255).optional() });

const permissionEntry = z.object({
  entityType: z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(['USER', 'GROUP'])),
  entityId: z.union([z.number().int().positive(), z.string().regex(/^\d+$/, 'expected a numeric user or group id')]).transform(String),
  grant: z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(z.string().regex(grantPattern, 'expected READ, WRITE, DELETE, SHARE, ADMIN joined by _ (e.g. READ_WRITE_DELETE_SHARE_ADMIN)')),
  pass: z.string().min(1).max(64).default('NONE'),
});
const permissionsBody = z.object({ publicAccess: z.boolean().optional(), entries: z.array(permissionEntry).max(1000).optional() });

/** Streams the request body (raw or multipart) to a staged blob; the store commits or the caller discards it. */
async function receiveUpload(c: Context<AppEnv>, nameForType: string | null): Promise<UploadedBytes> {
  const inst = c.var.instance;
  const startedAt = inst.clock.nowMs();
  const f = await receiveFile(inst.dataDir, c.req.raw, c.env, { limit: c.var.config.maxUploadBytes });
  // only the last segment of a multipart file name is kept (it names downloads, nothing on disk)
  const fileName = f.fileName?.split(/[\\/]/).pop() || null;
  return Object.assign(f, { fileName, contentType: resolveContentType(f.contentType, fileName ?? nameForType), startedAt });
}

const expandOf = (q: { expand?: Expand[] }) => q.expand ?? [];

/** Files API: /api/data/v1/data-files (and the permissions GET at /domo/data-files/v1). */
export function filesRoutes() {
  const r = new Hono<AppEnv>();
  const base = '/api/data/v1/data-files';

  // -- literal paths before /:dataFileId ---------------------------------------------------------

  r.get(`${base}/details`, valid('query', listQuery), (c) => {
    const q = c.req.valid('query');
    return c.json(c.var.instance.stores.files.list({ userId: q.userId, dataFileIds: q.dataFileIds, expand: q.expand ?? [] }, c.var.principal));
  });

  r.post(`${base}/copy/:sourceDataFileId/revisions/current/:targetDataFileId`, valid('param', copyParam), (c) => {
    const { sourceDataFileId, targetDataFileId } = c.req.valid('param');
    return c.json({ revisionId: c.var.instance.stores.files.copy(sourceDataFileId, targetDataFileId, c.var.principal) });
  });

  // -- upload -----------------------------------------------------------------------------------

  r.post(base, valid('query', uploadQuery), async (c) => {
    const q = c.req.valid('query');
    c.var.instance.stores.files.assertCanCreate(c.var.principal);
    const upload = await receiveUpload(c, q.name);
    try {
      const dataFileId = c.var.instance.stores.files.create({ name: q.name, description: q.description, publicAccess: q.public ?? true, upload }, c.var.principal);
      return c.json({ dataFileId });
    } finally {
      discard(upload);
    }
  });

  r.put(`${base}/:dataFileId`, valid('param', fileParam), async (c) => {
    const { dataFileId } = c.req.valid('param');
    const files = c.var.instance.stores.files;
    files.assertCan(dataFileId, c.var.principal, 'WRITE');
    const upload = await receiveUpload(c, null);
    try {
      return c.json({ revisionId: files.addRevision(dataFileId, upload, c.var.principal) });
    } finally {
      discard(upload);
    }
  });

  // -- metadata ---------------------------------------------------------------------------------

  r.get(`${base}/:dataFileId/details`, valid('param', fileParam), valid('query', expandQuery), (c) =>
    c.json(c.var.instance.stores.files.details(c.req.valid('param').dataFileId, expandOf(c.req.valid('query')), c.var.principal)),
  );

  r.get(`${base}/:dataFileId/revisions/details`, valid('param', fileParam), valid('query', expandQuery), (c) =>
    c.json(c.var.instance.stores.files.revisions(c.req.valid('param').dataFileId, c.var.principal)),
  );

  r.get(`${base}/:dataFileId/revisions/:revisionId/details`, valid('param', revisionDetailsParam), valid('query', expandQuery), (c) => {
    const { dataFileId, revisionId } = c.req.valid('param');
    return c.json(c.var.instance.stores.files.revision(dataFileId, revisionId, c.var.principal));
  });

  // -- downloads (singular /revision/, as documented) -------------------------------------------

  r.get(`${base}/:dataFileId`, valid('param', fileParam), valid('query', downloadQuery), async (c) => {
    const q = c.req.valid('query');
    const blob = c.var.instance.stores.files.download(c.req.valid('param').dataFileId, undefined, q.fileName ?? q.filename, c.var.principal);
    return sendBlob(c, c.var.instance.dataDir, blob);
  });

  r.get(`${base}/:dataFileId/revision/:revisionId`, valid('param', revisionParam), valid('query', downloadQuery), async (c) => {
    const { dataFileId, revisionId } = c.req.valid('param');
    const q = c.req.valid('query');
    const blob = c.var.instance.stores.files.download(dataFileId, revisionId, q.fileName ?? q.filename, c.var.principal);
    return sendBlob(c, c.var.instance.dataDir, blob);
  });

  // -- duplicate, delete ------------------------------------------------------------------------

  r.post(`${base}/:dataFileId/duplicate`, valid('param', fileParam), (c) => c.json(c.var.instance.stores.files.duplicate(c.req.valid('param').dataFileId, c.var.principal)));

  r.delete(`${base}/:dataFileId`, valid('param', fileParam), (c) => {
    const { dataFileId } = c.req.valid('param');
    c.var.instance.stores.files.remove(dataFileId, c.var.principal);
    return c.json({ status: 'success', message: `Data file ${dataFileId} deleted` });
  });

  r.delete(`${base}/:dataFileId/revisions/:revisionId`, valid('param', revisionParam), (c) => {
    const { dataFileId, revisionId } = c.req.valid('param');
    const out = c.var.instance.stores.files.removeRevision(dataFileId, revisionId, c.var.principal);
    const message = out.fileDeleted
      ? `Revision ${revisionId} was the only revision; data file ${dataFileId} deleted`
      : `Revision ${revisionId} of data file ${dataFileId} deleted`;
    return c.json({ status: 'success', message, ...out });
  });

  // -- permissions (GET at both paths: the reference's Endpoint line and its code example) ------

  for (const path of ['/domo/data-files/v1/:dataFileId/permissions', `${base}/:dataFileId/permissions`]) {
    r.get(path, valid('param', fileParam), (c) => c.json(c.var.instance.stores.files.permissions(c.req.valid('param').dataFileId, c.var.principal)));
  }

  r.put(`${base}/:dataFileId/permissions`, valid('param', fileParam), valid('json', permissionsBody), (c) => {
    const { dataFileId } = c.req.valid('param');
    return c.json(c.var.instance.stores.files.setPermissions(dataFileId, c.req.valid('json'), c.var.principal));
  });

  return r;
}
