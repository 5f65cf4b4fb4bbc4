/**
 * Typed CSV for datasets: values checked and converted against a dataset schema (storage contract in
 * sql/types.ts: LONG integers, DOUBLE/DECIMAL reals, DATE 'YYYY-MM-DD', DATETIME 'YYYY-MM-DDTHH:MM:SS[.sss]'
 * UTC), streaming parse of request bodies with papaparse (never a whole part in memory), and formatting out.
 * No HTTP and no database here; a bad value is an ApiError 400 that names where it is.
 */
import { Transform, Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import Papa from 'papaparse';
import { ApiError, badRequest, payloadTooLarge } from '../http/errors.js';
import type { ColumnType, DatasetColumn } from './sql/types.js';

/** A stored cell value. */
export type Cell = string | number | bigint | null;

/** Thrown by a converter; the caller adds where the value was. */
export class ValueError extends Error {}

const longRe = /^[+-]?\d+(?:\.0*)?$/;
const numberRe = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const isoDateRe = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?(?:Z|[+-]00:?00)?)?$/;
const usDateRe = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const dateTimeRe = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const dim = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  return d <= dim;
}

function parseLong(raw: string): number | bigint {
  const s = raw.trim();
  if (!longRe.test(s)) throw new ValueError(`'${raw}' is not a whole number`);
  const int = s.includes('.') ? s.slice(0, s.indexOf('.')) : s;
  const n = Number(int);
  if (Number.isSafeInteger(n)) return n;
  const b = BigInt(int);
  if (b < INT64_MIN || b > INT64_MAX) throw new ValueError(`'${raw}' is outside the 64-bit integer range`);
  return b;
}

function parseNumber(raw: string): number {
  const s = raw.trim();
  if (!numberRe.test(s)) throw new ValueError(`'${raw}' is not a number`);
  const n = Number(s);
  if (!Number.isFinite(n)) throw new ValueError(`'${raw}' is out of range`);
  return n;
}

/** 'YYYY-MM-DD' (also YYYY/MM/DD, M/D/YYYY and a midnight time part). */
export function parseDate(raw: string): string {
  const s = raw.trim();
  let y: number, m: number, d: number;
  let hit = isoDateRe.exec(s);
  if (hit) [y, m, d] = [Number(hit[1]), Number(hit[2]), Number(hit[3])];
  else if ((hit = usDateRe.exec(s))) [m, d, y] = [Number(hit[1]), Number(hit[2]), Number(hit[3])];
  else throw new ValueError(`'${raw}' is not a date (expected YYYY-MM-DD)`);
  if (!validDate(y, m, d)) throw new ValueError(`'${raw}' is not a valid calendar date`);
  return `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
}

/** 'YYYY-MM-DDTHH:MM:SS[.sss]' in UTC; accepts a space or T, optional seconds, fractions, Z or an offset, or a date alone. */
export function parseDateTime(raw: string): string {
  const s = raw.trim();
  const hit = dateTimeRe.exec(s);
  if (!hit) throw new ValueError(`'${raw}' is not a date-time (expected YYYY-MM-DDTHH:MM:SS)`);
  const [y, mo, d] = [Number(hit[1]), Number(hit[2]), Number(hit[3])];
  const [h, mi, se] = [Number(hit[4] ?? 0), Number(hit[5] ?? 0), Number(hit[6] ?? 0)];
  const ms = hit[7] ? Math.round(Number(`0.${hit[7]}`) * 1000) : 0;
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || se > 59) throw new ValueError(`'${raw}' is not a valid date-time`);
  let t = Date.UTC(y, mo - 1, d, h, mi, se, ms);
  const zone = hit[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    const off = (Number(z[2]) * 60 + Number(z[3] ?? 0)) * 60_000;
    t -= z[1] === '+' ? off : -off;
  }
  return formatDateTime(t);
}

export function formatDateTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  return iso.endsWith('.000Z') ? iso.slice(0, 19) : iso.slice(0, 23);
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/** Fast path: 'YYYY-MM-DD' exactly (the common case), validated without building anything new. */
function plainIsoDate(s: string): boolean {
  if (s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return false;
  for (const i of [0, 1, 2, 3, 5, 6, 8, 9]) if (!isDigit(s.charCodeAt(i))) return false;
  const y = (s.charCodeAt(0) - 48) * 1000 + (s.charCodeAt(1) - 48) * 100 + (s.charCodeAt(2) - 48) * 10 + (s.charCodeAt(3) - 48);
  const m = (s.charCodeAt(5) - 48) * 10 + (s.charCodeAt(6) - 48);
  const d = (s.charCodeAt(8) - 48) * 10 + (s.charCodeAt(9) - 48);
  return validDate(y, m, d);
}

/** Fast path: 'YYYY-MM-DDTHH:MM:SS' exactly. */
function plainIsoDateTime(s: string): boolean {
  if (s.length !== 19 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return false;
  if (!plainIsoDate(s.slice(0, 10))) return false;
  for (const i of [11, 12, 14, 15, 17, 18]) if (!isDigit(s.charCodeAt(i))) return false;
  const h = (s.charCodeAt(11) - 48) * 10 + (s.charCodeAt(12) - 48);
  const mi = (s.charCodeAt(14) - 48) * 10 + (s.charCodeAt(15) - 48);
  const se = (s.charCodeAt(17) - 48) * 10 + (s.charCodeAt(18) - 48);
  return h <= 23 && mi <= 59 && se <= 59;
}

/** Fast path: an optional '-' and up to 15 digits (always a safe integer). */
function plainInt(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 16) return false;
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  if (i === n || n - i > 15) return false;
  for (; i < n; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

/** Fast path: digits with at most one '.', optional leading '-', no exponent. */
function plainDecimal(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 30) return false;
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  let digits = 0;
  let dot = false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (isDigit(c)) digits++;
    else if (c === 46 && !dot) dot = true;
    else return false;
  }
  return digits > 0;
}

/**
 * Converts one CSV field (text) to the stored value of a column type. An empty field is null, except for
 * STRING columns where it stays an empty string.
 */
export function textConverter(type: ColumnType): (raw: string) => Cell {
  switch (type) {
    case 'STRING':
      return (raw) => raw;
    case 'LONG':
      return (raw) => (raw === '' ? null : plainInt(raw) ? Number(raw) : parseLong(raw));
    case 'DOUBLE':
    case 'DECIMAL':
      return (raw) => (raw === '' ? null : plainDecimal(raw) ? Number(raw) : parseNumber(raw));
    case 'DATE':
      return (raw) => (raw === '' ? null : plainIsoDate(raw) ? raw : parseDate(raw));
    case 'DATETIME':
      return (raw) => (raw === '' ? null : plainIsoDateTime(raw) ? raw : parseDateTime(raw));
  }
}

/** Converts a JavaScript value (API callers: strings, numbers, null) to the stored value of a column type. */
export function valueConverter(type: ColumnType): (v: unknown) => Cell {
  const fromText = textConverter(type);
  return (v) => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'string') return type === 'STRING' ? v : fromText(v);
    if (typeof v === 'bigint') {
      if (type === 'LONG') return v >= INT64_MIN && v <= INT64_MAX ? v : fromText(String(v));
      if (type === 'STRING') return String(v);
      if (type === 'DOUBLE' || type === 'DECIMAL') return Number(v);
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new ValueError(`${v} is not a finite number`);
      if (type === 'STRING') return String(v);
      if (type === 'DOUBLE' || type === 'DECIMAL') return v;
      if (type === 'LONG') {
        if (!Number.isInteger(v)) throw new ValueError(`${v} is not a whole number`);
        return v;
      }
    }
    if (typeof v === 'boolean' && type === 'STRING') return String(v);
    if (v instanceof Date && (type === 'DATE' || type === 'DATETIME')) {
      if (Number.isNaN(v.getTime())) throw new ValueError('invalid Date');
      return type === 'DATE' ? formatDateTime(v.getTime()).slice(0, 10) : formatDateTime(v.getTime());
    }
    throw new ValueError(`${JSON.stringify(v) ?? String(v)} (${typeof v}) cannot be stored in a ${type} column`);
  };
}

/** Text form of a stored value (CSV out, conversions between types). */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return String(v);
}

const needsQuote = /[",\r\n]|^\s|\s$/;

/** One CSV field, quoted when needed. */
export function csvField(v: unknown): string {
  const s = cellText(v);
  return needsQuote.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line (with the trailing newline). */
export function csvLine(values: readonly unknown[]): string {
  let out = '';
  for (let i = 0; i < values.length; i++) out += (i ? ',' : '') + csvField(values[i]);
  return out + '\n';
}

/** Where a bad value is, in error messages and `details` paths. */
function located(label: string, line: number, column: string | null, message: string): ApiError {
  const where = `${label}, line ${line}${column === null ? '' : `, column '${column}'`}`;
  const path = `${label.replace(/\s+/g, '.')}.line.${line}${column === null ? '' : `.${column}`}`;
  return badRequest(`${where[0].toUpperCase()}${where.slice(1)}: ${message}`, [{ path, message }]);
}

/** Builds the row checker for a schema: raw CSV fields -> stored cells, or a located 400. */
export function rowConverter(columns: readonly DatasetColumn[], label: string): (fields: string[], line: number) => Cell[] {
  const convs = columns.map((c) => textConverter(c.type));
  const n = columns.length;
  return (fields, line) => {
    if (fields.length !== n) {
      throw located(label, line, null, `expected ${n} value${n === 1 ? '' : 's'} (${columns.map((c) => c.name).join(', ')}), found ${fields.length}`);
    }
    const out = new Array<Cell>(n);
    for (let i = 0; i < n; i++) {
      try {
        out[i] = convs[i](fields[i]);
      } catch (e) {
        if (e instanceof ValueError) throw located(label, line, columns[i].name, `${e.message} (column type ${columns[i].type})`);
        throw e;
      }
    }
    return out;
  };
}

export interface StreamParseOptions {
  columns: readonly DatasetColumn[];
  /** How the input is named in errors, e.g. "part 3". */
  label: string;
  /** Largest accepted (decompressed) size in bytes; 413 above. */
  maxBytes: number;
  /** The body is gzip-compressed (Content-Encoding: gzip). */
  gzip?: boolean;
  /** Rows per onBatch call. */
  batchRows?: number;
  /** Receives converted rows in order; synchronous (an insert in one transaction). May throw to stop. */
  onBatch(rows: Cell[][]): void;
}

/**
 * Parses a CSV body (no header row; values in schema order) as it arrives: bytes are decoded as UTF-8
 * (a leading BOM is dropped), parsed by papaparse chunk by chunk, checked and converted, and handed over
 * in batches. Memory is bounded by one network chunk plus one batch. Blank lines are skipped; line
 * numbers count physical lines (a quoted field spanning lines counts once).
 */
export function parseCsvStream(body: ReadableStream<Uint8Array> | null, opts: StreamParseOptions): Promise<{ rows: number; bytes: number }> {
  const batchRows = opts.batchRows ?? 5000;
  const convert = rowConverter(opts.columns, opts.label);
  let bytes = 0;
  let rows = 0;
  let line = 0;
  let batch: Cell[][] = [];
  if (!body) return Promise.resolve({ rows: 0, bytes: 0 });

  const source = Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
  const decoder = new StringDecoder('utf8');
  let first = true;
  const limit = opts.maxBytes;
  const decode = new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (bytes > limit) return cb(payloadTooLarge(limit));
      let s = decoder.write(chunk);
      if (first && s.length) {
        first = false;
        if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      }
      cb(null, s);
    },
    flush(cb) {
      const rest = decoder.end();
      cb(null, rest.length ? rest : undefined);
    },
  });
  const upstream: Readable = opts.gzip ? source.pipe(createGunzip()) : source;

  return new Promise((resolve, reject) => {
    let settled = false;
    /**
     * Stops parsing. A rejected value is answered only after the rest of the body has been read and
     * discarded (within the size limit): an HTTP client still sending a large part then gets the 400
     * instead of a reset connection. Size-limit and stream errors stop reading at once.
     */
    const fail = (err: unknown, drain = true) => {
      if (settled) return;
      settled = true;
      source.unpipe();
      if (upstream !== source) upstream.destroy();
      decode.destroy();
      const tooLarge = err instanceof ApiError && err.status === 413;
      if (!drain || tooLarge || source.destroyed || source.readableEnded) {
        source.destroy();
        reject(err);
        return;
      }
      let raw = 0;
      const done = () => reject(err);
      source.on('data', (c: Buffer) => {
        raw += c.length;
        if (raw > limit) source.destroy();
      });
      source.once('end', done);
      source.once('close', done);
      source.once('error', done);
      source.resume();
    };
    source.on('error', (e: Error) => fail(e, false));
    if (upstream !== source) {
      upstream.on('error', (e: Error) => fail(e instanceof ApiError ? e : badRequest(`${opts.label}: the body is not valid gzip (${e.message})`)));
    }
    decode.on('error', fail);
    upstream.pipe(decode);

    Papa.parse(decode as unknown as File, {
      delimiter: ',',
      skipEmptyLines: false,
      chunk(results: Papa.ParseResult<string[]>, parser: Papa.Parser) {
        if (settled) return;
        try {
          const err = results.errors[0];
          if (err) {
            const at = line + (err.row ?? 0) + 1;
            throw located(opts.label, at, null, `malformed CSV (${err.message})`);
          }
          for (const fields of results.data as string[][]) {
            line += 1;
            if (fields.length === 1 && fields[0] === '') continue;
            batch.push(convert(fields, line));
            rows += 1;
            if (batch.length >= batchRows) {
              const b = batch;
              batch = [];
              opts.onBatch(b);
            }
          }
        } catch (e) {
          fail(e); // first: abort() calls complete() synchronously
          parser.abort();
        }
      },
      complete() {
        if (settled) return;
        try {
          if (batch.length) opts.onBatch(batch);
          batch = [];
          settled = true;
          resolve({ rows, bytes });
        } catch (e) {
          fail(e);
        }
      },
      error(e: Error) {
        fail(e instanceof ApiError ? e : badRequest(`${opts.label}: ${e.message}`));
      },
    } as never);
  });
}

/**
 * Parses a whole CSV text (fixtures, stream sources): optional header row (checked against the schema
 * names), then typed rows.
 */
export function parseCsvText(text: string, columns: readonly DatasetColumn[], opts: { header: boolean; label: string }): Cell[][] {
  const res = Papa.parse<string[]>(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, { delimiter: ',', skipEmptyLines: false });
  if (res.errors.length) throw located(opts.label, (res.errors[0].row ?? 0) + 1, null, `malformed CSV (${res.errors[0].message})`);
  const convert = rowConverter(columns, opts.label);
  const out: Cell[][] = [];
  res.data.forEach((fields, i) => {
    if (fields.length === 1 && fields[0] === '') return;
    if (opts.header && i === 0) {
      const want = columns.map((c) => c.name).join(',');
      if (fields.join(',') !== want) throw located(opts.label, 1, null, `header '${fields.join(',')}' does not match the schema '${want}'`);
      return;
    }
    out.push(convert(fields, i + 1));
  });
  return out;
}

/** One row given as delimited text ("Append row": `values=a,b,c`, optional one-character delimiter). */
export function parseDelimitedRow(text: string, delimiter: string, columns: readonly DatasetColumn[], label: string): Cell[] {
  const res = Papa.parse<string[]>(text, { delimiter, skipEmptyLines: true });
  if (res.errors.length) throw located(label, 1, null, `malformed values (${res.errors[0].message})`);
  if (res.data.length !== 1) throw located(label, 1, null, `expected one row of values, found ${res.data.length}`);
  return rowConverter(columns, label)(res.data[0], 1);
}
