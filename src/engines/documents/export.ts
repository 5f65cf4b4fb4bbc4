/**
 * A document's content -> one dataset row in schema order, for the export of a synced collection.
 * DATE and DATETIME values must be ISO 8601 (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS[.sss][Z|±HH:MM]);
 * a document holding anything else there is skipped (and counted by the caller).
 */
import { isPlainObject, type JsonValue } from './values.js';

export type ColumnType = 'STRING' | 'LONG' | 'DECIMAL' | 'DOUBLE' | 'DATE' | 'DATETIME';
export const columnTypes: readonly ColumnType[] = ['STRING', 'LONG', 'DECIMAL', 'DOUBLE', 'DATE', 'DATETIME'];

export interface SchemaColumn {
  name: string;
  type: ColumnType;
  visible?: boolean;
}

export type RowResult = { row: unknown[] } | { skip: string };

/** The value of a column: the content key of that name, else the dotted path it spells. */
function lookup(content: Record<string, JsonValue>, name: string): JsonValue | undefined {
  if (Object.prototype.hasOwnProperty.call(content, name)) return content[name];
  if (!name.includes('.')) return undefined;
  let cur: JsonValue | undefined = content;
  for (const seg of name.split('.')) cur = isPlainObject(cur) && Object.hasOwn(cur, seg) ? cur[seg] : undefined;
  return cur;
}

const isoDate = /^(\d{4})-(\d{2})-(\d{2})$/;
const isoDateTime = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

function toDateTime(v: string): string | null {
  if (isoDate.test(v)) return validDay(v) ? `${v}T00:00:00` : null;
  const m = isoDateTime.exec(v);
  if (!m || !validDay(`${m[1]}-${m[2]}-${m[3]}`)) return null;
  const zone = m[8] ? m[8].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2') : 'Z';
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}${m[7] ?? ''}${zone}`);
  if (!Number.isFinite(ms)) return null;
  return new Date(ms).toISOString().slice(0, 19);
}

function validDay(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return Number.isFinite(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

function toNumber(v: JsonValue): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

export function toDatasetRow(content: Record<string, JsonValue>, columns: SchemaColumn[]): RowResult {
  const row: unknown[] = [];
  for (const col of columns) {
    const v = lookup(content, col.name);
    if (v === undefined || v === null) {
      row.push(null);
      continue;
    }
    switch (col.type) {
      case 'STRING':
        row.push(typeof v === 'string' ? v : JSON.stringify(v));
        break;
      case 'LONG': {
        const n = toNumber(v);
        row.push(n === null ? null : Math.trunc(n));
        break;
      }
      case 'DOUBLE':
      case 'DECIMAL':
        row.push(toNumber(v));
        break;
      case 'DATE':
      case 'DATETIME': {
        const dt = typeof v === 'string' ? toDateTime(v.trim()) : null;
        if (dt === null) return { skip: `column '${col.name}' (${col.type}) holds ${JSON.stringify(v)}, not an ISO 8601 date` };
        row.push(col.type === 'DATE' ? dt.slice(0, 10) : dt);
        break;
      }
    }
  }
  return { row };
}
