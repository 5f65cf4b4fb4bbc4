/**
 * Calendar arithmetic for the MySQL date functions, all in UTC (the emulator's session time zone).
 * No Date objects: days are counted from 1970-01-01 with Howard Hinnant's civil-date algorithms, so
 * every year from 0 to 9999 works and nothing depends on the host's time zone.
 */

export interface DateTimeParts {
  y: number;
  m: number; // 1..12
  d: number; // 1..31
  h: number;
  mi: number;
  s: number;
  us: number; // microseconds 0..999999
  /** The value carried a time of day (a DATETIME rather than a DATE). */
  hasTime: boolean;
}

/** A time of day (MySQL TIME): hours may exceed 23 and the whole may be negative. */
export interface TimeParts {
  neg: boolean;
  h: number;
  mi: number;
  s: number;
  us: number;
}

export const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];
/** Monday first, as MySQL's WEEKDAY() counts. */
export const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
export const daysInMonth = (y: number, m: number) =>
  m === 2 ? (isLeap(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
export const daysInYear = (y: number) => (isLeap(y) ? 366 : 365);

/** Days since 1970-01-01 of a proleptic Gregorian date. */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): { y: number; m: number; d: number } {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

/** 0 = Monday .. 6 = Sunday (MySQL WEEKDAY()). */
export const weekdayMon0 = (days: number) => (((days + 3) % 7) + 7) % 7;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function valid(p: DateTimeParts): DateTimeParts | null {
  if (p.y < 0 || p.y > 9999 || p.m < 1 || p.m > 12 || p.d < 1 || p.d > daysInMonth(p.y, p.m)) return null;
  if (p.h > 23 || p.mi > 59 || p.s > 59 || p.us > 999999) return null;
  return p;
}

const fraction = (f: string | undefined) => (f ? Number(f.slice(0, 6).padEnd(6, '0')) : 0);

const DATE_RE =
  /^(\d{4}|\d{2})[-/.](\d{1,2})[-/.](\d{1,2})(?:(?:[T ]|\s+)(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const COMPACT_RE = /^(\d{4})(\d{2})(\d{2})(?:[T ]?(\d{2})(\d{2})(\d{2})(?:\.(\d+))?)?$/;

/**
 * Reads a DATE or DATETIME the way MySQL's date functions accept one: 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM:SS[.ffffff]',
 * the ISO 'T' form (with an optional Z or offset, converted to UTC), other single-character delimiters,
 * 'YYYYMMDD[HHMMSS]' and the number 20240105. Anything else, or an impossible date, is null (MySQL returns NULL).
 */

/** Date-time parts from a DATE_RE/COMPACT_RE match (groups: year, month, day, hour, minute, second, fraction). */
function partsOf(m: RegExpExecArray, y: number): DateTimeParts {
  return {
    y,
    m: Number(m[2]),
    d: Number(m[3]),
    h: m[4] ? Number(m[4]) : 0,
    mi: m[5] ? Number(m[5]) : 0,
    s: m[6] ? Number(m[6]) : 0,
    us: fraction(m[7]),
    hasTime: m[4] !== undefined,
  };
}

export function parseDateTime(v: unknown): DateTimeParts | null {
  if (v === null || v === undefined) return null;
  let s: string;
  if (typeof v === 'bigint') s = v.toString();
  else if (typeof v === 'number') {
    if (!Number.isFinite(v)) return null;
    s = String(v);
  } else if (typeof v === 'string') s = v.trim();
  else if (Buffer.isBuffer(v)) s = v.toString('utf8').trim();
  else return null;

  let m = DATE_RE.exec(s);
  if (m) {
    let y = Number(m[1]);
    if (m[1].length === 2) y += y < 70 ? 2000 : 1900;
    const p = partsOf(m, y);
    if (!valid(p)) return null;
    if (m[8] && m[8].toUpperCase() !== 'Z') {
      const sign = m[8][0] === '-' ? -1 : 1;
      const digits = m[8].slice(1).replace(':', '');
      const offMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
      return addMicros(p, -offMin * 60_000_000, true);
    }
    return p;
  }
  m = COMPACT_RE.exec(s);
  if (m) {
    const p = partsOf(m, Number(m[1]));
    return valid(p);
  }
  return null;
}

const TIME_RE = /^(-)?(?:(\d+)\s+)?(\d{1,3}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?$/;

/** Reads a TIME ('HH:MM[:SS[.f]]', 'D HH:MM:SS') or the time part of a DATETIME. */
export function parseTime(v: unknown): TimeParts | null {
  if (v === null || v === undefined) return null;
  const s = typeof v === 'string' ? v.trim() : Buffer.isBuffer(v) ? v.toString('utf8').trim() : null;
  if (s !== null) {
    const m = TIME_RE.exec(s);
    if (m) {
      const mi = Number(m[4]);
      const sec = m[5] ? Number(m[5]) : 0;
      if (mi > 59 || sec > 59) return null;
      return { neg: !!m[1], h: Number(m[3]) + (m[2] ? Number(m[2]) * 24 : 0), mi, s: sec, us: fraction(m[6]) };
    }
  }
  const dt = parseDateTime(v);
  if (dt) return { neg: false, h: dt.h, mi: dt.mi, s: dt.s, us: dt.us };
  if (typeof v === 'number' || typeof v === 'bigint') {
    // MySQL reads the number 103000 as 10:30:00.
    const n = Math.abs(Math.trunc(Number(v)));
    const h = Math.floor(n / 10000);
    const mi = Math.floor(n / 100) % 100;
    const sec = n % 100;
    if (mi > 59 || sec > 59) return null;
    return { neg: Number(v) < 0, h, mi, s: sec, us: 0 };
  }
  return null;
}

export const dayNumber = (p: { y: number; m: number; d: number }) => daysFromCivil(p.y, p.m, p.d);

export function formatDate(p: { y: number; m: number; d: number }): string {
  return `${pad(p.y, 4)}-${pad(p.m)}-${pad(p.d)}`;
}

function formatFraction(us: number, digits?: number): string {
  if (digits !== undefined) return digits > 0 ? '.' + pad(us, 6).slice(0, digits) : '';
  if (!us) return '';
  return us % 1000 === 0 ? '.' + pad(us / 1000, 3) : '.' + pad(us, 6);
}

/** 'YYYY-MM-DDTHH:MM:SS[.sss]': the form DATETIME columns are stored in, so comparisons stay textual. */
export function formatDateTime(p: DateTimeParts, fsp?: number): string {
  return `${formatDate(p)}T${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}${formatFraction(p.us, fsp)}`;
}

export function formatTime(t: TimeParts, fsp?: number): string {
  return `${t.neg ? '-' : ''}${pad(t.h)}:${pad(t.mi)}:${pad(t.s)}${formatFraction(t.us, fsp)}`;
}

/** A date-only value prints as a DATE, anything with a time as a DATETIME. */
export const formatTemporal = (p: DateTimeParts) => (p.hasTime ? formatDateTime(p) : formatDate(p));

/** Seconds since the epoch (whole part) of a value read as UTC. */
export const epochSeconds = (p: DateTimeParts) => dayNumber(p) * 86400 + p.h * 3600 + p.mi * 60 + p.s;

export function fromEpochSeconds(secs: number, us = 0, hasTime = true): DateTimeParts | null {
  const days = Math.floor(secs / 86400);
  let rem = secs - days * 86400;
  const { y, m, d } = civilFromDays(days);
  const h = Math.floor(rem / 3600);
  rem -= h * 3600;
  const mi = Math.floor(rem / 60);
  const s = rem - mi * 60;
  return valid({ y, m, d, h, mi, s, us, hasTime });
}

export function fromEpochMs(ms: number): DateTimeParts {
  const secs = Math.floor(ms / 1000);
  return fromEpochSeconds(secs, (ms - secs * 1000) * 1000)!;
}

/** Adds microseconds (may be negative). Returns null outside years 0..9999. */
export function addMicros(p: DateTimeParts, micros: number, hasTime = true): DateTimeParts | null {
  const totalUs = p.us + micros;
  const carrySecs = Math.floor(totalUs / 1_000_000);
  const us = totalUs - carrySecs * 1_000_000;
  return fromEpochSeconds(epochSeconds(p) + carrySecs, us, hasTime);
}

/** Adds months, clamping the day to the month's last day as MySQL does (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(p: DateTimeParts, months: number): DateTimeParts | null {
  const total = p.y * 12 + (p.m - 1) + months;
  const y = Math.floor(total / 12);
  const m = total - y * 12 + 1;
  if (y < 0 || y > 9999) return null;
  return { ...p, y, m, d: Math.min(p.d, daysInMonth(y, m)) };
}

export const INTERVAL_UNITS = [
  'MICROSECOND', 'SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR',
  'SECOND_MICROSECOND', 'MINUTE_MICROSECOND', 'MINUTE_SECOND', 'HOUR_MICROSECOND', 'HOUR_SECOND',
  'HOUR_MINUTE', 'DAY_MICROSECOND', 'DAY_SECOND', 'DAY_MINUTE', 'DAY_HOUR', 'YEAR_MONTH',
] as const;

const US: Record<string, number> = {
  MICROSECOND: 1,
  SECOND: 1_000_000,
  MINUTE: 60_000_000,
  HOUR: 3_600_000_000,
  DAY: 86_400_000_000,
  WEEK: 7 * 86_400_000_000,
};
const MONTHS: Record<string, number> = { MONTH: 1, QUARTER: 3, YEAR: 12 };

/** The interval a value and unit stand for: months plus microseconds. Null when the value cannot be read. */
export function intervalOf(value: unknown, unit: string): { months: number; micros: number } | null {
  unit = unit.toUpperCase();
  if (value === null || value === undefined) return null;
  if (unit in MONTHS || unit in US) {
    const n = toNumber(value);
    if (n === null) return null;
    if (unit in MONTHS) return { months: roundHalfAwayInt(n) * MONTHS[unit], micros: 0 };
    if (unit === 'SECOND') return { months: 0, micros: Math.round(n * 1_000_000) };
    return { months: 0, micros: roundHalfAwayInt(n) * US[unit] };
  }
  // Composite units ('1:30' HOUR_MINUTE, '2 10' DAY_HOUR, '1-6' YEAR_MONTH): numbers right-aligned to the parts.
  const parts = unit.split('_');
  const order = ['YEAR', 'MONTH', 'DAY', 'HOUR', 'MINUTE', 'SECOND', 'MICROSECOND'];
  const from = order.indexOf(parts[0]);
  const to = order.indexOf(parts[1]);
  if (from < 0 || to < 0 || to <= from) return null;
  const fields = order.slice(from, to + 1);
  const text = String(typeof value === 'bigint' ? value.toString() : value).trim();
  const neg = text.startsWith('-');
  const nums = text.match(/\d+/g)?.map(Number) ?? [];
  if (!nums.length || nums.length > fields.length) return null;
  const aligned = fields.slice(fields.length - nums.length);
  let months = 0;
  let micros = 0;
  aligned.forEach((f, i) => {
    const n = nums[i];
    if (f === 'YEAR') months += n * 12;
    else if (f === 'MONTH') months += n;
    else if (f === 'MICROSECOND') micros += n;
    else micros += n * US[f];
  });
  return neg ? { months: -months, micros: -micros } : { months, micros };
}

/** DATE_ADD: a DATE stays a DATE when the interval is whole days or more. */
export function addInterval(p: DateTimeParts, iv: { months: number; micros: number }): DateTimeParts | null {
  let r: DateTimeParts | null = p;
  if (iv.months) r = addMonths(r, iv.months);
  if (r && iv.micros) {
    const keepDate = !p.hasTime && iv.micros % US.DAY === 0;
    r = addMicros(r, iv.micros, !keepDate || p.hasTime);
  }
  return r;
}

export const roundHalfAwayInt = (n: number) => (n < 0 ? -Math.round(-n) : Math.round(n));

/** MySQL's reading of a value as a number: numbers as they are, a string's leading number, else 0. */
export function toNumber(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  const s = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  const m = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(s);
  return m ? Number(m[1]) : 0;
}

// ---- MySQL week numbering (sql/sql_time.cc calc_week) ----

export const WEEK_MONDAY_FIRST = 1;
export const WEEK_YEAR = 2;
export const WEEK_FIRST_WEEKDAY = 4;

/** MySQL's week_mode(): the flags WEEK(date, mode) uses. */
export function weekMode(mode: number): number {
  let f = mode & 7;
  if (!(f & WEEK_MONDAY_FIRST)) f ^= WEEK_FIRST_WEEKDAY;
  return f;
}

/** Weekday of a day number: 0 = Monday, or 0 = Sunday when sundayFirst. */
const calcWeekday = (days: number, sundayFirst: boolean) => (((days + 3 + (sundayFirst ? 1 : 0)) % 7) + 7) % 7;

export function calcWeek(p: { y: number; m: number; d: number }, behaviour: number): { week: number; year: number } {
  const daynr = daysFromCivil(p.y, p.m, p.d);
  let firstDaynr = daysFromCivil(p.y, 1, 1);
  const mondayFirst = (behaviour & WEEK_MONDAY_FIRST) !== 0;
  let weekYear = (behaviour & WEEK_YEAR) !== 0;
  const firstWeekday = (behaviour & WEEK_FIRST_WEEKDAY) !== 0;
  let weekday = calcWeekday(firstDaynr, !mondayFirst);
  let year = p.y;
  let days: number;
  if (p.m === 1 && p.d <= 7 - weekday) {
    if (!weekYear && ((firstWeekday && weekday !== 0) || (!firstWeekday && weekday >= 4))) return { week: 0, year };
    weekYear = true;
    year--;
    days = daysInYear(year);
    firstDaynr -= days;
    weekday = (weekday + 53 * 7 - days) % 7;
  }
  if ((firstWeekday && weekday !== 0) || (!firstWeekday && weekday >= 4)) days = daynr - (firstDaynr + (7 - weekday));
  else days = daynr - (firstDaynr - weekday);
  if (weekYear && days >= 52 * 7) {
    weekday = (weekday + daysInYear(year)) % 7;
    if ((!firstWeekday && weekday < 4) || (firstWeekday && weekday === 0)) {
      year++;
      return { week: 1, year };
    }
  }
  return { week: Math.floor(days / 7) + 1, year };
}

// ---- DATE_FORMAT ----

const ordinal = (n: number) => {
  const t = n % 100;
  if (t >= 11 && t <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
};

/** MySQL DATE_FORMAT: every specifier of the MySQL manual; an unknown %x prints x. */
export function dateFormat(p: DateTimeParts, fmt: string): string {
  let out = '';
  const days = dayNumber(p);
  const wd = weekdayMon0(days);
  const h12 = p.h % 12 === 0 ? 12 : p.h % 12;
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    if (c !== '%' || i === fmt.length - 1) {
      out += c;
      continue;
    }
    const f = fmt[++i];
    switch (f) {
      case 'a': out += DAY_NAMES[wd].slice(0, 3); break;
      case 'b': out += MONTH_NAMES[p.m - 1].slice(0, 3); break;
      case 'c': out += String(p.m); break;
      case 'D': out += ordinal(p.d); break;
      case 'd': out += pad(p.d); break;
      case 'e': out += String(p.d); break;
      case 'f': out += pad(p.us, 6); break;
      case 'H': out += pad(p.h); break;
      case 'h': case 'I': out += pad(h12); break;
      case 'i': out += pad(p.mi); break;
      case 'j': out += pad(days - daysFromCivil(p.y, 1, 1) + 1, 3); break;
      case 'k': out += String(p.h); break;
      case 'l': out += String(h12); break;
      case 'M': out += MONTH_NAMES[p.m - 1]; break;
      case 'm': out += pad(p.m); break;
      case 'p': out += p.h < 12 ? 'AM' : 'PM'; break;
      case 'r': out += `${pad(h12)}:${pad(p.mi)}:${pad(p.s)} ${p.h < 12 ? 'AM' : 'PM'}`; break;
      case 'S': case 's': out += pad(p.s); break;
      case 'T': out += `${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}`; break;
      case 'U': out += pad(calcWeek(p, WEEK_FIRST_WEEKDAY).week); break;
      case 'u': out += pad(calcWeek(p, WEEK_MONDAY_FIRST).week); break;
      case 'V': out += pad(calcWeek(p, WEEK_YEAR | WEEK_FIRST_WEEKDAY).week); break;
      case 'v': out += pad(calcWeek(p, WEEK_YEAR | WEEK_MONDAY_FIRST).week); break;
      case 'W': out += DAY_NAMES[wd]; break;
      case 'w': out += String((wd + 1) % 7); break;
      case 'X': out += pad(calcWeek(p, WEEK_YEAR | WEEK_FIRST_WEEKDAY).year, 4); break;
      case 'x': out += pad(calcWeek(p, WEEK_YEAR | WEEK_MONDAY_FIRST).year, 4); break;
      case 'Y': out += pad(p.y, 4); break;
      case 'y': out += pad(p.y % 100); break;
      default: out += f;
    }
  }
  return out;
}

// ---- STR_TO_DATE ----

const NAME_MATCH = (names: string[], text: string, abbrev: boolean): [number, number] | null => {
  const lower = text.toLowerCase();
  for (let i = 0; i < names.length; i++) {
    const n = (abbrev ? names[i].slice(0, 3) : names[i]).toLowerCase();
    if (lower.startsWith(n)) return [i, n.length];
  }
  // MySQL also accepts the full name for %b and the abbreviation for %M.
  for (let i = 0; i < names.length; i++) {
    const n = (abbrev ? names[i] : names[i].slice(0, 3)).toLowerCase();
    if (lower.startsWith(n)) return [i, n.length];
  }
  return null;
};

/**
 * MySQL STR_TO_DATE: reads `s` with the DATE_FORMAT specifiers. Returns a DATE when the format has only
 * date parts, a DATETIME when it has both, a TIME ('HH:MM:SS') when it has only time parts; null when the
 * text does not match or the date is impossible (or has a zero month or day).
 */
export function strToDate(s: string, fmt: string): string | null {
  let pos = 0;
  let y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, us = 0, yday = 0;
  let pm: boolean | null = null;
  let hasDate = false;
  let hasTime = false;
  const num = (maxLen: number): number | null => {
    const m = new RegExp(`^[+-]?\\d{1,${maxLen}}`).exec(s.slice(pos));
    if (!m) return null;
    pos += m[0].length;
    return Number(m[0]);
  };
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    // MySQL skips spaces in the value before every element of the format.
    while (pos < s.length && /\s/.test(s[pos])) pos++;
    if (/\s/.test(c)) continue;
    if (c !== '%' || i === fmt.length - 1) {
      if (s[pos] !== c) return null;
      pos++;
      continue;
    }
    const f = fmt[++i];
    let v: number | null = 0;
    switch (f) {
      case 'Y': v = num(4); if (v !== null) y = v; hasDate = true; break;
      case 'y': v = num(2); if (v !== null) y = v < 70 ? 2000 + v : 1900 + v; hasDate = true; break;
      case 'm': case 'c': v = num(2); if (v !== null) mo = v; hasDate = true; break;
      case 'd': case 'e': v = num(2); if (v !== null) d = v; hasDate = true; break;
      case 'D': v = num(2); if (v !== null) { d = v; const suf = /^(st|nd|rd|th)/i.exec(s.slice(pos)); if (suf) pos += 2; } hasDate = true; break;
      case 'j': v = num(3); if (v !== null) yday = v; hasDate = true; break;
      case 'H': case 'k': v = num(2); if (v !== null) h = v; hasTime = true; break;
      case 'h': case 'I': case 'l': v = num(2); if (v !== null) h = v; hasTime = true; break;
      case 'i': v = num(2); if (v !== null) mi = v; hasTime = true; break;
      case 's': case 'S': v = num(2); if (v !== null) sec = v; hasTime = true; break;
      case 'f': { const m = /^\d{1,6}/.exec(s.slice(pos)); if (!m) return null; pos += m[0].length; us = Number(m[0].padEnd(6, '0')); hasTime = true; break; }
      case 'p': { const m = /^(AM|PM)/i.exec(s.slice(pos)); if (!m) return null; pos += 2; pm = m[1].toUpperCase() === 'PM'; hasTime = true; break; }
      case 'M': case 'b': { const r = NAME_MATCH(MONTH_NAMES, s.slice(pos), f === 'b'); if (!r) return null; mo = r[0] + 1; pos += r[1]; hasDate = true; break; }
      case 'W': case 'a': { const r = NAME_MATCH(DAY_NAMES, s.slice(pos), f === 'a'); if (!r) return null; pos += r[1]; break; }
      case 'T': {
        const m = /^(\d{1,2}):(\d{1,2}):(\d{1,2})/.exec(s.slice(pos));
        if (!m) return null;
        h = Number(m[1]); mi = Number(m[2]); sec = Number(m[3]); pos += m[0].length; hasTime = true;
        break;
      }
      case 'r': {
        const m = /^(\d{1,2}):(\d{1,2}):(\d{1,2})\s*(AM|PM)/i.exec(s.slice(pos));
        if (!m) return null;
        h = Number(m[1]); mi = Number(m[2]); sec = Number(m[3]); pm = m[4].toUpperCase() === 'PM'; pos += m[0].length; hasTime = true;
        break;
      }
      case '%': if (s[pos] !== '%') return null; pos++; break;
      default: if (s[pos] !== f) return null; pos++;
    }
    if (v === null) return null;
  }
  if (pm !== null) {
    if (h < 1 || h > 12) return null;
    h = (h % 12) + (pm ? 12 : 0);
  }
  if (!hasDate) {
    if (h > 838 || mi > 59 || sec > 59) return null;
    return formatTime({ neg: false, h, mi, s: sec, us });
  }
  if (yday) {
    if (yday > daysInYear(y)) return null;
    const c = civilFromDays(daysFromCivil(y, 1, 1) + yday - 1);
    mo = c.m;
    d = c.d;
  }
  const p = valid({ y, m: mo, d, h, mi, s: sec, us, hasTime });
  if (!p) return null;
  return hasTime ? formatDateTime(p) : formatDate(p);
}

/** TIMESTAMPDIFF(unit, a, b): b - a counted in whole units, truncated toward zero as MySQL does. */
export function timestampDiff(unit: string, a: DateTimeParts, b: DateTimeParts): number | null {
  unit = unit.toUpperCase();
  if (unit in MONTHS) {
    let months = b.y * 12 + b.m - (a.y * 12 + a.m);
    const restA = [a.d, a.h, a.mi, a.s, a.us];
    const restB = [b.d, b.h, b.mi, b.s, b.us];
    const cmp = compareTuples(restB, restA);
    if (months > 0 && cmp < 0) months--;
    else if (months < 0 && cmp > 0) months++;
    return Math.trunc(months / MONTHS[unit]);
  }
  if (!(unit in US)) return null;
  const diffUs = (epochSeconds(b) - epochSeconds(a)) * 1_000_000 + (b.us - a.us);
  return Math.trunc(diffUs / US[unit]);
}

function compareTuples(x: number[], y: number[]): number {
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}
