import { and, asc, eq, inArray } from 'drizzle-orm';
import { cards, datasetPermissions, datasets, datasetVersions, groups, streams, users, type SchemaColumn } from '../../../db/schema/index.js';
import { type Cell } from '../../engines/csv.js';
import { registerConvertFunction } from '../../engines/sql/convert.js';
import { columnTypes, quoteIdent, type ColumnType, type DatasetColumn } from '../../engines/sql/types.js';
import { badRequest, notFound, type ErrorDetail } from '../../http/errors.js';
import type { Principal } from '../../access/principal.js';
import type { Resource } from '../../access/resources.js';
import type { Action } from '../../access/actions.js';
import type { StoreContext } from '../context.js';

export type DatasetRow = typeof datasets.$inferSelect;
export type VersionRow = typeof datasetVersions.$inferSelect;

/** Who is asking: the request's principal (the access policy decides what it may do). */
export type Actor = Principal;

export const accessLevels = ['OWNER', 'CO_OWNER', 'CAN_EDIT', 'CAN_SHARE', 'CAN_VIEW'] as const;
export type AccessLevel = (typeof accessLevels)[number];
export type Need = 'read' | 'share' | 'write' | 'delete';

export const levelRank: Record<AccessLevel, number> = { CAN_VIEW: 1, CAN_SHARE: 2, CAN_EDIT: 3, CO_OWNER: 4, OWNER: 5 };
export const needAction: Record<Need, Action> = { read: 'dataset.read', share: 'dataset.share', write: 'dataset.update', delete: 'dataset.delete' };
export const permissionString = ['NONE', 'READ', 'READ_SHARE', 'READ_WRITE_SHARE', 'READ_WRITE_DELETE_SHARE_ADMIN', 'READ_WRITE_DELETE_SHARE_ADMIN'];

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

export const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
export const versionTable = (seq: number, dataId: number) => `dsv_${seq}_${dataId}`;
export const emptyTable = (seq: number) => `dse_${seq}`;
export const viewName = (seq: number) => `dataset_${seq}`;
export const UPLOAD_TTL_MS = 24 * 3600_000;

/** What every part of the datasets store uses: the record, access checks, change and delete hooks. The layers above add the routes' operations; DatasetsStore (index.ts) is the whole. */
export abstract class DatasetsCommon {
  /** An index job reaching a stage (versions.ts). */
  protected abstract indexStage(indexId: number, status: string): void;
  /** Job kinds that run after a dataset's visible rows change (alerts, DataFlows that run on input updates). */
  protected readonly changeKinds: string[] = [];

  protected readonly deleteHooks: Array<(ds: DatasetRow) => void> = [];

  protected readonly loadReporters: Array<(ds: DatasetRow) => LoadReport | null> = [];

  constructor(
    protected readonly ctx: StoreContext,
    /** Other families' views of a dataset: its beast modes (properties.formulas) and its certification. */
    protected readonly links: {
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
  protected dropOrphanStaging(): void {
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

  /** Another family's job kind that runs (payload {datasetId}) whenever a dataset's visible rows change. */
  notifyOnChange(kind: string): void {
    if (!this.changeKinds.includes(kind)) this.changeKinds.push(kind);
  }

  /** Schedules the change jobs for a dataset, when its new rows become visible (one pending per kind and dataset). */
  protected changed(ds: DatasetRow, visibleAt: number = this.ctx.clock.nowMs()): void {
    for (const kind of this.changeKinds) this.ctx.jobs.enqueue(kind, { datasetId: ds.id }, { due: visibleAt, key: `${kind}:${ds.id}` });
  }

  exists(id: string): boolean {
    return this.find(id) !== undefined;
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

  /** The dataset's owner as a principal (views answered to the creator, internal writes, scheduled runs). */
  ownerPrincipal(ds: DatasetRow): Principal {
    const u = this.ctx.orm.select({ id: users.id, roleId: users.roleId, displayName: users.displayName }).from(users).where(eq(users.id, ds.ownerId)).get();
    return this.ctx.access.principal(u ?? { id: ds.ownerId, roleId: 0, displayName: '' }, 'system');
  }

  protected assertUser(id: number, path: string): void {
    if (!this.ctx.orm.select({ id: users.id }).from(users).where(eq(users.id, id)).get()) {
      throw notFound(`User ${id} not found (${path})`);
    }
  }

  protected principalName(type: string, id: number): string | null {
    if (type === 'USER') return this.ctx.orm.select({ n: users.displayName }).from(users).where(eq(users.id, id)).get()?.n ?? null;
    return this.ctx.orm.select({ n: groups.name }).from(groups).where(eq(groups.id, id)).get()?.n ?? null;
  }

  /** The email addresses behind a principal (a group: its members); 404 when it does not exist. */
  protected principalEmails(type: string, id: number, path: string): string[] {
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

  protected dropTable(name: string): void {
    this.ctx.sqlite.exec(`DROP TABLE IF EXISTS ${quoteIdent(name)}`);
  }
}

export function schemaColumnView(c: SchemaColumn): Record<string, unknown> {
  return {
    type: c.type,
    name: c.name,
    id: c.name,
    visible: c.visible,
    metadata: { colLabel: c.colLabel ?? c.name, colFormat: c.colFormat ?? '', isEncrypted: false },
  };
}

export const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

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
