/**
 * Filter tree -> a SQLite WHERE fragment over JSON (json_extract / json_type / json_each).
 *
 * The fragment is either exact (SQL alone decides) or a superset (`exact: false`): the caller then
 * re-checks the rows SQL returned with the JavaScript evaluator. Only what SQL cannot express here
 * becomes a superset: equality/range against whole arrays or objects, keys SQLite's JSON paths cannot
 * quote, and pathologically branchy paths.
 *
 * MongoDB semantics kept in SQL:
 * - no coercion: every comparison is guarded by json_type where a SQL comparison could mix types
 *   (JSON true/false come out of json_extract as 1/0, arrays/objects as JSON text);
 * - a missing field is `json_type(...) IS NULL`; negations wrap with IFNULL so NULL comparisons do not
 *   drop documents where the field is missing ($ne, $nin, $not, $nor, $exists: false);
 * - arrays: a value matches an array field when it matches any element, and a path walks through
 *   arrays of objects. Which paths can hold arrays comes from `mayBeArray` (what the collection has
 *   ever stored), so paths that never held an array compile to a plain, indexable comparison.
 */
import type { Cond, Filter, Literal } from './filter.js';
import { domoTime, isPlainObject } from './values.js';

export interface Frag {
  sql: string;
  params: unknown[];
  exact: boolean;
}

/** A value's SQLite JSON type: an SQL expression, or known in advance (null = missing). 'date' is ours. */
export type TypeRef = { expr: string } | { known: string | null };

export interface FieldColumn {
  /** SQL expression of the value. */
  v: string;
  t: TypeRef;
}

export interface CompileOptions {
  /** SQL expression of the JSON (or JSONB) content column, e.g. `d.content`. */
  content: string;
  /** Top-level fields held in columns (id, owner, createdOn...). Any other top-level name is missing. */
  fields: Record<string, FieldColumn>;
  /** Whether some document ever held an array at this content path (array elements are transparent). */
  mayBeArray(path: string[]): boolean;
  /** Name of the registered SQL function regexp(pattern, flags, value) -> 0/1. */
  regexFunction: string;
  /** Told about content paths compared directly (candidates for an expression index). */
  indexable?(path: string[]): void;
}

const TRUE: Frag = { sql: '1', params: [], exact: true };
const FALSE: Frag = { sql: '0', params: [], exact: true };
const INEXACT: Frag = { sql: '1', params: [], exact: false };

const frag = (sql: string, params: unknown[] = []): Frag => ({ sql, params, exact: true });

export function and(...fs: Frag[]): Frag {
  const parts: Frag[] = [];
  let exact = true;
  for (const f of fs) {
    if (!f.exact) exact = false;
    if (f.sql === '0' && f.exact) return FALSE;
    if (f.sql !== '1') parts.push(f);
  }
  if (parts.length === 0) return exact ? TRUE : INEXACT;
  if (parts.length === 1) return { ...parts[0], exact };
  return { sql: joinBalanced(parts.map((p) => p.sql), 'AND'), params: parts.flatMap((p) => p.params), exact };
}

/**
 * `(a) OP (b) OP ...` as a balanced tree of runs: SQLite parses a flat chain as one nested expression
 * per term and refuses more than 1,000 levels, so a long $or/$and (or a big security rule) is grouped,
 * keeping the depth logarithmic. Terms (and so their parameters) keep their order.
 */
function joinBalanced(sqls: string[], op: 'AND' | 'OR'): string {
  if (sqls.length <= 32) return sqls.map((s) => `(${s})`).join(` ${op} `);
  const mid = sqls.length >> 1;
  return `(${joinBalanced(sqls.slice(0, mid), op)}) ${op} (${joinBalanced(sqls.slice(mid), op)})`;
}

export function or(...fs: Frag[]): Frag {
  const parts: Frag[] = [];
  let exact = true;
  for (const f of fs) {
    if (f.sql === '1' && f.exact) return TRUE;
    if (!f.exact) exact = false;
    if (f.sql !== '0') parts.push(f);
  }
  if (parts.length === 0) return FALSE;
  if (parts.length === 1) return { ...parts[0], exact };
  return { sql: joinBalanced(parts.map((p) => p.sql), 'OR'), params: parts.flatMap((p) => p.params), exact };
}

export function not(f: Frag): Frag {
  if (!f.exact) return INEXACT;
  if (f.sql === '1') return FALSE;
  if (f.sql === '0') return TRUE;
  return { sql: `NOT IFNULL((${f.sql}), 0)`, params: f.params, exact: true };
}

/** A key SQLite's JSON path syntax can quote. */
const safeKey = (k: string) => !/["\\\u0000-\u001f]/.test(k);
const isIndex = (s: string) => /^\d+$/.test(s);

/** `'$."a"."b"[0]'` as an SQL string literal. */
export function pathLiteral(pieces: string[]): string {
  return `'${('$' + pieces.join('')).replace(/'/g, "''")}'`;
}
export const keyPiece = (k: string) => `."${k}"`;

/** The SQL text of a direct content path (as used by expression indexes). */
export function contentPathExpr(content: string, path: string[]): string | null {
  if (!path.every(safeKey)) return null;
  return `json_extract(${content}, ${pathLiteral(path.map(keyPiece))})`;
}

class Unsupported extends Error {}

/** `v` as JSON text only when it is an array ('[]' otherwise), so JSON functions never parse a plain string. */
function arraySource(v: string, t: TypeRef): string {
  return 'expr' in t ? `(CASE WHEN ${t.expr} = 'array' THEN ${v} ELSE '[]' END)` : v;
}
/** An element's value as JSON only when it is an object (NULL otherwise). */
const objectSource = (alias: string) => `(CASE WHEN ${alias}.type = 'object' THEN ${alias}.value END)`;

type Leaf = (v: string, t: TypeRef) => Frag;

class Compiler {
  private alias = 0;
  private branches = 0;

  constructor(private readonly o: CompileOptions) {}

  filter(f: Filter, root: Root): Frag {
    switch (f.kind) {
      case 'const':
        return f.value ? TRUE : FALSE;
      case 'and':
        return and(...f.items.map((i) => this.filter(i, root)));
      case 'or':
        return or(...f.items.map((i) => this.filter(i, root)));
      case 'nor':
        return not(or(...f.items.map((i) => this.filter(i, root))));
      case 'field':
        try {
          return this.cond(f.path, f.cond, root);
        } catch (e) {
          if (e instanceof Unsupported) return INEXACT;
          throw e;
        }
    }
  }

  private cond(path: string[], c: Cond, root: Root): Frag {
    switch (c.op) {
      case 'not':
        return not(this.cond(path, c.cond, root));
      case 'and':
        return and(...c.conds.map((x) => this.cond(path, x, root)));
      case 'all':
        return c.conds.length === 0 ? FALSE : and(...c.conds.map((x) => this.cond(path, x, root)));
      case 'exists':
        return this.target(path, root, (_v, t) => notMissing(t), false);
      case 'size':
        return this.target(path, root, (v, t) => and(typeIs(t, ['array']), frag(`json_array_length(${arraySource(v, t)}) = ?`, [c.n])), false);
      case 'elemMatch':
        return this.target(path, root, (v, t) => this.elemMatch(c, v, t, root.stats(path)), false);
      default: {
        const leaf = this.leaf(c);
        if (root.kind === 'doc' && ['eq', 'in', 'gt', 'gte', 'lt', 'lte'].includes(c.op)) this.noteIndexable(path);
        return this.target(path, root, leaf, true);
      }
    }
  }

  private noteIndexable(path: string[]): void {
    if (!this.o.indexable || path[0] !== 'content' || path.length < 2) return;
    const rel = path.slice(1);
    if (!rel.every((s) => safeKey(s) && !isIndex(s))) return;
    for (let i = 1; i < rel.length; i++) if (this.o.mayBeArray(rel.slice(0, i))) return;
    this.o.indexable(rel);
  }

  /** Applies `leaf` to the values `path` reaches from `root`. */
  private target(path: string[], root: Root, leaf: Leaf, expand: boolean): Frag {
    if (root.kind === 'doc') {
      const [head, ...rest] = path;
      if (head === 'content') {
        if (rest.length === 0) return leaf(`json(${this.o.content})`, { known: 'object' });
        return this.walk(this.o.content, [], rest, [], leaf, expand);
      }
      const col = rest.length === 0 && Object.hasOwn(this.o.fields, head) ? this.o.fields[head] : undefined;
      if (col) return leaf(col.v, col.t);
      return leaf('NULL', { known: null });
    }
    if (root.kind === 'element') return this.walk(root.json, [], path, root.stats([]), leaf, expand);
    // a bare value (operator-style $elemMatch): the element itself
    return this.valueLeaf(root.v, root.t, leaf, expand, true);
  }

  /** The leaf on a value, and on its elements when it may be an array. */
  private valueLeaf(v: string, t: TypeRef, leaf: Leaf, expand: boolean, mayArray: boolean): Frag {
    const self = leaf(v, t);
    if (!expand || !mayArray) return self;
    const a = `e${++this.alias}`;
    const inner = leaf(`${a}.value`, { expr: `${a}.type` });
    if (inner.sql === '0' && inner.exact) return self;
    return or(self, and(typeIs(t, ['array']), { sql: `EXISTS (SELECT 1 FROM json_each(${arraySource(v, t)}) AS ${a} WHERE ${inner.sql})`, params: inner.params, exact: inner.exact }));
  }

  private mayBeArray(stats: string[] | null): boolean {
    return stats === null || this.o.mayBeArray(stats);
  }

  private walk(json: string, pieces: string[], rest: string[], stats: string[] | null, leaf: Leaf, expand: boolean): Frag {
    if (++this.branches > 256) throw new Unsupported();
    if (rest.length === 0) {
      const p = pathLiteral(pieces);
      const v = `json_extract(${json}, ${p})`;
      const t: TypeRef = { expr: `json_type(${json}, ${p})` };
      const self = leaf(v, t);
      if (!expand || !this.mayBeArray(stats)) return self;
      const a = `e${++this.alias}`;
      const inner = leaf(`${a}.value`, { expr: `${a}.type` });
      if (inner.sql === '0' && inner.exact) return self;
      return or(self, and(frag(`${t.expr} = 'array'`), { sql: `EXISTS (SELECT 1 FROM json_each(${json}, ${p}) AS ${a} WHERE ${inner.sql})`, params: inner.params, exact: inner.exact }));
    }
    const [seg, ...tail] = rest;
    if (!safeKey(seg)) throw new Unsupported();
    const byKey = () => this.walk(json, [...pieces, keyPiece(seg)], tail, stats === null ? null : [...stats, seg], leaf, expand);
    if (pieces.length === 0 || !this.mayBeArray(stats)) return byKey();
    // the value here may be an array: either it is not (walk on by key), or it is (index it, or walk each object element)
    const p = pathLiteral(pieces);
    const tp = `json_type(${json}, ${p})`;
    const notArray = and(frag(`${tp} IS NOT 'array'`), byKey());
    let asArray: Frag;
    if (isIndex(seg)) asArray = and(frag(`${tp} = 'array'`), this.walk(json, [...pieces, `[${seg}]`], tail, stats, leaf, expand));
    else {
      const a = `e${++this.alias}`;
      const inner = and(frag(`${a}.type = 'object'`), this.walk(objectSource(a), [], rest, stats, leaf, expand));
      asArray =
        inner.sql === '0' && inner.exact
          ? FALSE
          : and(frag(`${tp} = 'array'`), { sql: `EXISTS (SELECT 1 FROM json_each(${json}, ${p}) AS ${a} WHERE ${inner.sql})`, params: inner.params, exact: inner.exact });
    }
    return or(notArray, asArray);
  }

  private elemMatch(c: Cond & { op: 'elemMatch' }, v: string, t: TypeRef, stats: string[] | null): Frag {
    const isArr = typeIs(t, ['array']);
    if (isArr.sql === '0') return FALSE;
    const a = `e${++this.alias}`;
    let inner: Frag;
    if (c.filter) {
      const root: Root = { kind: 'element', json: objectSource(a), stats: (p) => (stats === null ? null : [...stats, ...p]) };
      inner = and(frag(`${a}.type = 'object'`), this.filter(c.filter, root));
    } else {
      const root: Root = { kind: 'value', v: `${a}.value`, t: { expr: `${a}.type` }, stats: () => null };
      inner = and(...c.conds!.map((x) => this.cond([], x, root)));
    }
    if (inner.sql === '0' && inner.exact) return FALSE;
    return and(isArr, { sql: `EXISTS (SELECT 1 FROM json_each(${arraySource(v, t)}) AS ${a} WHERE ${inner.sql})`, params: inner.params, exact: inner.exact });
  }

  private leaf(c: Cond): Leaf {
    switch (c.op) {
      case 'eq':
        return (v, t) => eqLeaf(v, t, c.value);
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte':
        return (v, t) => rangeLeaf(v, t, c.op as 'gt', c.value);
      case 'in':
        return (v, t) => inLeaf(v, t, c.values);
      case 'type':
        return (v, t) => or(...c.types.map((name) => typeLeaf(v, t, name)));
      case 'regex':
        return (v, t) => and(typeIs(t, ['text']), frag(`${this.o.regexFunction}(?, ?, ${v})`, [c.source, c.flags]));
      default:
        throw new Error(`no leaf for ${c.op}`);
    }
  }
}

type Root =
  | { kind: 'doc'; stats: (path: string[]) => string[] | null }
  | { kind: 'element'; json: string; stats: (path: string[]) => string[] | null }
  | { kind: 'value'; v: string; t: TypeRef; stats: (path: string[]) => string[] | null };

const jsonTypes = new Set(['null', 'true', 'false', 'integer', 'real', 'text', 'array', 'object']);

/** `t` is one of `names` ('missing' for an absent field, 'date' for our date columns). */
export function typeIs(t: TypeRef, names: string[]): Frag {
  if ('known' in t) return names.includes(t.known ?? 'missing') ? TRUE : FALSE;
  const parts: string[] = [];
  if (names.includes('missing')) parts.push(`${t.expr} IS NULL`);
  const js = names.filter((n) => jsonTypes.has(n));
  if (js.length === 1) parts.push(`${t.expr} = '${js[0]}'`);
  else if (js.length > 1) parts.push(`${t.expr} IN (${js.map((n) => `'${n}'`).join(', ')})`);
  if (parts.length === 0) return FALSE;
  return frag(parts.length === 1 ? parts[0] : parts.map((p) => `(${p})`).join(' OR '));
}

function notMissing(t: TypeRef): Frag {
  if ('known' in t) return t.known === null ? FALSE : TRUE;
  return frag(`${t.expr} IS NOT NULL`);
}

const numeric = ['integer', 'real'];

/**
 * Excludes JSON true/false (which json_extract yields as 1/0) from a numeric comparison. Only values
 * 0 and 1 pay for the json_type lookup.
 */
function notBoolean(v: string, t: TypeRef): Frag {
  if ('known' in t) return typeIs(t, numeric);
  return frag(`(${v} NOT IN (0, 1) OR ${t.expr} NOT IN ('true', 'false'))`);
}

function eqLeaf(v: string, t: TypeRef, x: Literal): Frag {
  if (x === null) return typeIs(t, ['missing', 'null']);
  if (typeof x === 'number') {
    const g = typeIs(t, numeric);
    if (g.sql === '0') return FALSE;
    return and(frag(`${v} = ?`, [x]), x === 0 || x === 1 ? notBoolean(v, t) : TRUE);
  }
  if (typeof x === 'string') {
    const g = typeIs(t, ['text']);
    if (g.sql === '0') return FALSE;
    return and(frag(`${v} = ?`, [x]), x.startsWith('[') || x.startsWith('{') ? g : TRUE);
  }
  if (typeof x === 'boolean') return typeIs(t, [x ? 'true' : 'false']);
  if (x instanceof Date) {
    const g = typeIs(t, ['date']);
    if (g.sql === '0') return FALSE;
    return and(g, frag(`${v} = ?`, [domoTime(x.getTime())]));
  }
  return and(typeIs(t, [Array.isArray(x) ? 'array' : 'object']), INEXACT);
}

function rangeLeaf(v: string, t: TypeRef, op: 'gt' | 'gte' | 'lt' | 'lte', x: Literal): Frag {
  const sym = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[op];
  if (x === null) return op === 'gte' || op === 'lte' ? typeIs(t, ['missing', 'null']) : FALSE;
  if (typeof x === 'number') {
    const g = typeIs(t, numeric);
    if (g.sql === '0') return FALSE;
    const parts = [frag(`${v} ${sym} ?`, [x])];
    if ('expr' in t) {
      if (op === 'gt' || op === 'gte') parts.push(frag(`${v} < ''`));
      const lo = op === 'gt' || op === 'gte';
      const coversBool = lo ? (op === 'gt' ? x < 1 : x <= 1) : op === 'lt' ? x > 0 : x >= 0;
      if (coversBool) parts.push(notBoolean(v, t));
    }
    return and(...parts);
  }
  if (typeof x === 'string') {
    const g = typeIs(t, ['text']);
    if (g.sql === '0') return FALSE;
    const parts = [frag(`${v} ${sym} ?`, [x])];
    if ((op === 'lt' || op === 'lte') && 'expr' in t) parts.push(frag(`${v} >= ''`));
    parts.push(g);
    return and(...parts);
  }
  if (typeof x === 'boolean') {
    const allowed = { gt: x ? [] : ['true'], gte: x ? ['true'] : ['true', 'false'], lt: x ? ['false'] : [], lte: x ? ['true', 'false'] : ['false'] }[op];
    return allowed.length ? typeIs(t, allowed) : FALSE;
  }
  if (x instanceof Date) {
    const g = typeIs(t, ['date']);
    if (g.sql === '0') return FALSE;
    return and(g, frag(`${v} ${sym} ?`, [domoTime(x.getTime())]));
  }
  return and(typeIs(t, [Array.isArray(x) ? 'array' : 'object']), INEXACT);
}

function inLeaf(v: string, t: TypeRef, values: Literal[]): Frag {
  const nums = values.filter((x): x is number => typeof x === 'number');
  const strs = values.filter((x): x is string => typeof x === 'string');
  const parts: Frag[] = [];
  if (nums.length) {
    const g = typeIs(t, numeric);
    if (g.sql !== '0') {
      parts.push(and(frag(`${v} IN (${nums.map(() => '?').join(', ')})`, nums), nums.some((n) => n === 0 || n === 1) ? notBoolean(v, t) : TRUE));
    }
  }
  if (strs.length) {
    const g = typeIs(t, ['text']);
    if (g.sql !== '0') {
      parts.push(and(frag(`${v} IN (${strs.map(() => '?').join(', ')})`, strs), strs.some((s) => s.startsWith('[') || s.startsWith('{')) ? g : TRUE));
    }
  }
  for (const x of values) if (typeof x !== 'number' && typeof x !== 'string') parts.push(eqLeaf(v, t, x));
  return or(...parts);
}

function typeLeaf(v: string, t: TypeRef, name: string): Frag {
  switch (name) {
    case 'double':
      return typeIs(t, ['real']);
    case 'string':
      return typeIs(t, ['text']);
    case 'object':
    case 'array':
    case 'null':
    case 'date':
      return typeIs(t, [name]);
    case 'bool':
      return typeIs(t, ['true', 'false']);
    case 'number':
      return typeIs(t, numeric);
    case 'int':
      return and(typeIs(t, ['integer']), frag(`${v} BETWEEN -2147483648 AND 2147483647`));
    case 'long':
      return and(typeIs(t, ['integer']), frag(`${v} NOT BETWEEN -2147483648 AND 2147483647`));
    default:
      return FALSE;
  }
}

/** Compiles a filter for documents of one collection (see CompileOptions). */
export function compileFilter(filter: Filter, options: CompileOptions): Frag {
  const c = new Compiler(options);
  return c.filter(filter, { kind: 'doc', stats: (path) => (path[0] === 'content' ? path.slice(1) : null) });
}

/**
 * ORDER BY terms sorting like MongoDB (null/missing < numbers < strings < objects < arrays < booleans),
 * for a top-level field or a content path.
 */
export function sortTerms(path: string[], options: CompileOptions, descending: boolean): string {
  const dir = descending ? 'DESC' : 'ASC';
  const [head, ...rest] = path;
  if (head !== 'content' || rest.length === 0) {
    const col = rest.length === 0 && Object.hasOwn(options.fields, head) ? options.fields[head] : undefined;
    return col ? `${col.v} ${dir}` : '1';
  }
  const expr = contentPathExpr(options.content, rest);
  if (!expr) return '1';
  const type = expr.replace(/^json_extract/, 'json_type');
  const rank = `CASE ${type} WHEN 'null' THEN 1 WHEN 'integer' THEN 2 WHEN 'real' THEN 2 WHEN 'text' THEN 3 WHEN 'object' THEN 4 WHEN 'array' THEN 5 WHEN 'false' THEN 8 WHEN 'true' THEN 8 ELSE 1 END`;
  return `${rank} ${dir}, ${expr} ${dir}`;
}

export { isPlainObject };
