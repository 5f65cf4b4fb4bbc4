import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { columnTypes, isPlainObject, type JsonValue } from '../src/engines/documents/index.js';
import type { AppEnv } from '../src/http/env.js';
import { csvList, flag } from '../src/http/paging.js';
import { responds } from '../src/http/responses.js';
import { valid } from '../src/http/validate.js';
import {
  bulkCreatedJson,
  bulkDeletedJson,
  bulkUpsertedJson,
  collectionJson,
  documentJson,
  exportJson,
  permissionJson,
  queryJson,
} from '../src/schemas/appdb.js';
import { entityTypes, permissionNames, type AppDbActor, type AppDbStore, type DocumentsPayload } from '../src/state/appdb.js';

/**
 * AppDB: /api/datastores/... (the Product API reference) and /domo/datastores/... (what custom apps
 * call), the same handlers mounted under both; document routes under v1 and v2 alike.
 * No-content answers are 204 under /api (as the reference documents) and 200 under /domo (as the app
 * framework documents).
 */

const LIMIT = 10_000;

const content = z.custom<Record<string, JsonValue>>((v) => isPlainObject(v), 'content must be a JSON object');
const docBody = z.object({ content });
const bulkCreateBody = z.array(z.object({ content }));
const bulkUpsertBody = z.array(z.object({ id: z.string().min(1).max(255).optional(), content }));
const updateBody = z.object({
  query: z.union([z.custom<Record<string, unknown>>((v) => isPlainObject(v), 'query must be a JSON object'), z.string()]),
  operation: z.custom<Record<string, unknown>>((v) => isPlainObject(v), 'operation must be a JSON object of update operators'),
});

const page = {
  limit: z.coerce.number().int().min(0).default(LIMIT).transform((n) => Math.min(n, LIMIT)),
  offset: z.coerce.number().int().min(0).default(0),
};
const listQuery = z.object(page);
const text = z.string().optional();
const queryQuery = z.object({ ...page, groupby: text, count: text, avg: text, min: text, max: text, sum: text, unwind: text, orderby: text });
const bulkDeleteQuery = z.object({ ids: csvList.pipe(z.array(z.string()).min(1, 'ids needs at least one document id')) });

const collectionParam = z.object({ collection: z.string().min(1) });
const docParams = z.object({ collection: z.string().min(1), documentId: z.string().min(1) });
const entityParams = z.object({
  collection: z.string().min(1),
  entity: z.string().transform((s) => s.toUpperCase()).pipe(z.enum(entityTypes)),
  entityId: z.string().min(1),
});
const permissionsQuery = z.object({
  permissions: csvList
    .transform((l) => l.map((p) => p.toLowerCase()))
    .pipe(z.array(z.enum(permissionNames)).min(1, 'permissions needs at least one of ' + permissionNames.join(', '))),
});

const column = z.object({
  name: z.string().trim().min(1).max(255),
  type: z.enum(columnTypes, { error: `type must be one of ${columnTypes.join(', ')}` }),
  visible: z.boolean().optional(),
});
const schema = z.object({
  columns: z.array(column).superRefine((cols, ctx) => {
    const seen = new Set<string>();
    cols.forEach((c, i) => {
      if (seen.has(c.name)) ctx.addIssue({ code: 'custom', message: `Duplicate column name '${c.name}'`, path: [i, 'name'] });
      seen.add(c.name);
    });
  }),
});
const rule = z.object({
  name: z.string().optional(),
  applyOn: z.array(z.enum(['READ', 'UPDATE', 'DELETE'])).min(1),
  applyTo: z.array(z.object({ type: z.enum(['USER_ID', 'GROUP_ID']), values: z.array(z.union([z.string(), z.number()])) })).optional(),
  applyToAll: z.boolean().optional(),
  limitToOwner: z.boolean().optional(),
  query: z.record(z.string(), z.unknown()).optional(),
});
const name = z.string().trim().min(1).max(255);
const createCollectionBody = z.object({
  name,
  schema: schema.optional(),
  syncEnabled: z.boolean().optional(),
  filters: z.array(rule).optional(),
  exportable: z.boolean().optional(),
});
const updateCollectionBody = z.object({
  name: name.optional(),
  schema: schema.optional(),
  syncEnabled: z.boolean().optional(),
  filters: z.array(rule).nullable().optional(),
  exportable: z.boolean().optional(),
});
const exportQuery = z.object({ includeRelatedCollections: flag.optional() });

const actorOf = (c: Context<AppEnv>): AppDbActor => c.var.principal;

const store = (c: Context<AppEnv>): AppDbStore => c.var.instance.stores.appdb;

const jsonHeaders = { 'Content-Type': 'application/json; charset=UTF-8' };
const docArray = (c: Context<AppEnv>, docs: DocumentsPayload) => c.body(docs as Uint8Array<ArrayBuffer>, 200, jsonHeaders);

export function appdbRoutes() {
  const r = new Hono<AppEnv>();

  for (const prefix of ['/api/datastores', '/domo/datastores'] as const) {
    const api = prefix.startsWith('/api');
    const done = (c: Context<AppEnv>) => (api ? c.body(null, 204) : c.body(null, 200));
    /** the no-content answer: 204 under /api, 200 under /domo */
    const none = api ? { 204: z.undefined() } : { 200: z.undefined() };

    // ---------------------------------------------------------------- collections (v1)
    const cols = `${prefix}/v1/collections`;
    r.get(cols, responds({ 200: z.array(collectionJson) }), (c) => c.json(store(c).listCollections(actorOf(c))));
    r.post(cols, responds({ 200: collectionJson }), valid('json', createCollectionBody), (c) => c.json(store(c).createCollection(actorOf(c), c.req.valid('json'))));
    r.get(`${cols}/:collection`, responds({ 200: collectionJson }), valid('param', collectionParam), (c) => c.json(store(c).getCollection(actorOf(c), c.req.valid('param').collection)));
    r.put(`${cols}/:collection`, responds({ 200: collectionJson }), valid('param', collectionParam), valid('json', updateCollectionBody), (c) =>
      c.json(store(c).updateCollection(actorOf(c), c.req.valid('param').collection, c.req.valid('json'))),
    );
    r.delete(`${cols}/:collection`, responds(none), valid('param', collectionParam), (c) => {
      store(c).deleteCollection(actorOf(c), c.req.valid('param').collection);
      return done(c);
    });
    r.get(`${cols}/:collection/permission`, responds({ 200: z.array(permissionJson) }), valid('param', collectionParam), (c) =>
      c.json(store(c).listPermissions(actorOf(c), c.req.valid('param').collection)),
    );
    const setPermission = (c: Context<AppEnv>, p: z.output<typeof entityParams>, q: z.output<typeof permissionsQuery>) => {
      store(c).setPermissions(actorOf(c), p.collection, p.entity, p.entityId, q.permissions);
      return done(c);
    };
    // the reference's literal RYUU_APP path first, then any entity (USER, GROUP, RYUU_APP)
    r.put(`${cols}/:collection/permission/RYUU_APP/:entityId`, responds(none), valid('param', entityParams.omit({ entity: true })), valid('query', permissionsQuery), (c) =>
      setPermission(c, { ...c.req.valid('param'), entity: 'RYUU_APP' }, c.req.valid('query')),
    );
    r.put(`${cols}/:collection/permission/:entity/:entityId`, responds(none), valid('param', entityParams), valid('query', permissionsQuery), (c) =>
      setPermission(c, c.req.valid('param'), c.req.valid('query')),
    );
    r.delete(`${cols}/:collection/permission/:entity/:entityId`, responds(none), valid('param', entityParams), (c) => {
      const p = c.req.valid('param');
      store(c).removePermissions(actorOf(c), p.collection, p.entity, p.entityId);
      return done(c);
    });

    r.post(`${prefix}/v1/export`, responds({ 200: exportJson }), valid('query', exportQuery), (c) =>
      c.json(store(c).exportNow(actorOf(c), { includeRelatedCollections: c.req.valid('query').includeRelatedCollections ?? false })),
    );

    // ---------------------------------------------------------------- documents (v1 and v2)
    for (const version of ['v1', 'v2']) {
      const docs = `${prefix}/${version}/collections/:collection/documents`;

      // literal paths before /:documentId
      r.post(`${docs}/bulk`, responds({ 200: bulkCreatedJson }), valid('param', collectionParam), valid('json', bulkCreateBody), (c) =>
        c.json(store(c).bulkCreate(actorOf(c), c.req.valid('param').collection, c.req.valid('json'))),
      );
      r.put(`${docs}/bulk`, responds({ 200: bulkUpsertedJson }), valid('param', collectionParam), valid('json', bulkUpsertBody), (c) =>
        c.json(store(c).bulkUpsert(actorOf(c), c.req.valid('param').collection, c.req.valid('json'))),
      );
      r.delete(`${docs}/bulk`, responds({ 200: bulkDeletedJson }), valid('param', collectionParam), valid('query', bulkDeleteQuery), (c) =>
        c.json(store(c).bulkDelete(actorOf(c), c.req.valid('param').collection, c.req.valid('query').ids)),
      );
      r.post(`${docs}/query`, responds({ 200: queryJson }), valid('param', collectionParam), valid('query', queryQuery), valid('json', z.unknown(), { optional: true }), (c) => {
        const res = store(c).query(actorOf(c), c.req.valid('param').collection, c.req.valid('json') ?? {}, c.req.valid('query'), { timeoutMs: c.var.config.queryTimeoutMs });
        return 'rows' in res ? c.json(res.rows) : docArray(c, res.documents);
      });
      r.put(`${docs}/update`, responds({ 200: z.number().int() }), valid('param', collectionParam), valid('json', updateBody), (c) => {
        const body = c.req.valid('json');
        return c.json(store(c).partialUpdate(actorOf(c), c.req.valid('param').collection, body.query, body.operation, { timeoutMs: c.var.config.queryTimeoutMs }));
      });

      r.get(docs, responds({ 200: z.array(documentJson) }), valid('param', collectionParam), valid('query', listQuery), (c) =>
        docArray(c, store(c).listDocuments(actorOf(c), c.req.valid('param').collection, c.req.valid('query'))),
      );
      r.post(docs, responds({ 200: documentJson }), valid('param', collectionParam), valid('json', docBody), (c) =>
        c.body(store(c).createDocument(actorOf(c), c.req.valid('param').collection, c.req.valid('json').content), 200, jsonHeaders),
      );
      r.get(`${docs}/:documentId`, responds({ 200: documentJson }), valid('param', docParams), (c) => {
        const p = c.req.valid('param');
        return c.body(store(c).getDocument(actorOf(c), p.collection, p.documentId), 200, jsonHeaders);
      });
      r.put(`${docs}/:documentId`, responds({ 200: documentJson }), valid('param', docParams), valid('json', docBody), (c) => {
        const p = c.req.valid('param');
        return c.body(store(c).replaceDocument(actorOf(c), p.collection, p.documentId, c.req.valid('json').content), 200, jsonHeaders);
      });
      r.delete(`${docs}/:documentId`, responds(none), valid('param', docParams), (c) => {
        const p = c.req.valid('param');
        store(c).deleteDocument(actorOf(c), p.collection, p.documentId);
        return done(c);
      });
    }
  }
  return r;
}
