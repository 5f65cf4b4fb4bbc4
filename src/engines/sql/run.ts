/**
 * Running a compiled query: better-sqlite3's read-only and single-statement checks as a second guard,
 * raw array rows, and a Domo column type per output column.
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { csvLine } from '../csv.js';
import { ApiError, badRequest, resultTooLarge } from '../../http/errors.js';
import type { CompiledQuery } from './compile.js';
import { isRegistered } from './functions.js';
import { domoTypeFromDeclared, quoteIdent, type ColumnType } from './types.js';

export interface QueryResult {
  /** Output column names (aliases, or the expression as written). */
  columns: string[];
  /** Per column: the dataset column's type for a plain column, else inferred from the values. */
  types: ColumnType[];
  /** LONG/DOUBLE/DECIMAL as numbers, DATE 'YYYY-MM-DD', DATETIME ISO text, NULL as null. */
  rows: unknown[][];
}

export interface QueryStream {
  columns: string[];
  types: ColumnType[];
  rows: IterableIterator<unknown[]>;
}

/** How many leading rows iterateQuery reads to infer the types of computed columns. */
const INFER_ROWS = 1000;

function toApiError(err: unknown): unknown {
  if (err instanceof ApiError) return err;
  if (err instanceof Error && (err.name === 'SqliteError' || err instanceof RangeError)) {
    // Backticks became double quotes, so SQLite's hint about string literals would only mislead.
    // (and a quoted name is shown the way the user wrote it).
    const message = err.message
      .replace(/ - should this be a string literal in single-quotes\?$/, '')
      .replace(/^(no such column: )"((?:[^"]|"")*)"$/, (_m, p: string, name: string) => `${p}\`${name.replace(/""/g, '"')}\``);
    return badRequest(message);
  }
  return err;
}

/** The named parameters of the target's source, or nothing (better-sqlite3 refuses an unused object). */
function bindings(q: CompiledQuery): [Record<string, unknown>] | [] {
  const p = q.target?.params;
  return p && Object.keys(p).length ? [p] : [];
}

/**
 * Any error of running a query as the client should see it: an ApiError as it is, SQLite's own errors (no such
 * column, misuse of aggregate, string or blob too big) as a 400 with SQLite's message; anything else unchanged.
 */
export function asApiError(err: unknown): unknown {
  const e = toApiError(err);
  if (e instanceof ApiError) return e;
  const code = (e as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    const message = (e as Error).message;
    return badRequest(`SQL error: ${message}`, [{ path: 'body.sql', message }]);
  }
  return e;
}

function prepare(db: Database.Database, q: CompiledQuery): Database.Statement {
  if (!isRegistered(db)) {
    throw new Error('registerSqlFunctions(db, now) must be called on this connection before running Domo SQL');
  }
  let stmt: Database.Statement;
  try {
    stmt = db.prepare(q.sql);
  } catch (err) {
    throw toApiError(err);
  }
  // Second guards behind compileDomoSql: better-sqlite3 already refuses several statements in prepare().
  if (!stmt.readonly || !stmt.reader) throw badRequest('Only a read-only SELECT query is allowed');
  if (q.target) {
    try {
      assertConfined(db, q.sql, q.target.tables ? (q.target.readable ?? []) : [q.target.table], bindings(q));
    } catch (err) {
      throw toApiError(err);
    }
  }
  stmt.raw(true);
  stmt.safeIntegers(true);
  return stmt;
}

interface Op {
  opcode: string;
  p2: number;
  p3: number;
  p4: unknown;
}

const explain = (db: Database.Database, sql: string, params: [Record<string, unknown>] | [] = []) =>
  db.prepare(`EXPLAIN ${sql}`).all(...params) as Op[];
const OPENS = new Set(['OpenRead', 'OpenWrite', 'ReopenIdx']);
const DENIED_CALL = /^(load_extension|readfile|writefile|edit|fts3_tokenizer|sqlite_|pragma_|randomblob|zeroblob)/i;

/**
 * The b-trees the target may read: those `SELECT * FROM target` opens (the table itself, or the tables a view
 * reads) and every index on them, as "<database index>:<root page>".
 */
const pageCache = new WeakMap<Database.Database, Map<string, { version: string; pages: Set<string> }>>();

function allowedPages(db: Database.Database, table: string): Set<string> {
  // Root pages move only when a schema changes: cache per schema version of main and temp.
  const version = `${db.pragma('main.schema_version', { simple: true })}:${db.pragma('temp.schema_version', { simple: true })}`;
  let byTable = pageCache.get(db);
  if (!byTable) pageCache.set(db, (byTable = new Map()));
  const hit = byTable.get(table);
  if (hit && hit.version === version) return hit.pages;
  const pages = computeAllowedPages(db, table);
  byTable.set(table, { version, pages });
  return pages;
}

function computeAllowedPages(db: Database.Database, table: string): Set<string> {
  const schemas = new Map<number, string>();
  for (const r of db.pragma('database_list') as { seq: number; name: string }[]) schemas.set(r.seq, r.name);
  const allowed = new Set<string>();
  for (const op of explain(db, `SELECT * FROM ${quoteIdent(table)}`)) {
    if (!OPENS.has(op.opcode)) continue;
    const schema = schemas.get(op.p3);
    if (!schema) continue;
    const master = `${quoteIdent(schema)}.sqlite_schema`;
    const owner = db.prepare(`SELECT tbl_name FROM ${master} WHERE rootpage = ?`).get(op.p2) as { tbl_name: string } | undefined;
    allowed.add(`${op.p3}:${op.p2}`);
    if (!owner) continue;
    const pages = db.prepare(`SELECT rootpage FROM ${master} WHERE tbl_name = ? AND rootpage > 0`).all(owner.tbl_name) as {
      rootpage: number;
    }[];
    for (const p of pages) allowed.add(`${op.p3}:${p.rootpage}`);
  }
  return allowed;
}

/**
 * A guard that does not trust the compiler: SQLite's own program for the statement may open no b-tree but the
 * target's (and its indexes), no virtual table (pragma_*, json_each, dbstat) and call no file function.
 */
function assertConfined(db: Database.Database, sql: string, tables: readonly string[], params: [Record<string, unknown>] | []): void {
  // Allowed: what the bare tables read, never what a source adds (a computed column or a row filter must
  // read that same dataset only). A DataFlow statement reads its inputs' views, every one of them.
  const allowed = new Set<string>();
  for (const t of tables) for (const p of allowedPages(db, t)) allowed.add(p);
  for (const op of explain(db, sql, params)) {
    if (OPENS.has(op.opcode) && !allowed.has(`${op.p3}:${op.p2}`)) {
      throw badRequest('A query can read only its own dataset');
    }
    if (op.opcode === 'VOpen') throw badRequest('A query can read only its own dataset: virtual tables are not allowed');
    if ((op.opcode === 'Function' || op.opcode === 'PureFunc') && typeof op.p4 === 'string' && DENIED_CALL.test(op.p4)) {
      throw badRequest(`Function ${op.p4.replace(/\(.*$/, '')}() is not allowed`);
    }
  }
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z?$/;

interface Seen {
  int: boolean;
  real: boolean;
  date: boolean;
  datetime: boolean;
  text: boolean;
}

function inferTypes(declared: (ColumnType | null)[], rows: unknown[][]): ColumnType[] {
  return declared.map((d, c) => {
    if (d) return d;
    const seen: Seen = { int: false, real: false, date: false, datetime: false, text: false };
    for (const row of rows) {
      const v = row[c];
      if (v === null || v === undefined) continue;
      if (typeof v === 'bigint') seen.int = true;
      else if (typeof v === 'number') seen.real = true;
      else if (typeof v === 'string') {
        if (DATE_RE.test(v)) seen.date = true;
        else if (DATETIME_RE.test(v)) seen.datetime = true;
        else seen.text = true;
      } else seen.text = true;
    }
    const numeric = seen.int || seen.real;
    const textual = seen.date || seen.datetime || seen.text;
    if (numeric && !textual) return seen.real ? 'DOUBLE' : 'LONG';
    if (!numeric && textual && !seen.text) {
      if (seen.date && !seen.datetime) return 'DATE';
      if (seen.datetime && !seen.date) return 'DATETIME';
    }
    return 'STRING';
  });
}

function declaredTypes(stmt: Database.Statement, q: CompiledQuery): (ColumnType | null)[] {
  const byName = new Map<string, ColumnType>();
  for (const c of q.target?.columns ?? []) byName.set(c.name.toLowerCase(), c.type);
  return stmt.columns().map((c) => {
    const fromDecl = domoTypeFromDeclared(c.type);
    if (fromDecl) return fromDecl;
    // A plain column of the target whose declared type SQLite could not report.
    if (c.column && c.table && q.target && c.table === q.target.table) return byName.get(c.column.toLowerCase()) ?? null;
    return null;
  });
}

/** A row as the API returns it: numbers as numbers, text as text, blobs as hex, and STRING columns as text. */
function makeConverter(types: ColumnType[]): (row: unknown[]) => unknown[] {
  return (row) => {
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (v === null) continue;
      if (typeof v === 'bigint') row[i] = types[i] === 'STRING' ? v.toString() : Number(v);
      else if (typeof v === 'number') {
        if (types[i] === 'STRING') row[i] = String(v);
      } else if (Buffer.isBuffer(v)) row[i] = v.toString('hex').toUpperCase();
    }
    return row;
  };
}

/**
 * About what a value costs in a JSON answer, in bytes: what the result cap counts. Cheap on purpose (no
 * UTF-8 encoding): string length plus quotes and a comma, 8 for a number.
 */
function valueBytes(v: unknown): number {
  if (typeof v === 'string') return v.length + 3;
  if (Buffer.isBuffer(v)) return v.length * 2 + 3;
  return v === null ? 5 : 8;
}

export interface RunOptions {
  /** Refuse (resultTooLarge) once the rows read so far cost more than this in JSON (--max-result-bytes). */
  maxBytes?: number;
}

/** Reads every row, counting what it costs when a cap applies (then row by row, so the cap stops it early). */
function readAll(stmt: Database.Statement, q: CompiledQuery, maxBytes: number | undefined): unknown[][] {
  if (maxBytes === undefined) return stmt.all(...bindings(q)) as unknown[][];
  const rows: unknown[][] = [];
  let bytes = 0;
  for (const row of stmt.iterate(...bindings(q)) as IterableIterator<unknown[]>) {
    bytes += 2;
    for (let i = 0; i < row.length; i++) bytes += valueBytes(row[i]);
    if (bytes > maxBytes) throw resultTooLarge(maxBytes);
    rows.push(row);
  }
  return rows;
}

/** Runs a compiled query; SQLite errors (syntax, unknown column) become a 400 carrying SQLite's message. */
export function runQuery(db: Database.Database, q: CompiledQuery, opts: RunOptions = {}): QueryResult {
  const stmt = prepare(db, q);
  let rows: unknown[][];
  try {
    rows = readAll(stmt, q, opts.maxBytes);
  } catch (err) {
    throw toApiError(err);
  }
  const columns = stmt.columns().map((c) => c.name);
  const types = inferTypes(declaredTypes(stmt, q), rows);
  const convert = makeConverter(types);
  for (const r of rows) convert(r);
  return { columns, types, rows };
}

/**
 * Streams rows instead (for CSV export of large results). Computed columns are typed from the first
 * rows; the iterator holds the connection's statement open until it is exhausted or return()ed.
 */
export function iterateQuery(db: Database.Database, q: CompiledQuery): QueryStream {
  const stmt = prepare(db, q);
  const columns = stmt.columns().map((c) => c.name);
  const declared = declaredTypes(stmt, q);
  const it = stmt.iterate(...bindings(q)) as IterableIterator<unknown[]>;
  const head: unknown[][] = [];
  let done = false;
  try {
    if (declared.some((d) => d === null)) {
      while (head.length < INFER_ROWS) {
        const r = it.next();
        if (r.done) {
          done = true;
          break;
        }
        head.push(r.value);
      }
    }
  } catch (err) {
    it.return?.();
    throw toApiError(err);
  }
  const types = inferTypes(declared, head);
  const convert = makeConverter(types);
  function* rows(): IterableIterator<unknown[]> {
    try {
      for (const r of head) yield convert(r);
      if (done) return;
      for (;;) {
        let r: IteratorResult<unknown[]>;
        try {
          r = it.next();
        } catch (err) {
          throw toApiError(err);
        }
        if (r.done) return;
        yield convert(r.value);
      }
    } finally {
      it.return?.();
    }
  }
  return { columns, types, rows: rows() };
}

export interface CsvOptions {
  /** A first line with the column names. */
  header: boolean;
  /** A UTF-8 byte order mark first (Excel). */
  bom?: boolean;
  /** Where the CSV goes once it is larger than `spillBytes` (or always, with `alwaysFile`). */
  file: string;
  /** How much CSV text is held in memory before it goes to `file`. */
  spillBytes: number;
  alwaysFile?: boolean;
}

/** A CSV result: small ones as text, larger ones in the file named by CsvOptions.file (the caller removes it). */
export type CsvResult = { rowCount: number; columns: string[]; text: string; file?: undefined } | { rowCount: number; columns: string[]; file: string; text?: undefined };

/**
 * The one CSV writer for query results (the spill mechanism): rows are formatted as they are read, held in
 * memory up to `spillBytes`, then appended to `file` in blocks. A failure removes the partial file.
 */
export function queryToCsv(db: Database.Database, q: CompiledQuery, opts: CsvOptions): CsvResult {
  const res = iterateQuery(db, q);
  let buf = opts.bom ? '\ufeff' : '';
  if (opts.header) buf += csvLine(res.columns);
  let fd: number | null = null;
  let rowCount = 0;
  const flush = () => {
    fd ??= openSync(opts.file, 'w');
    writeSync(fd, buf);
    buf = '';
  };
  try {
    for (const row of res.rows) {
      buf += csvLine(row);
      rowCount++;
      if (buf.length > opts.spillBytes) flush();
    }
    if (fd === null && !opts.alwaysFile) return { rowCount, columns: res.columns, text: buf };
    flush();
    closeSync(fd!);
    fd = null;
    return { rowCount, columns: res.columns, file: opts.file };
  } catch (e) {
    res.rows.return?.(undefined);
    if (fd !== null) closeSync(fd);
    rmSync(opts.file, { force: true });
    throw e;
  }
}
