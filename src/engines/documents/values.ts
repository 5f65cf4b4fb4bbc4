/**
 * Values as MongoDB sees them: JSON values plus dates (createdOn/updatedOn, `$date` literals).
 * `undefined` stands for a missing field. Comparison follows MongoDB's type order
 * (null < numbers < strings < objects < arrays < booleans < dates) and never coerces between types.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type Value = JsonValue | Date | undefined;

export type TypeClass = 'missing' | 'null' | 'number' | 'string' | 'object' | 'array' | 'bool' | 'date';

export class DocumentsError extends Error {
  /** `where` names the offending part of the input, e.g. `body.$or[1].content.price.$gt`. */
  constructor(
    message: string,
    readonly where: string,
  ) {
    super(message);
  }
}

export function isPlainObject(v: unknown): v is Record<string, JsonValue> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

export function typeClass(v: Value): TypeClass {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof Date) return 'date';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

const rank: Record<TypeClass, number> = { missing: 1, null: 1, number: 2, string: 3, object: 4, array: 5, bool: 8, date: 9 };

/** MongoDB's total order over values (used by $min/$max, group min/max and sorting). */
export function compareValues(a: Value, b: Value): number {
  const ta = typeClass(a);
  const tb = typeClass(b);
  if (rank[ta] !== rank[tb]) return rank[ta] - rank[tb];
  switch (ta) {
    case 'missing':
    case 'null':
      return 0;
    case 'number':
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 'string':
      return compareStrings(a as string, b as string);
    case 'bool':
      return Number(a) - Number(b);
    case 'date':
      return (a as Date).getTime() - (b as Date).getTime();
    case 'array': {
      const x = a as JsonValue[];
      const y = b as JsonValue[];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compareValues(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    case 'object': {
      const x = Object.entries(a as Record<string, JsonValue>);
      const y = Object.entries(b as Record<string, JsonValue>);
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const r = rank[typeClass(x[i][1])] - rank[typeClass(y[i][1])];
        if (r !== 0) return r;
        const k = compareStrings(x[i][0], y[i][0]);
        if (k !== 0) return k;
        const c = compareValues(x[i][1], y[i][1]);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
  }
}

/** Byte-wise (UTF-8) order, as MongoDB's simple collation and SQLite's BINARY collation compare. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** MongoDB equality: same type class and same value; objects compare field by field in order. */
export function valuesEqual(a: Value, b: Value): boolean {
  const ta = typeClass(a);
  if (ta !== typeClass(b)) return (ta === 'missing' || ta === 'null') && (typeClass(b) === 'missing' || typeClass(b) === 'null');
  return compareValues(a, b) === 0;
}

/** MongoDB's $type names for a value (a number may be int, long or double). */
export function typeNames(v: Value): string[] {
  switch (typeClass(v)) {
    case 'missing':
      return [];
    case 'null':
      return ['null'];
    case 'string':
      return ['string'];
    case 'bool':
      return ['bool'];
    case 'date':
      return ['date'];
    case 'array':
      return ['array'];
    case 'object':
      return ['object'];
    case 'number': {
      const n = v as number;
      if (Number.isInteger(n) && Math.abs(n) < 1e21) return [Math.abs(n) <= 2147483647 && n >= -2147483648 ? 'int' : 'long', 'number'];
      return ['double', 'number'];
    }
  }
}

/** Deepest nesting of arrays and objects a document's content may have (as MongoDB's 100 levels). */
export const MAX_DOCUMENT_DEPTH = 100;

/** Whether a JSON value nests arrays/objects deeper than `max` levels (iterative; stops at the first). */
export function deeperThan(v: JsonValue, max: number): boolean {
  const stack: Array<[JsonValue, number]> = [[v, 0]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    if (d + 1 > max) return true;
    for (const c of Array.isArray(x) ? x : Object.values(x)) if (c !== null && typeof c === 'object') stack.push([c, d + 1]);
  }
  return false;
}

/** Deep copy of a JSON value. */
export function cloneJson<T extends JsonValue>(v: T): T {
  return v === null || typeof v !== 'object' ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** `2019-03-04T16:59:25.184+0000`: how Domo writes times (UTC, milliseconds). Fixed width, so it sorts by time. */
export function domoTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** Parses Domo's time format (and plain ISO 8601) back to epoch milliseconds. */
export function parseDomoTime(text: string): number {
  return Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}
