import { mkdirSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { desc, eq } from 'drizzle-orm';
import { datasetExports } from '../../db/schema/index.js';
import type { Stage } from '../engines/jobs.js';
import { badRequest, conflict } from '../http/errors.js';
import type { StoreContext } from './context.js';
import type { Actor, DatasetsStore } from './datasets/index.js';
import { ident, type CsvOutput, type RowService } from './rows.js';

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
    private readonly rows: RowService,
  ) {
    ctx.jobs.register<{ exportId: string; status: string }, void>('export.stage', {
      apply: ({ exportId, status }) => {
        this.ctx.orm.update(datasetExports).set({ status, ...(status === 'success' ? { finishes: this.ctx.clock.nowMs() } : {}) }).where(eq(datasetExports.exportId, exportId)).run();
      },
    });
  }

  get root(): string {
    return resolve(this.ctx.dataDir, 'exports');
  }

  /**
   * Writes the export's CSV (through the row service, in a query worker) and records the export. Async: the
   * rows are read off the server's thread; the "one active export" and "unchanged data" checks are made
   * again once the file is written, so concurrent creates still behave as if one came after the other.
   */
  async create(datasetId: string, input: ExportInput, actor: Actor): Promise<{ created: boolean; export: Record<string, unknown> }> {
    const src = this.rows.source(datasetId, actor, { export: true });
    const target = src.target;
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
    const requestSig = JSON.stringify({ b: input.bucket, p: file, r: input.region, c: columns, g: groupBy, o: orderBy, bom: input.includeBOM });
    const earlier = this.reuse(datasetId, requestSig, src.dataSignature);
    if (earlier) return earlier;

    const query = this.rows.select(src, {
      columns: columns.map(ident),
      groupBy: groupBy.map(ident),
      orderBy: orderBy.map((o) => ({ expr: ident(o.column), desc: o.desc })),
    });
    this.assertNoCollision(file, key);
    mkdirSync(resolve(file, '..'), { recursive: true });
    const out: CsvOutput = await this.rows.csv(query, { header: true, bom: input.includeBOM, toFile: true });
    // another create may have finished while this one read its rows
    let raced;
    try {
      raced = this.reuse(datasetId, requestSig, src.dataSignature);
    } catch (e) {
      this.rows.discard(out);
      throw e;
    }
    if (raced) {
      this.rows.discard(out);
      return raced;
    }
    const now = this.ctx.clock.nowMs();
    const exportId = this.ctx.ids.uuid();
    const rowCount = out.rowCount;
    this.rows.moveCsv(out, file);
    const entry = { action: 'EXPORTED', type: 'DATA_SOURCE', id: datasetId, name: src.dataset.name, detail: ` to s3://${input.bucket}/${key} (${rowCount} rows)` } as const;
    const row = this.ctx.audit.write(actor, entry, () => {
      const r = this.ctx.orm
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
          dataSig: src.dataSignature,
          rowCount,
          filePath: file,
          createdBy: actor.userId,
          started: now,
          finishes: now + exportStages[exportStages.length - 1].at,
          status: 'none',
        })
        .returning()
        .get();
      for (const stage of exportStages.slice(1)) this.ctx.jobs.enqueue('export.stage', { exportId: r.exportId, status: stage.state }, { due: now + stage.at });
      return r;
    });
    return { created: true, export: this.view(row) };
  }

  /**
   * The export that answers this request already, if any: 409 while the dataset's last export is still
   * active; the last export itself when it had the same request over the same data.
   */
  private reuse(datasetId: string, requestSig: string, dataSig: string): { created: false; export: Record<string, unknown> } | null {
    const previous = this.ctx.orm
      .select()
      .from(datasetExports)
      .where(eq(datasetExports.datasetId, datasetId))
      .orderBy(desc(datasetExports.started))
      .limit(1)
      .get();
    if (previous && previous.status !== 'success') {
      throw conflict(`DataSet ${datasetId} already has an active export (${previous.exportId}); wait for it to finish`);
    }
    if (previous && previous.requestSig === requestSig && previous.dataSig === dataSig) return { created: false, export: this.view(previous) };
    return null;
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
    const status = r.status;
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
