/**
 * Typed CSV for datasets: values checked and converted against a dataset schema (storage contract in
 * sql/types.ts: LONG integers, DOUBLE/DECIMAL reals, DATE 'YYYY-MM-DD', DATETIME 'YYYY-MM-DDTHH:MM:SS[.sss]'
 * UTC), streaming parse of request bodies (CsvTokenizer: linear time, never a whole part in memory), whole-text
 * parse with papaparse (fixtures, stream sources), and formatting out.
 * No HTTP and no database here; a bad value is an ApiError 400 that names where it is.
 */
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
export function rowConverter(columns: readonly DatasetColumn[], label: string): (fields: string[], line: number, count?: number) => Cell[] {
  const convs = columns.map((c) => textConverter(c.type));
  const n = columns.length;
  // `count`: how many fields the line had, when the tokenizer kept only the first ones
  return (fields, line, count = fields.length) => {
    if (count !== n || fields.length !== n) {
      throw located(label, line, null, `expected ${n} value${n === 1 ? '' : 's'} (${columns.map((c) => c.name).join(', ')}), found ${count}`);
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
  /** Largest accepted size in bytes, of the body as sent and (gzip) once decompressed; 413 above. */
  maxBytes: number;
  /** Longest accepted record (line), in characters; a 400 naming the line above. */
  maxLineLength?: number;
  /** The body is gzip-compressed (Content-Encoding: gzip). */
  gzip?: boolean;
  /** Rows per onBatch call. */
  batchRows?: number;
  /** Receives converted rows in order; synchronous (an insert in one transaction). May throw to stop. */
  onBatch(rows: Cell[][]): void;
}

/** Default longest CSV record (line), in characters. */
export const DEFAULT_MAX_LINE_LENGTH = 8 * 1024 * 1024;

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;

/** Where the tokenizer is inside a record. */
const enum At {
  FieldStart,
  Unquoted,
  Quoted,
  /** a quote inside a quoted field: the closing quote, or the first of "" */
  QuoteInQuoted,
  /** after a closing quote: only spaces, then a comma or the end of the line */
  AfterQuoted,
  /** after a CR: a LF that follows belongs to the same line end */
  AfterCr,
}

/** A malformed record, reported with its line by the caller. */
export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/**
 * An incremental RFC 4180 tokenizer (comma-separated, `"` quotes, `""` escapes, LF / CRLF / CR line
 * ends). Text is pushed in chunks of any size, cut anywhere; every character is looked at once and a
 * record's text is kept only until the record ends, so time is linear in the input and memory bounded
 * by the longest record (`maxLineLength` characters, refused above: a 400 that names the line).
 * A record is handed over as its fields; past `maxFields` only the count of fields is kept.
 * Lines are counted per record (a quoted field spanning lines counts once; blank lines count).
 */
export class CsvTokenizer {
  private state: At = At.FieldStart;
  private field = '';
  private fields: string[] = [];
  private count = 0;
  /** characters of the current record in earlier chunks */
  private carried = 0;
  private started = false;
  /** records ended so far (the current one is line + 1) */
  line = 0;

  constructor(
    private readonly onRecord: (fields: string[], count: number, line: number) => void,
    private readonly maxLineLength = DEFAULT_MAX_LINE_LENGTH,
    private readonly maxFields = Number.MAX_SAFE_INTEGER,
    /** blank lines are counted but not handed over */
    private readonly skipBlankLines = false,
  ) {}

  push(s: string): void {
    const n = s.length;
    let i = 0;
    let recStart = 0; // where the current record began in this chunk
    let from = 0; // start of the current field's pending slice
    if (!this.started && n) {
      this.started = true;
      if (s.charCodeAt(0) === 0xfeff) i = recStart = from = 1;
    }
    while (i < n) {
      let st = this.state;
      if (st === At.AfterCr) {
        st = this.state = At.FieldStart;
        if (s.charCodeAt(i) === LF) {
          recStart = from = ++i;
          continue;
        }
        // a lone CR ended the line
      }
      if (st === At.FieldStart) {
        const c = s.charCodeAt(i);
        if ((c === LF || c === CR) && this.skipBlankLines && this.count === 0) {
          // a blank line: counted, never handed over (a stream of them costs no more than reading it)
          this.line += 1;
          this.carried = 0;
          recStart = from = ++i;
          this.state = c === CR ? At.AfterCr : At.FieldStart;
          continue;
        }
        if (c === QUOTE) {
          this.state = At.Quoted;
          from = ++i;
          continue;
        }
        st = this.state = At.Unquoted;
        from = i;
      }
      if (st === At.Unquoted) {
        let c = 0;
        while (i < n) {
          c = s.charCodeAt(i);
          if (c === COMMA || c === LF || c === CR) break;
          i++;
        }
        if (i === n) break;
        this.field += s.slice(from, i);
        from = ++i;
        if (c === COMMA) {
          this.endField();
          this.state = At.FieldStart;
        } else {
          this.endRecord(this.carried + (i - recStart));
          this.state = c === CR ? At.AfterCr : At.FieldStart;
          recStart = i;
        }
        continue;
      }
      if (st === At.Quoted) {
        const q = s.indexOf('"', i);
        if (q < 0) break;
        this.field += s.slice(from, q);
        from = i = q + 1;
        this.state = At.QuoteInQuoted;
        continue;
      }
      if (st === At.QuoteInQuoted) {
        if (s.charCodeAt(i) === QUOTE) {
          // "" is one quote inside the field
          this.field += '"';
          from = ++i;
          this.state = At.Quoted;
          continue;
        }
        this.state = At.AfterQuoted;
      }
      // After a closing quote: spaces, then a comma or a line end.
      const c = s.charCodeAt(i++);
      from = i;
      if (c === SPACE || c === TAB) continue;
      if (c === COMMA) {
        this.endField();
        this.state = At.FieldStart;
      } else if (c === LF || c === CR) {
        this.endRecord(this.carried + (i - recStart));
        this.state = c === CR ? At.AfterCr : At.FieldStart;
        recStart = i;
      } else throw new CsvSyntaxError('Trailing quote on quoted field is malformed', this.line + 1);
    }
    // the rest of the chunk belongs to the current field (or is the spaces after a closing quote)
    if (this.state === At.Unquoted || this.state === At.Quoted) this.field += s.slice(from, n);
    this.carried += n - recStart;
    if (this.carried > this.maxLineLength) this.tooLong();
  }

  /** The input ended: the last record (if any) is handed over. */
  end(): void {
    if (this.state === At.Quoted) throw new CsvSyntaxError('Quoted field unterminated', this.line + 1);
    if (this.state === At.AfterCr) return;
    if (this.state === At.FieldStart && this.fields.length === 0 && this.count === 0) return; // nothing after the last line end
    this.endRecord(this.carried);
  }

  private endField(): void {
    if (this.count < this.maxFields) this.fields.push(this.field);
    this.count += 1;
    this.field = '';
  }

  private endRecord(length: number): void {
    if (length > this.maxLineLength) this.tooLong();
    this.endField();
    this.line += 1;
    const fields = this.fields;
    const count = this.count;
    this.fields = [];
    this.count = 0;
    this.carried = 0;
    this.onRecord(fields, count, this.line);
  }

  private tooLong(): never {
    throw new CsvSyntaxError(`the line is longer than the limit of ${this.maxLineLength} characters (--max-line)`, this.line + 1);
  }
}

/**
 * Parses a CSV body (no header row; values in schema order) as it arrives: bytes are counted (raw and,
 * for gzip, decompressed: each at most maxBytes), decoded as UTF-8 (a leading BOM is dropped),
 * tokenized (CsvTokenizer: linear time, one record in memory at most), checked and converted, and handed
 * over in batches. Memory is bounded by a few stream chunks, the longest line and one batch; backpressure
 * reaches the socket (and the decompressor), so nothing runs ahead of the inserts. Blank lines are
 * skipped; line numbers count records (a quoted field spanning lines counts once).
 */
export async function parseCsvStream(body: ReadableStream<Uint8Array> | null, opts: StreamParseOptions): Promise<{ rows: number; bytes: number }> {
  if (!body) return { rows: 0, bytes: 0 };
  const batchRows = opts.batchRows ?? 5000;
  const convert = rowConverter(opts.columns, opts.label);
  const limit = opts.maxBytes;
  const n = opts.columns.length;
  let raw = 0;
  let bytes = 0;
  let rows = 0;
  let batch: Cell[][] = [];
  const tokens = new CsvTokenizer(
    (fields, count, line) => {
      if (count === 1 && fields[0] === '') return; // a blank line
      batch.push(convert(fields, line, count));
      rows += 1;
      if (batch.length >= batchRows) {
        const b = batch;
        batch = [];
        opts.onBatch(b);
      }
    },
    opts.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH,
    n,
    true,
  );
  const located400 = (e: unknown) => (e instanceof CsvSyntaxError ? located(opts.label, e.line, null, `malformed CSV (${e.message})`) : e);

  const source = Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
  const counted = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      raw += chunk.length;
      cb(raw > limit ? payloadTooLarge(limit) : null, chunk);
    },
  });
  const decoder = new StringDecoder('utf8');
  const sink = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (bytes > limit) return cb(payloadTooLarge(limit));
      try {
        tokens.push(decoder.write(chunk));
        cb();
      } catch (e) {
        cb(located400(e) as Error);
      }
    },
    final(cb) {
      try {
        tokens.push(decoder.end());
        tokens.end();
        if (batch.length) opts.onBatch(batch);
        batch = [];
        cb();
      } catch (e) {
        cb(located400(e) as Error);
      }
    },
  });
  // The source is piped (not part of the pipeline) so that a refused part can still drain it.
  let sourceError: Error | null = null;
  source.once('error', (e) => {
    sourceError = e;
    counted.destroy(e);
  });
  source.once('close', () => {
    if (!source.readableEnded && !counted.destroyed) counted.destroy(Object.assign(new Error('the body ended early'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
  });
  source.pipe(counted);
  try {
    await pipeline([counted, ...(opts.gzip ? [createGunzip()] : []), sink]);
    return { rows, bytes };
  } catch (e) {
    source.unpipe(counted);
    const err = classify(e, sourceError, opts.label);
    // A refused value is answered once the rest of the body has been read and discarded (within the size
    // limit): an HTTP client still sending a large part then gets the 400 instead of a reset connection.
    if (err instanceof ApiError && err.status === 400 && !sourceError && !source.readableEnded && !source.destroyed) await drain(source, limit - raw);
    else source.destroy();
    throw err;
  }
}

/** A failed parse as the client should see it: our own errors as they are, gzip and transport errors as 400s. */
function classify(e: unknown, sourceError: Error | null, label: string): unknown {
  if (e instanceof ApiError) return e;
  const code = (e as NodeJS.ErrnoException | null)?.code ?? '';
  if (code.startsWith('Z_')) return badRequest(`${label}: the body is not valid gzip (${(e as Error).message})`, [{ path: 'body', message: 'Invalid gzip' }]);
  if (sourceError || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'ABORT_ERR') {
    return badRequest(`${label}: the request body ended before it was complete`, [{ path: 'body', message: 'Truncated body' }]);
  }
  return e;
}

/** Reads and discards up to `budget` more bytes of a body, then stops reading it. */
function drain(source: Readable, budget: number): Promise<void> {
  return new Promise((resolve) => {
    let left = budget;
    const done = () => {
      source.off('data', onData);
      resolve();
    };
    const onData = (c: Buffer) => {
      left -= c.length;
      if (left < 0) {
        source.destroy();
        done();
      }
    };
    source.on('data', onData);
    source.once('end', done);
    source.once('close', done);
    source.once('error', done);
    source.resume();
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
