import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { datasetIndexes, datasetPartitions, datasets, datasetVersions } from '../../../db/schema/index.js';
import { defaultStages } from '../../engines/jobs.js';
import { badRequest, notFound } from '../../http/errors.js';
import { DatasetUploads } from './uploads.js';
import { type DatasetRow, type VersionRow, type Actor, type PartitionSearch, isoSeconds } from './common.js';

/** Data versions, hydrate, partitions and index jobs (routes/datasets/versions.ts). */
export abstract class DatasetVersions extends DatasetUploads {
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

  protected assertPartition(ds: DatasetRow, tag: string): void {
    const p = this.ctx.orm
      .select()
      .from(datasetPartitions)
      .where(and(eq(datasetPartitions.datasetSeq, ds.seq), eq(datasetPartitions.tag, tag)))
      .get();
    if (!p) throw notFound(`Partition '${tag}' of DataSet ${ds.id} not found`);
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

  protected indexView(ds: DatasetRow, idx: typeof datasetIndexes.$inferSelect): Record<string, unknown> {
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
  protected indexStage(indexId: number, status: string): void {
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
}
