/**
 * AppDB aggregation by query string, as a MongoDB pipeline would run it after the filter:
 * $unwind (each `unwind` path) -> $group (`groupby` keys; `count`, `avg|min|max|sum` accumulators)
 * -> $sort (`orderby`) -> $skip (`offset`) -> $limit (`limit`), flattened the way Domo answers:
 * each group key under the last segment of its path, beside the aliases.
 */
import { parsePath } from './filter.js';
import { cloneJson, compareValues, DocumentsError, isPlainObject, typeClass, type JsonValue, type Value } from './values.js';
import type { VirtualDoc } from './evaluate.js';

export type AccumulatorOp = 'avg' | 'min' | 'max' | 'sum';

export interface AggregateSpec {
  groupby: Array<{ path: string[]; key: string }>;
  count?: string;
  accumulators: Array<{ op: AccumulatorOp; path: string[]; alias: string }>;
  unwind: string[][];
  orderby: Array<{ key: string; descending: boolean }>;
}

export interface AggregateParams {
  groupby?: string;
  count?: string;
  avg?: string;
  min?: string;
  max?: string;
  sum?: string;
  unwind?: string;
  orderby?: string;
}

const list = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);

/** Parses the aggregation query parameters; null when the request asks for no aggregation. */
export function parseAggregateParams(q: AggregateParams): { spec: AggregateSpec | null; unwind: string[][]; orderby: Array<{ key: string; descending: boolean }> } {
  const grouping = q.groupby !== undefined || q.count !== undefined || (['avg', 'min', 'max', 'sum'] as const).some((k) => q[k] !== undefined);
  const unwind = list(q.unwind).map((p) => parsePath(p, 'query.unwind'));
  const orderby = list(q.orderby).map((term) => {
    const [key, dir, ...extra] = term.split(/\s+/);
    const d = (dir ?? 'ascending').toLowerCase();
    if (extra.length || !['ascending', 'descending', 'asc', 'desc'].includes(d)) {
      throw new DocumentsError(`orderby takes '<name> ascending|descending', got '${term}'`, 'query.orderby');
    }
    return { key, descending: d.startsWith('desc') };
  });
  if (!grouping) return { spec: null, unwind, orderby };

  const names = new Set<string>();
  const claim = (name: string, where: string) => {
    if (names.has(name)) throw new DocumentsError(`The output name '${name}' is used twice; give each aggregation its own alias`, where);
    names.add(name);
  };
  const groupby = list(q.groupby).map((p) => {
    const path = parsePath(p, 'query.groupby');
    const key = path[path.length - 1];
    claim(key, 'query.groupby');
    return { path, key };
  });
  let count: string | undefined;
  if (q.count !== undefined) {
    count = q.count.trim() || 'count';
    if (/\s|,/.test(count)) throw new DocumentsError(`count takes one alias, got '${q.count}'`, 'query.count');
    claim(count, 'query.count');
  }
  const accumulators: AggregateSpec['accumulators'] = [];
  for (const op of ['avg', 'min', 'max', 'sum'] as const) {
    const raw = q[op];
    if (raw === undefined) continue;
    const items = list(raw);
    if (items.length === 0) throw new DocumentsError(`${op} takes '<path> <alias>, ...'`, `query.${op}`);
    for (const item of items) {
      const [p, alias, ...extra] = item.split(/\s+/);
      if (extra.length) throw new DocumentsError(`${op} takes '<path> <alias>', got '${item}'`, `query.${op}`);
      const path = parsePath(p, `query.${op}`);
      const name = alias ?? path[path.length - 1];
      claim(name, `query.${op}`);
      accumulators.push({ op, path, alias: name });
    }
  }
  for (const o of orderby) {
    if (!names.has(o.key)) throw new DocumentsError(`orderby '${o.key}' names no group key or alias (have: ${[...names].join(', ')})`, 'query.orderby');
  }
  return { spec: { groupby, count, accumulators, unwind, orderby }, unwind, orderby };
}

/** A path's value as an aggregation expression sees it ("$a.b": arrays of objects map to arrays of values). */
export function aggValue(doc: Value, path: string[]): Value {
  let cur: Value = doc;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (Array.isArray(cur)) {
      const rest = path.slice(i);
      const out: JsonValue[] = [];
      for (const e of cur) {
        if (!isPlainObject(e)) continue;
        const v = aggValue(e, rest);
        if (v !== undefined) out.push(v as JsonValue);
      }
      return out;
    }
    if (isPlainObject(cur)) cur = Object.prototype.hasOwnProperty.call(cur, seg) ? (cur as Record<string, Value>)[seg] : undefined;
    else return undefined;
  }
  return cur;
}

function setPath(doc: Record<string, Value>, path: string[], value: Value): void {
  let cur: Record<string, Value> = doc;
  for (let i = 0; i < path.length - 1; i++) {
    const next = Object.hasOwn(cur, path[i]) ? cur[path[i]] : undefined;
    if (!isPlainObject(next)) return;
    cur = next as Record<string, Value>;
  }
  cur[path[path.length - 1]] = value;
}

const noTick = () => {};

/**
 * $unwind: one document per array element; missing, null and empty arrays drop the document.
 * `tick` is called per produced document (a time budget: see engines/deadline.ts).
 */
export function* unwind(docs: Iterable<VirtualDoc>, paths: string[][], tick: () => void = noTick): Generator<VirtualDoc> {
  if (paths.length === 0) {
    yield* docs;
    return;
  }
  const [first, ...rest] = paths;
  const step = function* (src: Iterable<VirtualDoc>): Generator<VirtualDoc> {
    for (const d of src) {
      const v = aggValue(d as Value, first);
      if (v === undefined || v === null) continue;
      if (!Array.isArray(v)) {
        yield d;
        continue;
      }
      for (const e of v) {
        tick();
        const copy = { ...d, content: cloneJson(d.content as JsonValue) } as VirtualDoc;
        setPath(copy, first, e);
        yield copy;
      }
    }
  };
  yield* unwind(step(docs), rest, tick);
}

interface Group {
  keys: Value[];
  count: number;
  acc: Array<{ sum: number; n: number; best: Value }>;
}

const groupKey = (vs: Value[]) => JSON.stringify(vs.map((v) => [typeClass(v === undefined ? null : v), v instanceof Date ? v.getTime() : v ?? null]));

/** Groups, accumulates, sorts and pages. Output rows are flat objects. */
export function aggregate(
  docs: Iterable<VirtualDoc>,
  spec: AggregateSpec,
  page: { limit: number; offset: number },
  tick: () => void = noTick,
): Array<Record<string, unknown>> {
  const groups = new Map<string, Group>();
  for (const d of unwind(docs, spec.unwind, tick)) {
    tick();
    const keys = spec.groupby.map((g) => {
      const v = aggValue(d as Value, g.path);
      return v === undefined ? null : v;
    });
    const k = groupKey(keys);
    let g = groups.get(k);
    if (!g) {
      g = { keys, count: 0, acc: spec.accumulators.map(() => ({ sum: 0, n: 0, best: undefined })) };
      groups.set(k, g);
    }
    g.count += 1;
    spec.accumulators.forEach((a, i) => {
      const v = aggValue(d as Value, a.path);
      const slot = g!.acc[i];
      if (a.op === 'sum' || a.op === 'avg') {
        if (typeof v === 'number') {
          slot.sum += v;
          slot.n += 1;
        }
      } else if (v !== undefined && v !== null) {
        if (slot.best === undefined || (a.op === 'min' ? compareValues(v, slot.best) < 0 : compareValues(v, slot.best) > 0)) slot.best = v;
      }
    });
  }
  const rows: Array<Record<string, unknown>> = [];
  for (const g of groups.values()) {
    const row: Record<string, unknown> = {};
    spec.groupby.forEach((gb, i) => (row[gb.key] = out(g.keys[i])));
    if (spec.count) row[spec.count] = g.count;
    spec.accumulators.forEach((a, i) => {
      const s = g.acc[i];
      row[a.alias] = a.op === 'sum' ? s.sum : a.op === 'avg' ? (s.n ? s.sum / s.n : null) : s.best === undefined ? null : out(s.best);
    });
    rows.push(row);
  }
  const order = spec.orderby.length ? spec.orderby : spec.groupby.map((g) => ({ key: g.key, descending: false }));
  rows.sort((a, b) => {
    for (const o of order) {
      const c = compareValues(a[o.key] as Value, b[o.key] as Value);
      if (c !== 0) return o.descending ? -c : c;
    }
    return 0;
  });
  return rows.slice(page.offset, page.offset + page.limit);
}

const out = (v: Value): unknown => (v instanceof Date ? v.toISOString().replace('Z', '+0000') : v);
