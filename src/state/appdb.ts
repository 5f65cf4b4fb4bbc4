import type { CollectionJson } from '../schemas/appdb.js';
import { createHash } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import type { Statement } from 'better-sqlite3';
import { appdbCollections, appdbDatastores, appdbPermissions, users } from '../../db/schema/index.js';
import {
  aggregate,
  andFilters,
  applyUpdate,
  arrayPaths,
  compileFilter,
  contentPathExpr,
  DocumentsError,
  domoTime,
  matches,
  parseAggregateParams,
  parseDomoTime,
  parseFilter,
  parsePath,
  parseUpdate,
  restrictionFor,
  sortTerms,
  testRegex,
  toDatasetRow,
  unwind,
  validateRules,
  type AggregateParams,
  type CompileOptions,
  type Filter,
  type JsonValue,
  type SchemaColumn,
  type SecurityOp,
  type SecurityRule,
  type VirtualDoc,
} from '../engines/documents/index.js';
import { Deadline } from '../engines/deadline.js';
import { defaultStages, finishesAt } from '../engines/jobs.js';
import { ApiError, badRequest, conflict, notFound } from '../http/errors.js';
import type { Action } from '../access/actions.js';
import type { Principal } from '../access/principal.js';
import type { Resource } from '../access/resources.js';
import { parseClientJson } from '../http/validate.js';
import type { AuditEntry } from './activity.js';
import type { StoreContext } from './context.js';

/** Who is calling: the request's principal. */
export type AppDbActor = Principal;

/** Each collection permission a store method needs, as the policy's action. */
const permissionAction: Record<Permission, Action> = {
  admin: 'collection.share',
  read: 'collection.read',
  write: 'collection.update',
  share: 'collection.share',
  delete: 'collection.delete',
  read_content: 'document.read',
  create_content: 'document.create',
  update_content: 'document.update',
  delete_content: 'document.delete',
};

/** The part of the Datasets store a synced collection exports through. */
export interface DatasetSink {
  create(input: {
    name: string;
    description?: string;
    columns: Array<{ name: string; type: SchemaColumn['type'] }>;
    ownerId: number;
    dataProviderType?: string;
  }): { id: string } & Record<string, unknown>;
  exists(id: string): boolean;
  replaceRows(id: string, rows: Iterable<unknown[]>): { dataVersionId: number; rowCount: number };
}

export const permissionNames = ['admin', 'write', 'read', 'share', 'delete', 'create_content', 'update_content', 'read_content', 'delete_content'] as const;
export type Permission = (typeof permissionNames)[number];
export const entityTypes = ['USER', 'GROUP', 'RYUU_APP'] as const;
export type EntityType = (typeof entityTypes)[number];

export interface CollectionInput {
  name: string;
  schema?: { columns: SchemaColumn[] };
  syncEnabled?: boolean;
  filters?: SecurityRule[];
  exportable?: boolean;
}

export interface CollectionPatch {
  name?: string;
  schema?: { columns: SchemaColumn[] };
  syncEnabled?: boolean;
  filters?: SecurityRule[] | null;
  exportable?: boolean;
}

export interface CollectionSeed extends CollectionInput {
  id: string;
  owner: number;
  permissions?: Array<{ entityType: EntityType; entityId: string | number; permissions: Permission[] }>;
  documents?: Array<{ id: string; owner?: number; createdOn?: string; updatedOn?: string; content: Record<string, JsonValue> }>;
}

export interface ExportResult {
  collectionId: string;
  name: string;
  datasourceId: string | null;
  rowCount: number;
  skipped: number;
  skippedReasons?: string[];
  error?: string;
}

type CollectionRow = typeof appdbCollections.$inferSelect;
type Content = Record<string, JsonValue>;
type DocRow = { id: string; owner: number; created_on: string; updated_on: string; updated_by: number; sync_required: number; content: string };

/** A document rendered by SQLite as Domo's JSON (a string, spliced into responses as is). */
export type DocumentJson = string;
/** A JSON array of documents as UTF-8 bytes, built by SQLite (no per-document JavaScript strings). */
export type DocumentsPayload = Buffer;

const EXPORT_EVERY_MS = 15 * 60_000;
const MAX_INDEXES_PER_COLLECTION = 16;
const STATEMENT_CACHE = 256;
const NEVER_SYNCED = 86_400_000;

const sqlText = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Engine errors (bad filters, update conflicts) -> 400 naming where (`prefix` + the engine's location). */
function engine<T>(fn: () => T, prefix: string): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DocumentsError) {
      const path = prefix ? `${prefix}.${e.where}` : e.where;
      throw badRequest(`${e.message} (at ${path})`, [{ path, message: e.message }]);
    }
    throw e;
  }
}

/**
 * AppDB: datastores, collections, documents (JSONB in SQLite, MongoDB filters compiled to SQL),
 * collection permissions, document security filters and the export of synced collections to datasets.
 */
export class AppDbStore {
  private readonly statements = new Map<string, Statement>();
  private readonly arrayCache = new Map<number, Set<string>>();
  private indexNames: Set<string> | undefined;
  /** Rows written since the planner statistics were last refreshed, and the table size then. */
  private rowsSinceAnalyze = 0;
  private rowsAtAnalyze = 0;
  private readonly regexCache = new Map<string, RegExp>();
  /** The time budget of the client request running now (checked per document and per regex test). */
  private deadline = Deadline.none;

  /** `sink` is the Datasets store synced collections export to. */
  constructor(
    private readonly ctx: StoreContext,
    private readonly sink: DatasetSink,
  ) {
    ctx.sqlite.function('appdb_regexp', { deterministic: true }, (pattern: unknown, flags: unknown, value: unknown) => {
      this.deadline.check();
      if (typeof value !== 'string') return 0;
      const key = `${flags}/${pattern}`;
      let re = this.regexCache.get(key);
      if (!re) {
        if (this.regexCache.size > 500) this.regexCache.clear();
        re = new RegExp(String(pattern), String(flags));
        this.regexCache.set(key, re);
      }
      return testRegex(re, value) ? 1 : 0;
    });
    // The every-15-minutes export is a scheduler job per datastore, due at the next slot boundary.
    ctx.jobs.register<{ datastoreId: string }, void>('appdb.export', {
      apply: ({ datastoreId }, job) => this.runScheduledExport(datastoreId, job.due),
    });
  }

  /** Nothing to release: the scheduled export lives in the scheduler's jobs table. */
  close(): void {}

  // ------------------------------------------------------------------ collections

  listCollections(actor: AppDbActor): CollectionJson[] {
    return this.ctx.orm
      .select()
      .from(appdbCollections)
      .orderBy(asc(appdbCollections.key))
      .all()
      .filter((c) => this.can(c, actor, 'read'))
      .map((c) => this.collectionView(c));
  }

  getCollection(actor: AppDbActor, ref: string): CollectionJson {
    const c = this.collection(ref);
    this.require(c, actor, 'read');
    return this.collectionView(c);
  }

  createCollection(actor: AppDbActor, input: CollectionInput): CollectionJson {
    this.ctx.access.require(actor, 'datastore.create');
    if (input.filters) engine(() => validateRules(input.filters!, 'filters'), 'body');
    return this.ctx.sqlite.transaction(() => {
      this.assertNameFree(input.name);
      const now = this.ctx.clock.nowMs();
      const id = this.ctx.ids.uuid();
      this.ctx.orm
        .insert(appdbCollections)
        .values({
          id,
          datastoreId: this.datastore().id,
          name: input.name,
          owner: actor.userId,
          schemaJson: JSON.stringify(normalizeSchema(input.schema)),
          filtersJson: input.filters?.length ? JSON.stringify(input.filters) : null,
          syncEnabled: input.syncEnabled ?? false,
          exportable: input.exportable ?? true,
          createdOn: now,
          updatedOn: now,
          updatedBy: actor.userId,
        })
        .run();
      this.ctx.audit.record(actor, { action: 'CREATED', type: 'MAGNUM_COLLECTION', id, name: input.name });
      return this.collectionView(this.collection(id));
    })();
  }

  updateCollection(actor: AppDbActor, ref: string, patch: CollectionPatch): CollectionJson {
    const c = this.collection(ref);
    this.require(c, actor, 'write');
    if (patch.filters) engine(() => validateRules(patch.filters!, 'filters'), 'body');
    return this.ctx.sqlite.transaction(() => {
      if (patch.name !== undefined && patch.name !== c.name) this.assertNameFree(patch.name);
      const set: Partial<typeof appdbCollections.$inferInsert> = { updatedOn: this.ctx.clock.nowMs(), updatedBy: actor.userId };
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.schema !== undefined) {
        const json = JSON.stringify(normalizeSchema(patch.schema));
        if (json !== c.schemaJson) {
          set.schemaJson = json;
          set.syncRequired = true;
          set.fullReplaceRequired = true;
        }
      }
      if (patch.syncEnabled !== undefined) {
        set.syncEnabled = patch.syncEnabled;
        if (patch.syncEnabled && !c.syncEnabled) set.syncRequired = true;
      }
      if (patch.exportable !== undefined) set.exportable = patch.exportable;
      if (patch.filters !== undefined) set.filtersJson = patch.filters && patch.filters.length ? JSON.stringify(patch.filters) : null;
      this.ctx.orm.update(appdbCollections).set(set).where(eq(appdbCollections.key, c.key)).run();
      this.ctx.audit.record(actor, { action: 'UPDATED', type: 'MAGNUM_COLLECTION', id: c.id, name: set.name ?? c.name });
      return this.collectionView(this.collection(c.id));
    })();
  }

  /** Deletes a collection with its documents, permissions and indexes. */
  deleteCollection(actor: AppDbActor, ref: string): void {
    const c = this.collection(ref);
    this.require(c, actor, 'delete');
    this.ctx.sqlite.transaction(() => {
      for (const name of this.indexesOf(c.key)) {
        this.ctx.sqlite.exec(`DROP INDEX IF EXISTS "${name}"`);
        this.indexNames?.delete(name);
      }
      this.ctx.orm.delete(appdbCollections).where(eq(appdbCollections.key, c.key)).run();
      this.ctx.audit.record(actor, { action: 'DELETED', type: 'MAGNUM_COLLECTION', id: c.id, name: c.name });
    })();
    this.arrayCache.delete(c.key);
    this.statements.clear();
  }

  listPermissions(actor: AppDbActor, ref: string): Array<{ entityType: string; entityId: string; permissions: string[] }> {
    const c = this.collection(ref);
    this.require(c, actor, 'read');
    return this.permissionRows(c.key).map((p) => ({ entityType: p.entityType, entityId: p.entityId, permissions: p.permissions.split(',').filter(Boolean) }));
  }

  /** Sets (replaces) one entity's permissions; from then on the collection's permissions are enforced. */
  setPermissions(actor: AppDbActor, ref: string, entityType: EntityType, entityId: string, permissions: Permission[]): void {
    const c = this.collection(ref);
    this.require(c, actor, 'share');
    this.assertEntity(entityType, entityId);
    const current = this.permissionRows(c.key).find((r) => r.entityType === entityType && r.entityId === entityId);
    this.ctx.access.requireWithin(actor, 'collection.share', this.resource(c), [...permissions, ...(current?.permissions.split(',') ?? [])]);
    const list = [...new Set(permissions)].join(',');
    this.ctx.sqlite.transaction(() => {
      this.ctx.orm
        .insert(appdbPermissions)
        .values({ collectionKey: c.key, entityType, entityId, permissions: list })
        .onConflictDoUpdate({ target: [appdbPermissions.collectionKey, appdbPermissions.entityType, appdbPermissions.entityId], set: { permissions: list } })
        .run();
      this.touchCollection(c, actor, { permissionsSet: true });
      this.ctx.audit.record(actor, { action: 'SHARED', type: 'MAGNUM_COLLECTION', id: c.id, name: c.name, detail: ` (${entityType} ${entityId}: ${list || 'none'})` });
    })();
  }

  /** Removes an entity's permissions (404 when it had none). */
  removePermissions(actor: AppDbActor, ref: string, entityType: EntityType, entityId: string): void {
    const c = this.collection(ref);
    this.require(c, actor, 'share');
    const current = this.permissionRows(c.key).find((r) => r.entityType === entityType && r.entityId === entityId);
    if (current) this.ctx.access.requireWithin(actor, 'collection.share', this.resource(c), current.permissions.split(','));
    this.ctx.audit.write(actor, { action: 'UNSHARED', type: 'MAGNUM_COLLECTION', id: c.id, name: c.name, detail: ` for ${entityType} ${entityId}` }, () => {
      const res = this.ctx.sqlite
        .prepare(`DELETE FROM appdb_permissions WHERE collection_key = ? AND entity_type = ? AND entity_id = ?`)
        .run(c.key, entityType, entityId);
      if (res.changes === 0) throw notFound(`${entityType} ${entityId} has no permissions on collection '${c.name}'`);
      this.touchCollection(c, actor, {});
    });
  }

  // ------------------------------------------------------------------ documents

  listDocuments(actor: AppDbActor, ref: string, page: { limit: number; offset: number }): DocumentsPayload {
    const c = this.collection(ref);
    this.require(c, actor, 'read_content');
    return this.findDocsPayload(c, this.restriction(c, actor, 'READ'), { ...page, order: 'd.seq' });
  }

  getDocument(actor: AppDbActor, ref: string, id: string): DocumentJson {
    const c = this.collection(ref);
    this.require(c, actor, 'read_content');
    const [doc] = this.findDocs(c, andFilters(idIs(id), this.restriction(c, actor, 'READ')), { limit: 1, offset: 0, order: 'd.seq' });
    if (!doc) throw notFound(`Document ${id} not found in collection '${c.name}'`);
    return doc;
  }

  createDocument(actor: AppDbActor, ref: string, content: Content): DocumentJson {
    const c = this.collection(ref);
    this.require(c, actor, 'create_content');
    const id = this.ctx.audit.write(actor, (docId) => this.documentsEntry(c, ` (created document ${docId})`), () => this.insertDocs(c, actor, [{ content }])[0]);
    return this.documentJson(c, id);
  }

  replaceDocument(actor: AppDbActor, ref: string, id: string, content: Content): DocumentJson {
    const c = this.collection(ref);
    this.require(c, actor, 'update_content');
    this.ctx.sqlite.transaction(() => {
      if (!this.visibleIds(c, actor, 'UPDATE', [id]).has(id)) throw notFound(`Document ${id} not found in collection '${c.name}'`);
      this.writeContent(c, actor, [{ id, content }]);
      this.ctx.audit.record(actor, this.documentsEntry(c, ` (replaced document ${id})`));
    })();
    return this.documentJson(c, id);
  }

  deleteDocument(actor: AppDbActor, ref: string, id: string): void {
    const c = this.collection(ref);
    this.require(c, actor, 'delete_content');
    this.ctx.sqlite.transaction(() => {
      if (!this.visibleIds(c, actor, 'DELETE', [id]).has(id)) throw notFound(`Document ${id} not found in collection '${c.name}'`);
      this.removeDocs(c, [id]);
      this.ctx.audit.record(actor, this.documentsEntry(c, ` (deleted document ${id})`));
    })();
  }

  bulkCreate(actor: AppDbActor, ref: string, items: Array<{ content: Content }>): { Created: number } {
    const c = this.collection(ref);
    this.require(c, actor, 'create_content');
    // one entry for the whole bulk (with its count), not one per document
    const ids = this.ctx.audit.write(actor, (created) => this.documentsEntry(c, ` (created ${created.length} documents)`), () => this.insertDocs(c, actor, items));
    return { Created: ids.length };
  }

  /** Items with an id of this collection are replaced (when the caller may see them), the rest created. */
  bulkUpsert(actor: AppDbActor, ref: string, items: Array<{ id?: string; content: Content }>): { Updated: number; Created: number } {
    const c = this.collection(ref);
    return this.ctx.sqlite.transaction(() => {
      const known = new Map<string, number>();
      const ids = [...new Set(items.map((i) => i.id).filter((x): x is string => !!x))];
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        const rows = this.ctx.sqlite
          .prepare(`SELECT id, collection_key AS k FROM appdb_documents WHERE id IN (${chunk.map(() => '?').join(',')})`)
          .all(...chunk) as Array<{ id: string; k: number }>;
        for (const r of rows) known.set(r.id, r.k);
      }
      const mine = ids.filter((id) => known.get(id) === c.key);
      const updates: Array<{ id: string; content: Content }> = [];
      const creates: Array<{ id?: string; content: Content }> = [];
      const seen = new Set<string>();
      for (const item of items) {
        if (item.id && (known.get(item.id) === c.key || seen.has(item.id))) updates.push({ id: item.id, content: item.content });
        else {
          const free = item.id && !known.has(item.id);
          creates.push({ id: free ? item.id : undefined, content: item.content });
          if (free) seen.add(item.id!);
        }
      }
      if (updates.length) this.require(c, actor, 'update_content');
      if (creates.length) this.require(c, actor, 'create_content');
      const visible = mine.length ? this.visibleIds(c, actor, 'UPDATE', mine) : new Set<string>();
      this.insertDocs(c, actor, creates);
      const allowed = updates.filter((u) => visible.has(u.id) || (seen.has(u.id) && !known.has(u.id)));
      this.writeContent(c, actor, allowed);
      this.ctx.audit.record(actor, this.documentsEntry(c, ` (updated ${allowed.length} and created ${creates.length} documents)`));
      return { Updated: allowed.length, Created: creates.length };
    })();
  }

  bulkDelete(actor: AppDbActor, ref: string, ids: string[]): { Deleted: number } {
    const c = this.collection(ref);
    this.require(c, actor, 'delete_content');
    return this.ctx.sqlite.transaction(() => {
      const visible = [...this.visibleIds(c, actor, 'DELETE', [...new Set(ids)])];
      this.removeDocs(c, visible);
      this.ctx.audit.record(actor, this.documentsEntry(c, ` (deleted ${visible.length} documents)`));
      return { Deleted: visible.length };
    })();
  }

  /**
   * POST .../documents/query: the documents matching `filter` (and the caller's security rules), or,
   * with aggregation parameters, the grouped rows.
   */
  query(
    actor: AppDbActor,
    ref: string,
    filterInput: unknown,
    params: AggregateParams & { limit: number; offset: number },
    opts: { timeoutMs?: number } = {},
  ): { documents: DocumentsPayload } | { rows: Array<Record<string, unknown>> } {
    return this.within(opts.timeoutMs, 'The AppDB query', () => this.queryDocuments(actor, ref, filterInput, params));
  }

  /** Runs client-driven work under a time budget (--query-timeout): past it, queryTimeout() and nothing changed. */
  private within<T>(timeoutMs: number | undefined, what: string, fn: () => T): T {
    const outer = this.deadline;
    this.deadline = timeoutMs ? new Deadline(timeoutMs, what) : Deadline.none;
    try {
      return fn();
    } finally {
      this.deadline = outer;
    }
  }

  private queryDocuments(
    actor: AppDbActor,
    ref: string,
    filterInput: unknown,
    params: AggregateParams & { limit: number; offset: number },
  ): { documents: DocumentsPayload } | { rows: Array<Record<string, unknown>> } {
    const c = this.collection(ref);
    this.require(c, actor, 'read_content');
    const userFilter = engine(() => parseFilter(filterInput, 'body'), '');
    const agg = engine(() => parseAggregateParams(params), '');
    const filter = andFilters(userFilter, this.restriction(c, actor, 'READ'));
    const page = { limit: params.limit, offset: params.offset };
    const tick = () => this.deadline.check();
    if (agg.spec) return { rows: aggregate(this.iterateDocs(c, filter, 'd.seq'), agg.spec, page, tick) };
    const order = agg.orderby.length
      ? [...agg.orderby.map((o) => sortTerms(engine(() => parsePath(o.key, 'query.orderby'), ''), this.compileOptions(c, []), o.descending)), 'd.seq'].join(', ')
      : 'd.seq';
    if (agg.unwind.length) {
      const out: DocumentJson[] = [];
      let skip = page.offset;
      for (const d of unwind(this.iterateDocs(c, filter, order), agg.unwind, tick)) {
        if (skip-- > 0) continue;
        if (out.length >= page.limit) break;
        out.push(virtualToJson(d));
      }
      return { documents: Buffer.from(`[${out.join(',')}]`) };
    }
    return { documents: this.findDocsPayload(c, filter, { ...page, order }) };
  }

  /** PUT .../documents/update: MongoDB update operators on every matching document; answers how many changed. */
  partialUpdate(actor: AppDbActor, ref: string, queryInput: unknown, operationInput: unknown, opts: { timeoutMs?: number } = {}): number {
    return this.within(opts.timeoutMs, 'The AppDB update', () => this.runPartialUpdate(actor, ref, queryInput, operationInput));
  }

  private runPartialUpdate(actor: AppDbActor, ref: string, queryInput: unknown, operationInput: unknown): number {
    const c = this.collection(ref);
    this.require(c, actor, 'update_content');
    let q = queryInput;
    if (typeof q === 'string') q = parseClientJson(q, 'body.query');
    const userFilter = engine(() => parseFilter(q, 'query'), 'body');
    const plan = engine(() => parseUpdate(operationInput, 'operation'), 'body');
    const filter = andFilters(userFilter, this.restriction(c, actor, 'UPDATE'));
    return this.ctx.sqlite.transaction(() => {
      const docs = [...this.iterateDocs(c, filter, 'd.seq')];
      const now = { ms: this.ctx.clock.nowMs() };
      const changed: Array<{ id: string; content: Content }> = [];
      for (const d of docs) {
        this.deadline.check();
        const r = engine(() => applyUpdate(d.content as Content, plan, now), 'body');
        if (r.changed) changed.push({ id: d.id as string, content: r.content });
      }
      this.writeContent(c, actor, changed);
      this.ctx.audit.record(actor, this.documentsEntry(c, ` (updated ${changed.length} documents)`));
      return changed.length;
    })();
  }

  // ------------------------------------------------------------------ export (sync to datasets)

  /**
   * POST /domo/datastores/v1/export: exports the synced collections the principal may export, now; 423
   * while an export is running; 403 when there are synced collections and it may export none of them.
   */
  exportNow(actor: AppDbActor, opts: { includeRelatedCollections: boolean }): { exported: ExportResult[] } {
    const ds = this.datastore();
    const now = this.ctx.clock.nowMs();
    if (ds.exportStartedAt !== null && now < finishesAt(defaultStages, ds.exportStartedAt)) {
      throw new ApiError(423, `An export is already running (started ${domoTime(ds.exportStartedAt)}); try again when it finishes`);
    }
    return this.ctx.sqlite.transaction(() => {
      this.ctx.orm.update(appdbDatastores).set({ exportStartedAt: now }).where(eq(appdbDatastores.id, ds.id)).run();
      const targets = this.ctx.orm
        .select()
        .from(appdbCollections)
        .orderBy(asc(appdbCollections.key))
        .all()
        .filter((c) => c.syncEnabled && (opts.includeRelatedCollections || c.datastoreId === ds.id));
      const allowed = targets.filter((c) => this.ctx.access.can(actor, 'collection.export', this.resource(c)));
      if (targets.length && !allowed.length) this.ctx.access.require(actor, 'collection.export', this.resource(targets[0]));
      const exported = allowed.map((c) => this.exportCollection(c, false));
      for (const e of exported) {
        const how = e.error ? `failed: ${e.error}` : `${e.rowCount} rows to DataSet ${e.datasourceId}`;
        this.ctx.audit.record(actor, { action: 'EXPORTED', type: 'MAGNUM_COLLECTION', id: e.collectionId, name: e.name, detail: ` (${how})` });
      }
      return { exported };
    })();
  }

  /**
   * Plans the scheduled export of each datastore at the next 15-minute slot of the instance clock (fixtures
   * call it once; each run then plans the next slot).
   */
  planExports(): void {
    for (const ds of this.ctx.orm.select().from(appdbDatastores).all()) this.planExport(ds.id, ds.lastScheduledExport);
  }

  private planExport(datastoreId: string, after: number): void {
    const key = `appdb:export:${datastoreId}`;
    if (this.ctx.jobs.pending(key)) return;
    this.ctx.jobs.enqueue('appdb.export', { datastoreId }, { due: (Math.floor(after / EXPORT_EVERY_MS) + 1) * EXPORT_EVERY_MS, key });
  }

  /**
   * One scheduled export (the clock reads the slot's start): the datastore's changed synced collections
   * export, then the next slot is planned. Missed slots after a clock jump collapse into one run, since
   * every run exports the collections' current documents.
   */
  private runScheduledExport(datastoreId: string, due: number): void {
    const ds = this.ctx.orm.select().from(appdbDatastores).where(eq(appdbDatastores.id, datastoreId)).get();
    if (!ds) return;
    this.ctx.orm.update(appdbDatastores).set({ lastScheduledExport: due }).where(eq(appdbDatastores.id, ds.id)).run();
    const changed = this.ctx.orm
      .select()
      .from(appdbCollections)
      .where(eq(appdbCollections.datastoreId, ds.id))
      .all()
      .filter((c) => c.syncEnabled && c.syncRequired);
    for (const c of changed) {
      const r = this.exportCollection(c, true);
      if (r.error) this.ctx.logger.warn(`[${this.ctx.instanceName}] AppDB export of '${c.name}' failed: ${r.error}`);
    }
    this.planExport(ds.id, Math.max(due, this.ctx.clock.present()));
  }

  private exportCollection(c: CollectionRow, tolerant: boolean): ExportResult {
    const base: ExportResult = { collectionId: c.id, name: c.name, datasourceId: c.datasourceId, rowCount: 0, skipped: 0 };
    const columns = (JSON.parse(c.schemaJson) as { columns: SchemaColumn[] }).columns;
    if (!columns.length) return { ...base, error: 'the collection has no schema columns to export' };
    const ownerExists = this.ctx.orm.select({ id: users.id }).from(users).where(eq(users.id, c.owner)).get();
    if (!ownerExists) return { ...base, error: `the collection's owner (user ${c.owner}) no longer exists` };
    const run = () =>
      this.ctx.sqlite.transaction(() => {
        const colsJson = JSON.stringify(columns.map((col) => ({ name: col.name, type: col.type })));
        let datasourceId = c.datasourceId;
        if (!datasourceId || !this.sink.exists(datasourceId) || c.datasourceColumns !== colsJson) {
          datasourceId = this.sink.create({
            name: c.name,
            description: `AppDB collection ${c.name} (${c.id})`,
            columns: columns.map((col) => ({ name: col.name, type: col.type })),
            ownerId: c.owner,
            dataProviderType: 'appdb',
          }).id;
        }
        let skipped = 0;
        const reasons: string[] = [];
        const page = this.ctx.sqlite.prepare(
          `SELECT seq, json(content) AS content FROM appdb_documents WHERE collection_key = ? AND seq > ? ORDER BY seq LIMIT 1000`,
        );
        const rows = function* (): Generator<unknown[]> {
          let after = -1;
          for (;;) {
            const batch = page.all(c.key, after) as Array<{ seq: number; content: string }>;
            if (!batch.length) return;
            after = batch[batch.length - 1].seq;
            for (const b of batch) {
              const r = toDatasetRow(JSON.parse(b.content) as Content, columns);
              if ('row' in r) yield r.row;
              else {
                skipped += 1;
                if (reasons.length < 10) reasons.push(r.skip);
              }
            }
          }
        };
        const res = this.sink.replaceRows(datasourceId, rows());
        const now = this.ctx.clock.nowMs();
        this.ctx.orm
          .update(appdbCollections)
          .set({ datasourceId, datasourceColumns: colsJson, lastSync: now, syncRequired: false, fullReplaceRequired: false })
          .where(eq(appdbCollections.key, c.key))
          .run();
        this.ctx.sqlite.prepare(`UPDATE appdb_documents SET sync_required = 0 WHERE collection_key = ? AND sync_required = 1`).run(c.key);
        if (skipped) this.ctx.logger.warn(`[${this.ctx.instanceName}] AppDB export of '${c.name}': ${skipped} document(s) skipped (${reasons[0]})`);
        return { ...base, datasourceId, rowCount: res.rowCount, skipped, ...(reasons.length ? { skippedReasons: reasons } : {}) };
      })();
    if (!tolerant) return run();
    try {
      return run();
    } catch (e) {
      return { ...base, error: (e as Error).message };
    }
  }

  // ------------------------------------------------------------------ fixtures

  seed(collections: CollectionSeed[]): void {
    const nowMs = this.ctx.clock.nowMs();
    const ds = this.datastore();
    for (const s of collections) {
      this.ctx.orm
        .insert(appdbCollections)
        .values({
          id: s.id,
          datastoreId: ds.id,
          name: s.name,
          owner: s.owner,
          schemaJson: JSON.stringify(normalizeSchema(s.schema)),
          filtersJson: s.filters?.length ? JSON.stringify(s.filters) : null,
          syncEnabled: s.syncEnabled ?? false,
          exportable: s.exportable ?? true,
          permissionsSet: !!s.permissions?.length,
          createdOn: nowMs,
          updatedOn: nowMs,
          updatedBy: s.owner,
        })
        .run();
      const c = this.collection(s.id);
      for (const p of s.permissions ?? []) {
        this.ctx.orm.insert(appdbPermissions).values({ collectionKey: c.key, entityType: p.entityType, entityId: String(p.entityId), permissions: p.permissions.join(',') }).run();
      }
      const insert = this.ctx.sqlite.prepare(
        `INSERT INTO appdb_documents (id, collection_key, owner, created_on, updated_on, updated_by, sync_required, content) VALUES (?, ?, ?, ?, ?, ?, 1, jsonb(?))`,
      );
      const paths = new Set<string>();
      for (const d of s.documents ?? []) {
        const created = d.createdOn ? domoTime(parseDomoTime(d.createdOn)) : domoTime(nowMs);
        const updated = d.updatedOn ? domoTime(parseDomoTime(d.updatedOn)) : created;
        const owner = d.owner ?? s.owner;
        insert.run(d.id, c.key, owner, created, updated, owner, JSON.stringify(d.content));
        arrayPaths(d.content, paths);
      }
      this.recordArrayPaths(c.key, paths);
    }
  }

  /** Exports the synced fixture collections once, so they start with a dataset. */
  seedExports(): void {
    for (const c of this.ctx.orm.select().from(appdbCollections).all()) {
      if (c.syncEnabled) {
        const r = this.exportCollection(c, true);
        if (r.error) this.ctx.logger.warn(`[${this.ctx.instanceName}] AppDB fixture export of '${c.name}' failed: ${r.error}`);
      }
    }
  }

  // ------------------------------------------------------------------ internals: collections & permissions

  private datastore(): typeof appdbDatastores.$inferSelect {
    const ds = this.ctx.orm.select().from(appdbDatastores).orderBy(asc(appdbDatastores.createdOn)).get();
    if (ds) return ds;
    const now = this.ctx.clock.nowMs();
    const row = { id: this.ctx.ids.uuid(), name: `${this.ctx.instanceName} AppDB`, createdOn: now, lastScheduledExport: now, exportStartedAt: null };
    this.ctx.orm.insert(appdbDatastores).values(row).run();
    this.planExport(row.id, now);
    return row;
  }

  /** A collection by id, else by name (one prepared statement: this runs on every request). */
  private collection(ref: string): CollectionRow {
    const row = this.statement(`SELECT ${collectionColumns} FROM appdb_collections WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1`).get(ref, ref, ref) as
      | Record<string, unknown>
      | undefined;
    if (!row) throw notFound(`Collection '${ref}' not found`);
    return toCollectionRow(row);
  }

  private assertNameFree(name: string): void {
    const hit = this.ctx.orm.select({ id: appdbCollections.id }).from(appdbCollections).where(eq(appdbCollections.name, name)).get();
    if (hit) throw conflict(`A collection named '${name}' already exists (id ${hit.id})`);
  }

  /** The activity-log entry of a document write: documents are not objects of their own there, their collection is. */
  private documentsEntry(c: CollectionRow, detail: string): AuditEntry {
    return { action: 'UPDATED', type: 'MAGNUM_COLLECTION', id: c.id, name: c.name, detail };
  }

  private touchCollection(c: CollectionRow, actor: AppDbActor, extra: Partial<typeof appdbCollections.$inferInsert>): void {
    this.ctx.orm
      .update(appdbCollections)
      .set({ ...extra, updatedOn: this.ctx.clock.nowMs(), updatedBy: actor.userId })
      .where(eq(appdbCollections.key, c.key))
      .run();
  }

  private collectionView(c: CollectionRow): CollectionJson {
    const schema = JSON.parse(c.schemaJson) as { columns: SchemaColumn[] };
    return {
      id: c.id,
      customer: this.ctx.instanceName,
      owner: c.owner,
      datastoreId: c.datastoreId,
      name: c.name,
      ...(c.datasourceId ? { datasourceId: c.datasourceId } : {}),
      schemaJson: c.schemaJson,
      syncRequired: c.syncRequired,
      fullReplaceRequired: c.fullReplaceRequired,
      lastSync: domoTime(c.lastSync ?? NEVER_SYNCED),
      updatedBy: c.updatedBy,
      schema,
      ...(c.filtersJson ? { filters: JSON.parse(c.filtersJson) } : {}),
      createdOn: domoTime(c.createdOn),
      updatedOn: domoTime(c.updatedOn),
      exportable: c.exportable,
      syncEnabled: c.syncEnabled,
    };
  }

  private permissionRows(key: number): Array<{ entityType: string; entityId: string; permissions: string }> {
    return this.statement(
      `SELECT entity_type AS entityType, entity_id AS entityId, permissions FROM appdb_permissions WHERE collection_key = ? ORDER BY entity_type, entity_id`,
    ).all(key) as Array<{ entityType: string; entityId: string; permissions: string }>;
  }

  /**
   * A collection as the access policy sees it: its creator owns it. Until permissions are set everyone holds
   * every permission; then USER, GROUP and RYUU_APP grants add up. A RYUU_APP grant holds for app sessions
   * (X-DOMO-Ryuu-Session) of that app, not for developer tokens: the policy's isGrantee decides.
   */
  private resource(c: CollectionRow): Resource {
    if (!c.permissionsSet) return { type: 'collection', id: c.id, name: c.name, ownerIds: [c.owner], everyone: permissionNames };
    const rows = this.permissionRows(c.key);
    return {
      type: 'collection',
      id: c.id,
      name: c.name,
      ownerIds: [c.owner],
      grants: rows.map((r) => ({ type: r.entityType, id: r.entityId, perms: r.permissions.split(',') })),
    };
  }

  private can(c: CollectionRow, actor: AppDbActor, need: Permission): boolean {
    return this.ctx.access.can(actor, permissionAction[need], this.resource(c));
  }

  private require(c: CollectionRow, actor: AppDbActor, need: Permission): void {
    this.ctx.access.require(actor, permissionAction[need], this.resource(c));
  }

  private assertEntity(type: EntityType, id: string): void {
    if (type === 'USER') {
      if (!/^\d+$/.test(id) || !this.ctx.orm.select({ id: users.id }).from(users).where(eq(users.id, Number(id))).get()) {
        throw notFound(`User ${id} not found`);
      }
    } else if (type === 'GROUP') {
      const row = /^\d+$/.test(id) ? this.ctx.sqlite.prepare(`SELECT 1 FROM groups WHERE id = ?`).get(Number(id)) : undefined;
      if (!row) throw notFound(`Group ${id} not found`);
    }
  }

  private rules(c: CollectionRow): SecurityRule[] | undefined {
    return c.filtersJson ? (JSON.parse(c.filtersJson) as SecurityRule[]) : undefined;
  }

  private restriction(c: CollectionRow, actor: AppDbActor, op: SecurityOp): Filter | null {
    const rules = this.rules(c);
    if (!rules) return null;
    return engine(() => restrictionFor(rules, { userId: actor.userId, groupIds: [...actor.groupIds] }, op), 'collection');
  }

  // ------------------------------------------------------------------ internals: documents

  private statement(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      if (this.statements.size >= STATEMENT_CACHE) this.statements.clear();
      try {
        s = this.ctx.sqlite.prepare(sql);
      } catch (e) {
        // a backstop behind the filter limits: SQLite's own bounds on one statement
        if (/too large|too many SQL variables|parser stack overflow|too many terms/i.test((e as Error).message)) {
          throw badRequest(`The query is too large to run (${(e as Error).message}); split it or simplify it`, [{ path: 'body', message: 'Query too large' }]);
        }
        throw e;
      }
      this.statements.set(sql, s);
    }
    return s;
  }

  private arrays(key: number): Set<string> {
    let set = this.arrayCache.get(key);
    if (!set) {
      set = new Set(this.ctx.sqlite.prepare(`SELECT path FROM appdb_array_paths WHERE collection_key = ?`).pluck().all(key) as string[]);
      this.arrayCache.set(key, set);
    }
    return set;
  }

  private recordArrayPaths(key: number, paths: Set<string>): void {
    const known = this.arrays(key);
    const fresh = [...paths].filter((p) => !known.has(p));
    if (!fresh.length) return;
    const ins = this.statement(`INSERT OR IGNORE INTO appdb_array_paths (collection_key, path) VALUES (?, ?)`);
    for (const p of fresh) {
      ins.run(key, p);
      known.add(p);
    }
  }

  private compileOptions(c: CollectionRow, indexable: string[][]): CompileOptions {
    const arrays = this.arrays(c.key);
    return {
      content: 'd.content',
      fields: {
        id: { v: 'd.id', t: { known: 'text' } },
        owner: { v: 'd.owner', t: { known: 'integer' } },
        updatedBy: { v: 'd.updated_by', t: { known: 'integer' } },
        createdOn: { v: 'd.created_on', t: { known: 'date' } },
        updatedOn: { v: 'd.updated_on', t: { known: 'date' } },
        syncRequired: { v: 'd.sync_required', t: { expr: `(CASE WHEN d.sync_required THEN 'true' ELSE 'false' END)` } },
        customer: { v: sqlText(this.ctx.instanceName), t: { known: 'text' } },
        datastoreId: { v: sqlText(c.datastoreId), t: { known: 'text' } },
        collectionId: { v: sqlText(c.id), t: { known: 'text' } },
      },
      mayBeArray: (p) => arrays.has(p.join('.')),
      regexFunction: 'appdb_regexp',
      indexable: (p) => indexable.push(p),
    };
  }

  /** Compiles a filter for a collection and creates expression indexes for the paths it compares. */
  private compile(c: CollectionRow, filter: Filter) {
    const indexable: string[][] = [];
    const compiled = compileFilter(filter, this.compileOptions(c, indexable));
    if (indexable.length) this.ensureIndexes(c, indexable);
    return compiled;
  }

  private indexesOf(key: number): string[] {
    this.indexNames ??= new Set(
      this.ctx.sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'appdb_ix_%'`).pluck().all() as string[],
    );
    return [...this.indexNames].filter((n) => n.startsWith(`appdb_ix_${key}_`));
  }

  /** One partial expression index per (collection, queried content path), up to a bound per collection. */
  private ensureIndexes(c: CollectionRow, paths: string[][]): void {
    const existing = this.indexesOf(c.key);
    let count = existing.length;
    let created = false;
    for (const p of paths) {
      const expr = contentPathExpr('content', p);
      if (!expr) continue;
      const name = `appdb_ix_${c.key}_${createHash('sha1').update(p.join('\u0000')).digest('hex').slice(0, 16)}`;
      if (this.indexNames!.has(name)) continue;
      if (count >= MAX_INDEXES_PER_COLLECTION) return;
      this.ctx.sqlite.exec(`CREATE INDEX IF NOT EXISTS "${name}" ON appdb_documents (${expr}) WHERE collection_key = ${c.key}`);
      this.indexNames!.add(name);
      count += 1;
      created = true;
    }
    if (created) this.analyze();
  }

  /**
   * Refreshes SQLite's planner statistics for the documents table. Without them the planner cannot tell
   * that a partial expression index beats the collection index (about 35 ms per 100,000 documents; run
   * when an index is created and when the table has grown by half since the last run).
   */
  private analyze(): void {
    this.ctx.sqlite.exec(`ANALYZE appdb_documents`);
    this.rowsAtAnalyze = (this.statement(`SELECT count(*) FROM appdb_documents`).pluck().get() as number) ?? 0;
    this.rowsSinceAnalyze = 0;
  }

  private noteWrites(n: number): void {
    this.rowsSinceAnalyze += n;
    if (this.rowsSinceAnalyze >= 1000 && this.rowsSinceAnalyze >= this.rowsAtAnalyze / 2) this.analyze();
  }

  private docSelect(c: CollectionRow): string {
    return (
      `json_object('id', d.id, 'customer', ${sqlText(this.ctx.instanceName)}, 'owner', d.owner, 'datastoreId', ${sqlText(c.datastoreId)}, ` +
      `'collectionId', ${sqlText(c.id)}, 'createdOn', d.created_on, 'updatedOn', d.updated_on, 'updatedBy', d.updated_by, ` +
      `'content', d.content, 'syncRequired', json(CASE WHEN d.sync_required THEN 'true' ELSE 'false' END))`
    );
  }

  /** Matching documents as Domo JSON, in `order`, paged. SQL narrows; JavaScript re-checks only inexact filters. */
  private findDocs(c: CollectionRow, filter: Filter | null, opts: { limit: number; offset: number; order: string }): DocumentJson[] {
    const f = filter ?? { kind: 'const', value: true };
    const compiled = this.compile(c, f);
    const where = `d.collection_key = ${c.key} AND (${compiled.sql})`;
    if (compiled.exact) {
      return this.statement(`SELECT ${this.docSelect(c)} AS doc FROM appdb_documents d WHERE ${where} ORDER BY ${opts.order} LIMIT ? OFFSET ?`)
        .pluck()
        .all(...compiled.params, opts.limit, opts.offset) as string[];
    }
    const out: DocumentJson[] = [];
    let skip = opts.offset;
    const stmt = this.statement(`SELECT ${this.docSelect(c)} AS doc, ${rawColumns} FROM appdb_documents d WHERE ${where} ORDER BY ${opts.order}`);
    for (const row of stmt.iterate(...compiled.params) as Iterable<DocRow & { doc: string }>) {
      this.deadline.check();
      if (out.length >= opts.limit) break;
      if (!matches(f, this.virtual(c, row))) continue;
      if (skip-- > 0) continue;
      out.push(row.doc);
    }
    return out;
  }

  /**
   * Matching documents as one JSON array. With an exact filter SQLite builds the whole array
   * (group_concat over the ordered, paged rows) and hands back bytes ready for the socket.
   */
  private findDocsPayload(c: CollectionRow, filter: Filter | null, opts: { limit: number; offset: number; order: string }): DocumentsPayload {
    const f = filter ?? { kind: 'const', value: true };
    const compiled = this.compile(c, f);
    if (!compiled.exact) return Buffer.from(`[${this.findDocs(c, f, opts).join(',')}]`);
    // The inner query sorts and pages only the matching keys (seq): a sort under LIMIT that carried
    // whole documents cost about twice the direct query. The LIMIT keeps SQLite from flattening the
    // subquery or dropping its ORDER BY; CROSS JOIN keeps it the outer loop (a co-routine), so each key
    // is joined back by primary key and its document reaches group_concat in that order.
    const inner = `SELECT d.seq AS s FROM appdb_documents d WHERE d.collection_key = ${c.key} AND (${compiled.sql}) ORDER BY ${opts.order} LIMIT ? OFFSET ?`;
    return this.statement(
      `SELECT CAST('[' || coalesce(group_concat(${this.docSelect(c)}, ','), '') || ']' AS BLOB) FROM (${inner}) AS k CROSS JOIN appdb_documents d ON d.seq = k.s`,
    )
      .pluck()
      .get(...compiled.params, opts.limit, opts.offset) as Buffer;
  }

  /** Matching documents as filter-ready objects (streamed; nothing may write while it runs). */
  private *iterateDocs(c: CollectionRow, filter: Filter, order: string): Generator<VirtualDoc> {
    const compiled = this.compile(c, filter);
    const stmt = this.statement(`SELECT ${rawColumns} FROM appdb_documents d WHERE d.collection_key = ${c.key} AND (${compiled.sql}) ORDER BY ${order}`);
    for (const row of stmt.iterate(...compiled.params) as Iterable<DocRow>) {
      this.deadline.check();
      const v = this.virtual(c, row);
      if (compiled.exact || matches(filter, v)) yield v;
    }
  }

  private virtual(c: CollectionRow, r: DocRow): VirtualDoc {
    return {
      id: r.id,
      customer: this.ctx.instanceName,
      owner: r.owner,
      datastoreId: c.datastoreId,
      collectionId: c.id,
      createdOn: new Date(parseDomoTime(r.created_on)),
      updatedOn: new Date(parseDomoTime(r.updated_on)),
      updatedBy: r.updated_by,
      content: JSON.parse(r.content) as JsonValue,
      syncRequired: !!r.sync_required,
    };
  }

  /** Which of `ids` are documents of `c` the actor may act on under the security rules for `op`. */
  private visibleIds(c: CollectionRow, actor: AppDbActor, op: SecurityOp, ids: string[]): Set<string> {
    const out = new Set<string>();
    const restriction = this.restriction(c, actor, op);
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const f = andFilters({ kind: 'field', path: ['id'], cond: { op: 'in', values: chunk } }, restriction);
      for (const d of this.iterateDocs(c, f, 'd.seq')) out.add(d.id as string);
    }
    return out;
  }

  private documentJson(c: CollectionRow, id: string): DocumentJson {
    return this.statement(`SELECT ${this.docSelect(c)} FROM appdb_documents d WHERE d.id = ?`).pluck().get(id) as string;
  }

  /** Inserts documents owned by the actor (ids generated unless given and free); returns their ids. */
  private insertDocs(c: CollectionRow, actor: AppDbActor, items: Array<{ id?: string; content: Content }>): string[] {
    if (!items.length) return [];
    const now = domoTime(this.ctx.clock.nowMs());
    const ins = this.statement(
      `INSERT INTO appdb_documents (id, collection_key, owner, created_on, updated_on, updated_by, sync_required, content) VALUES (?, ?, ?, ?, ?, ?, 1, jsonb(?))`,
    );
    const paths = new Set<string>();
    const ids: string[] = [];
    for (const item of items) {
      const id = item.id ?? this.ctx.ids.uuid();
      ins.run(id, c.key, actor.userId, now, now, actor.userId, JSON.stringify(item.content));
      arrayPaths(item.content, paths);
      ids.push(id);
    }
    this.recordArrayPaths(c.key, paths);
    this.markSyncRequired(c);
    this.noteWrites(ids.length);
    return ids;
  }

  private writeContent(c: CollectionRow, actor: AppDbActor, items: Array<{ id: string; content: Content }>): void {
    if (!items.length) return;
    const now = domoTime(this.ctx.clock.nowMs());
    const upd = this.statement(`UPDATE appdb_documents SET content = jsonb(?), updated_on = ?, updated_by = ?, sync_required = 1 WHERE id = ? AND collection_key = ?`);
    const paths = new Set<string>();
    for (const item of items) {
      upd.run(JSON.stringify(item.content), now, actor.userId, item.id, c.key);
      arrayPaths(item.content, paths);
    }
    this.recordArrayPaths(c.key, paths);
    this.markSyncRequired(c);
  }

  private removeDocs(c: CollectionRow, ids: string[]): void {
    if (!ids.length) return;
    const del = this.statement(`DELETE FROM appdb_documents WHERE id = ? AND collection_key = ?`);
    for (const id of ids) del.run(id, c.key);
    this.markSyncRequired(c);
  }

  private markSyncRequired(c: CollectionRow): void {
    this.statement(`UPDATE appdb_collections SET sync_required = 1 WHERE key = ? AND sync_required = 0`).run(c.key);
  }
}

const collectionColumns =
  'key, id, datastore_id AS datastoreId, name, owner, schema_json AS schemaJson, filters_json AS filtersJson, sync_enabled AS syncEnabled, ' +
  'sync_required AS syncRequired, full_replace_required AS fullReplaceRequired, exportable, last_sync AS lastSync, datasource_id AS datasourceId, ' +
  'datasource_columns AS datasourceColumns, permissions_set AS permissionsSet, created_on AS createdOn, updated_on AS updatedOn, updated_by AS updatedBy';
const booleanColumns = ['syncEnabled', 'syncRequired', 'fullReplaceRequired', 'exportable', 'permissionsSet'] as const;
function toCollectionRow(row: Record<string, unknown>): CollectionRow {
  for (const k of booleanColumns) row[k] = !!row[k];
  return row as unknown as CollectionRow;
}

const rawColumns = `d.id, d.owner, d.created_on, d.updated_on, d.updated_by, d.sync_required, json(d.content) AS content`;

const idIs = (id: string): Filter => ({ kind: 'field', path: ['id'], cond: { op: 'eq', value: id } });

function normalizeSchema(schema: { columns: SchemaColumn[] } | undefined): { columns: Array<{ type: string; name: string; visible: boolean }> } {
  return { columns: (schema?.columns ?? []).map((c) => ({ type: c.type, name: c.name, visible: c.visible ?? true })) };
}

/** An unwound document (content changed) back to Domo's JSON. */
function virtualToJson(d: VirtualDoc): DocumentJson {
  const dt = (v: unknown) => (v instanceof Date ? domoTime(v.getTime()) : v);
  return JSON.stringify({
    id: d.id,
    customer: d.customer,
    owner: d.owner,
    datastoreId: d.datastoreId,
    collectionId: d.collectionId,
    createdOn: dt(d.createdOn),
    updatedOn: dt(d.updatedOn),
    updatedBy: d.updatedBy,
    content: d.content,
    syncRequired: d.syncRequired,
  });
}
