/**
 * MongoDB update operators on a document's content, as AppDB's partial update supports them:
 * $set $unset $inc $mul $min $max $rename $currentDate $addToSet $push $pop $pullAll,
 * with the modifiers $each, $position, $slice, $sort. Paths are `content.<path>`.
 * parseUpdate validates everything it can before any document is touched; applyUpdate throws a
 * DocumentsError when a document's data conflicts (e.g. $inc on a string), so the caller can roll back.
 */
import { parseLiteral, parsePath } from './filter.js';
import { cloneJson, compareValues, deeperThan, DocumentsError, isPlainObject, MAX_DOCUMENT_DEPTH, valuesEqual, type JsonValue } from './values.js';

type Op =
  | { kind: '$set' | '$min' | '$max'; path: string[]; value: JsonValue }
  | { kind: '$unset'; path: string[] }
  | { kind: '$inc' | '$mul'; path: string[]; by: number }
  | { kind: '$rename'; path: string[]; to: string[] }
  | { kind: '$currentDate'; path: string[]; as: 'date' | 'timestamp' }
  | { kind: '$addToSet'; path: string[]; each: JsonValue[] }
  | { kind: '$push'; path: string[]; each: JsonValue[]; position?: number; slice?: number; sort?: 1 | -1 | Record<string, 1 | -1> }
  | { kind: '$pop'; path: string[]; first: boolean }
  | { kind: '$pullAll'; path: string[]; values: JsonValue[] };

export type UpdatePlan = Op[];

const supported = new Set(['$set', '$unset', '$inc', '$mul', '$min', '$max', '$rename', '$currentDate', '$addToSet', '$push', '$pop', '$pullAll']);

/** Validates an update document ({"$set": {...}, ...}); `where` prefixes error locations. */
export function parseUpdate(input: unknown, where = 'operation'): UpdatePlan {
  if (!isPlainObject(input) || Object.keys(input).length === 0) {
    throw new DocumentsError('The operation must be a non-empty object of update operators such as {"$set": {...}}', where);
  }
  const ops: Op[] = [];
  for (const [name, spec] of Object.entries(input)) {
    const at = `${where}.${name}`;
    if (!name.startsWith('$')) throw new DocumentsError(`Expected an update operator, got '${name}' (replace a whole document with PUT .../documents/:id)`, at);
    if (name === '$setOnInsert') throw new DocumentsError('$setOnInsert is not supported: AppDB partial updates never insert', at);
    if (!supported.has(name)) throw new DocumentsError(`Unknown or unsupported update operator ${name}`, at);
    if (!isPlainObject(spec) || Object.keys(spec).length === 0) throw new DocumentsError(`${name} needs an object of {"content.<path>": value}`, at);
    for (const [key, raw] of Object.entries(spec)) ops.push(parseOne(name, key, raw, `${at}.${key}`));
  }
  assertNoConflicts(ops, where);
  return ops;
}

function contentPath(key: string, where: string): string[] {
  const segs = parsePath(key, where);
  if (segs[0] !== 'content' || segs.length < 2) throw new DocumentsError(`Update paths start with 'content.' (got '${key}')`, where);
  return segs.slice(1);
}

function jsonValue(raw: unknown, where: string): JsonValue {
  const v = parseLiteral(raw, where);
  return (v instanceof Date ? v.toISOString() : JSON.parse(JSON.stringify(v))) as JsonValue;
}

function parseOne(name: string, key: string, raw: unknown, at: string): Op {
  const path = contentPath(key, at);
  switch (name) {
    case '$set':
    case '$min':
    case '$max':
      return { kind: name, path, value: jsonValue(raw, at) };
    case '$unset':
      return { kind: '$unset', path };
    case '$inc':
    case '$mul':
      if (typeof raw !== 'number' || !Number.isFinite(raw)) throw new DocumentsError(`${name} needs a number`, at);
      return { kind: name, path, by: raw };
    case '$rename': {
      if (typeof raw !== 'string') throw new DocumentsError('$rename needs the new path as a string', at);
      const to = contentPath(raw, at);
      if (to.join('.') === path.join('.')) throw new DocumentsError('$rename source and target must differ', at);
      if (path.some(isIndex) || to.some(isIndex)) throw new DocumentsError('$rename cannot address array elements', at);
      return { kind: '$rename', path, to };
    }
    case '$currentDate': {
      if (raw === true) return { kind: '$currentDate', path, as: 'date' };
      if (isPlainObject(raw) && (raw.$type === 'date' || raw.$type === 'timestamp') && Object.keys(raw).length === 1) {
        return { kind: '$currentDate', path, as: raw.$type };
      }
      throw new DocumentsError('$currentDate needs true or {"$type": "date" | "timestamp"}', at);
    }
    case '$addToSet':
    case '$push':
      return parseArrayAdd(name, path, raw, at);
    case '$pop':
      if (raw !== 1 && raw !== -1) throw new DocumentsError('$pop needs 1 (last) or -1 (first)', at);
      return { kind: '$pop', path, first: raw === -1 };
    case '$pullAll':
      if (!Array.isArray(raw)) throw new DocumentsError('$pullAll needs an array of values', at);
      return { kind: '$pullAll', path, values: raw.map((v, i) => jsonValue(v, `${at}[${i}]`)) };
  }
  throw new DocumentsError(`Unknown update operator ${name}`, at);
}

function parseArrayAdd(name: '$addToSet' | '$push', path: string[], raw: unknown, at: string): Op {
  const modifiers = isPlainObject(raw) && Object.keys(raw).some((k) => k.startsWith('$')) && !('$date' in raw && Object.keys(raw).length === 1);
  if (!modifiers) return name === '$push' ? { kind: '$push', path, each: [jsonValue(raw, at)] } : { kind: '$addToSet', path, each: [jsonValue(raw, at)] };
  const spec = raw as Record<string, unknown>;
  const allowed = name === '$push' ? ['$each', '$position', '$slice', '$sort'] : ['$each'];
  for (const k of Object.keys(spec)) {
    if (!allowed.includes(k)) {
      throw new DocumentsError(
        name === '$addToSet' && ['$position', '$slice', '$sort'].includes(k) ? `${k} works with $push, not $addToSet` : `Unknown modifier ${k}`,
        `${at}.${k}`,
      );
    }
  }
  if (!Array.isArray(spec.$each)) throw new DocumentsError(`${Object.keys(spec).find((k) => k !== '$each') ?? '$each'} needs $each with an array`, `${at}.$each`);
  const each = spec.$each.map((v, i) => jsonValue(v, `${at}.$each[${i}]`));
  if (name === '$addToSet') return { kind: '$addToSet', path, each };
  const op: Op & { kind: '$push' } = { kind: '$push', path, each };
  if (spec.$position !== undefined) {
    if (typeof spec.$position !== 'number' || !Number.isInteger(spec.$position)) throw new DocumentsError('$position needs an integer', `${at}.$position`);
    op.position = spec.$position;
  }
  if (spec.$slice !== undefined) {
    if (typeof spec.$slice !== 'number' || !Number.isInteger(spec.$slice)) throw new DocumentsError('$slice needs an integer', `${at}.$slice`);
    op.slice = spec.$slice;
  }
  if (spec.$sort !== undefined) {
    const s = spec.$sort;
    if (s === 1 || s === -1) op.sort = s;
    else if (isPlainObject(s) && Object.keys(s).length > 0 && Object.values(s).every((d) => d === 1 || d === -1)) op.sort = s as Record<string, 1 | -1>;
    else throw new DocumentsError('$sort needs 1, -1 or {"field": 1 | -1, ...}', `${at}.$sort`);
  }
  return op;
}

function assertNoConflicts(ops: Op[], where: string): void {
  const paths: string[] = [];
  for (const o of ops) {
    paths.push(o.path.join('.'));
    if (o.kind === '$rename') paths.push(o.to.join('.'));
  }
  for (let i = 0; i < paths.length; i++) {
    for (let j = i + 1; j < paths.length; j++) {
      const [a, b] = [paths[i], paths[j]];
      if (a === b || a.startsWith(b + '.') || b.startsWith(a + '.')) {
        throw new DocumentsError(`Updating the path 'content.${a}' would conflict with 'content.${b}'`, where);
      }
    }
  }
}

const isIndex = (s: string) => /^\d+$/.test(s);
type Container = Record<string, JsonValue> | JsonValue[];

/** Finds the parent of `path`, creating objects on the way when `create`. Returns null when absent. */
function parentOf(root: Record<string, JsonValue>, path: string[], create: boolean, opName: string): { parent: Container; key: string } | null {
  let cur: JsonValue = root;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i];
    let next: JsonValue | undefined;
    if (Array.isArray(cur)) {
      if (!isIndex(seg)) throw new DocumentsError(`${opName}: cannot use the part '${seg}' of 'content.${path.join('.')}' to traverse an array`, 'operation');
      next = cur[Number(seg)];
      if (next === undefined || next === null) {
        if (!create) return null;
        while (cur.length < Number(seg)) cur.push(null);
        next = {};
        cur[Number(seg)] = next;
      }
    } else if (isPlainObject(cur)) {
      next = Object.prototype.hasOwnProperty.call(cur, seg) ? cur[seg] : undefined;
      if (next === undefined || next === null) {
        if (!create) return null;
        next = {};
        cur[seg] = next;
      }
    } else {
      throw new DocumentsError(`${opName}: cannot create the field '${seg}' inside a ${typeof cur} at 'content.${path.slice(0, i).join('.')}'`, 'operation');
    }
    if (!Array.isArray(next) && !isPlainObject(next)) {
      if (!create) return null;
      throw new DocumentsError(`${opName}: cannot create the field '${path[i + 1]}' inside the value at 'content.${path.slice(0, i + 1).join('.')}'`, 'operation');
    }
    cur = next;
  }
  const key = path[path.length - 1];
  if (Array.isArray(cur) && !isIndex(key)) {
    throw new DocumentsError(`${opName}: cannot use the part '${key}' of 'content.${path.join('.')}' to traverse an array`, 'operation');
  }
  return { parent: cur as Container, key };
}

function read(p: { parent: Container; key: string } | null): JsonValue | undefined {
  if (!p) return undefined;
  if (Array.isArray(p.parent)) return p.parent[Number(p.key)];
  return Object.prototype.hasOwnProperty.call(p.parent, p.key) ? p.parent[p.key] : undefined;
}

function write(p: { parent: Container; key: string }, value: JsonValue): void {
  if (Array.isArray(p.parent)) {
    const i = Number(p.key);
    while (p.parent.length < i) p.parent.push(null);
    p.parent[i] = value;
  } else p.parent[p.key] = value;
}

function remove(p: { parent: Container; key: string }): void {
  if (Array.isArray(p.parent)) {
    if (Number(p.key) < p.parent.length) p.parent[Number(p.key)] = null;
  } else delete p.parent[p.key];
}

function arrayAt(root: Record<string, JsonValue>, path: string[], opName: string, create: boolean): JsonValue[] | null {
  const p = parentOf(root, path, create, opName);
  const cur = read(p);
  if (cur === undefined) {
    if (!create || !p) return null;
    const arr: JsonValue[] = [];
    write(p, arr);
    return arr;
  }
  if (!Array.isArray(cur)) throw new DocumentsError(`${opName} needs an array at 'content.${path.join('.')}', found ${cur === null ? 'null' : typeof cur}`, 'operation');
  return cur;
}

/** Applies a plan to a copy of `content`. `changed` is false when the result equals the input. */
export function applyUpdate(
  content: Record<string, JsonValue>,
  plan: UpdatePlan,
  now: { ms: number },
): { content: Record<string, JsonValue>; changed: boolean } {
  const before = JSON.stringify(content);
  const doc = cloneJson(content);
  for (const op of plan) {
    switch (op.kind) {
      case '$set':
        write(parentOf(doc, op.path, true, '$set')!, cloneJson(op.value));
        break;
      case '$unset': {
        const p = parentOf(doc, op.path, false, '$unset');
        if (p && read(p) !== undefined) remove(p);
        break;
      }
      case '$inc':
      case '$mul': {
        const p = parentOf(doc, op.path, true, op.kind)!;
        const cur = read(p);
        if (cur === undefined) write(p, op.kind === '$inc' ? op.by : 0);
        else if (typeof cur !== 'number') {
          throw new DocumentsError(`Cannot apply ${op.kind} to a non-numeric value at 'content.${op.path.join('.')}'`, 'operation');
        } else write(p, op.kind === '$inc' ? cur + op.by : cur * op.by);
        break;
      }
      case '$min':
      case '$max': {
        const p = parentOf(doc, op.path, true, op.kind)!;
        const cur = read(p);
        const c = cur === undefined ? 0 : compareValues(op.value, cur);
        if (cur === undefined || (op.kind === '$min' ? c < 0 : c > 0)) write(p, cloneJson(op.value));
        break;
      }
      case '$rename': {
        const from = parentOf(doc, op.path, false, '$rename');
        const v = read(from);
        if (v === undefined) break;
        remove(from!);
        write(parentOf(doc, op.to, true, '$rename')!, v);
        break;
      }
      case '$currentDate':
        write(parentOf(doc, op.path, true, '$currentDate')!, op.as === 'date' ? new Date(now.ms).toISOString() : now.ms);
        break;
      case '$addToSet': {
        const arr = arrayAt(doc, op.path, '$addToSet', true)!;
        for (const v of op.each) if (!arr.some((e) => valuesEqual(e, v))) arr.push(cloneJson(v));
        break;
      }
      case '$push': {
        const arr = arrayAt(doc, op.path, '$push', true)!;
        const items = op.each.map((v) => cloneJson(v));
        let at = op.position ?? arr.length;
        if (at < 0) at = Math.max(0, arr.length + at);
        arr.splice(Math.min(at, arr.length), 0, ...items);
        if (op.sort !== undefined) sortArray(arr, op.sort);
        if (op.slice !== undefined) {
          const kept = op.slice >= 0 ? arr.slice(0, op.slice) : arr.slice(Math.max(0, arr.length + op.slice));
          arr.splice(0, arr.length, ...kept);
        }
        break;
      }
      case '$pop': {
        const arr = arrayAt(doc, op.path, '$pop', false);
        if (arr && arr.length) {
          if (op.first) arr.shift();
          else arr.pop();
        }
        break;
      }
      case '$pullAll': {
        const arr = arrayAt(doc, op.path, '$pullAll', false);
        if (arr) {
          const kept = arr.filter((e) => !op.values.some((v) => valuesEqual(e, v)));
          arr.splice(0, arr.length, ...kept);
        }
        break;
      }
    }
  }
  if (deeperThan(doc, MAX_DOCUMENT_DEPTH - 1)) {
    throw new DocumentsError(`The update would nest the document deeper than the limit of ${MAX_DOCUMENT_DEPTH} levels`, 'operation');
  }
  return { content: doc, changed: JSON.stringify(doc) !== before };
}

function sortArray(arr: JsonValue[], spec: 1 | -1 | Record<string, 1 | -1>): void {
  if (spec === 1 || spec === -1) {
    arr.sort((a, b) => spec * compareValues(a, b));
    return;
  }
  const keys = Object.entries(spec);
  const field = (v: JsonValue, k: string): JsonValue | undefined => {
    let cur: JsonValue | undefined = v;
    for (const seg of k.split('.')) cur = isPlainObject(cur) && Object.hasOwn(cur, seg) ? cur[seg] : undefined;
    return cur;
  };
  arr.sort((a, b) => {
    for (const [k, d] of keys) {
      const c = compareValues(field(a, k), field(b, k));
      if (c !== 0) return d * c;
    }
    return 0;
  });
}
