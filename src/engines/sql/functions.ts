/**
 * The MySQL functions SQLite lacks (or has with different semantics), registered on a connection as
 * domo_* functions that compiled queries call. Registered names never shadow SQLite built-ins, so the
 * stores' own SQL on the same connection keeps SQLite's semantics. The one exception is regexp(), which
 * SQLite leaves undefined and calls for `x REGEXP y`.
 *
 * Every function is registered with safeIntegers so that integers arrive as bigint and reals as number:
 * that is how ROUND/CEIL/MOD/CAST tell 7 from 7.0, and why integer results are returned as bigint (SQLite
 * INTEGER) rather than number (which better-sqlite3 always stores as REAL).
 */
import type Database from 'better-sqlite3';
import { badRequest, resultTooLarge } from '../../http/errors.js';
import {
  DAY_NAMES,
  MONTH_NAMES,
  WEEK_YEAR,
  addInterval,
  calcWeek,
  civilFromDays,
  dateFormat,
  dayNumber,
  daysFromCivil,
  daysInMonth,
  epochSeconds,
  formatDate,
  formatDateTime,
  formatTemporal,
  formatTime,
  fromEpochMs,
  fromEpochSeconds,
  intervalOf,
  parseDateTime,
  parseTime,
  roundHalfAwayInt,
  strToDate,
  timestampDiff,
  toNumber,
  weekMode,
  weekdayMon0,
  type DateTimeParts,
} from './datetime.js';

type V = bigint | number | string | Buffer | null | undefined;

interface ClockHolder {
  now: () => number;
  /** Largest string a function may build (--max-result-bytes). */
  maxBytes: number;
}

export interface SqlFunctionOptions {
  /**
   * Largest string (in UTF-16 code units, about bytes for ASCII) that REPEAT, LPAD, RPAD, SPACE, INSERT,
   * REPLACE, REGEXP_REPLACE, CONCAT and GROUP_CONCAT may build: past it they fail with resultTooLarge()
   * before allocating. Default: MAX_STRING (16 MiB, MySQL's max_allowed_packet order of magnitude).
   */
  maxBytes?: number;
}

/** The string cap when no --max-result-bytes applies. */
export const MAX_STRING = 16_777_216;

const registered = new WeakMap<Database.Database, ClockHolder>();

export const isRegistered = (db: Database.Database) => registered.has(db);

// ---------------------------------------------------------------------------- conversions

/** MySQL's text of a value: integral doubles print without '.0'. */
export function toText(v: V): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return String(v);
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return String(v);
}

const num = (v: V) => toNumber(v);
/** An integer argument (a position, a count): MySQL rounds a fractional one. */
const intArg = (v: V): number | null => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  const n = toNumber(v);
  return n === null ? null : roundHalfAwayInt(n);
};
/** An integer result: SQLite INTEGER when it fits. */
const int = (n: number): bigint | number => (Number.isSafeInteger(n) ? BigInt(n) : n);
const anyNull = (args: V[]) => args.some((a) => a === null || a === undefined);

const SURROGATE = /[\uD800-\uDFFF]/;
/** String helpers counting characters (code points) as MySQL and SQLite do, fast on BMP text. */
const cpLen = (s: string) => (SURROGATE.test(s) ? Array.from(s).length : s.length);
const cpSlice = (s: string, start: number, end?: number) =>
  SURROGATE.test(s) ? Array.from(s).slice(start, end).join('') : s.slice(start, end);

// ---------------------------------------------------------------------------- numbers

/** Decimal rounding, half away from zero, of the shortest decimal form of a double (1.005 -> 1.01). */
export function roundDecimal(n: number, d: number, truncate = false): number {
  if (!Number.isFinite(n) || n === 0) return n;
  if (d > 30) return n;
  const neg = n < 0;
  const [mant, expS] = Math.abs(n).toExponential().split('e');
  const digits = mant.replace('.', '');
  const e = Number(expS);
  const keep = e + 1 + d;
  if (keep >= digits.length) return n;
  if (keep < 0) return 0;
  let kept = keep === 0 ? 0n : BigInt(digits.slice(0, keep));
  if (!truncate && digits.charCodeAt(keep) >= 53) kept += 1n;
  const r = Number(`${kept}e${e + 1 - keep}`);
  return neg && r !== 0 ? -r : r;
}

function roundBig(x: bigint, d: number, truncate: boolean): bigint {
  if (d >= 0) return x;
  const p = 10n ** BigInt(-d);
  const r = x % p;
  let q = x - r;
  if (!truncate && (r < 0n ? -r : r) * 2n >= p) q += x < 0n ? -p : p;
  return q;
}

function mysqlRound(x: V, d: V, truncate: boolean): V {
  if (x === null || x === undefined || d === null) return null;
  const digits = d === undefined ? 0 : intArg(d)!;
  if (typeof x === 'bigint') return roundBig(x, digits, truncate);
  const n = num(x)!;
  return roundDecimal(n, digits, truncate);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function castSigned(x: V): bigint | null {
  if (x === null || x === undefined) return null;
  let r: bigint;
  if (typeof x === 'bigint') r = x;
  else if (typeof x === 'number') {
    if (!Number.isFinite(x)) return null;
    r = BigInt(roundHalfAwayInt(x));
  } else {
    const m = /^\s*([+-]?\d+)/.exec(toText(x)!);
    r = m ? BigInt(m[1]) : 0n;
  }
  return r < INT64_MIN ? INT64_MIN : r > INT64_MAX ? INT64_MAX : r;
}

function groupThousands(s: string): string {
  const [i, f] = s.split('.');
  const neg = i.startsWith('-');
  const digits = neg ? i.slice(1) : i;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (neg ? '-' : '') + grouped + (f !== undefined ? '.' + f : '');
}

/** Fixed-point text of a number with d decimals, rounded half away from zero. */
function toFixedHalfAway(n: number, d: number): string {
  const r = roundDecimal(n, d);
  let s = Math.abs(r).toFixed(d);
  if (r < 0 && Number(s) !== 0) s = '-' + s;
  return s;
}

// ---------------------------------------------------------------------------- regular expressions

const POSIX: Record<string, string> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: 'a-zA-Z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: '\\s',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
  word: '\\w',
  cntrl: '\\x00-\\x1f\\x7f',
  print: '\\x20-\\x7e',
  graph: '\\x21-\\x7e',
};
const regexCache = new Map<string, RegExp>();

function compileRegex(pattern: string, flags: string): RegExp {
  const key = flags + '\u0000' + pattern;
  let re = regexCache.get(key);
  if (re) return re;
  const source = pattern
    .replace(/\[\[:<:\]\]|\[\[:>:\]\]/g, '\\b')
    .replace(/\[:([a-z]+):\]/g, (m, name: string) => POSIX[name] ?? m);
  try {
    re = new RegExp(source, flags);
  } catch (err) {
    throw badRequest(`Invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
  if (regexCache.size > 256) regexCache.clear();
  regexCache.set(key, re);
  return re;
}

/** MySQL's comparisons are case-insensitive under its default collation, and so is REGEXP. */
function regexFlags(matchType: V): string {
  let flags = 'i';
  const t = toText(matchType ?? '') ?? '';
  for (const c of t) {
    if (c === 'c') flags = flags.replace('i', '');
    else if (c === 'i' && !flags.includes('i')) flags += 'i';
    else if (c === 'm') flags += 'm';
    else if (c === 'n') flags += 's';
  }
  return flags;
}

// ---------------------------------------------------------------------------- dates

const dt = (v: V) => parseDateTime(v);

function withDate<T>(v: V, f: (p: DateTimeParts) => T): T | null {
  const p = dt(v);
  return p ? f(p) : null;
}

const EXTRACT: Record<string, (p: DateTimeParts) => number> = {
  YEAR: (p) => p.y,
  QUARTER: (p) => Math.ceil(p.m / 3),
  MONTH: (p) => p.m,
  WEEK: (p) => calcWeek(p, weekMode(0)).week,
  DAY: (p) => p.d,
  HOUR: (p) => p.h,
  MINUTE: (p) => p.mi,
  SECOND: (p) => p.s,
  MICROSECOND: (p) => p.us,
  YEAR_MONTH: (p) => p.y * 100 + p.m,
  DAY_HOUR: (p) => p.d * 100 + p.h,
  DAY_MINUTE: (p) => (p.d * 100 + p.h) * 100 + p.mi,
  DAY_SECOND: (p) => ((p.d * 100 + p.h) * 100 + p.mi) * 100 + p.s,
  DAY_MICROSECOND: (p) => (((p.d * 100 + p.h) * 100 + p.mi) * 100 + p.s) * 1e6 + p.us,
  HOUR_MINUTE: (p) => p.h * 100 + p.mi,
  HOUR_SECOND: (p) => (p.h * 100 + p.mi) * 100 + p.s,
  HOUR_MICROSECOND: (p) => ((p.h * 100 + p.mi) * 100 + p.s) * 1e6 + p.us,
  MINUTE_SECOND: (p) => p.mi * 100 + p.s,
  MINUTE_MICROSECOND: (p) => (p.mi * 100 + p.s) * 1e6 + p.us,
  SECOND_MICROSECOND: (p) => p.s * 1e6 + p.us,
};

function dateAdd(d: V, n: V, unit: V, sign: 1 | -1): string | null {
  if (anyNull([d, n, unit])) return null;
  const p = dt(d);
  const iv = intervalOf(n, toText(unit)!);
  if (!p || !iv) return null;
  const r = addInterval(p, { months: sign * iv.months, micros: sign * iv.micros });
  return r ? formatTemporal(r) : null;
}

// ---------------------------------------------------------------------------- aggregates

interface Moments {
  n: number;
  mean: number;
  m2: number;
}

function varianceAggregate(sample: boolean, sqrt: boolean) {
  return {
    start: (): Moments => ({ n: 0, mean: 0, m2: 0 }),
    step: (acc: Moments, v: V) => {
      if (v === null || v === undefined) return acc;
      const x = num(v)!;
      acc.n++;
      const delta = x - acc.mean;
      acc.mean += delta / acc.n;
      acc.m2 += delta * (x - acc.mean);
      return acc;
    },
    result: (acc: Moments) => {
      const denom = sample ? acc.n - 1 : acc.n;
      if (acc.n === 0 || denom <= 0) return null;
      const v = acc.m2 / denom;
      return sqrt ? Math.sqrt(v) : v;
    },
  };
}

// ---------------------------------------------------------------------------- registration

/**
 * Registers the MySQL-style functions Domo SQL users write, on one connection. `now` is the instance clock
 * (ms since the epoch). Idempotent per connection; calling again replaces the clock and the string cap the
 * functions read (the query worker does so before every query).
 */
export function registerSqlFunctions(db: Database.Database, now: () => number, opts: SqlFunctionOptions = {}): void {
  const maxBytes = opts.maxBytes ?? MAX_STRING;
  const existing = registered.get(db);
  if (existing) {
    existing.now = now;
    existing.maxBytes = maxBytes;
    return;
  }
  const clock: ClockHolder = { now, maxBytes };
  registered.set(db, clock);
  /** Refuses a string of `length` before it is built (the functions' share of --max-result-bytes). */
  const fits = (length: number): void => {
    if (length > clock.maxBytes) throw resultTooLarge(clock.maxBytes, 'A string built by the query');
  };

  const pure = (name: string, fn: (...args: V[]) => unknown) =>
    db.function(name, { deterministic: true, safeIntegers: true, varargs: true }, fn as (...a: unknown[]) => unknown);
  /** NULL in, NULL out: the rule for almost every MySQL function. */
  const strict = (name: string, fn: (...args: V[]) => unknown) =>
    pure(name, (...args: V[]) => (anyNull(args) ? null : fn(...args)));
  const volatile = (name: string, fn: (...args: V[]) => unknown) =>
    db.function(name, { deterministic: false, safeIntegers: true, varargs: true }, fn as (...a: unknown[]) => unknown);

  // ---- strings ----
  strict('domo_upper', (s) => toText(s)!.toUpperCase());
  strict('domo_lower', (s) => toText(s)!.toLowerCase());
  strict('domo_substring', (s, pos, len) => {
    const str = toText(s)!;
    const p = intArg(pos)!;
    const L = cpLen(str);
    if (p === 0) return '';
    const start = p > 0 ? p - 1 : L + p;
    if (start < 0 || start >= L) return '';
    if (len === undefined) return cpSlice(str, start);
    const n = intArg(len)!;
    return n <= 0 ? '' : cpSlice(str, start, start + n);
  });
  strict('domo_left', (s, n) => {
    const k = intArg(n)!;
    return k <= 0 ? '' : cpSlice(toText(s)!, 0, k);
  });
  strict('domo_right', (s, n) => {
    const str = toText(s)!;
    const k = intArg(n)!;
    return k <= 0 ? '' : cpSlice(str, Math.max(0, cpLen(str) - k));
  });
  const pad = (left: boolean) => (s: V, len: V, padStr: V) => {
    const str = toText(s)!;
    const n = intArg(len)!;
    const p = toText(padStr)!;
    if (n < 0) return null;
    const L = cpLen(str);
    if (L >= n) return cpSlice(str, 0, n);
    if (!p) return null;
    fits(n);
    const need = n - L;
    const fill = cpSlice(p.repeat(Math.ceil(need / cpLen(p))), 0, need);
    return left ? fill + str : str + fill;
  };
  strict('domo_lpad', pad(true));
  strict('domo_rpad', pad(false));
  strict('domo_locate', (sub, s, pos) => {
    const needle = toText(sub)!;
    const hay = toText(s)!;
    const p = pos === undefined ? 1 : intArg(pos)!;
    if (p < 1 || p - 1 > cpLen(hay)) return 0n;
    if (!SURROGATE.test(hay) && !SURROGATE.test(needle)) return BigInt(hay.indexOf(needle, p - 1) + 1);
    const chars = Array.from(hay);
    const rest = chars.slice(p - 1).join('');
    const idx = rest.indexOf(needle);
    return idx < 0 ? 0n : BigInt(p + Array.from(rest.slice(0, idx)).length);
  });
  strict('domo_substring_index', (s, delim, count) => {
    const str = toText(s)!;
    const d = toText(delim)!;
    const c = intArg(count)!;
    if (!d || c === 0) return '';
    const parts = str.split(d);
    return c > 0 ? parts.slice(0, c).join(d) : parts.slice(Math.max(0, parts.length + c)).join(d);
  });
  strict('domo_trim', (mode, rem, s) => {
    let str = toText(s)!;
    const r = toText(rem)!;
    if (!r) return str;
    const m = toText(mode)!;
    if (m !== 'TRAILING') while (str.startsWith(r)) str = str.slice(r.length);
    if (m !== 'LEADING') while (str.endsWith(r)) str = str.slice(0, -r.length);
    return str;
  });
  strict('domo_reverse', (s) => Array.from(toText(s)!).reverse().join(''));
  strict('domo_repeat', (s, n) => {
    const str = toText(s)!;
    const k = intArg(n)!;
    if (k <= 0 || !str) return '';
    fits(str.length * k);
    return str.repeat(k);
  });
  strict('domo_space', (n) => {
    const k = intArg(n)!;
    if (k <= 0) return '';
    fits(k);
    return ' '.repeat(k);
  });
  /**
   * SQLite's replace() with the size checked first (the compiler passes text: CAST(x AS TEXT), so values
   * convert exactly as SQLite's own replace() would convert them).
   */
  strict('domo_replace', (s, from, to) => {
    const str = toText(s)!;
    const f = toText(from)!;
    const t = toText(to)!;
    if (!f) return str;
    if (t.length > f.length) {
      let count = 0;
      for (let i = str.indexOf(f); i >= 0; i = str.indexOf(f, i + f.length)) count++;
      fits(str.length + count * (t.length - f.length));
    }
    return str.split(f).join(t);
  });
  /** A value the query built (CONCAT of computed parts), refused when it is over the cap. */
  pure('domo_cap', (v) => {
    if (typeof v === 'string' || Buffer.isBuffer(v)) fits(v.length);
    return v;
  });
  strict('domo_ascii', (s) => {
    const b = Buffer.from(toText(s)!, 'utf8');
    return BigInt(b.length ? b[0] : 0);
  });
  strict('domo_strcmp', (a, b) => {
    const x = toText(a)!;
    const y = toText(b)!;
    return x === y ? 0n : x < y ? -1n : 1n;
  });
  strict('domo_find_in_set', (s, list) => {
    const needle = toText(s)!;
    const l = toText(list)!;
    if (needle.includes(',') || l === '') return 0n;
    return BigInt(l.split(',').indexOf(needle) + 1);
  });
  pure('domo_format', (x, d) => {
    if (x === null || x === undefined || d === null || d === undefined) return null;
    const digits = Math.min(Math.max(intArg(d)!, 0), 30);
    return groupThousands(toFixedHalfAway(num(x)!, digits));
  });
  strict('domo_insert', (s, pos, len, repl) => {
    const str = toText(s)!;
    const p = intArg(pos)!;
    let l = intArg(len)!;
    const L = cpLen(str);
    if (p < 1 || p > L) return str;
    if (l < 0 || p - 1 + l > L) l = L - p + 1;
    const r = toText(repl)!;
    fits(str.length - l + r.length);
    return cpSlice(str, 0, p - 1) + r + cpSlice(str, p - 1 + l);
  });
  pure('domo_elt', (n, ...strs) => {
    const i = intArg(n);
    if (i === null || i < 1 || i > strs.length) return null;
    return toText(strs[i - 1]);
  });
  pure('domo_field', (s, ...list) => {
    if (s === null || s === undefined) return 0n;
    const asText = typeof s === 'string';
    for (let i = 0; i < list.length; i++) {
      const x = list[i];
      if (x === null || x === undefined) continue;
      if (asText ? toText(x) === s : num(x) === num(s)) return BigInt(i + 1);
    }
    return 0n;
  });
  strict('domo_hex', (x) => {
    if (typeof x === 'bigint') return BigInt.asUintN(64, x).toString(16).toUpperCase();
    if (typeof x === 'number') return BigInt.asUintN(64, BigInt(roundHalfAwayInt(x))).toString(16).toUpperCase();
    if (Buffer.isBuffer(x)) return x.toString('hex').toUpperCase();
    return Buffer.from(toText(x)!, 'utf8').toString('hex').toUpperCase();
  });
  // `x REGEXP p` calls regexp(p, x)
  strict('regexp', (p, s) => (compileRegex(toText(p)!, regexFlags(null)).test(toText(s)!) ? 1n : 0n));
  pure('domo_regexp_like', (s, p, type) => {
    if (anyNull([s, p])) return null;
    return compileRegex(toText(p)!, regexFlags(type)).test(toText(s)!) ? 1n : 0n;
  });
  strict('domo_regexp_replace', (s, p, r) => {
    const str = toText(s)!;
    const out = str.replace(new RegExp(compileRegex(toText(p)!, regexFlags(null)).source, regexFlags(null) + 'g'), toText(r)!);
    // The replacement is built by V8 before it can be measured: refused right after (at most one such string).
    fits(out.length);
    return out;
  });
  strict('domo_regexp_substr', (s, p) => {
    const m = compileRegex(toText(p)!, regexFlags(null)).exec(toText(s)!);
    return m ? m[0] : null;
  });

  // ---- numbers ----
  pure('domo_round', (x, d) => mysqlRound(x, d, false));
  pure('domo_truncate', (x, d) => (d === undefined ? null : mysqlRound(x, d, true)));
  strict('domo_ceil', (x) => (typeof x === 'bigint' ? x : int(Math.ceil(num(x)!) + 0)));
  strict('domo_floor', (x) => (typeof x === 'bigint' ? x : int(Math.floor(num(x)!) + 0)));
  strict('domo_mod', (a, b) => {
    if (typeof a === 'bigint' && typeof b === 'bigint') return b === 0n ? null : a % b;
    const y = num(b)!;
    return y === 0 ? null : num(a)! % y;
  });
  volatile('domo_rand', (seed) => {
    if (seed === undefined || seed === null) return Math.random();
    // RAND(n): a deterministic value for a seed (mulberry32), not MySQL's sequence.
    let t = (Number(seed) + 0x6d2b79f5) | 0;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  });
  pure('domo_cast_signed', (x) => castSigned(x));
  pure('domo_cast_unsigned', (x) => {
    const v = castSigned(x);
    if (v === null) return null;
    return v < 0n ? Number(BigInt.asUintN(64, v)) : v;
  });
  pure('domo_cast_decimal', (x, p, s) => {
    if (x === null || x === undefined) return null;
    const precision = Math.min(Math.max(intArg(p) ?? 10, 1), 65);
    const scale = Math.min(Math.max(intArg(s) ?? 0, 0), precision);
    let n = typeof x === 'bigint' ? Number(x) : num(x)!;
    n = roundDecimal(n, scale);
    const max = Number(`${'9'.repeat(precision - scale) || '0'}${scale ? '.' + '9'.repeat(scale) : ''}`);
    if (n > max) n = max;
    if (n < -max) n = -max;
    return scale === 0 ? int(n) : n;
  });
  pure('domo_cast_char', (x, n) => {
    const s = toText(x);
    if (s === null) return null;
    if (n === undefined || n === null) return s;
    return cpSlice(s, 0, Math.max(0, intArg(n)!));
  });

  // ---- aggregates ----
  db.aggregate('domo_stddev_pop', { safeIntegers: true, ...varianceAggregate(false, true) } as never);
  db.aggregate('domo_stddev_samp', { safeIntegers: true, ...varianceAggregate(true, true) } as never);
  db.aggregate('domo_var_pop', { safeIntegers: true, ...varianceAggregate(false, false) } as never);
  db.aggregate('domo_var_samp', { safeIntegers: true, ...varianceAggregate(true, false) } as never);
  /**
   * GROUP_CONCAT (and STRING_AGG): SQLite's group_concat with the running length checked against the cap, so
   * a GROUP_CONCAT over big values fails before it holds more than the cap. The compiler passes the values as
   * CAST(x AS TEXT), so they read exactly as in SQLite's group_concat(); the separator defaults to ','.
   */
  interface Concat {
    out: string[];
    length: number;
    sep: string;
  }
  const concatStep = (acc: Concat, t: string, sep: V) => {
    acc.sep = sep === undefined ? ',' : (toText(sep) ?? '');
    acc.length += t.length + (acc.out.length ? acc.sep.length : 0);
    fits(acc.length);
    acc.out.push(t);
  };
  db.aggregate('domo_group_concat', {
    safeIntegers: true,
    varargs: true,
    start: (): Concat => ({ out: [], length: 0, sep: ',' }),
    step: (acc: Concat, v: V, sep: V) => {
      if (v !== null && v !== undefined) concatStep(acc, toText(v)!, sep);
      return acc;
    },
    result: (acc: Concat) => (acc.out.length ? acc.out.join(acc.sep) : null),
  } as never);
  db.aggregate('domo_group_concat_distinct', {
    safeIntegers: true,
    start: () => ({ seen: new Set<string>(), out: [] as string[], length: 0, sep: ',' }),
    step: (acc: Concat & { seen: Set<string> }, v: V, sep: V) => {
      if (v === null || v === undefined) return acc;
      const t = toText(v)!;
      if (!acc.seen.has(t)) {
        acc.seen.add(t);
        concatStep(acc, t, sep);
      }
      return acc;
    },
    result: (acc: Concat) => (acc.out.length ? acc.out.join(acc.sep) : null),
  } as never);

  // ---- dates and times ----
  const nowParts = () => fromEpochMs(clock.now());
  const fsp = (v: V) => (v === undefined || v === null ? 0 : Math.min(Math.max(intArg(v)!, 0), 6));
  volatile('domo_now', (p) => formatDateTime(nowParts(), fsp(p)));
  volatile('domo_curdate', () => formatDate(nowParts()));
  volatile('domo_curtime', (p) => {
    const n = nowParts();
    return formatTime({ neg: false, h: n.h, mi: n.mi, s: n.s, us: n.us }, fsp(p));
  });
  /** For SQLite's own date functions: 'YYYY-MM-DD HH:MM:SS.SSS', which they read as UTC. */
  volatile('domo_now_text', () => formatDateTime(nowParts(), 3).replace('T', ' '));
  volatile('domo_unix_timestamp', (x) => {
    if (x === undefined) return BigInt(Math.floor(clock.now() / 1000));
    if (x === null) return null;
    const p = dt(x);
    if (!p) return null;
    const secs = epochSeconds(p);
    return p.us ? secs + p.us / 1e6 : int(secs);
  });
  pure('domo_from_unixtime', (x, fmt) => {
    if (x === null || x === undefined || fmt === null) return null;
    const n = num(x)!;
    const secs = Math.floor(n);
    const p = fromEpochSeconds(secs, Math.round((n - secs) * 1e6));
    if (!p) return null;
    return fmt === undefined ? formatDateTime(p) : dateFormat(p, toText(fmt)!);
  });
  strict('domo_date', (x) => withDate(x, formatDate));
  pure('domo_datetime', (x, f) => {
    if (x === null || x === undefined) return null;
    return withDate(x, (p) => formatDateTime(p, f === undefined ? undefined : fsp(f)));
  });
  pure('domo_timestamp', (x, t) => {
    if (x === null || x === undefined || t === null) return null;
    const p = dt(x);
    if (!p) return null;
    if (t === undefined) return formatDateTime(p);
    const tp = parseTime(t);
    if (!tp) return null;
    const sign = tp.neg ? -1 : 1;
    const micros = sign * (((tp.h * 60 + tp.mi) * 60 + tp.s) * 1e6 + tp.us);
    const r = addInterval({ ...p, hasTime: true }, { months: 0, micros });
    return r ? formatDateTime(r) : null;
  });
  strict('domo_time', (x) => {
    const t = parseTime(x);
    return t ? formatTime(t) : null;
  });
  strict('domo_year', (x) => withDate(x, (p) => BigInt(p.y)));
  strict('domo_month', (x) => withDate(x, (p) => BigInt(p.m)));
  strict('domo_day', (x) => withDate(x, (p) => BigInt(p.d)));
  strict('domo_dayofweek', (x) => withDate(x, (p) => BigInt(((weekdayMon0(dayNumber(p)) + 1) % 7) + 1)));
  strict('domo_weekday', (x) => withDate(x, (p) => BigInt(weekdayMon0(dayNumber(p)))));
  strict('domo_dayofyear', (x) => withDate(x, (p) => BigInt(dayNumber(p) - daysFromCivil(p.y, 1, 1) + 1)));
  strict('domo_dayname', (x) => withDate(x, (p) => DAY_NAMES[weekdayMon0(dayNumber(p))]));
  strict('domo_monthname', (x) => withDate(x, (p) => MONTH_NAMES[p.m - 1]));
  strict('domo_quarter', (x) => withDate(x, (p) => BigInt(Math.ceil(p.m / 3))));
  pure('domo_week', (x, mode) => {
    if (x === null || x === undefined || mode === null) return null;
    return withDate(x, (p) => BigInt(calcWeek(p, weekMode(intArg(mode) ?? 0)).week));
  });
  pure('domo_yearweek', (x, mode) => {
    if (x === null || x === undefined || mode === null) return null;
    return withDate(x, (p) => {
      const r = calcWeek(p, weekMode(intArg(mode) ?? 0) | WEEK_YEAR);
      return BigInt(r.year * 100 + r.week);
    });
  });
  strict('domo_weekofyear', (x) => withDate(x, (p) => BigInt(calcWeek(p, weekMode(3)).week)));
  const timePart = (f: (t: { h: number; mi: number; s: number; us: number }) => number) => (x: V) => {
    const t = parseTime(x);
    return t ? BigInt(f(t)) : null;
  };
  strict('domo_hour', timePart((t) => t.h));
  strict('domo_minute', timePart((t) => t.mi));
  strict('domo_second', timePart((t) => t.s));
  strict('domo_microsecond', timePart((t) => t.us));
  strict('domo_last_day', (x) => withDate(x, (p) => formatDate({ y: p.y, m: p.m, d: daysInMonth(p.y, p.m) })));
  strict('domo_to_days', (x) => withDate(x, (p) => BigInt(dayNumber(p) + 719528)));
  strict('domo_makedate', (y, doy) => {
    const year = intArg(y)!;
    const n = intArg(doy)!;
    if (n <= 0 || year < 0 || year > 9999) return null;
    const c = civilFromDays(daysFromCivil(year, 1, 1) + n - 1);
    return c.y > 9999 ? null : formatDate(c);
  });
  strict('domo_datediff', (a, b) => {
    const x = dt(a);
    const y = dt(b);
    return x && y ? BigInt(dayNumber(x) - dayNumber(y)) : null;
  });
  strict('domo_date_format', (x, f) => withDate(x, (p) => dateFormat(p, toText(f)!)));
  strict('domo_time_format', (x, f) => {
    const t = parseTime(x);
    if (!t) return null;
    return dateFormat({ y: 0, m: 1, d: 1, h: t.h, mi: t.mi, s: t.s, us: t.us, hasTime: true }, toText(f)!);
  });
  strict('domo_str_to_date', (s, f) => strToDate(toText(s)!, toText(f)!));
  strict('domo_date_add', (d, n, unit) => dateAdd(d, n, unit, 1));
  strict('domo_date_sub', (d, n, unit) => dateAdd(d, n, unit, -1));
  strict('domo_timestampdiff', (unit, a, b) => {
    const x = dt(a);
    const y = dt(b);
    if (!x || !y) return null;
    const r = timestampDiff(toText(unit)!, x, y);
    return r === null ? null : int(r);
  });
  strict('domo_extract', (unit, x) => {
    const f = EXTRACT[toText(unit)!.toUpperCase()];
    if (!f) return null;
    const u = toText(unit)!.toUpperCase();
    if (u === 'HOUR' || u === 'MINUTE' || u === 'SECOND' || u === 'MICROSECOND') {
      const t = parseTime(x);
      return t ? int(f({ y: 0, m: 1, d: 1, h: t.h, mi: t.mi, s: t.s, us: t.us, hasTime: true })) : null;
    }
    return withDate(x, (p) => int(f(p)));
  });
}
