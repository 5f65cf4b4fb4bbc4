/**
 * The JavaScript evaluator: MongoDB filter semantics over one document. It is the reference the SQL
 * compiler is tested against, and the fallback for the parts of a filter SQL cannot express (run only on
 * rows SQL has already narrowed).
 *
 * Path semantics (as MongoDB): walking `a.b`, an array at `a` is walked element by element (objects only);
 * a numeric segment after an array indexes it. At the end of the path, most operators match the value
 * itself or, when it is an array, any of its elements. A missing field is `undefined`.
 */
import type { Cond, Filter, Literal } from './filter.js';
import { compareValues, isPlainObject, typeClass, typeNames, valuesEqual, type Value } from './values.js';

/** A document as filters see it: Domo's top-level fields (dates as Date) and `content`. */
export type VirtualDoc = Record<string, Value>;

export function matches(filter: Filter, doc: VirtualDoc): boolean {
  switch (filter.kind) {
    case 'const':
      return filter.value;
    case 'and':
      return filter.items.every((f) => matches(f, doc));
    case 'or':
      return filter.items.some((f) => matches(f, doc));
    case 'nor':
      return !filter.items.some((f) => matches(f, doc));
    case 'field':
      return evalCond(doc as Value, filter.path, filter.cond);
  }
}

const isIndex = (s: string) => /^\d+$/.test(s);

/** Does some value reached along `path` from `root` satisfy `pred` (also trying array elements when `expand`)? */
function walk(cur: Value, path: string[], i: number, pred: (v: Value) => boolean, expand: boolean): boolean {
  if (i === path.length) {
    if (pred(cur)) return true;
    return expand && Array.isArray(cur) && cur.some((e) => pred(e));
  }
  const seg = path[i];
  if (Array.isArray(cur)) {
    if (isIndex(seg)) return walk(cur[Number(seg)], path, i + 1, pred, expand);
    return cur.some((e) => isPlainObject(e) && walk(Object.hasOwn(e, seg) ? e[seg] : undefined, path, i + 1, pred, expand));
  }
  if (isPlainObject(cur)) return walk(Object.prototype.hasOwnProperty.call(cur, seg) ? cur[seg] : undefined, path, i + 1, pred, expand);
  return walk(undefined, path, i + 1, pred, expand);
}

export function evalCond(root: Value, path: string[], cond: Cond): boolean {
  switch (cond.op) {
    case 'not':
      return !evalCond(root, path, cond.cond);
    case 'and':
      return cond.conds.every((c) => evalCond(root, path, c));
    case 'all':
      return cond.conds.length > 0 && cond.conds.every((c) => evalCond(root, path, c));
    case 'exists':
      return walk(root, path, 0, (v) => v !== undefined, false);
    case 'size':
      return walk(root, path, 0, (v) => Array.isArray(v) && v.length === cond.n, false);
    case 'elemMatch':
      return walk(root, path, 0, (v) => Array.isArray(v) && v.some((e) => elemMatches(cond, e)), false);
    default:
      return walk(root, path, 0, leafPredicate(cond), true);
  }
}

function elemMatches(cond: Cond & { op: 'elemMatch' }, e: Value): boolean {
  if (cond.filter) return isPlainObject(e) && matches(cond.filter, e);
  return cond.conds!.every((c) => evalCond(e, [], c));
}

/** The test one value must pass for eq/range/in/type/regex. */
export function leafPredicate(cond: Cond): (v: Value) => boolean {
  switch (cond.op) {
    case 'eq':
      return (v) => valuesEqual(v, cond.value);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return (v) => rangeMatch(cond.op as 'gt', v, cond.value);
    case 'in':
      return (v) => cond.values.some((x) => valuesEqual(v, x));
    case 'type':
      return (v) => {
        const names = typeNames(v);
        return cond.types.some((t) => names.includes(t));
      };
    case 'regex':
      return (v) => typeof v === 'string' && testRegex(cond.re, v);
    default:
      throw new Error(`leafPredicate: ${cond.op}`);
  }
}

export function testRegex(re: RegExp, s: string): boolean {
  re.lastIndex = 0;
  return re.test(s);
}

/** Range operators compare only within one type class ($gte/$lte null also match null and missing). */
function rangeMatch(op: 'gt' | 'gte' | 'lt' | 'lte', v: Value, x: Literal): boolean {
  const tv = typeClass(v);
  const tx = typeClass(x);
  if (tx === 'null') return (op === 'gte' || op === 'lte') && (tv === 'null' || tv === 'missing');
  if (tv !== tx) return false;
  const c = compareValues(v, x);
  return op === 'gt' ? c > 0 : op === 'gte' ? c >= 0 : op === 'lt' ? c < 0 : c <= 0;
}
