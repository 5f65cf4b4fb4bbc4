/**
 * Running a compiled query: better-sqlite3's read-only and single-statement checks as a second guard,
 * raw array rows, and a Domo column type per output column.
 */
import type Database from 'better-sqlite3';
import { ApiError, badRequest } from '../../http/errors.js';
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
      assertConfined(db, q.sql, q.target.table);
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

const explain = (db: Database.Database, sql: string) => db.prepare(`EXPLAIN ${sql}`).all() as Op[];
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
function assertConfined(db: Database.Database, sql: string, table: string): void {
  const allowed = allowedPages(db, table);
  for (const op of explain(db, sql)) {
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

/** Runs a compiled query; SQLite errors (syntax, unknown column) become a 400 carrying SQLite's message. */
export function runQuery(db: Database.Database, q: CompiledQuery): QueryResult {
  const stmt = prepare(db, q);
  let rows: unknown[][];
  try {
    rows = stmt.all() as unknown[][];
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
  const it = stmt.iterate() as IterableIterator<unknown[]>;
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
