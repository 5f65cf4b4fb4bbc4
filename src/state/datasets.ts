import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import {
  cards,
  datasetIndexes,
  datasetPartitions,
  datasetPermissions,
  datasets,
  datasetSchemas,
  datasetUploadParts,
  datasetUploads,
  datasetVersions,
  groups,
  streams,
  users,
  type SchemaColumn,
} from '../../db/schema/index.js';
import { cellText, parseDelimitedRow, ValueError, valueConverter, type Cell } from '../engines/csv.js';
import { registerConvertFunction } from '../engines/sql/convert.js';
import { defaultStages } from '../engines/jobs.js';
import { columnTypes, quoteIdent, sqliteDeclaredType, type ColumnType, type DatasetColumn } from '../engines/sql/types.js';
import { badRequest, conflict, notFound, type ErrorDetail } from '../http/errors.js';
import type { Principal } from '../access/principal.js';
import type { Resource } from '../access/resources.js';
import type { Action } from '../access/actions.js';
import type { StoreContext } from './context.js';

export type DatasetRow = typeof datasets.$inferSelect;
export type VersionRow = typeof datasetVersions.$inferSelect;

/** Who is asking: the request's principal (the access policy decides what it may do). */
export type Actor = Principal;

export const accessLevels = ['OWNER', 'CO_OWNER', 'CAN_EDIT', 'CAN_SHARE', 'CAN_VIEW'] as const;
export type AccessLevel = (typeof accessLevels)[number];
export type Need = 'read' | 'share' | 'write' | 'delete';

const levelRank: Record<AccessLevel, number> = { CAN_VIEW: 1, CAN_SHARE: 2, CAN_EDIT: 3, CO_OWNER: 4, OWNER: 5 };
const needAction: Record<Need, Action> = { read: 'dataset.read', share: 'dataset.share', write: 'dataset.update', delete: 'dataset.delete' };
const permissionString = ['NONE', 'READ', 'READ_SHARE', 'READ_WRITE_SHARE', 'READ_WRITE_DELETE_SHARE_ADMIN', 'READ_WRITE_DELETE_SHARE_ADMIN'];

export interface ColumnInput {
  name: string;
  type: string;
  id?: string;
  visible?: boolean;
  metadata?: { colLabel?: string; colFormat?: string };
}

export interface CreateDatasetInput {
  name: string;
  description?: string;
  columns: Array<{ name: string; type: ColumnType | string; visible?: boolean }>;
  ownerId: number;
  dataProviderType?: string;
}

export interface DatasetSeed {
  id: string;
  name: string;
  description?: string;
  ownerId: number;
  dataProviderType?: string;
  transportType?: string;
  streamId?: number;
  columns: Array<{ name: string; type: ColumnType; visible?: boolean }>;
  tags?: string[];
  permissions?: Array<{ type: 'USER' | 'GROUP'; id: number; accessLevel: AccessLevel }>;
  /** Data versions to load, oldest first. */
  versions?: Array<{ action: 'APPEND' | 'REPLACE'; tag?: string; rows: Cell[][]; numBytes?: number }>;
}

/**
 * What another family knows about how it loads a dataset (its stream's runs, the DataFlow runs that write it):
 * the dataset's status, state, validConfiguration and scheduleActive are computed from these and its uploads.
 */
export interface LoadReport {
  /** The family's latest load: RUNNING since `at`, or finished at `at` (SUCCESS or ERROR). */
  last?: { at: number; state: 'RUNNING' | 'SUCCESS' | 'ERROR' } | null;
  /** false: the family's configuration cannot load the dataset (a stream's account is gone, a DataFlow is invalid). */
  valid?: boolean;
  /** The family loads the dataset again by itself (a stream schedule, a DataFlow run when its inputs update). */
  scheduled?: boolean;
}

/** A dataset's load status as Domo shows it on the dataset. */
export interface LoadStatus {
  /** The outcome of the last finished load: SUCCESS, ERROR, or IDLE (nothing ever loaded). */
  status: 'SUCCESS' | 'ERROR' | 'IDLE';
  /** RUNNING while a load is under way, else the status. */
  state: 'SUCCESS' | 'ERROR' | 'IDLE' | 'RUNNING';
  validConfiguration: boolean;
  scheduleActive: boolean;
}

export interface CommitOptions {
  action?: 'APPEND' | 'REPLACE';
  index: boolean;
  tag?: string | null;
}

/** A part being received: rows go to its staging table in batches. */
export interface PartHandle {
  datasetId: string;
  uploadId: number;
  part: number;
  table: string;
  columns: DatasetColumn[];
  insertMany(rows: Cell[][]): void;
}

export interface PartitionSearch {
  paginationFields?: Array<{ fieldName: string; sortOrder?: 'ASC' | 'DESC'; filterValues?: { MIN?: unknown; MAX?: unknown } }>;
  limit: number;
  offset: number;
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const versionTable = (seq: number, dataId: number) => `dsv_${seq}_${dataId}`;
const emptyTable = (seq: number) => `dse_${seq}`;
const viewName = (seq: number) => `dataset_${seq}`;
const UPLOAD_TTL_MS = 24 * 3600_000;

/**
 * Datasets: metadata, schemas, permissions, tags, uploads, data versions, partitions, indexing.
 *
 * Rows live in one typed SQLite table per data version (`dsv_<seq>_<dataId>`), created with the declared
 * types of sql/types.ts. What queries see is the view `dataset_<seq>`: the UNION ALL of the live versions
 * (the last REPLACE and the APPENDs after it, plus the newest version of each partition tag) that are
 * indexed as of the instance clock. The view is rebuilt lazily when that set changes.
 */
export class DatasetsStore {
  /** Job kinds that run after a dataset's visible rows change (alerts, DataFlows that run on input updates). */
  private readonly changeKinds: string[] = [];
  private readonly deleteHooks: Array<(ds: DatasetRow) => void> = [];
  private readonly loadReporters: Array<(ds: DatasetRow) => LoadReport | null> = [];
  constructor(
    private readonly ctx: StoreContext,
    /** Other families' views of a dataset: its beast modes (properties.formulas) and its certification. */
    private readonly links: {
      datasetFormulas(datasetId: string): Record<string, unknown>;
      badge(type: 'DATA_SOURCE', id: string): Record<string, unknown> | null;
    },
  ) {
    registerConvertFunction(ctx.sqlite);
    ctx.jobs.register<{ indexId: number; status: string }, void>('dataset.index', { apply: ({ indexId, status }) => this.indexStage(indexId, status) });
    this.dropOrphanStaging();
  }

  /**
   * Staging tables no upload part points at: a process killed while a part was arriving leaves one
   * (a part only becomes visible when finishPart records it). Dropped when the instance opens.
   */
  private dropOrphanStaging(): void {
    const orphans = this.ctx.sqlite
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'dsup\\_%' ESCAPE '\\' ` +
          `AND name NOT IN (SELECT table_name FROM dataset_upload_parts)`,
      )
      .pluck()
      .all() as string[];
    for (const t of orphans) this.dropTable(t);
  }

  // ---------------------------------------------------------------- contract used by other families

  /**
   * What another family does, in the same transaction, when a dataset is deleted (its cards go, their
   * alerts and certifications too...). docs/cascades.md lists every cascade.
   */
  onDelete(fn: (ds: DatasetRow) => void): void {
    this.deleteHooks.push(fn);
  }

  /** Another family that loads datasets (streams, DataFlows) reports how a dataset's loads stand (see LoadReport). */
  reportsLoads(fn: (ds: DatasetRow) => LoadReport | null): void {
    this.loadReporters.push(fn);
  }

  /**
   * The dataset's load status: the latest of its own data versions (uploads and every load commit one, a
   * SUCCESS) and the loads other families report (a failed stream run or DataFlow execution is an ERROR);
   * RUNNING while any is under way.
   */
  loadStatus(ds: DatasetRow): LoadStatus {
    const reports = this.loadReporters.map((f) => f(ds)).filter((r): r is LoadReport => r !== null);
    const committed = this.ctx.sqlite
      .prepare('SELECT max(recorded) FROM dataset_versions WHERE dataset_seq = ? AND deleted = 0')
      .pluck()
      .get(ds.seq) as number | null;
    const events = reports.map((r) => r.last).filter((e): e is NonNullable<LoadReport['last']> => !!e);
    const finished = events.filter((e) => e.state !== 'RUNNING');
    if (committed !== null) finished.push({ at: committed, state: 'SUCCESS' });
    // the latest outcome; at the same instant a failure is the later news (a failed run commits nothing)
    const latest = finished.sort((a, b) => b.at - a.at || (a.state === 'ERROR' ? -1 : 1) - (b.state === 'ERROR' ? -1 : 1))[0];
    const status = (latest?.state ?? 'IDLE') as LoadStatus['status'];
    return {
      status,
      state: events.some((e) => e.state === 'RUNNING') ? 'RUNNING' : status,
      validConfiguration: reports.every((r) => r.valid !== false),
      scheduleActive: reports.some((r) => r.scheduled === true),
    };
  }

  /** Another family's job kind that runs (payload {datasetId}) whenever a dataset's visible rows change. */
  notifyOnChange(kind: string): void {
    if (!this.changeKinds.includes(kind)) this.changeKinds.push(kind);
  }

  /** Schedules the change jobs for a dataset, when its new rows become visible (one pending per kind and dataset). */
  private changed(ds: DatasetRow, visibleAt: number = this.ctx.clock.nowMs()): void {
    for (const kind of this.changeKinds) this.ctx.jobs.enqueue(kind, { datasetId: ds.id }, { due: visibleAt, key: `${kind}:${ds.id}` });
  }

  /** Creates an API dataset owned by `ownerId` (as `by`, who needs dataset.create, when a client asks); returns its view. */
  create(input: CreateDatasetInput, by?: Principal): { id: string } & Record<string, unknown> {
    if (by) this.ctx.access.require(by, 'dataset.create');
    const columns = validateColumns(input.columns, 'columns');
    if (!input.name || !input.name.trim()) throw badRequest('A dataset needs a name', [{ path: 'name', message: 'Required' }]);
    this.assertUser(input.ownerId, 'ownerId');
    const ds = this.ctx.sqlite.transaction(() => {
      const row = this.createRecord({
        id: this.ctx.ids.uuid(),
        name: input.name.trim(),
        description: input.description ?? '',
        ownerId: input.ownerId,
        dataProviderType: input.dataProviderType ?? 'api',
        transportType: 'API',
        streamId: this.ctx.ids.numeric(),
        columns,
      });
      // a dataset another family creates for its own write (a DataFlow output) is recorded by that write
      if (by) this.ctx.audit.record(by, { action: 'CREATED', type: 'DATA_SOURCE', id: row.id, name: row.name });
      return row;
    })();
    const view = this.view(ds, this.ownerPrincipal(ds));
    return view as { id: string } & Record<string, unknown>;
  }

  exists(id: string): boolean {
    return this.find(id) !== undefined;
  }

  /** Replaces the dataset's data with `rows` (values in schema order) as a new, indexed data version. */
  replaceRows(id: string, rows: Iterable<unknown[]>): { dataVersionId: number; rowCount: number } {
    const ds = this.byId(id);
    const cols = ds.columns;
    const convs = cols.map((c) => valueConverter(c.type));
    const v = this.ctx.sqlite.transaction(() => {
      let numBytes = 0;
      let n = 0;
      const res = this.writeVersion(ds, { action: 'REPLACE', tag: null, source: 'API', indexed: true }, (insert) => {
        for (const row of rows) {
          n += 1;
          if (!Array.isArray(row) || row.length !== cols.length) {
            throw badRequest(`Row ${n}: expected ${cols.length} values (${cols.map((c) => c.name).join(', ')}), found ${Array.isArray(row) ? row.length : typeof row}`, [
              { path: `rows[${n - 1}]`, message: 'Wrong number of values' },
            ]);
          }
          const out = new Array<Cell>(cols.length);
          for (let i = 0; i < cols.length; i++) {
            try {
              out[i] = convs[i](row[i]);
            } catch (e) {
              if (!(e instanceof ValueError)) throw e;
              throw badRequest(`Row ${n}, column '${cols[i].name}' (${cols[i].type}): ${e.message}`, [
                { path: `rows[${n - 1}][${i}]`, message: e.message },
              ]);
            }
            numBytes += cellText(out[i]).length + 1;
          }
          insert(out);
        }
        return { numRows: n, numBytes };
      });
      return res;
    })();
    return { dataVersionId: v.dataId, rowCount: v.numRows };
  }

  // ---------------------------------------------------------------- lookups and access

  find(id: string): DatasetRow | undefined {
    return this.ctx.orm.select().from(datasets).where(eq(datasets.id, id)).get();
  }

  byId(id: string): DatasetRow {
    const ds = this.find(id);
    if (!ds) throw notFound(`DataSet ${id} not found`);
    return ds;
  }

  /** A dataset as the access policy sees it: its owner and its shares. */
  resource(ds: DatasetRow): Resource {
    const rows = this.ctx.orm
      .select({ type: datasetPermissions.principalType, id: datasetPermissions.principalId, level: datasetPermissions.accessLevel })
      .from(datasetPermissions)
      .where(eq(datasetPermissions.datasetSeq, ds.seq))
      .all();
    return { type: 'dataset', id: ds.id, name: ds.name, ownerIds: [ds.ownerId], grants: rows.map((r) => ({ type: r.type, id: r.id, perms: [r.level] })) };
  }

  /** The access rank (0 none .. 5 owner) of a principal on a dataset (the policy's level, as a rank). */
  levelOf(ds: DatasetRow, actor: Actor): number {
    const level = this.ctx.access.level(actor, this.resource(ds));
    return level ? levelRank[level as AccessLevel] : 0;
  }

  /** The dataset, if the principal may do `need` on it: 404 when it does not exist, 403 (why) when not allowed. */
  access(id: string, actor: Actor, need: Need = 'read'): DatasetRow {
    const ds = this.byId(id);
    this.ctx.access.require(actor, needAction[need], this.resource(ds));
    return ds;
  }

  /** Whether the principal may do `need` (no error): for lists that hide what it cannot see. */
  allows(ds: DatasetRow, actor: Actor, need: Need = 'read'): boolean {
    return this.ctx.access.can(actor, needAction[need], this.resource(ds));
  }

  // ---------------------------------------------------------------- metadata

  /** Dataset metadata as GET /api/data/v3/datasources/:id shows it to `actor`. */
  view(ds: DatasetRow, actor: Actor): Record<string, unknown> {
    const level = this.levelOf(ds, actor);
    const owner = this.ctx.orm.select({ name: users.displayName }).from(users).where(eq(users.id, ds.ownerId)).get();
    const cardStats = this.ctx.orm
      .select({ n: sql<number>`count(*)`, views: sql<number>`coalesce(sum(${cards.viewCount}), 0)` })
      .from(cards)
      .where(eq(cards.datasourceId, ds.id))
      .get()!;
    const live = this.liveVersions(ds.seq);
    const load = this.loadStatus(ds);
    return {
      id: ds.id,
      dataSourceId: ds.id,
      displayType: ds.displayType,
      dataProviderType: ds.dataProviderType,
      type: ds.displayType,
      name: ds.name,
      description: ds.description,
      owner: { id: String(ds.ownerId), name: owner?.name ?? null, type: 'USER', group: false },
      status: load.status,
      created: ds.created,
      lastTouched: ds.lastTouched,
      lastUpdated: ds.lastUpdated,
      rowCount: live.reduce((s, v) => s + v.numRows, 0),
      columnCount: ds.columns.length,
      cardInfo: { cardCount: cardStats.n, cardViewCount: cardStats.views },
      properties: { ...ds.properties, formulas: { formulas: this.links.datasetFormulas(ds.id) } },
      state: load.state,
      validConfiguration: load.validConfiguration,
      validAccount: true,
      streamId: ds.streamId,
      transportType: ds.transportType,
      adc: false,
      adcExternal: false,
      adcSource: 'DIRECT',
      masked: false,
      currentUserFullAccess: level >= levelRank.CO_OWNER,
      cloudId: typeof ds.properties.cloudId === 'string' ? ds.properties.cloudId : 'domo',
      cloudName: typeof ds.properties.cloudName === 'string' ? ds.properties.cloudName : 'Domo',
      permissions: permissionString[level],
      hidden: ds.hidden,
      tags: JSON.stringify(ds.tags),
      scheduleActive: load.scheduleActive,
      cardCount: cardStats.n,
      cloudEngine: 'domo',
      schemaId: ds.schemaId,
      certification: this.links.badge('DATA_SOURCE', ds.id),
    };
  }

  get(id: string, actor: Actor): Record<string, unknown> {
    return this.view(this.access(id, actor, 'read'), actor);
  }

  /** GET /api/data/v3/datasources/:id: the dataset's details page, which Domo logs as a view. */
  open(id: string, actor: Actor): Record<string, unknown> {
    const view = this.get(id, actor);
    this.ctx.audit.viewed(actor, { type: 'DATA_SOURCE', id, name: view.name as string });
    return view;
  }

  /** Datasets the actor can see (admins: all), newest first unless sorted otherwise. */
  list(
    opts: { limit: number; offset: number; nameLike?: string; ownerId?: number; sort?: string },
    actor: Actor,
  ): { dataSources: Record<string, unknown>[]; totalCount: number } {
    const conds = [];
    if (!this.ctx.access.isContentAdmin(actor)) {
      const grantee = this.ctx.access.granteeSql(actor, sql.raw('p.principal_type'), sql.raw('p.principal_id'));
      conds.push(sql`(${datasets.ownerId} = ${actor.userId} or exists (select 1 from ${datasetPermissions} p where p.dataset_seq = ${datasets.seq} and ${grantee}))`);
    }
    if (opts.nameLike) conds.push(sql`instr(lower(${datasets.name}), lower(${opts.nameLike})) > 0`);
    if (opts.ownerId !== undefined) conds.push(eq(datasets.ownerId, opts.ownerId));
    const where = conds.length ? and(...conds) : undefined;
    const total = this.ctx.orm.select({ n: sql<number>`count(*)` }).from(datasets).where(where).get()!.n;
    const order =
      opts.sort === 'name'
        ? [asc(sql`lower(${datasets.name})`), asc(datasets.seq)]
        : opts.sort === 'lastUpdated'
          ? [desc(datasets.lastUpdated), asc(datasets.seq)]
          : [desc(datasets.lastTouched), asc(datasets.seq)];
    const rows = this.ctx.orm.select().from(datasets).where(where).orderBy(...order).limit(opts.limit).offset(opts.offset).all();
    return { dataSources: rows.map((r) => this.view(r, actor)), totalCount: total };
  }

  /** Deletes a dataset, its data, uploads, permissions and stream. */
  delete(id: string, actor: Actor): void {
    const ds = this.access(id, actor, 'delete');
    this.ctx.sqlite.transaction(() => {
      this.dropView(ds.seq);
      const tables = this.ctx.orm
        .select({ t: datasetVersions.tableName })
        .from(datasetVersions)
        .where(eq(datasetVersions.datasetSeq, ds.seq))
        .all()
        .map((r) => r.t)
        .filter((t): t is string => !!t);
      const staging = this.ctx.orm
        .select({ t: datasetUploadParts.tableName })
        .from(datasetUploadParts)
        .innerJoin(datasetUploads, eq(datasetUploads.id, datasetUploadParts.uploadId))
        .where(eq(datasetUploads.datasetSeq, ds.seq))
        .all()
        .map((r) => r.t);
      for (const t of [...tables, ...staging, emptyTable(ds.seq)]) this.dropTable(t);
      for (const hook of this.deleteHooks) hook(ds);
      this.ctx.orm.delete(streams).where(eq(streams.datasetId, ds.id)).run();
      this.ctx.orm.delete(datasets).where(eq(datasets.seq, ds.seq)).run();
      this.ctx.audit.record(actor, { action: 'DELETED', type: 'DATA_SOURCE', id: ds.id, name: ds.name });
    })();
  }

  /** PUT .../properties: dataProviderType (also name, description, hidden). */
  setProperties(
    id: string,
    patch: { dataProviderType?: string; name?: string; description?: string; hidden?: boolean },
    actor: Actor,
  ): Record<string, unknown> {
    const ds = this.access(id, actor, 'write');
    const set: Partial<typeof datasets.$inferInsert> = { lastTouched: this.ctx.clock.nowMs() };
    if (patch.dataProviderType !== undefined) {
      set.dataProviderType = patch.dataProviderType;
      set.displayType = patch.dataProviderType;
    }
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.hidden !== undefined) set.hidden = patch.hidden;
    const changed = Object.keys(set).filter((k) => k !== 'lastTouched' && k !== 'displayType');
    this.ctx.audit.write(actor, { action: 'UPDATED', type: 'DATA_SOURCE', id: ds.id, name: set.name ?? ds.name, detail: ` (properties: ${changed.join(', ') || 'none'})` }, () =>
      this.ctx.orm.update(datasets).set(set).where(eq(datasets.seq, ds.seq)).run(),
    );
    return this.view(this.byId(id), actor);
  }

  /** A federated dataset's provider and federation properties, as a platform migration leaves them (internal). */
  setFederation(id: string, f: { dataProviderType: string; properties: Record<string, unknown> }): void {
    const ds = this.byId(id);
    this.ctx.orm
      .update(datasets)
      .set({ dataProviderType: f.dataProviderType, displayType: f.dataProviderType, properties: { ...ds.properties, ...f.properties }, lastTouched: this.ctx.clock.nowMs() })
      .where(eq(datasets.seq, ds.seq))
      .run();
  }

  /** POST /api/data/ui/v3/datasources/:id/tags: the list given becomes the dataset's tags. */
  setTags(id: string, tags: string[], actor: Actor): string[] {
    const ds = this.access(id, actor, 'write');
    const clean = [...new Set(tags.map((t) => t.trim()).filter(Boolean))];
    this.ctx.audit.write(actor, { action: 'UPDATED', type: 'DATA_SOURCE', id: ds.id, name: ds.name, detail: ` (tags: ${clean.join(', ') || 'none'})` }, () =>
      this.ctx.orm.update(datasets).set({ tags: clean, lastTouched: this.ctx.clock.nowMs() }).where(eq(datasets.seq, ds.seq)).run(),
    );
    return clean;
  }

  // ---------------------------------------------------------------- schema

  schemaIndexed(id: string, actor: Actor, includeHidden: boolean): Record<string, unknown> {
    const ds = this.access(id, actor, 'read');
    const columns = ds.columns
      .map((c, order) => ({ name: c.name, id: c.name, type: c.type, visible: c.visible, order }))
      .filter((c) => includeHidden || c.visible);
    return { name: 'schema', tables: [{ columns }], dataSourceId: ds.id, schemaId: ds.schemaId };
  }

  schemaLatest(id: string, actor: Actor): Record<string, unknown> {
    const ds = this.access(id, actor, 'read');
    return { schema: { columns: ds.columns.map(schemaColumnView) }, schemaId: ds.schemaId, dataSourceId: ds.id };
  }

  /**
   * Replaces the schema with `input` (the full new column list). Columns are matched to the old ones by
   * `id` (which may rename a column) or else by name; kept columns keep their values (converted when the
   * type changes), new columns are null, missing ones are dropped. Every stored data version is rewritten;
   * a value that cannot be converted is a 400 naming the column, and nothing changes.
   */
  alterSchema(id: string, input: ColumnInput[], actor: Actor): Record<string, unknown> {
    const ds = this.access(id, actor, 'write');
    const next = validateColumns(input, 'body.columns');
    const oldByName = new Map(ds.columns.map((c) => [c.name, c]));
    const sources = next.map((c, i) => {
      const ref = input[i].id && oldByName.has(input[i].id!) ? input[i].id! : c.name;
      return oldByName.get(ref) ?? null;
    });
    const used = new Set<string>();
    sources.forEach((s, i) => {
      if (!s) return;
      if (used.has(s.name)) {
        throw badRequest(`Column '${s.name}' is used twice in the new schema`, [{ path: `body.columns[${i}]`, message: 'Duplicate source column' }]);
      }
      used.add(s.name);
    });
    this.ctx.audit.write(actor, { action: 'UPDATED', type: 'DATA_SOURCE', id: ds.id, name: ds.name, detail: ` (schema ${ds.schemaId + 1}: ${next.length} columns)` }, () =>
      this.applySchema(ds, next, sources),
    );
    return this.schemaLatest(id, actor);
  }

  /**
   * The schema change itself (inside one transaction): every stored data version rewritten to `next`, each
   * column from its `sources` entry (converted when the type changes) or null; a new schema id.
   */
  private applySchema(ds: DatasetRow, next: SchemaColumn[], sources: Array<SchemaColumn | null>): void {
    this.ctx.sqlite.transaction(() => {
      this.dropView(ds.seq);
      const schemaId = ds.schemaId + 1;
      const tables = this.ctx.orm
        .select({ t: datasetVersions.tableName })
        .from(datasetVersions)
        .where(and(eq(datasetVersions.datasetSeq, ds.seq), eq(datasetVersions.deleted, false)))
        .all()
        .map((r) => r.t)
        .filter((t): t is string => !!t);
      const exprs = next.map((c, i) => {
        const s = sources[i];
        if (!s) return 'NULL';
        if (s.type === c.type) return quoteIdent(s.name);
        return `domo_emu_convert(${sqlString(c.name)}, '${s.type}', '${c.type}', ${quoteIdent(s.name)})`;
      });
      for (const t of tables) {
        const tmp = `${t}__alter`;
        this.createRowTable(tmp, next);
        this.ctx.sqlite.exec(`INSERT INTO ${quoteIdent(tmp)} SELECT ${exprs.join(', ')} FROM ${quoteIdent(t)}`);
        this.dropTable(t);
        this.ctx.sqlite.exec(`ALTER TABLE ${quoteIdent(tmp)} RENAME TO ${quoteIdent(t)}`);
      }
      this.dropTable(emptyTable(ds.seq));
      if (next.length) this.createRowTable(emptyTable(ds.seq), next);
      const now = this.ctx.clock.nowMs();
      this.ctx.orm.insert(datasetSchemas).values({ datasetSeq: ds.seq, schemaId, columns: next, created: now }).run();
      this.ctx.orm
        .update(datasets)
        .set({ columns: next, schemaId, viewSig: '', lastTouched: now, lastUpdated: now })
        .where(eq(datasets.seq, ds.seq))
        .run();
    })();
  }

  // ---------------------------------------------------------------- sharing

  permissions(id: string, actor: Actor): Record<string, unknown> {
    const ds = this.access(id, actor, 'read');
    const rows = this.ctx.orm.select().from(datasetPermissions).where(eq(datasetPermissions.datasetSeq, ds.seq)).all();
    const list = rows
      .map((r) => ({
        type: r.principalType,
        id: String(r.principalId),
        accessLevel: r.accessLevel,
        name: this.principalName(r.principalType, r.principalId),
        rank: levelRank[r.accessLevel as AccessLevel] ?? 0,
      }))
      .sort((a, b) => b.rank - a.rank || a.type.localeCompare(b.type) || Number(a.id) - Number(b.id))
      .map(({ rank: _rank, ...rest }) => rest);
    return {
      list,
      totalUserCount: rows.filter((r) => r.principalType === 'USER').length,
      totalGroupCount: rows.filter((r) => r.principalType === 'GROUP').length,
    };
  }

  /**
   * Grants access. All principals are checked first; a non-admin cannot grant more than their own level.
   * Returns who was granted what, with the email addresses to notify.
   */
  share(
    id: string,
    grants: Array<{ type: 'USER' | 'GROUP'; id: number; accessLevel: AccessLevel }>,
    actor: Actor,
  ): { dataset: DatasetRow; granted: Array<{ type: string; id: number; accessLevel: AccessLevel; name: string; emails: string[] }> } {
    const ds = this.access(id, actor, 'share');
    const res = this.resource(ds);
    const granted = grants.map((g, i) => {
      const emails = this.principalEmails(g.type, g.id, `body.permissions[${i}].id`);
      this.assertWithin(res, g.type, g.id, [g.accessLevel], actor);
      return { ...g, name: this.principalName(g.type, g.id) ?? '', emails };
    });
    const now = this.ctx.clock.nowMs();
    this.ctx.sqlite.transaction(() => {
      for (const g of grants) {
        const cur = this.grantOf(ds.seq, g.type, g.id);
        if (cur === 'OWNER') continue;
        this.ctx.orm
          .insert(datasetPermissions)
          .values({ datasetSeq: ds.seq, principalType: g.type, principalId: g.id, accessLevel: g.accessLevel, created: now })
          .onConflictDoUpdate({
            target: [datasetPermissions.datasetSeq, datasetPermissions.principalType, datasetPermissions.principalId],
            set: { accessLevel: g.accessLevel },
          })
          .run();
      }
      this.ctx.orm.update(datasets).set({ lastTouched: now }).where(eq(datasets.seq, ds.seq)).run();
      this.ctx.audit.record(actor, { action: 'SHARED', type: 'DATA_SOURCE', id: ds.id, name: ds.name, detail: ` with ${grants.map((g) => `${g.type} ${g.id} (${g.accessLevel})`).join(', ')}` });
    })();
    return { dataset: ds, granted };
  }

  /** Removes principals' access (the owner's cannot be removed). All are checked before anything changes. */
  revoke(id: string, principals: Array<{ type: 'USER' | 'GROUP'; id: number }>, actor: Actor): void {
    const ds = this.access(id, actor, 'share');
    const res = this.resource(ds);
    principals.forEach((p, i) => {
      this.principalEmails(p.type, p.id, principals.length > 1 ? `body[${i}].id` : 'path.userId');
      if (this.grantOf(ds.seq, p.type, p.id) === 'OWNER') {
        throw badRequest(`${p.type} ${p.id} owns DataSet ${id}; the owner's access cannot be removed`, [
          { path: principals.length > 1 ? `body[${i}].id` : 'path.userId', message: 'Owner' },
        ]);
      }
      this.assertWithin(res, p.type, p.id, [], actor);
    });
    this.ctx.sqlite.transaction(() => {
      for (const p of principals) {
        this.ctx.orm
          .delete(datasetPermissions)
          .where(
            and(eq(datasetPermissions.datasetSeq, ds.seq), eq(datasetPermissions.principalType, p.type), eq(datasetPermissions.principalId, p.id)),
          )
          .run();
      }
      this.ctx.orm.update(datasets).set({ lastTouched: this.ctx.clock.nowMs() }).where(eq(datasets.seq, ds.seq)).run();
      this.ctx.audit.record(actor, { action: 'UNSHARED', type: 'DATA_SOURCE', id: ds.id, name: ds.name, detail: ` for ${principals.map((p) => `${p.type} ${p.id}`).join(', ')}` });
    })();
  }

  // ---------------------------------------------------------------- uploads

  /** Stage 1: opens an upload session (optionally for a partition tag). */
  startUpload(
    id: string,
    opts: { tag?: string | null; action?: 'APPEND' | 'REPLACE' | null; appendId?: string | null; message?: string | null },
    actor: Actor,
  ): { dataSourceId: string; uploadId: number; requestedAsOf: number } {
    const ds = this.access(id, actor, 'write');
    const now = this.ctx.clock.nowMs();
    this.purgeStaleUploads(now);
    const row = this.ctx.orm
      .insert(datasetUploads)
      .values({
        datasetSeq: ds.seq,
        tag: opts.tag ?? null,
        action: opts.action ?? null,
        appendId: opts.appendId ?? null,
        message: opts.message ?? null,
        schemaId: ds.schemaId,
        state: 'OPEN',
        createdBy: actor.userId,
        created: now,
      })
      .returning({ id: datasetUploads.id })
      .get();
    return { dataSourceId: ds.id, uploadId: row.id, requestedAsOf: now };
  }

  /** Stage 2, start: checks the upload and creates an empty staging table for this attempt at the part. */
  beginPart(id: string, uploadId: number, part: number, actor: Actor): PartHandle {
    const ds = this.access(id, actor, 'write');
    const up = this.openUpload(ds, uploadId);
    if (!ds.columns.length) throw badRequest(`DataSet ${id} has no columns yet; set its schema before uploading data`);
    const attempt = up.nextAttempt;
    this.ctx.orm.update(datasetUploads).set({ nextAttempt: attempt + 1 }).where(eq(datasetUploads.id, uploadId)).run();
    const table = `dsup_${uploadId}_${part}_${attempt}`;
    const columns = ds.columns.map((c) => ({ name: c.name, type: c.type }));
    this.createRowTable(table, columns);
    const insert = this.rowInserter(table, columns.length);
    const tx = this.ctx.sqlite.transaction((rows: Cell[][]) => insert(rows));
    return { datasetId: ds.id, uploadId, part, table, columns, insertMany: (rows) => tx(rows) };
  }

  /** Stage 2, success: the part's rows replace any earlier upload of the same part number. */
  finishPart(h: PartHandle, stats: { rows: number; bytes: number }): Record<string, unknown> {
    this.ctx.sqlite.transaction(() => {
      const up = this.ctx.orm.select().from(datasetUploads).where(eq(datasetUploads.id, h.uploadId)).get();
      if (!up || up.state !== 'OPEN') {
        this.dropTable(h.table);
        throw conflict(`Upload ${h.uploadId} was committed or removed while part ${h.part} was being received`);
      }
      const prev = this.ctx.orm
        .select()
        .from(datasetUploadParts)
        .where(and(eq(datasetUploadParts.uploadId, h.uploadId), eq(datasetUploadParts.part, h.part)))
        .get();
      if (prev) this.dropTable(prev.tableName);
      this.ctx.orm
        .insert(datasetUploadParts)
        .values({ uploadId: h.uploadId, part: h.part, tableName: h.table, numRows: stats.rows, numBytes: stats.bytes, received: this.ctx.clock.nowMs() })
        .onConflictDoUpdate({
          target: [datasetUploadParts.uploadId, datasetUploadParts.part],
          set: { tableName: h.table, numRows: stats.rows, numBytes: stats.bytes, received: this.ctx.clock.nowMs() },
        })
        .run();
    })();
    return { dataSourceId: h.datasetId, uploadId: h.uploadId, part: h.part, numRows: stats.rows, numBytes: stats.bytes, status: 'SUCCESS' };
  }

  /** Stage 2, failure: the attempt's rows are discarded; earlier parts are untouched. */
  abortPart(h: PartHandle): void {
    this.dropTable(h.table);
  }

  /** Stage 3: the parts, in part-number order, become one new data version, atomically. */
  commitUpload(id: string, uploadId: number, opts: CommitOptions, actor: Actor): Record<string, unknown> {
    const ds = this.access(id, actor, 'write');
    const up = this.openUpload(ds, uploadId);
    const action = opts.action ?? (up.action as 'APPEND' | 'REPLACE' | null) ?? undefined;
    if (!action) throw badRequest('Commit needs an action: APPEND or REPLACE', [{ path: 'body.action', message: 'Required' }]);
    const tag = opts.tag ?? up.tag ?? null;
    const parts = this.ctx.orm
      .select()
      .from(datasetUploadParts)
      .where(eq(datasetUploadParts.uploadId, uploadId))
      .orderBy(asc(datasetUploadParts.part))
      .all();
    const v = this.ctx.sqlite.transaction(() => {
      const dataId = ds.nextDataId;
      const table = versionTable(ds.seq, dataId);
      // the first part's table becomes the version; the other parts are appended to it in part order
      if (parts.length) {
        this.ctx.sqlite.exec(`ALTER TABLE ${quoteIdent(parts[0].tableName)} RENAME TO ${quoteIdent(table)}`);
        for (const p of parts.slice(1)) {
          this.ctx.sqlite.exec(`INSERT INTO ${quoteIdent(table)} SELECT * FROM ${quoteIdent(p.tableName)}`);
          this.dropTable(p.tableName);
        }
      } else this.createRowTable(table, ds.columns);
      const version = this.recordVersion(ds, {
        dataId,
        table,
        action,
        tag,
        source: 'UPLOAD',
        uploadId,
        numRows: parts.reduce((s, p) => s + p.numRows, 0),
        numBytes: parts.reduce((s, p) => s + p.numBytes, 0),
        indexed: opts.index,
      });
      this.ctx.orm.delete(datasetUploadParts).where(eq(datasetUploadParts.uploadId, uploadId)).run();
      this.ctx.orm
        .update(datasetUploads)
        .set({ state: 'COMMITTED', committed: this.ctx.clock.nowMs(), dataId })
        .where(eq(datasetUploads.id, uploadId))
        .run();
      // the upload's one entry: starting it and its parts are staging, invisible until this commit
      this.ctx.audit.record(actor, { action: 'UPDATED', type: 'DATA_SOURCE', id: ds.id, name: ds.name, detail: ` (upload ${uploadId}: ${action}, ${version.numRows} rows in ${parts.length} parts)` });
      return version;
    })();
    return {
      dataSourceId: ds.id,
      uploadId,
      dataVersionId: v.dataId,
      dataId: v.dataId,
      action,
      dataTag: tag,
      index: opts.index,
      indexed: opts.index,
      numRows: v.numRows,
      numBytes: v.numBytes,
      parts: parts.length,
      status: 'SUCCESS',
    };
  }

  /** "Append row to Dataset": one row of delimited values appended as a new data version. */
  appendValues(id: string, values: string, delimiter: string, actor: Actor): Record<string, unknown> {
    const ds = this.access(id, actor, 'write');
    const row = parseDelimitedRow(values, delimiter, ds.columns, 'values');
    const v = this.ctx.audit.write(actor, { action: 'UPDATED', type: 'DATA_SOURCE', id: ds.id, name: ds.name, detail: ' (appended 1 row)' }, () =>
      this.addVersion(id, [row], { action: 'APPEND', source: 'API', numBytes: Buffer.byteLength(values) }),
    );
    return { dataSourceId: ds.id, dataVersionId: v.dataId, rowsAppended: 1, requestedAsOf: v.recorded };
  }

  /**
   * Appends or replaces with already-typed rows as a new data version (stream runs, fixtures).
   * `visibleAt` is when the version becomes queryable (default: now).
   */
  addVersion(
    id: string,
    rows: Cell[][],
    opts: { action: 'APPEND' | 'REPLACE'; tag?: string | null; source: string; numBytes?: number; visibleAt?: number | null },
  ): VersionRow {
    const ds = this.byId(id);
    return this.ctx.sqlite.transaction(() =>
      this.writeVersion(ds, { action: opts.action, tag: opts.tag ?? null, source: opts.source, indexed: true, visibleAt: opts.visibleAt }, (insert) => {
        let bytes = 0;
        for (const r of rows) {
          insert(r);
          if (opts.numBytes === undefined) bytes += r.reduce<number>((s, v) => s + cellText(v).length + 1, 0);
        }
        return { numRows: rows.length, numBytes: opts.numBytes ?? bytes };
      }),
    )();
  }

  /** Bytes a data version's rows take in the database: its table's pages, as SQLite's dbstat counts them. */
  storedBytes(v: VersionRow): number {
    if (!v.tableName) return 0;
    return (this.ctx.sqlite.prepare('SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = ?').pluck().get(v.tableName) as number) ?? 0;
  }

  /**
   * Writes rows a DataFlow computed as a new data version of its output (in the caller's transaction, with no
   * access check: the DataFlows store decided). The output's schema becomes `columns` first when it differs
   * (columns kept by name keep their values in older versions, converted; a value that cannot be converted
   * is a 400 and nothing changes). Values arrive as query results give them (numbers, DATE/DATETIME text).
   */
  writeDerived(id: string, columns: ReadonlyArray<{ name: string; type: ColumnType }>, rows: unknown[][], opts: { action: 'APPEND' | 'REPLACE'; source: string }): VersionRow {
    let ds = this.byId(id);
    const next = validateColumns(columns, `output ${ds.name} columns`);
    const same = next.length === ds.columns.length && next.every((c, i) => c.name === ds.columns[i].name && c.type === ds.columns[i].type);
    if (!same) {
      const old = new Map(ds.columns.map((c) => [c.name.toLowerCase(), c]));
      this.applySchema(ds, next, next.map((c) => old.get(c.name.toLowerCase()) ?? null));
      ds = this.byId(id);
    }
    const convs = ds.columns.map((c) => valueConverter(c.type));
    return this.writeVersion(ds, { action: opts.action, tag: null, source: opts.source, indexed: true }, (insert) => {
      let numBytes = 0;
      rows.forEach((row, n) => {
        const out = new Array<Cell>(convs.length);
        for (let i = 0; i < convs.length; i++) {
          try {
            out[i] = convs[i](row[i] ?? null);
          } catch (e) {
            if (!(e instanceof ValueError)) throw e;
            throw badRequest(`Row ${n + 1}, column '${ds.columns[i].name}' (${ds.columns[i].type}): ${e.message}`);
          }
          numBytes += cellText(out[i]).length + 1;
        }
        insert(out);
      });
      return { numRows: rows.length, numBytes };
    });
  }

  // ---------------------------------------------------------------- data versions

  /** GET /api/data/v2/datasources/:id/dataversions: versions still stored, oldest first. */
  listVersions(id: string, actor: Actor): Array<Record<string, unknown>> {
    const ds = this.access(id, actor, 'read');
    return this.versions(ds.seq)
      .filter((v) => !v.deleted)
      .map((v) => ({
        schemaId: v.schemaId,
        dataId: v.dataId,
        uploadStatus: 'success',
        recordedDate: isoSeconds(v.recorded),
        uploadCompletedDate: isoSeconds(v.completed),
        numRows: v.numRows,
        numBytes: v.numBytes,
      }));
  }

  /** GET /api/data/v3/datasources/:id/dataversions/details: every version, with its index and live state. */
  versionDetails(id: string, actor: Actor): Array<Record<string, unknown>> {
    const ds = this.access(id, actor, 'read');
    const now = this.ctx.clock.nowMs();
    const live = new Set(this.liveVersions(ds.seq).map((v) => v.dataId));
    return this.versions(ds.seq).map((v) => ({
      dataSourceId: ds.id,
      dataId: v.dataId,
      dataVersionId: v.dataId,
      schemaId: v.schemaId,
      uploadId: v.uploadId,
      action: v.action,
      dataTag: v.tag,
      source: v.source,
      status: v.deleted ? 'DELETED' : 'SUCCESS',
      indexStatus: v.deleted ? 'DELETED' : v.indexedAt === null ? 'NOT_INDEXED' : v.indexedAt <= now ? 'INDEXED' : 'INDEXING',
      indexId: v.indexId,
      current: live.has(v.dataId),
      deleted: v.deleted,
      numRows: v.numRows,
      numBytes: v.numBytes,
      recordedDate: isoSeconds(v.recorded),
      uploadCompletedDate: isoSeconds(v.completed),
      created: v.recorded,
    }));
  }

  /** DELETE /api/data/v2/datasources/:id/dataversions: removes versions and their rows (all ids checked first). */
  deleteVersions(id: string, dataIds: number[], actor: Actor): void {
    const ds = this.access(id, actor, 'write');
    const found = new Map(this.versions(ds.seq).map((v) => [v.dataId, v]));
    dataIds.forEach((d, i) => {
      const v = found.get(d);
      if (!v || v.deleted) throw notFound(`Data version ${d} of DataSet ${id} not found`);
      if (dataIds.indexOf(d) !== i) throw badRequest(`Data version ${d} is listed twice`, [{ path: `body[${i}]`, message: 'Duplicate' }]);
    });
    this.ctx.audit.write(actor, { action: 'UPDATED', type: 'DATA_SOURCE', id: ds.id, name: ds.name, detail: ` (deleted data versions ${dataIds.join(', ')})` }, () =>
      this.markDeleted(ds, dataIds.map((d) => found.get(d)!)),
    );
  }

  /** POST /api/dataprocessing/v2/dataflows/data-version-hydrate: stored versions of a dataset. */
  hydrate(id: string, opts: { limit: number; offset: number }, actor: Actor): Array<Record<string, unknown>> {
    const ds = this.access(id, actor, 'read');
    const live = new Set(this.liveVersions(ds.seq).map((v) => v.dataId));
    return this.versions(ds.seq)
      .filter((v) => !v.deleted)
      .slice(opts.offset, opts.offset + opts.limit)
      .map((v) => ({
        dataSourceId: ds.id,
        dataVersionId: v.dataId,
        partitionId: v.tag,
        rowCount: v.numRows,
        sizeBytes: v.numBytes,
        createdAt: v.recorded,
        schemaId: v.schemaId,
        active: live.has(v.dataId),
      }));
  }

  // ---------------------------------------------------------------- partitions

  listPartitions(id: string, actor: Actor): Array<{ partitionId: string }> {
    const ds = this.access(id, actor, 'read');
    return this.ctx.orm
      .select({ partitionId: datasetPartitions.tag })
      .from(datasetPartitions)
      .where(eq(datasetPartitions.datasetSeq, ds.seq))
      .orderBy(asc(datasetPartitions.tag))
      .all();
  }

  /** Partitions with data, their row counts and completion dates; sorted, filtered (MIN/MAX) and paged. */
  searchPartitions(id: string, q: PartitionSearch, actor: Actor): Array<Record<string, unknown>> {
    const ds = this.access(id, actor, 'read');
    const tags = this.listPartitions(id, actor).map((p) => p.partitionId);
    const vs = this.versions(ds.seq).filter((v) => !v.deleted && v.tag !== null);
    let out = tags
      .map((tag) => {
        const latest = vs.filter((v) => v.tag === tag).at(-1);
        if (!latest) return null;
        return {
          partitionId: tag,
          dataVersionId: latest.dataId,
          dateCompleted: latest.completed,
          rowCount: latest.numRows,
          size: latest.numBytes,
          status: 'SUCCESS',
        };
      })
      .filter((p): p is NonNullable<typeof p> => p !== null);
    const fields: Record<string, (p: (typeof out)[number]) => string | number> = {
      datecompleted: (p) => p.dateCompleted,
      rowcount: (p) => p.rowCount,
      size: (p) => p.size,
      partitionid: (p) => p.partitionId,
      dataversionid: (p) => p.dataVersionId,
    };
    const sorts: Array<{ get: (p: (typeof out)[number]) => string | number; dir: number }> = [];
    (q.paginationFields ?? []).forEach((f, i) => {
      const key = f.fieldName.toLowerCase();
      const get = fields[key];
      if (!get) {
        throw badRequest(`Unknown paginationFields fieldName '${f.fieldName}' (use ${Object.keys(fields).join(', ')})`, [
          { path: `body.paginationFields[${i}].fieldName`, message: 'Unknown field' },
        ]);
      }
      const isDate = key === 'datecompleted';
      const bound = (v: unknown, which: string): string | number | null => {
        if (v === null || v === undefined || v === '') return null;
        if (isDate && typeof v === 'string' && !/^\d+$/.test(v)) {
          const t = Date.parse(v);
          if (Number.isNaN(t)) {
            throw badRequest(`filterValues.${which} '${v}' is not a date`, [
              { path: `body.paginationFields[${i}].filterValues.${which}`, message: 'Not a date' },
            ]);
          }
          return t;
        }
        if (key === 'partitionid') return String(v);
        const n = Number(v);
        if (Number.isNaN(n)) {
          throw badRequest(`filterValues.${which} '${String(v)}' is not a number`, [
            { path: `body.paginationFields[${i}].filterValues.${which}`, message: 'Not a number' },
          ]);
        }
        return n;
      };
      const min = bound(f.filterValues?.MIN, 'MIN');
      const max = bound(f.filterValues?.MAX, 'MAX');
      out = out.filter((p) => (min === null || get(p) >= min) && (max === null || get(p) <= max));
      sorts.push({ get, dir: (f.sortOrder ?? 'ASC').toUpperCase() === 'DESC' ? -1 : 1 });
    });
    if (!sorts.length) sorts.push({ get: (p) => p.dateCompleted, dir: -1 }, { get: (p) => p.dataVersionId, dir: -1 });
    out.sort((a, b) => {
      for (const s of sorts) {
        const x = s.get(a);
        const y = s.get(b);
        if (x < y) return -s.dir;
        if (x > y) return s.dir;
      }
      return a.partitionId < b.partitionId ? -1 : 1;
    });
    return out.slice(q.offset, q.offset + q.limit);
  }

  /** DELETE .../tag/:tag/data: the partition's data versions are deleted; the tag stays listed. */
  deletePartitionData(id: string, tag: string, actor: Actor): Record<string, unknown> {
    const ds = this.access(id, actor, 'write');
    this.assertPartition(ds, tag);
    const vs = this.versions(ds.seq).filter((v) => v.tag === tag && !v.deleted);
    this.ctx.audit.write(actor, { action: 'UPDATED', type: 'DATA_SOURCE', id: ds.id, name: ds.name, detail: ` (deleted the data of partition '${tag}')` }, () => this.markDeleted(ds, vs));
    return { dataSourceId: ds.id, partitionId: tag, deletedDataVersionIds: vs.map((v) => v.dataId) };
  }

  /** DELETE .../partition/:tag: the tag leaves the partition list, and its data leaves the dataset. */
  deletePartitionTag(id: string, tag: string, actor: Actor): Record<string, unknown> {
    const ds = this.access(id, actor, 'write');
    this.assertPartition(ds, tag);
    const vs = this.versions(ds.seq).filter((v) => v.tag === tag && !v.deleted);
    this.ctx.sqlite.transaction(() => {
      this.markDeleted(ds, vs);
      this.ctx.orm.delete(datasetPartitions).where(and(eq(datasetPartitions.datasetSeq, ds.seq), eq(datasetPartitions.tag, tag))).run();
      this.ctx.audit.record(actor, { action: 'UPDATED', type: 'DATA_SOURCE', id: ds.id, name: ds.name, detail: ` (deleted partition '${tag}')` });
    })();
    return { dataSourceId: ds.id, partitionId: tag, deleted: true };
  }

  // ---------------------------------------------------------------- indexing

  /**
   * Starts an index job for the given data versions (default: every stored version not indexed yet).
   * They become visible to queries when the job reaches SUCCESS on the instance clock.
   */
  requestIndex(id: string, dataIds: number[] | undefined, actor: Actor): Record<string, unknown> {
    const ds = this.access(id, actor, 'write');
    const all = this.versions(ds.seq).filter((v) => !v.deleted);
    let targets: VersionRow[];
    if (dataIds && dataIds.length) {
      const byId = new Map(all.map((v) => [v.dataId, v]));
      targets = dataIds.map((d) => {
        const v = byId.get(d);
        if (!v) throw notFound(`Data version ${d} of DataSet ${id} not found`);
        return v;
      });
    } else targets = all;
    targets = targets.filter((v) => v.indexedAt === null);
    const now = this.ctx.clock.nowMs();
    const idx = this.ctx.sqlite.transaction(() => {
      const row = this.ctx.orm
        .insert(datasetIndexes)
        .values({ datasetSeq: ds.seq, dataIds: targets.map((v) => v.dataId), requestedBy: actor.userId, started: now })
        .returning()
        .get();
      if (targets.length) {
        this.ctx.orm
          .update(datasetVersions)
          .set({ indexId: row.id })
          .where(and(eq(datasetVersions.datasetSeq, ds.seq), inArray(datasetVersions.dataId, targets.map((v) => v.dataId)), isNull(datasetVersions.indexedAt)))
          .run();
      }
      // the index job: PENDING now, IN_PROGRESS and SUCCESS on the scheduler (the versions become visible then)
      this.ctx.orm.update(datasetIndexes).set({ statuses: [{ status: 'PENDING', timestamp: now }] }).where(eq(datasetIndexes.id, row.id)).run();
      for (const stage of defaultStages.slice(1)) this.ctx.jobs.enqueue('dataset.index', { indexId: row.id, status: stage.state }, { due: now + stage.at });
      this.ctx.audit.record(actor, { action: 'UPDATED', type: 'DATA_SOURCE', id: ds.id, name: ds.name, detail: ` (index ${row.id} requested for ${targets.length} data versions)` });
      return this.ctx.orm.select().from(datasetIndexes).where(eq(datasetIndexes.id, row.id)).get()!;
    })();
    return this.indexView(ds, idx);
  }

  indexStatus(id: string, indexId: number, actor: Actor): Record<string, unknown> {
    const ds = this.access(id, actor, 'read');
    const idx = this.ctx.orm
      .select()
      .from(datasetIndexes)
      .where(and(eq(datasetIndexes.id, indexId), eq(datasetIndexes.datasetSeq, ds.seq)))
      .get();
    if (!idx) throw notFound(`Index ${indexId} of DataSet ${id} not found`);
    return this.indexView(ds, idx);
  }

  // ---------------------------------------------------------------- queries

  /**
   * What a query on this dataset reads: the view of its visible rows (rebuilt first if the visible
   * versions changed) and its columns. Needs read access. Only the row service (src/state/rows.ts) calls
   * this: every other reader asks the row service.
   */
  queryTarget(
    id: string,
    actor: Actor,
    /** The caller already decided `actor` may see these rows (a card's viewer reads its dataset through the card). */
    authorized = false,
  ): { dataset: DatasetRow; table: string; columns: DatasetColumn[]; dataSignature: string } {
    const ds = authorized ? this.byId(id) : this.access(id, actor, 'read');
    if (!ds.columns.length) throw badRequest(`DataSet ${id} has no columns yet; nothing to query`);
    const sig = this.ensureView(ds);
    return { dataset: ds, table: viewName(ds.seq), columns: ds.columns.map((c) => ({ name: c.name, type: c.type })), dataSignature: sig };
  }

  /** A value that changes whenever the rows a query would see change (exports reuse unchanged results). */
  dataSignature(ds: DatasetRow): string {
    return `${ds.schemaId}|${this.liveVersions(ds.seq)
      .map((v) => v.dataId)
      .join(',')}`;
  }

  // ---------------------------------------------------------------- fixtures

  seed(list: DatasetSeed[], progress?: (done: number, total: number) => void): void {
    list.forEach((f, i) => {
      const columns = validateColumns(f.columns, `fixture ${f.id} columns`);
      const ds = this.createRecord({
        id: f.id,
        name: f.name,
        description: f.description ?? '',
        ownerId: f.ownerId,
        dataProviderType: f.dataProviderType ?? 'api',
        transportType: f.transportType ?? 'API',
        streamId: f.streamId ?? this.ctx.ids.numeric(),
        columns,
        tags: f.tags,
      });
      const now = this.ctx.clock.nowMs();
      for (const p of f.permissions ?? []) {
        this.ctx.orm
          .insert(datasetPermissions)
          .values({ datasetSeq: ds.seq, principalType: p.type, principalId: p.id, accessLevel: p.accessLevel, created: now })
          .onConflictDoNothing()
          .run();
      }
      for (const v of f.versions ?? []) this.addVersion(f.id, v.rows, { action: v.action, tag: v.tag ?? null, source: 'FIXTURE', numBytes: v.numBytes });
      progress?.(i + 1, list.length);
    });
  }

  // ---------------------------------------------------------------- internals

  /** Inserts a dataset with its schema, owner grant and stream (inside the caller's transaction). */
  createRecord(d: {
    id: string;
    name: string;
    description: string;
    ownerId: number;
    dataProviderType: string;
    transportType: string;
    streamId: number;
    columns: SchemaColumn[];
    tags?: string[];
  }): DatasetRow {
    const now = this.ctx.clock.nowMs();
    const row = this.ctx.orm
      .insert(datasets)
      .values({
        id: d.id,
        name: d.name,
        description: d.description,
        ownerId: d.ownerId,
        dataProviderType: d.dataProviderType,
        displayType: d.dataProviderType,
        transportType: d.transportType,
        streamId: d.streamId,
        schemaId: 1,
        columns: d.columns,
        tags: d.tags ?? [],
        properties: {},
        created: now,
        lastUpdated: now,
        lastTouched: now,
      })
      .returning()
      .get();
    this.ctx.orm.insert(datasetSchemas).values({ datasetSeq: row.seq, schemaId: 1, columns: d.columns, created: now }).run();
    this.ctx.orm
      .insert(datasetPermissions)
      .values({ datasetSeq: row.seq, principalType: 'USER', principalId: d.ownerId, accessLevel: 'OWNER', created: now })
      .run();
    this.ctx.orm
      .insert(streams)
      .values({
        id: d.streamId,
        datasetId: d.id,
        transport: { type: d.transportType, description: d.transportType === 'API' ? 'API' : d.dataProviderType, version: '1' },
        configuration: [],
        updateMethod: 'REPLACE',
        dataProviderKey: d.dataProviderType,
        advancedScheduleJson: JSON.stringify({ type: 'MANUAL', timezone: 'UTC' }),
        createdAt: now,
        createdBy: d.ownerId,
        modifiedAt: now,
        modifiedBy: d.ownerId,
      })
      .run();
    if (d.columns.length) this.createRowTable(emptyTable(row.seq), d.columns);
    return row;
  }

  /** Creates a version table, fills it through `fill`, records the version (inside the caller's transaction). */
  private writeVersion(
    ds: DatasetRow,
    opts: { action: 'APPEND' | 'REPLACE'; tag: string | null; source: string; indexed: boolean; visibleAt?: number | null },
    fill: (insert: (row: Cell[]) => void) => { numRows: number; numBytes: number },
  ): VersionRow {
    if (!ds.columns.length) throw badRequest(`DataSet ${ds.id} has no columns yet; set its schema before adding data`);
    const current = this.byId(ds.id);
    const dataId = current.nextDataId;
    const table = versionTable(ds.seq, dataId);
    this.createRowTable(table, current.columns);
    const insertRows = this.rowInserter(table, current.columns.length);
    let buffer: Cell[][] = [];
    const stats = fill((row) => {
      buffer.push(row);
      if (buffer.length >= 4096) {
        insertRows(buffer);
        buffer = [];
      }
    });
    insertRows(buffer);
    return this.recordVersion(current, { dataId, table, action: opts.action, tag: opts.tag, source: opts.source, uploadId: null, ...stats, indexed: opts.indexed, visibleAt: opts.visibleAt });
  }

  private recordVersion(
    ds: DatasetRow,
    v: {
      dataId: number;
      table: string;
      action: string;
      tag: string | null;
      source: string;
      uploadId: number | null;
      numRows: number;
      numBytes: number;
      indexed: boolean;
      visibleAt?: number | null;
    },
  ): VersionRow {
    const now = this.ctx.clock.nowMs();
    const row = this.ctx.orm
      .insert(datasetVersions)
      .values({
        datasetSeq: ds.seq,
        dataId: v.dataId,
        schemaId: ds.schemaId,
        uploadId: v.uploadId,
        action: v.action,
        tag: v.tag,
        source: v.source,
        numRows: v.numRows,
        numBytes: v.numBytes,
        tableName: v.table,
        recorded: now,
        completed: now,
        indexedAt: v.indexed ? (v.visibleAt ?? now) : null,
      })
      .returning()
      .get();
    if (v.tag !== null) {
      this.ctx.orm.insert(datasetPartitions).values({ datasetSeq: ds.seq, tag: v.tag, created: now }).onConflictDoNothing().run();
    }
    if (v.indexed) this.changed(ds, v.visibleAt ?? now);
    this.ctx.orm
      .update(datasets)
      .set({ nextDataId: v.dataId + 1, lastUpdated: now, lastTouched: now })
      .where(eq(datasets.seq, ds.seq))
      .run();
    return row;
  }

  private markDeleted(ds: DatasetRow, vs: VersionRow[]): void {
    if (!vs.length) return;
    this.dropView(ds.seq);
    const now = this.ctx.clock.nowMs();
    for (const v of vs) {
      if (v.tableName) this.dropTable(v.tableName);
      this.ctx.orm
        .update(datasetVersions)
        .set({ deleted: true, deletedAt: now, tableName: null })
        .where(and(eq(datasetVersions.datasetSeq, ds.seq), eq(datasetVersions.dataId, v.dataId)))
        .run();
    }
    this.ctx.orm.update(datasets).set({ lastUpdated: now, lastTouched: now }).where(eq(datasets.seq, ds.seq)).run();
    this.changed(ds);
  }

  private versions(seq: number): VersionRow[] {
    return this.ctx.orm.select().from(datasetVersions).where(eq(datasetVersions.datasetSeq, seq)).orderBy(asc(datasetVersions.dataId)).all();
  }

  /**
   * The versions whose rows make up the dataset now: among stored versions indexed as of the clock, the
   * last untagged REPLACE and the untagged APPENDs after it, plus the newest version of each partition tag
   * committed after that REPLACE.
   */
  liveVersions(seq: number): VersionRow[] {
    const now = this.ctx.clock.nowMs();
    const vs = this.ctx.orm
      .select()
      .from(datasetVersions)
      .where(and(eq(datasetVersions.datasetSeq, seq), eq(datasetVersions.deleted, false), sql`${datasetVersions.indexedAt} <= ${now}`))
      .orderBy(asc(datasetVersions.dataId))
      .all();
    let base: VersionRow[] = [];
    const parts = new Map<string, VersionRow>();
    for (const v of vs) {
      if (v.tag !== null) parts.set(v.tag, v);
      else if (v.action === 'REPLACE') {
        base = [v];
        parts.clear();
      } else base.push(v);
    }
    return [...base, ...parts.values()].sort((a, b) => a.dataId - b.dataId);
  }

  /** Rebuilds the query view when the visible versions (or the schema) changed; returns the data signature. */
  private ensureView(ds: DatasetRow): string {
    const live = this.liveVersions(ds.seq);
    const sig = `${ds.schemaId}|${live.map((v) => v.dataId).join(',')}`;
    const exists = this.ctx.sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = ?`).get(viewName(ds.seq));
    if (sig === ds.viewSig && exists) return sig;
    const cols = ds.columns.map((c) => quoteIdent(c.name)).join(', ');
    const sources = live.length ? live.map((v) => v.tableName!) : [emptyTable(ds.seq)];
    const body = sources.map((t) => `SELECT ${cols} FROM ${quoteIdent(t)}`).join(' UNION ALL ');
    this.ctx.sqlite.transaction(() => {
      this.ctx.sqlite.exec(`DROP VIEW IF EXISTS ${quoteIdent(viewName(ds.seq))}`);
      this.ctx.sqlite.exec(`CREATE VIEW ${quoteIdent(viewName(ds.seq))} AS ${body}`);
      this.ctx.orm.update(datasets).set({ viewSig: sig }).where(eq(datasets.seq, ds.seq)).run();
    })();
    return sig;
  }

  /** Drops the query view (before its tables change); the next query rebuilds it. */
  private dropView(seq: number): void {
    this.ctx.sqlite.exec(`DROP VIEW IF EXISTS ${quoteIdent(viewName(seq))}`);
    this.ctx.orm.update(datasets).set({ viewSig: '' }).where(eq(datasets.seq, seq)).run();
  }

  /** Inserts rows with one prepared multi-row INSERT per block (fewer calls into SQLite), then single rows. */
  private rowInserter(table: string, ncols: number): (rows: Cell[][]) => void {
    const per = Math.max(1, Math.min(64, Math.floor(30_000 / ncols)));
    const one = `(${Array.from({ length: ncols }, () => '?').join(',')})`;
    const single = this.ctx.sqlite.prepare(`INSERT INTO ${quoteIdent(table)} VALUES ${one}`);
    const block = per > 1 ? this.ctx.sqlite.prepare(`INSERT INTO ${quoteIdent(table)} VALUES ${Array.from({ length: per }, () => one).join(',')}`) : single;
    const args = new Array<Cell>(per * ncols);
    return (rows) => {
      let i = 0;
      for (; per > 1 && i + per <= rows.length; i += per) {
        let k = 0;
        for (let r = i; r < i + per; r++) {
          const row = rows[r];
          for (let c = 0; c < ncols; c++) args[k++] = row[c];
        }
        block.run(args);
      }
      for (; i < rows.length; i++) single.run(rows[i]);
    };
  }

  private createRowTable(name: string, columns: ReadonlyArray<{ name: string; type: ColumnType }>): void {
    const defs = columns.map((c) => `${quoteIdent(c.name)} ${sqliteDeclaredType(c.type)}`).join(', ');
    this.ctx.sqlite.exec(`CREATE TABLE ${quoteIdent(name)} (${defs})`);
  }

  private dropTable(name: string): void {
    this.ctx.sqlite.exec(`DROP TABLE IF EXISTS ${quoteIdent(name)}`);
  }

  private openUpload(ds: DatasetRow, uploadId: number): typeof datasetUploads.$inferSelect {
    const up = this.ctx.orm
      .select()
      .from(datasetUploads)
      .where(and(eq(datasetUploads.id, uploadId), eq(datasetUploads.datasetSeq, ds.seq)))
      .get();
    if (!up) throw notFound(`Upload ${uploadId} of DataSet ${ds.id} not found`);
    if (up.state === 'COMMITTED') throw conflict(`Upload ${uploadId} was already committed (data version ${up.dataId}); start a new upload`);
    if (up.schemaId !== ds.schemaId) {
      throw conflict(`The schema of DataSet ${ds.id} changed after upload ${uploadId} started; start a new upload`);
    }
    return up;
  }

  /** Uploads left open for a day are abandoned: their staging tables go. */
  private purgeStaleUploads(now: number): void {
    const stale = this.ctx.orm
      .select({ id: datasetUploads.id })
      .from(datasetUploads)
      .where(and(eq(datasetUploads.state, 'OPEN'), sql`${datasetUploads.created} < ${now - UPLOAD_TTL_MS}`))
      .all();
    if (!stale.length) return;
    this.ctx.sqlite.transaction(() => {
      for (const s of stale) {
        for (const p of this.ctx.orm.select().from(datasetUploadParts).where(eq(datasetUploadParts.uploadId, s.id)).all()) this.dropTable(p.tableName);
        this.ctx.orm.delete(datasetUploads).where(eq(datasetUploads.id, s.id)).run();
      }
    })();
  }

  private assertPartition(ds: DatasetRow, tag: string): void {
    const p = this.ctx.orm
      .select()
      .from(datasetPartitions)
      .where(and(eq(datasetPartitions.datasetSeq, ds.seq), eq(datasetPartitions.tag, tag)))
      .get();
    if (!p) throw notFound(`Partition '${tag}' of DataSet ${ds.id} not found`);
  }

  private indexView(ds: DatasetRow, idx: typeof datasetIndexes.$inferSelect): Record<string, unknown> {
    return {
      indexId: idx.id,
      dataSourceId: ds.id,
      dataIds: idx.dataIds,
      status: idx.statuses.at(-1)?.status ?? 'PENDING',
      requestedAt: idx.started,
      completedAt: idx.completedAt,
      statuses: idx.statuses,
    };
  }

  /** An index job's stage (a scheduler job): its state recorded; at SUCCESS its versions become visible. */
  private indexStage(indexId: number, status: string): void {
    const idx = this.ctx.orm.select().from(datasetIndexes).where(eq(datasetIndexes.id, indexId)).get();
    if (!idx) return;
    const now = this.ctx.clock.nowMs();
    const done = status === 'SUCCESS';
    this.ctx.orm
      .update(datasetIndexes)
      .set({ statuses: [...idx.statuses, { status, timestamp: now }], ...(done ? { completedAt: now } : {}) })
      .where(eq(datasetIndexes.id, indexId))
      .run();
    if (!done) return;
    this.ctx.orm
      .update(datasetVersions)
      .set({ indexedAt: now })
      .where(and(eq(datasetVersions.datasetSeq, idx.datasetSeq), eq(datasetVersions.indexId, indexId), isNull(datasetVersions.indexedAt)))
      .run();
    const ds = this.ctx.orm.select().from(datasets).where(eq(datasets.seq, idx.datasetSeq)).get();
    if (ds) this.changed(ds);
  }

  /**
   * Nobody hands out rights they lack: a share given (`levels`) and the share it replaces or removes may
   * be no stronger than the caller's own access (a CAN_SHARE user cannot grant CAN_EDIT or demote a CO_OWNER).
   */
  private assertWithin(res: Resource, type: string, id: number, levels: string[], actor: Actor): void {
    const cur = res.grants?.find((g) => g.type === type && Number(g.id) === id)?.perms ?? [];
    this.ctx.access.requireWithin(actor, 'dataset.share', res, [...levels, ...cur.filter((l) => l !== 'OWNER')]);
  }

  private grantOf(seq: number, type: string, id: number): string | undefined {
    return this.ctx.orm
      .select({ l: datasetPermissions.accessLevel })
      .from(datasetPermissions)
      .where(and(eq(datasetPermissions.datasetSeq, seq), eq(datasetPermissions.principalType, type), eq(datasetPermissions.principalId, id)))
      .get()?.l;
  }

  private principalName(type: string, id: number): string | null {
    if (type === 'USER') return this.ctx.orm.select({ n: users.displayName }).from(users).where(eq(users.id, id)).get()?.n ?? null;
    return this.ctx.orm.select({ n: groups.name }).from(groups).where(eq(groups.id, id)).get()?.n ?? null;
  }

  /** The email addresses behind a principal (a group: its members); 404 when it does not exist. */
  private principalEmails(type: string, id: number, path: string): string[] {
    if (type === 'USER') {
      const u = this.ctx.orm.select({ e: users.emailAddress }).from(users).where(eq(users.id, id)).get();
      if (!u) throw notFound(`User ${id} not found (${path})`);
      return [u.e];
    }
    const g = this.ctx.orm.select({ id: groups.id }).from(groups).where(eq(groups.id, id)).get();
    if (!g) throw notFound(`Group ${id} not found (${path})`);
    const members = this.ctx.access.memberIdsOf(id);
    if (!members.length) return [];
    return this.ctx.orm.select({ e: users.emailAddress }).from(users).where(inArray(users.id, members)).orderBy(asc(users.id)).all().map((r) => r.e);
  }

  /** The dataset's owner as a principal (views answered to the creator, internal writes, scheduled runs). */
  ownerPrincipal(ds: DatasetRow): Principal {
    const u = this.ctx.orm.select({ id: users.id, roleId: users.roleId, displayName: users.displayName }).from(users).where(eq(users.id, ds.ownerId)).get();
    return this.ctx.access.principal(u ?? { id: ds.ownerId, roleId: 0, displayName: '' }, 'system');
  }

  private assertUser(id: number, path: string): void {
    if (!this.ctx.orm.select({ id: users.id }).from(users).where(eq(users.id, id)).get()) {
      throw notFound(`User ${id} not found (${path})`);
    }
  }
}

function schemaColumnView(c: SchemaColumn): Record<string, unknown> {
  return {
    type: c.type,
    name: c.name,
    id: c.name,
    visible: c.visible,
    metadata: { colLabel: c.colLabel ?? c.name, colFormat: c.colFormat ?? '', isEncrypted: false },
  };
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Checks a column list: names non-empty and unique (case-insensitively, as SQLite compares them), types
 * among STRING, LONG, DOUBLE, DECIMAL, DATE, DATETIME (any case). A failure is a 400 naming the column.
 */
export function validateColumns(
  input: ReadonlyArray<{ name: string; type: string; visible?: boolean; metadata?: { colLabel?: string; colFormat?: string } }>,
  where: string,
): SchemaColumn[] {
  if (!Array.isArray(input)) throw badRequest(`${where} must be a list of columns`, [{ path: where, message: 'Expected an array' }]);
  if (input.length > 1000) throw badRequest(`${where}: at most 1000 columns`, [{ path: where, message: 'Too many columns' }]);
  const details: ErrorDetail[] = [];
  const seen = new Map<string, number>();
  const out: SchemaColumn[] = [];
  input.forEach((c, i) => {
    const name = typeof c?.name === 'string' ? c.name.trim() : '';
    const type = typeof c?.type === 'string' ? c.type.trim().toUpperCase() : '';
    if (!name) details.push({ path: `${where}[${i}].name`, message: 'Column name must not be empty' });
    else if (seen.has(name.toLowerCase())) {
      details.push({ path: `${where}[${i}].name`, message: `Duplicate column name '${name}' (same as column ${seen.get(name.toLowerCase())})` });
    } else seen.set(name.toLowerCase(), i);
    if (!(columnTypes as readonly string[]).includes(type)) {
      details.push({ path: `${where}[${i}].type`, message: `Unknown type '${c?.type}' (use ${columnTypes.join(', ')})` });
    }
    const col: SchemaColumn = { name, type: type as ColumnType, visible: c?.visible ?? true };
    if (c?.metadata?.colLabel) col.colLabel = c.metadata.colLabel;
    if (c?.metadata?.colFormat) col.colFormat = c.metadata.colFormat;
    out.push(col);
  });
  if (details.length) throw badRequest(`Invalid schema: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  return out;
}

