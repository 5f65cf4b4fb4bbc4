import { closeSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { desc, eq } from 'drizzle-orm';
import { datasetExports } from '../../db/schema/index.js';
import { csvLine } from '../engines/csv.js';
import { stageAt, type Stage } from '../engines/jobs.js';
import { quoteIdent } from '../engines/sql/types.js';
import { badRequest, conflict } from '../http/errors.js';
import type { StoreContext } from './context.js';
import type { Actor, DatasetsStore } from './datasets.js';

export type ExportRow = typeof datasetExports.$inferSelect;

export interface ExportInput {
  bucket: string;
  path: string;
  region: string;
  includeBOM: boolean;
  columns?: string[];
  groupBy?: string[];
  orderBy?: Array<{ column: string; desc: boolean }>;
}

/** An export's exportStatus over time (the reference shows "none" at creation and "success" when done). */
export const exportStages = [
  { state: 'none', at: 0 },
  { state: 'in_progress', at: 500 },
  { state: 'success', at: 1500 },
] as const satisfies readonly Stage<string>[];

const bucketRe = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Longest path segment: file systems allow 255 bytes, less the temporary suffix an export writes first. */
const MAX_SEGMENT_BYTES = 200;

/**
 * Dataset exports "to S3": the CSV is written under `<dataDir>/exports/<bucket>/<path>` (so a user can
 * open it) when the export is created; its status then follows the instance clock. One active export per
 * dataset; an export of unchanged data with the same request returns the previous export.
 */
export class ExportsStore {
  constructor(
    private readonly ctx: StoreContext,
    private readonly datasets: DatasetsStore,
  ) {}

  get root(): string {
    return resolve(this.ctx.dataDir, 'exports');
  }

  create(datasetId: string, input: ExportInput, actor: Actor): { created: boolean; export: Record<string, unknown> } {
    const target = this.datasets.queryTarget(datasetId, actor);
    const { file, key } = this.resolveTarget(input.bucket, input.path, datasetId);
    const names = new Map(target.columns.map((c) => [c.name.toLowerCase(), c.name]));
    const pick = (list: string[], where: string) =>
      list.map((n, i) => {
        const hit = names.get(n.toLowerCase());
        if (!hit) throw badRequest(`Unknown column '${n}' in ${where}[${i}]`, [{ path: `body.${where}[${i}]`, message: 'Unknown column' }]);
        return hit;
      });
    const columns = input.columns?.length ? pick(input.columns, 'queryRequest.query.columns') : target.columns.map((c) => c.name);
    const groupBy = pick(input.groupBy ?? [], 'queryRequest.query.groupByColumns');
    const orderBy = (input.orderBy ?? []).map((o, i) => ({ column: pick([o.column], `queryRequest.query.orderByColumns[${i}]`)[0], desc: o.desc }));
    const now = this.ctx.clock.nowMs();
    const previous = this.ctx.orm
      .select()
      .from(datasetExports)
      .where(eq(datasetExports.datasetId, datasetId))
      .orderBy(desc(datasetExports.started))
      .limit(1)
      .get();
    if (previous && previous.finishes > now) {
      throw conflict(`DataSet ${datasetId} already has an active export (${previous.exportId}); wait for it to finish`);
    }
    const requestSig = JSON.stringify({ b: input.bucket, p: file, r: input.region, c: columns, g: groupBy, o: orderBy, bom: input.includeBOM });
    if (previous && previous.requestSig === requestSig && previous.dataSig === target.dataSignature) {
      return { created: false, export: this.view(previous) };
    }

    let query = `SELECT ${columns.map(quoteIdent).join(', ')} FROM ${quoteIdent(target.table)}`;
    if (groupBy.length) query += ` GROUP BY ${groupBy.map(quoteIdent).join(', ')}`;
    if (orderBy.length) query += ` ORDER BY ${orderBy.map((o) => `${quoteIdent(o.column)} ${o.desc ? 'DESC' : 'ASC'}`).join(', ')}`;
    const exportId = this.ctx.ids.uuid();
    this.assertNoCollision(file, key);
    mkdirSync(resolve(file, '..'), { recursive: true });
    const tmp = `${file}.${exportId}.tmp`;
    let rowCount = 0;
    const fd = openSync(tmp, 'w');
    try {
      let buf = input.includeBOM ? '\ufeff' : '';
      buf += csvLine(columns);
      for (const row of this.ctx.sqlite.prepare(query).raw(true).iterate() as IterableIterator<unknown[]>) {
        buf += csvLine(row);
        rowCount += 1;
        if (buf.length > 1 << 20) {
          writeSync(fd, buf);
          buf = '';
        }
      }
      writeSync(fd, buf);
      closeSync(fd);
      renameSync(tmp, file);
    } catch (e) {
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
      rmSync(tmp, { force: true });
      throw e;
    }
    const row = this.ctx.orm
      .insert(datasetExports)
      .values({
        exportId,
        datasetId,
        bucket: input.bucket,
        path: key,
        region: input.region,
        includeBom: input.includeBOM,
        columns,
        requestSig,
        dataSig: target.dataSignature,
        rowCount,
        filePath: file,
        createdBy: actor.id,
        started: now,
        finishes: now + exportStages[exportStages.length - 1].at,
      })
      .returning()
      .get();
    return { created: true, export: this.view(row) };
  }

  /** Exports of a dataset, newest first (read access needed). */
  list(datasetId: string, actor: Actor): Array<Record<string, unknown>> {
    this.datasets.access(datasetId, actor, 'read');
    return this.ctx.orm
      .select()
      .from(datasetExports)
      .where(eq(datasetExports.datasetId, datasetId))
      .orderBy(desc(datasetExports.started))
      .all()
      .map((r) => this.view(r));
  }

  view(r: ExportRow): Record<string, unknown> {
    const now = this.ctx.clock.nowMs();
    const status = stageAt(exportStages, r.started, now);
    const key = r.path;
    return {
      exportId: r.exportId,
      dataSourceId: r.datasetId,
      bucket: r.bucket,
      path: key,
      region: r.region,
      compression: 'none',
      exportFormat: 'csv',
      exportStatus: status,
      errorCode: null,
      message: status === 'success' ? `Exported ${r.rowCount} rows to s3://${r.bucket}/${key}` : 'Export in progress',
      started: new Date(r.started).toISOString(),
      finished: status === 'success' ? new Date(r.finishes).toISOString() : null,
      urlRowCountMap: status === 'success' ? { [`s3://${r.bucket}/${key}`]: r.rowCount } : {},
      localPath: r.filePath,
    };
  }

  /**
   * The file an export writes: `<root>/<bucket>/<path>`. The bucket must be an S3 bucket name; the path a
   * relative key without `.`/`..` segments or backslashes; a key ending in `/` (or empty) gets
   * `<datasetId>.csv`. Whatever the input, the result stays inside the export root.
   */
  /**
   * S3 keys are names, a disk is a tree: `a/b` and `a/b/c` cannot both be files. Such a key is a 400
   * naming the clash (checked before anything is written).
   */
  private assertNoCollision(file: string, key: string): void {
    const clash = (why: string) => badRequest(`Invalid path '${key}': ${why}`, [{ path: 'body.path', message: why }]);
    const rel = file.slice(this.root.length + 1).split(sep);
    let at = this.root;
    for (let i = 0; i < rel.length; i++) {
      at = resolve(at, rel[i]);
      const st = statSync(at, { throwIfNoEntry: false });
      if (!st) return;
      const shown = rel.slice(1, i + 1).join('/');
      if (i < rel.length - 1 && !st.isDirectory()) throw clash(`an earlier export wrote the file '${shown}', so it cannot also be a folder`);
      if (i === rel.length - 1 && st.isDirectory()) throw clash(`'${shown}' is a folder of earlier exports, so it cannot also be a file`);
    }
  }

  resolveTarget(bucket: string, path: string, datasetId: string): { file: string; key: string } {
    if (!bucketRe.test(bucket) || bucket.includes('..')) {
      throw badRequest(`Invalid bucket '${bucket}': use 3-63 lowercase letters, digits, '.' and '-'`, [{ path: 'body.bucket', message: 'Invalid bucket name' }]);
    }
    const bad = (why: string) => badRequest(`Invalid path '${path}': ${why}`, [{ path: 'body.path', message: why }]);
    if (path.includes('\0') || path.includes('\\')) throw bad('no NUL or backslash characters');
    let key = path.replace(/^\/+/, '');
    if (key === '' || key.endsWith('/')) key += `${datasetId}.csv`;
    const segments = key.split('/');
    if (segments.some((s) => s === '..' || s === '.' || s === '')) throw bad("no empty, '.' or '..' segments");
    if (key.length > 1024) throw bad('at most 1024 characters');
    const long = segments.find((s) => Buffer.byteLength(s) > MAX_SEGMENT_BYTES);
    if (long !== undefined) throw bad(`each '/'-separated segment at most ${MAX_SEGMENT_BYTES} bytes (one is ${Buffer.byteLength(long)})`);
    const bucketDir = resolve(this.root, bucket);
    const file = resolve(bucketDir, ...segments);
    if (!file.startsWith(bucketDir + sep) || !bucketDir.startsWith(this.root + sep)) throw bad('it leaves the export directory');
    return { file, key };
  }
}
