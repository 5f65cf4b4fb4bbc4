/**
 * MongoDB find() filters -> a small validated tree. Everything the SQL compiler and the JavaScript
 * evaluator see has been checked here, so both can trust it. Errors name the offending part.
 */
import { DocumentsError, isPlainObject, type JsonValue, type Value } from './values.js';

/** A literal a filter compares with: a JSON value, or a Date from `{"$date": ...}`. */
export type Literal = Exclude<Value, undefined>;

export type Cond =
  | { op: 'eq' | 'gt' | 'gte' | 'lt' | 'lte'; value: Literal }
  | { op: 'in'; values: Literal[] }
  | { op: 'exists' }
  | { op: 'type'; types: string[] }
  | { op: 'regex'; source: string; flags: string; re: RegExp }
  | { op: 'size'; n: number }
  | { op: 'elemMatch'; filter?: Filter; conds?: Cond[] }
  | { op: 'not'; cond: Cond }
  | { op: 'and'; conds: Cond[] }
  /** $all: every item matches; an empty list matches nothing. */
  | { op: 'all'; conds: Cond[] };

export type Filter =
  | { kind: 'and' | 'or' | 'nor'; items: Filter[] }
  | { kind: 'field'; path: string[]; cond: Cond }
  | { kind: 'const'; value: boolean };

export const TRUE: Filter = { kind: 'const', value: true };

/** $type aliases and their numeric codes (those JSON documents can never hold still parse, and match nothing). */
const typeAliases: Record<string, number> = {
  double: 1,
  string: 2,
  object: 3,
  array: 4,
  binData: 5,
  objectId: 7,
  bool: 8,
  date: 9,
  null: 10,
  regex: 11,
  javascript: 13,
  int: 16,
  timestamp: 17,
  long: 18,
  decimal: 19,
  minKey: -1,
  maxKey: 127,
  number: 0,
};
const codeToAlias = new Map(Object.entries(typeAliases).map(([k, v]) => [v, k]));

const fieldOps = new Set([
  '$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$type', '$regex', '$options', '$not', '$all', '$size', '$elemMatch',
]);

/**
 * Deepest nesting of $and/$or/$nor, $not and $elemMatch in one filter. Each level becomes a level of
 * SQL (a subquery for $elemMatch), and SQLite's parser refuses deep SQL; MongoDB's own limit is 100.
 */
export const MAX_FILTER_DEPTH = 16;
/** Most segments in a field path (`a.b.c`): the JSON depth limit means deeper paths reach nothing. */
export const MAX_PATH_SEGMENTS = 100;
/** Longest `$regex` pattern. */
export const MAX_REGEX_LENGTH = 1000;
/** Most conditions (field conditions and operators) in one filter: each is a piece of SQL. */
export const MAX_FILTER_TERMS = 1000;
/** Most values in the `$in`/`$nin`/`$all` lists of one filter: each is a bound SQL parameter (or two). */
export const MAX_FILTER_VALUES = 5000;

/** What the filter being parsed may still use (parsing is synchronous: one budget at a time). */
let budget: { terms: number; values: number } | null = null;

function spend(kind: 'terms' | 'values', n: number, where: string): void {
  if (!budget) return;
  budget[kind] -= n;
  if (budget[kind] < 0) {
    throw new DocumentsError(
      kind === 'terms'
        ? `The query has more than the limit of ${MAX_FILTER_TERMS} conditions`
        : `The query's $in/$nin/$all lists hold more than the limit of ${MAX_FILTER_VALUES} values`,
      where,
    );
  }
}

function nest(depth: number, where: string): number {
  if (depth >= MAX_FILTER_DEPTH) {
    throw new DocumentsError(`The query nests $and/$or/$nor/$not/$elemMatch deeper than the limit of ${MAX_FILTER_DEPTH} levels`, where);
  }
  return depth + 1;
}

/** Parses and validates a filter; `where` prefixes error locations (e.g. `body`). */
export function parseFilter(input: unknown, where = 'query'): Filter {
  if (!isPlainObject(input)) throw new DocumentsError(`The query must be a JSON object`, where);
  const outer = budget;
  budget = { terms: MAX_FILTER_TERMS, values: MAX_FILTER_VALUES };
  try {
    return parseDocFilter(input, where, 0);
  } finally {
    budget = outer;
  }
}

function parseDocFilter(obj: Record<string, unknown>, where: string, depth: number): Filter {
  const items: Filter[] = [];
  for (const [key, value] of Object.entries(obj)) {
    const at = `${where}.${key}`;
    if (key.startsWith('$')) {
      if (key === '$and' || key === '$or' || key === '$nor') {
        if (!Array.isArray(value) || value.length === 0) throw new DocumentsError(`${key} needs a non-empty array of filters`, at);
        const inner = nest(depth, at);
        const subs = value.map((v, i) => {
          if (!isPlainObject(v)) throw new DocumentsError(`${key} entries must be objects`, `${at}[${i}]`);
          return parseDocFilter(v, `${at}[${i}]`, inner);
        });
        items.push({ kind: key.slice(1) as 'and' | 'or' | 'nor', items: subs });
        continue;
      }
      if (key === '$comment') continue;
      throw new DocumentsError(`Unknown top-level operator ${key}`, at);
    }
    items.push({ kind: 'field', path: parsePath(key, at), cond: parseFieldValue(value, at, depth) });
  }
  return items.length === 1 ? items[0] : { kind: 'and', items };
}

/** `a.b.c` -> segments. `__proto__` is never a field name (the one rule: see assertPlainJson). */
export function parsePath(key: string, where: string): string[] {
  const segs = key.split('.');
  if (key === '' || segs.some((s) => s === '')) throw new DocumentsError(`Invalid field path '${key}'`, where);
  if (segs.length > MAX_PATH_SEGMENTS) throw new DocumentsError(`The field path has more than the limit of ${MAX_PATH_SEGMENTS} segments`, where);
  if (segs.includes('__proto__')) throw new DocumentsError(`'__proto__' cannot be used as a field name`, where);
  return segs;
}

/** A field's value: an operator object (`{"$gt": 5}`), an extended JSON literal, or a literal to equal. */
function parseFieldValue(value: unknown, where: string, depth: number): Cond {
  spend('terms', 1, where);
  if (isOperatorObject(value)) return parseOperators(value as Record<string, unknown>, where, depth);
  return { op: 'eq', value: parseLiteral(value, where) };
}

function isOperatorObject(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys[0].startsWith('$') && !isExtendedLiteral(v);
}

const extendedKeys = new Set(['$date', '$numberLong', '$numberInt', '$numberDouble', '$numberDecimal']);
function isExtendedLiteral(v: Record<string, unknown>): boolean {
  const keys = Object.keys(v);
  return keys.length === 1 && extendedKeys.has(keys[0]);
}

/** A literal, decoding MongoDB extended JSON ($date, $numberLong...) anywhere inside it. */
export function parseLiteral(value: unknown, where: string): Literal {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new DocumentsError('Numbers must be finite', where);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => parseLiteral(v, `${where}[${i}]`)) as JsonValue[];
  if (isPlainObject(value)) {
    if (isExtendedLiteral(value)) {
      const [k, v] = Object.entries(value)[0];
      if (k === '$date') return parseDate(v, `${where}.$date`);
      const n = typeof v === 'string' || typeof v === 'number' ? Number(v) : NaN;
      if (!Number.isFinite(n)) throw new DocumentsError(`${k} needs a numeric string`, `${where}.${k}`);
      return n;
    }
    const first = Object.keys(value)[0];
    if (first?.startsWith('$')) throw new DocumentsError(`Unknown operator ${first}`, `${where}.${first}`);
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === '__proto__') throw new DocumentsError(`'__proto__' cannot be used as a field name`, `${where}.${k}`);
      out[k] = parseLiteral(v, `${where}.${k}`) as JsonValue;
    }
    return out;
  }
  throw new DocumentsError('Unsupported value', where);
}

/** `{"$date": "2020-05-12T00:00:00.000Z"}`, `{"$date": 1589241600000}` or `{"$date": {"$numberLong": "..."}}`. */
function parseDate(v: unknown, where: string): Date {
  let ms = NaN;
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) ms = Date.parse(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  else if (typeof v === 'number') ms = v;
  else if (isPlainObject(v) && typeof v.$numberLong === 'string') ms = Number(v.$numberLong);
  if (!Number.isFinite(ms)) throw new DocumentsError(`$date needs an ISO 8601 date string or epoch milliseconds`, where);
  return new Date(ms);
}

function parseOperators(obj: Record<string, unknown>, where: string, depth: number): Cond {
  const conds: Cond[] = [];
  for (const key of Object.keys(obj)) {
    if (!fieldOps.has(key)) throw new DocumentsError(`Unknown operator ${key}`, `${where}.${key}`);
  }
  if ('$options' in obj && !('$regex' in obj)) throw new DocumentsError('$options needs $regex', `${where}.$options`);
  for (const [key, raw] of Object.entries(obj)) {
    const at = `${where}.${key}`;
    spend('terms', 1, at);
    if (Array.isArray(raw) && (key === '$in' || key === '$nin' || key === '$all')) spend('values', raw.length, at);
    switch (key) {
      case '$eq':
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte':
        conds.push({ op: key.slice(1) as 'eq', value: parseLiteral(raw, at) });
        break;
      case '$ne':
        conds.push({ op: 'not', cond: { op: 'eq', value: parseLiteral(raw, at) } });
        break;
      case '$in':
      case '$nin': {
        if (!Array.isArray(raw)) throw new DocumentsError(`${key} needs an array`, at);
        const values = raw.map((v, i) => {
          if (isOperatorObject(v)) throw new DocumentsError(`${key} cannot hold operators`, `${at}[${i}]`);
          return parseLiteral(v, `${at}[${i}]`);
        });
        conds.push(key === '$in' ? { op: 'in', values } : { op: 'not', cond: { op: 'in', values } });
        break;
      }
      case '$exists':
        conds.push(raw ? { op: 'exists' } : { op: 'not', cond: { op: 'exists' } });
        break;
      case '$type':
        conds.push({ op: 'type', types: parseTypes(raw, at) });
        break;
      case '$regex':
        conds.push(parseRegex(raw, obj.$options, at));
        break;
      case '$options':
        break;
      case '$size':
        if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0) throw new DocumentsError('$size needs a non-negative integer', at);
        conds.push({ op: 'size', n: raw });
        break;
      case '$all': {
        if (!Array.isArray(raw)) throw new DocumentsError('$all needs an array', at);
        const items = raw.map((v, i): Cond => {
          const iat = `${at}[${i}]`;
          if (isPlainObject(v) && Object.keys(v)[0] === '$elemMatch') {
            if (Object.keys(v).length !== 1) throw new DocumentsError('$all entries with $elemMatch hold only $elemMatch', iat);
            return parseElemMatch(v.$elemMatch, `${iat}.$elemMatch`, depth);
          }
          if (isOperatorObject(v)) throw new DocumentsError(`$all entries are values or {"$elemMatch": ...}`, iat);
          return { op: 'eq', value: parseLiteral(v, iat) };
        });
        conds.push({ op: 'all', conds: items });
        break;
      }
      case '$elemMatch':
        conds.push(parseElemMatch(raw, at, depth));
        break;
      case '$not': {
        if (!isOperatorObject(raw)) throw new DocumentsError('$not needs an operator object such as {"$gt": 5} or {"$regex": "..."}', at);
        conds.push({ op: 'not', cond: parseOperators(raw as Record<string, unknown>, at, nest(depth, at)) });
        break;
      }
    }
  }
  return conds.length === 1 ? conds[0] : { op: 'and', conds };
}

function parseElemMatch(raw: unknown, where: string, outer: number): Cond {
  if (!isPlainObject(raw)) throw new DocumentsError('$elemMatch needs an object', where);
  const depth = nest(outer, where);
  const keys = Object.keys(raw);
  if (keys.length === 0) return { op: 'elemMatch', filter: TRUE };
  // {"$gt": 5, "$lt": 9}: conditions on each element; {"price": {...}}: a filter on each element (an object)
  const operatorStyle = keys.every((k) => k.startsWith('$') && fieldOps.has(k));
  if (operatorStyle) return { op: 'elemMatch', conds: [parseOperators(raw, where, depth)] };
  return { op: 'elemMatch', filter: parseDocFilter(raw, where, depth) };
}

function parseTypes(raw: unknown, where: string): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new DocumentsError('$type needs at least one type', where);
  return list.map((t, i) => {
    const at = Array.isArray(raw) ? `${where}[${i}]` : where;
    if (typeof t === 'string' && Object.hasOwn(typeAliases, t)) return t;
    if (typeof t === 'number' && codeToAlias.has(t) && t !== 0) return codeToAlias.get(t)!;
    throw new DocumentsError(`Unknown $type ${JSON.stringify(t)}`, at);
  });
}

function parseRegex(raw: unknown, options: unknown, where: string): Cond {
  let source: string;
  let opts = '';
  if (typeof raw === 'string') source = raw;
  else if (isPlainObject(raw) && isPlainObject(raw.$regularExpression) && typeof raw.$regularExpression.pattern === 'string') {
    source = raw.$regularExpression.pattern;
    opts = typeof raw.$regularExpression.options === 'string' ? raw.$regularExpression.options : '';
  } else throw new DocumentsError('$regex needs a string pattern', where);
  if (options !== undefined) {
    if (typeof options !== 'string') throw new DocumentsError('$options needs a string such as "i"', where.replace(/\$regex$/, '$options'));
    opts = options;
  }
  return compileRegex(source, opts, where);
}

/** MongoDB regex options i, m, s, x -> a JavaScript RegExp ("x" strips whitespace and # comments). */
export function compileRegex(source: string, options: string, where: string): Cond & { op: 'regex' } {
  let flags = '';
  for (const ch of options) {
    if (!'imsx'.includes(ch)) throw new DocumentsError(`Unsupported regex option '${ch}' (use i, m, s, x)`, where);
    if (ch !== 'x' && !flags.includes(ch)) flags += ch;
  }
  const pattern = options.includes('x') ? stripExtended(source) : source;
  assertSafeRegex(pattern, where);
  let re: RegExp;
  try {
    re = new RegExp(pattern, flags);
  } catch (e) {
    throw new DocumentsError(`Invalid regular expression: ${(e as Error).message}`, where);
  }
  return { op: 'regex', source: pattern, flags, re };
}

/**
 * Guards against catastrophic backtracking (JavaScript regexes backtrack, and one match cannot be
 * interrupted): a pattern longer than MAX_REGEX_LENGTH, a repeated group that itself repeats
 * (`(a+)+`, `(a*)*`, `(\w{1,9})+`), a repeated group with alternatives (`(a|ab)+`) or with a back-reference
 * is refused with a 400.
 * Exact counts (`{3}`) and optional parts (`?`) do not count as repetition.
 */
export function assertSafeRegex(pattern: string, where: string): void {
  if (pattern.length > MAX_REGEX_LENGTH) throw new DocumentsError(`The $regex pattern is longer than the limit of ${MAX_REGEX_LENGTH} characters`, where);
  // one frame per open group: does it contain repetition, alternatives or a back-reference?
  type Group = { repeats: boolean; backref: boolean; alt: boolean };
  const groups: Group[] = [{ repeats: false, backref: false, alt: false }];
  let inClass = false;
  let lastGroup: Group | null = null; // the group that just closed
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    const top = groups[groups.length - 1];
    if (ch === '\\') {
      const next = pattern[i + 1] ?? '';
      if (!inClass && (/[1-9]/.test(next) || next === 'k')) top.backref = true;
      i++;
      lastGroup = null;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      lastGroup = null;
      continue;
    }
    if (ch === '(') {
      groups.push({ repeats: false, backref: false, alt: false });
      lastGroup = null;
      continue;
    }
    if (ch === '|') {
      top.alt = true;
      lastGroup = null;
      continue;
    }
    if (ch === ')') {
      const g = groups.length > 1 ? groups.pop()! : top;
      const parent = groups[groups.length - 1];
      parent.repeats ||= g.repeats;
      parent.backref ||= g.backref;
      lastGroup = g;
      continue;
    }
    const q = quantifierAt(pattern, i);
    if (q) {
      if (q.repeats) {
        if (lastGroup && (lastGroup.repeats || lastGroup.backref || lastGroup.alt)) {
          throw new DocumentsError(
            'The $regex pattern repeats a group that itself repeats or has alternatives (e.g. (a+)+ or (a|ab)*), which can take exponential time; simplify it',
            where,
          );
        }
        top.repeats = true;
      }
      i += q.length - 1;
      if (pattern[i + 1] === '?' || pattern[i + 1] === '+') i++; // lazy (or possessive-looking) suffix
      lastGroup = null;
      continue;
    }
    lastGroup = null;
  }
}

/** A quantifier at `i`: `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`; `repeats` when it allows more than one match of a varying count. */
function quantifierAt(p: string, i: number): { length: number; repeats: boolean } | null {
  const ch = p[i];
  if (ch === '*' || ch === '+') return { length: 1, repeats: true };
  if (ch === '?') return { length: 1, repeats: false };
  if (ch !== '{') return null;
  const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i, i + 24));
  if (!m) return null;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
  return { length: m[0].length, repeats: max > min && max > 1 };
}

function stripExtended(src: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (ch === '\\') {
      out += ch + (src[i + 1] ?? '');
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
      continue;
    }
    if (ch === '[') inClass = true;
    if (ch === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (/\s/.test(ch)) continue;
    out += ch;
  }
  return out;
}

/** AND of filters, flattening constants. */
export function andFilters(...fs: Array<Filter | null | undefined>): Filter {
  const items = fs.filter((f): f is Filter => !!f && !(f.kind === 'const' && f.value));
  if (items.some((f) => f.kind === 'const' && !f.value)) return { kind: 'const', value: false };
  if (items.length === 0) return TRUE;
  return items.length === 1 ? items[0] : { kind: 'and', items };
}

/** Every field path a filter mentions (for expression indexes and projections). */
export function filterPaths(f: Filter, out: string[][] = []): string[][] {
  if (f.kind === 'field') out.push(f.path);
  else if (f.kind !== 'const') f.items.forEach((i) => filterPaths(i, out));
  return out;
}
