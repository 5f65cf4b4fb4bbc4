/**
 * The row service: the one place that reads dataset rows. Every reader (Domo SQL on the query routes, S3
 * exports, card renders, report emails) goes through it; no other code builds SQL over the dataset views
 * (test/rows-confinement.test.ts checks).
 *
 *   const src = rows.source(datasetId, reader);          // access check + the dataset's live rows
 *   const q = rows.sql(src, 'SELECT ...');               // client Domo SQL, compiled once (400 on refusal)
 *   const q = rows.select(src, { columns: [...], ... }); // or a query the emulator builds itself
 *   const result = await rows.rows(q);                   // in a query worker: deadline, result cap
 *   rows.domoJson(src, result) | rows.objects(result)    // Domo's query answer, or row objects
 *   const out = await rows.csv(q, { header: true });     // CSV text, or a spill file (rows.csvStream(out))
 *
 * A source is where PDP and beast modes go: `source()` resolves a dataset to a CompileTarget whose `source`
 * is the SQL every table reference of a query reads. Today that is the bare view (`"dataset_<seq>"`); with
 * `derived()` it becomes `(SELECT v.*, <expr> AS "name" FROM "dataset_<seq>" AS v WHERE <filter>)`, and the
 * compiler, the read-only guard (which allows the view's b-trees only, whatever the source adds), the
 * runner and all three output shapes follow without change.
 */
import { createReadStream, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { compileDomoExpression, compileDomoSql, type CompiledQuery, type CompileTarget, type ScopeTable } from '../engines/sql/compile.js';
import { registerSqlFunctions } from '../engines/sql/functions.js';
import { asApiError, runQuery } from '../engines/sql/run.js';
import { quoteIdent, type ColumnType, type DatasetColumn } from '../engines/sql/types.js';
import { badRequest } from '../http/errors.js';
import type { StoreContext } from './context.js';
import type { Actor, DatasetRow, DatasetsStore } from './datasets/index.js';
import type { PdpStore } from './pdp.js';

/** Who reads: the principal whose access is checked and whose PDP policies filter the rows. */
export type RowReader = Actor;

/** A computed column of a source (a beast mode): a Domo SQL expression over the dataset's columns. */
export interface ComputedColumn {
  name: string;
  /** Its Domo type, listed in the source's columns (output typing of computed values is still inferred). */
  type: ColumnType;
  /** Domo SQL, e.g. "SUM(`amount`) / COUNT(*)" or "CASE WHEN `region` = 'West' THEN 1 END". */
  expr: string;
}

/** A row filter of a source (PDP): SQLite text over the view's columns (alias `v`), with named parameters. */
export interface RowFilter {
  /** e.g. `v."region" IN (@pdp_0, @pdp_1)`; parameters are named so every reference to the source binds them. */
  sql: string;
  params: Record<string, unknown>;
}

/** A dataset resolved for reading: the compile target queries run against, and what identifies its rows. */
export interface RowSource {
  dataset: DatasetRow;
  target: CompileTarget;
  /** Changes whenever the rows a query would see change (exports reuse an unchanged result). */
  dataSignature: string;
  /** PDP is on for the dataset (the rows may be filtered for the reader). */
  pdpEnabled?: boolean;
}

/**
 * Several datasets in scope by name, for statements that read more than one (a DataFlow's transforms): each
 * input under its names, and the tables earlier statements made (`withTable`), which every later statement
 * begins with as a WITH clause. Immutable: withTable returns a new scope.
 */
export interface RowScope {
  tables: Record<string, ScopeTable>;
  with: Array<{ name: string; sql: string }>;
  /** The inputs' views (what the read-only guard allows). */
  readable: string[];
  params: Record<string, unknown>;
  /** The inputs as read (for their row counts and data signatures). */
  inputs: Array<{ names: string[]; src: RowSource }>;
}

/** Rows as the API returns them: numbers as numbers, DATE 'YYYY-MM-DD', DATETIME ISO text, NULL as null. */
export interface RowResult {
  columns: string[];
  types: ColumnType[];
  rows: unknown[][];
}

/** A query the emulator builds itself; every expression is Domo SQL (use ident() for column names). */
export interface SelectSpec {
  columns: Array<string | { expr: string; as?: string }>;
  where?: string;
  groupBy?: string[];
  orderBy?: Array<{ expr: string; desc?: boolean }>;
  limit?: number;
  /** Rows to skip (with or without a limit). */
  offset?: number;
}

/** A CSV result: small ones as text, larger ones in a spill file under the instance's data directory. */
export type CsvOutput = { rowCount: number; text: string; file?: undefined } | { rowCount: number; file: string; text?: undefined };

export interface CsvRequest {
  header: boolean;
  /** A UTF-8 byte order mark first. */
  bom?: boolean;
  /** Always write the file (an export moves it into place), however small. */
  toFile?: boolean;
}

/** A Domo SQL identifier: `name` with backticks doubled. */
export const ident = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/** CSV text held in memory before it spills to a file. */
export const SPILL_BYTES = 8 * 1024 * 1024;
let spillSeq = 0;

export class RowService {
  private inlineReady = false;
  private tmpReady = false;

  constructor(
    private readonly ctx: StoreContext,
    private readonly datasets: DatasetsStore,
    private readonly pdp: PdpStore,
    private readonly beastModes: { formulas(datasetId: string, cardId?: number): Record<string, string> },
  ) {
    // spill files a killed process left behind
    const tmp = this.tmpDir;
    try {
      for (const f of readdirSync(tmp)) if (/^rows-.*\.csv$/.test(f)) rmSync(join(tmp, f), { force: true });
    } catch {
      /* no tmp dir yet */
    }
  }

  private get tmpDir(): string {
    return join(this.ctx.dataDir, 'tmp');
  }

  // ---------------------------------------------------------------- sources

  /**
   * The rows `reader` may read of a dataset: read access is checked (403/404; `throughObject` when the
   * caller already decided the reader sees these rows through an object of its own, a card), the dataset's
   * live view is rebuilt if its visible versions changed, a dataset without columns is a 400, and the
   * reader's PDP policies filter the rows. Every reader of rows comes here, so PDP applies to all of them.
   */
  source(
    datasetId: string,
    reader: RowReader,
    opts: { throughObject?: boolean; export?: boolean; cardId?: number; paramPrefix?: string } = {},
  ): RowSource {
    if (opts.export) this.ctx.access.require(reader, 'dataset.export', this.datasets.resource(this.datasets.byId(datasetId)));
    const t = this.datasets.queryTarget(datasetId, reader, opts.throughObject ?? false);
    // the dataset's beast modes (and a card's, read through it) are usable by name in Domo SQL
    const macros = this.beastModes.formulas(datasetId, opts.cardId);
    const base: RowSource = { dataset: t.dataset, target: { table: t.table, columns: t.columns, macros }, dataSignature: t.dataSignature };
    const pdpEnabled = this.pdp.enabled(t.dataset);
    const filter = pdpEnabled ? this.pdp.filterFor(t.dataset, reader, opts.paramPrefix) : null;
    if (!filter) return { ...base, pdpEnabled };
    // a filtered read identifies its rows by the filter too (an export of another user's rows is not "unchanged")
    return { ...this.derived(base, { filter }), pdpEnabled, dataSignature: `${base.dataSignature}|pdp:${filter.policyIds.join(',')}:${reader.userId}` };
  }

  /**
   * A source with computed columns and/or a row filter over the base source's view, as one derived table.
   * The expressions are compiled against the base (so they may name the dataset's columns only).
   */
  derived(base: RowSource, opts: { computed?: ComputedColumn[]; filter?: RowFilter | null }): RowSource {
    const computed = opts.computed ?? [];
    if (!computed.length && !opts.filter) return base;
    const bare: CompileTarget = { table: base.target.table, columns: base.target.columns, macros: base.target.macros };
    const exprs = computed.map((c) => `${compileDomoExpression(c.expr, bare)} AS ${quoteIdent(c.name)}`);
    const where = opts.filter ? ` WHERE ${opts.filter.sql}` : '';
    const columns: DatasetColumn[] = [...base.target.columns, ...computed.map((c) => ({ name: c.name, type: c.type }))];
    return {
      ...base,
      target: {
        table: base.target.table,
        columns,
        source: `(SELECT ${['v.*', ...exprs].join(', ')} FROM ${quoteIdent(base.target.table)} AS v${where})`,
        params: { ...(base.target.params ?? {}), ...(opts.filter?.params ?? {}) },
        macros: base.target.macros,
      },
    };
  }

  // ---------------------------------------------------------------- scopes (several datasets)

  /**
   * Datasets in scope by name, as `reader` may read them: each is a source() (access checked, PDP applied
   * with its own parameter names), reachable under every name given. Beast modes do not apply (a DataFlow
   * reads its inputs' columns). A name given twice is a 400.
   */
  scope(inputs: Array<{ datasetId: string; names: string[] }>, reader: RowReader): RowScope {
    const tables: Record<string, ScopeTable> = {};
    const seen = new Map<string, string>();
    const read: RowScope['inputs'] = [];
    let params: Record<string, unknown> = {};
    inputs.forEach((input, i) => {
      const src = this.source(input.datasetId, reader, { paramPrefix: `in${i}_pdp` });
      const table: ScopeTable = { source: src.target.source ?? quoteIdent(src.target.table), columns: src.target.columns };
      for (const name of input.names) {
        const key = name.toLowerCase();
        const other = seen.get(key);
        if (other !== undefined && other !== input.datasetId) throw badRequest(`Table name \`${name}\` names two inputs (${other} and ${input.datasetId}): give one of them another name`);
        seen.set(key, input.datasetId);
        tables[name] = table;
      }
      params = { ...params, ...(src.target.params ?? {}) };
      read.push({ names: input.names, src });
    });
    return { tables, with: [], readable: [...new Set(read.map((r) => r.src.target.table))], params, inputs: read };
  }

  /** One statement over a scope, runnable with rows() (400 for anything but one read-only SELECT of the scope's tables). */
  scopedSql(scope: RowScope, text: string): CompiledQuery {
    return compileDomoSql(text, this.scopeTarget(scope, true));
  }

  /**
   * The scope with a table `name` made of a statement's result (a DataFlow's intermediate table): the
   * statement is compiled once, as a named query later statements begin with; nothing is written anywhere.
   */
  withTable(scope: RowScope, name: string, text: string): RowScope {
    const key = name.toLowerCase();
    if (Object.keys(scope.tables).some((n) => n.toLowerCase() === key)) throw badRequest(`Table \`${name}\` already exists in this DataFlow: give the new table another name`);
    const body = compileDomoSql(text, this.scopeTarget(scope, false)).sql;
    const cte = `domo_tbl_${scope.with.length + 1}`;
    return { ...scope, tables: { ...scope.tables, [name]: { source: quoteIdent(cte), columns: [] } }, with: [...scope.with, { name: cte, sql: body }] };
  }

  private scopeTarget(scope: RowScope, withTables: boolean): CompileTarget {
    return { table: '', columns: [], tables: scope.tables, with: withTables ? scope.with : undefined, readable: scope.readable, params: scope.params };
  }

  // ---------------------------------------------------------------- queries

  /** Client Domo SQL over a source (400 for anything but one read-only SELECT). */
  sql(src: RowSource, text: string): CompiledQuery {
    return compileDomoSql(text, src.target);
  }

  /** A query the emulator builds (exports, cards), compiled by the same compiler as client SQL. */
  select(src: RowSource, spec: SelectSpec): CompiledQuery {
    const cols = spec.columns.map((c) => (typeof c === 'string' ? c : c.as ? `${c.expr} AS ${ident(c.as)}` : c.expr));
    let text = `SELECT ${cols.join(', ')} FROM t`;
    if (spec.where) text += ` WHERE ${spec.where}`;
    if (spec.groupBy?.length) text += ` GROUP BY ${spec.groupBy.join(', ')}`;
    if (spec.orderBy?.length) text += ` ORDER BY ${spec.orderBy.map((o) => `${o.expr} ${o.desc ? 'DESC' : 'ASC'}`).join(', ')}`;
    if (spec.limit !== undefined || spec.offset) text += ` LIMIT ${spec.limit === undefined ? Number.MAX_SAFE_INTEGER : Math.max(0, Math.floor(spec.limit))}`;
    if (spec.offset) text += ` OFFSET ${Math.max(0, Math.floor(spec.offset))}`;
    return compileDomoSql(text, src.target);
  }

  // ---------------------------------------------------------------- running

  /** Runs a query in a query worker (deadline, result cap); resolves to typed rows. */
  async rows(q: CompiledQuery): Promise<RowResult> {
    if (!this.ctx.dbFile) return this.rowsInline(q);
    const r = await this.ctx.queries.run({ ...this.job(q), output: { kind: 'rows' } });
    return { columns: r.columns, types: r.types, rows: r.rows };
  }

  /**
   * Runs a query on the instance's own connection, synchronously: no deadline, and it sees the caller's open
   * transaction. Only for readers that must read inside a synchronous transaction (a report run completing
   * in ScheduledReportsStore.settle(), until the scheduler computes before it applies) and only for queries
   * the emulator builds with select(): never client SQL.
   */
  rowsInline(q: CompiledQuery): RowResult {
    const maxBytes = this.ctx.queries.maxResultBytes;
    if (!this.inlineReady) {
      registerSqlFunctions(this.ctx.sqlite, () => this.ctx.clock.nowMs(), { maxBytes });
      this.inlineReady = true;
    }
    try {
      return runQuery(this.ctx.sqlite, q, { maxBytes });
    } catch (e) {
      throw asApiError(e);
    }
  }

  /**
   * CSV of a query, written by the worker as it reads the rows: in memory up to SPILL_BYTES, then into a
   * spill file under `<dataDir>/tmp` (always, with toFile). The caller streams it (csvStream), moves it
   * (moveCsv) or drops it (discard).
   */
  async csv(q: CompiledQuery, req: CsvRequest): Promise<CsvOutput> {
    const file = this.spillFile();
    const opts = { header: req.header, bom: req.bom ?? false, file, spillBytes: SPILL_BYTES, alwaysFile: req.toFile ?? false };
    if (!this.ctx.dbFile) throw new Error('CSV output needs a database file (the in-memory seeding template has none)');
    try {
      const r = await this.ctx.queries.run({ ...this.job(q), output: { kind: 'csv', ...opts } });
      if (r.csv?.file) return { rowCount: r.rowCount, file: r.csv.file };
      return { rowCount: r.rowCount, text: r.csv?.text ?? '' };
    } catch (e) {
      // a worker killed at its deadline may leave a partial file
      rmSync(file, { force: true });
      throw e;
    }
  }

  /** A CSV result as a stream; a spill file is removed once the stream closes (finished or aborted). */
  csvStream(out: CsvOutput): Readable | string {
    if (out.text !== undefined) return out.text;
    const stream = createReadStream(out.file);
    stream.on('close', () => rmSync(out.file, { force: true }));
    return stream;
  }

  /** Moves a CSV written with toFile to its destination (same filesystem: under the data directory). */
  moveCsv(out: CsvOutput, dest: string): void {
    if (!out.file) throw new Error('moveCsv: the CSV was not written to a file (use toFile)');
    renameSync(out.file, dest);
  }

  /** Drops a CSV result's spill file. */
  discard(out: CsvOutput): void {
    if (out.file) rmSync(out.file, { force: true });
  }

  // ---------------------------------------------------------------- shapes

  /** Domo's answer to POST /api/query/v1/execute: {datasource, columns, metadata, rows, numRows, numColumns, fromcache}. */
  domoJson(src: RowSource, res: RowResult): Record<string, unknown> {
    const metadata = res.types.map((type, i) => {
      let max = -1;
      let min = -1;
      if (type === 'STRING') {
        for (const row of res.rows) {
          const v = row[i];
          if (typeof v !== 'string') continue;
          max = Math.max(max, v.length);
          min = min < 0 ? v.length : Math.min(min, v.length);
        }
      }
      return { type, dataSourceId: src.dataset.id, maxLength: max, minLength: min, periodIndex: 0, aggregated: false };
    });
    return {
      datasource: src.dataset.id,
      columns: res.columns,
      metadata,
      rows: res.rows,
      numRows: res.rows.length,
      numColumns: res.columns.length,
      fromcache: false,
    };
  }

  /** The rows as objects keyed by column name (a later duplicate name wins, as in JSON). */
  objects(res: RowResult): Array<Record<string, unknown>> {
    return res.rows.map((row) => Object.fromEntries(res.columns.map((name, i) => [name, row[i]])));
  }

  // ---------------------------------------------------------------- helpers

  private job(q: CompiledQuery) {
    return { file: this.ctx.dbFile!, query: q, now: this.ctx.clock.nowMs(), maxBytes: this.ctx.queries.maxResultBytes };
  }

  private spillFile(): string {
    if (!this.tmpReady) {
      mkdirSync(this.tmpDir, { recursive: true });
      this.tmpReady = true;
    }
    return join(this.tmpDir, `rows-${process.pid}-${++spillSeq}.csv`);
  }
}
