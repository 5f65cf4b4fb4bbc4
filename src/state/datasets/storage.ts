import { and, asc, eq, sql } from 'drizzle-orm';
import { datasetPartitions, datasetPermissions, datasets, datasetSchemas, datasetVersions, streams, type SchemaColumn } from '../../../db/schema/index.js';
import { cellText, ValueError, valueConverter, type Cell } from '../../engines/csv.js';
import { quoteIdent, sqliteDeclaredType, type ColumnType, type DatasetColumn } from '../../engines/sql/types.js';
import { badRequest } from '../../http/errors.js';
import { DatasetsCommon, type DatasetRow, type VersionRow, type Actor, type DatasetSeed, versionTable, emptyTable, viewName, validateColumns, sqlString } from './common.js';

/** Row storage: one typed table per data version, the live view over them, writing versions, seeding. */
export abstract class DatasetStorage extends DatasetsCommon {
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

  /** Bytes a data version's rows take in the database: its table's pages, as SQLite's dbstat counts them. */
  storedBytes(v: VersionRow): number {
    if (!v.tableName) return 0;
    return (this.ctx.sqlite.prepare('SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = ?').pluck().get(v.tableName) as number) ?? 0;
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

  /** Creates a version table, fills it through `fill`, records the version (inside the caller's transaction). */
  protected writeVersion(
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

  protected recordVersion(
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

  protected markDeleted(ds: DatasetRow, vs: VersionRow[]): void {
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

  protected versions(seq: number): VersionRow[] {
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
  protected ensureView(ds: DatasetRow): string {
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
  protected dropView(seq: number): void {
    this.ctx.sqlite.exec(`DROP VIEW IF EXISTS ${quoteIdent(viewName(seq))}`);
    this.ctx.orm.update(datasets).set({ viewSig: '' }).where(eq(datasets.seq, seq)).run();
  }

  /** Inserts rows with one prepared multi-row INSERT per block (fewer calls into SQLite), then single rows. */
  protected rowInserter(table: string, ncols: number): (rows: Cell[][]) => void {
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

  protected createRowTable(name: string, columns: ReadonlyArray<{ name: string; type: ColumnType }>): void {
    const defs = columns.map((c) => `${quoteIdent(c.name)} ${sqliteDeclaredType(c.type)}`).join(', ');
    this.ctx.sqlite.exec(`CREATE TABLE ${quoteIdent(name)} (${defs})`);
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

  /**
   * The schema change itself (inside one transaction): every stored data version rewritten to `next`, each
   * column from its `sources` entry (converted when the type changes) or null; a new schema id.
   */
  protected applySchema(ds: DatasetRow, next: SchemaColumn[], sources: Array<SchemaColumn | null>): void {
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
}
