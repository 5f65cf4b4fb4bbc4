import { and, asc, eq, sql } from 'drizzle-orm';
import { datasetUploadParts, datasetUploads } from '../../../db/schema/index.js';
import { parseDelimitedRow, type Cell } from '../../engines/csv.js';
import { quoteIdent } from '../../engines/sql/types.js';
import { badRequest, conflict, notFound } from '../../http/errors.js';
import { DatasetPermissions } from './permissions.js';
import { type DatasetRow, type Actor, type CommitOptions, type PartHandle, versionTable, UPLOAD_TTL_MS } from './common.js';

/** Staged uploads: start, parts, commit, append values (routes/datasets/uploads.ts). */
export abstract class DatasetUploads extends DatasetPermissions {
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

  protected openUpload(ds: DatasetRow, uploadId: number): typeof datasetUploads.$inferSelect {
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
  protected purgeStaleUploads(now: number): void {
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
}
