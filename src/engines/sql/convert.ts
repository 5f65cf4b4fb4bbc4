/**
 * Converting stored values between column types: `domo_emu_convert(column, from, to, value)`, the SQL function
 * a schema change uses to rewrite a dataset's tables. Registered on the instance connection by the datasets
 * store and on every query worker connection, so SQL that mentions it (a table rewrite today, a lazily
 * converted view later) means the same on both sides.
 */
import type Database from 'better-sqlite3';
import { cellText, parseDate, parseDateTime, textConverter, ValueError, type Cell } from '../csv.js';
import { badRequest } from '../../http/errors.js';
import type { ColumnType } from './types.js';

/** Converts a stored value between column types (schema changes); throws a 400 naming the column. */
export function convertCell(column: string, from: ColumnType, to: ColumnType, v: unknown): Cell {
  if (v === null || v === undefined) return null;
  const fail = (why: string) =>
    badRequest(`Column '${column}': cannot convert ${JSON.stringify(typeof v === 'bigint' ? String(v) : v)} from ${from} to ${to} (${why}); nothing was changed`, [
      { path: `column.${column}`, message: `Cannot convert to ${to}` },
    ]);
  try {
    if (to === 'STRING') return cellText(v);
    if (from === 'STRING') return textConverter(to)(String(v));
    const numeric = (t: ColumnType) => t === 'LONG' || t === 'DOUBLE' || t === 'DECIMAL';
    if (numeric(from) && numeric(to)) {
      const n = Number(v);
      if (to === 'LONG' && !Number.isInteger(n)) throw new ValueError('not a whole number');
      return n;
    }
    if (from === 'DATE' && to === 'DATETIME') return parseDateTime(String(v));
    if (from === 'DATETIME' && to === 'DATE') return parseDate(String(v).slice(0, 10));
    throw new ValueError('incompatible types');
  } catch (e) {
    if (e instanceof ValueError) throw fail(e.message);
    throw e;
  }
}

/** Registers domo_emu_convert on a connection. */
export function registerConvertFunction(db: Database.Database): void {
  db.function('domo_emu_convert', { deterministic: true }, (column: unknown, from: unknown, to: unknown, value: unknown) =>
    convertCell(String(column), from as ColumnType, to as ColumnType, value),
  );
}
