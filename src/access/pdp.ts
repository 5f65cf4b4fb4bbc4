/**
 * Row-level PDP (Personalized Data Permissions): which rows of a dataset a principal may read.
 * With PDP on, a principal sees the union of the rows of every policy that names them (their user id,
 * or one of their groups); each policy's rows are those matching all of its parameters. The dataset's
 * owner and content admins see every row (the `dataset.allRows` action), as in Domo.
 * The predicate is applied by the row service to every read of rows, by construction.
 */
import type { PdpParameter } from '../../db/schema/pdp.js';
import { quoteIdent, type ColumnType, type DatasetColumn } from '../engines/sql/types.js';
import type { AccessPolicy } from './policy.js';
import type { Principal } from './principal.js';
import type { Resource } from './resources.js';

export interface PdpPolicy {
  id: number;
  name: string;
  type: string;
  userIds: number[];
  groupIds: number[];
  parameters: PdpParameter[];
}

/** A SQL predicate over a dataset's columns (`?` placeholders, values in `params`). */
export interface RowFilter {
  where: string;
  params: unknown[];
  /** The policies that applied (for messages and the journal). */
  policyIds: number[];
}

const numeric = new Set<ColumnType>(['LONG', 'DOUBLE', 'DECIMAL']);

function typed(value: string, type: ColumnType): unknown {
  if (numeric.has(type)) {
    const n = Number(value);
    return Number.isFinite(n) ? n : value;
  }
  return value;
}

/** One parameter as SQL: `"region" IN (?, ?)`, case-insensitively when asked. */
export function parameterSql(p: PdpParameter, column: DatasetColumn): { sql: string; params: unknown[] } {
  const text = column.type === 'STRING';
  const ci = p.ignoreCase && text;
  const col = ci ? `lower(${quoteIdent(column.name)})` : quoteIdent(column.name);
  const vals = p.values.map((v) => typed(ci ? v.toLowerCase() : v, column.type));
  const marks = vals.map(() => '?').join(', ');
  switch (p.operator) {
    case 'EQUALS':
      return vals.length ? { sql: `${col} IN (${marks})`, params: vals } : { sql: '0', params: [] };
    case 'NOT_EQUALS':
      return vals.length ? { sql: `(${col} IS NULL OR ${col} NOT IN (${marks}))`, params: vals } : { sql: '1', params: [] };
    case 'GREATER_THAN':
      return { sql: `${col} > ?`, params: [vals[0]] };
    case 'GREATER_THAN_EQUAL':
      return { sql: `${col} >= ?`, params: [vals[0]] };
    case 'LESS_THAN':
      return { sql: `${col} < ?`, params: [vals[0]] };
    case 'LESS_THAN_EQUAL':
      return { sql: `${col} <= ?`, params: [vals[0]] };
    case 'BETWEEN':
      return { sql: `${col} BETWEEN ? AND ?`, params: [vals[0], vals[1]] };
    case 'CONTAINS':
      return vals.length ? { sql: `(${vals.map(() => `instr(${col}, ?) > 0`).join(' OR ')})`, params: vals.map(String) } : { sql: '0', params: [] };
    case 'NOT_CONTAINS':
      return vals.length ? { sql: `(${col} IS NULL OR NOT (${vals.map(() => `instr(${col}, ?) > 0`).join(' OR ')}))`, params: vals.map(String) } : { sql: '1', params: [] };
  }
}

/** Whether a policy names the principal: its user id, or one of its groups. */
export function names(policy: PdpPolicy, p: Principal): boolean {
  return policy.userIds.includes(p.userId) || policy.groupIds.some((g) => p.groupIds.includes(g));
}

/**
 * The rows `p` may read of a dataset with PDP on: null = every row (owner, content admin, PDP off);
 * otherwise the OR of the policies naming `p` (a policy with no parameters is every row), or no rows.
 */
export function rowFilter(
  access: AccessPolicy,
  p: Principal,
  dataset: Resource,
  state: { enabled: boolean; policies: PdpPolicy[]; columns: DatasetColumn[] },
): RowFilter | null {
  if (!state.enabled || access.can(p, 'dataset.allRows', dataset)) return null;
  const byName = new Map(state.columns.map((c) => [c.name.toLowerCase(), c]));
  const mine = state.policies.filter((pol) => names(pol, p));
  if (mine.some((pol) => pol.parameters.length === 0)) return null;
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const pol of mine) {
    const ands: string[] = [];
    for (const param of pol.parameters) {
      const col = byName.get(param.name.toLowerCase());
      // a parameter on a column the dataset no longer has matches nothing
      if (!col) {
        ands.push('0');
        continue;
      }
      const s = parameterSql(param, col);
      ands.push(s.sql);
      params.push(...s.params);
    }
    parts.push(`(${ands.join(' AND ')})`);
  }
  return { where: parts.length ? parts.join(' OR ') : '0', params, policyIds: mine.map((m) => m.id) };
}
