/**
 * AppDB's document engine: MongoDB filters (parse, SQL over SQLite JSON, JavaScript evaluation),
 * update operators, aggregation, security filters and dataset rows. No HTTP, no database handle.
 */
import { isPlainObject, type JsonValue } from './values.js';

export * from './values.js';
export * from './filter.js';
export * from './evaluate.js';
export * from './sql.js';
export * from './update.js';
export * from './aggregate.js';
export * from './security.js';
export * from './export.js';

/**
 * The content paths (dot-joined, array elements transparent) at which `content` holds an array.
 * `{a: [{b: [1]}], c: {d: []}}` -> a, a.b, c.d. The SQL compiler only emits array-walking SQL
 * for paths some document of the collection has held an array at.
 */
export function arrayPaths(content: Record<string, JsonValue>, out: Set<string> = new Set()): Set<string> {
  const visit = (v: JsonValue, path: string) => {
    if (Array.isArray(v)) {
      out.add(path);
      for (const e of v) if (isPlainObject(e)) visitObject(e, path);
    } else if (isPlainObject(v)) visitObject(v, path);
  };
  const visitObject = (o: Record<string, JsonValue>, prefix: string) => {
    for (const [k, v] of Object.entries(o)) if (v !== null && typeof v === 'object') visit(v, prefix ? `${prefix}.${k}` : k);
  };
  visitObject(content, '');
  return out;
}
