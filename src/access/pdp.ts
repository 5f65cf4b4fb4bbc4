/**
 * Row-level PDP (Personalized Data Permissions): which rows of a dataset a principal may read.
 * With PDP on, a principal sees the union of the rows of every policy that names them (their user id,
 * or one of their groups); each policy's rows are those matching all of its parameters. The dataset's
 * owner and content admins see every row (the `dataset.allRows` action), as in Domo.
 * The predicate is applied by the row service to every read of rows, by construction.
 */
import type { PdpParameter } from '../../db/schema/pdp.js';
import { quoteIdent, type ColumnType, type DatasetColumn } from '../engines/sql/types.js';
import type { RowFilter } from '../state/rows.js';
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

/** The row service's filter (SQLite over the view's columns, alias `v`, named parameters), with the policies it came from. */
export interface PdpFilter extends RowFilter {
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

/**
 * One parameter as SQL over the view (alias `v`): `v."region" IN (@pdp_0, @pdp_1)`, case-insensitively
 * when asked. `bind` names each value and returns its placeholder.
 */
export function parameterSql(p: PdpParameter, column: DatasetColumn, bind: (v: unknown) => string): { sql: string } {
  const text = column.type === 'STRING';
  const ci = p.ignoreCase && text;
  const ref = `v.${quoteIdent(column.name)}`;
  const col = ci ? `lower(${ref})` : ref;
  const vals = p.values.map((v) => typed(ci ? v.toLowerCase() : v, column.type));
  const marks = vals.map((v) => bind(v)).join(', ');
  const one = (i: number) => bind(vals[i]);
  const texts = () => vals.map((v) => `instr(${col}, ${bind(String(v))}) > 0`).join(' OR ');
  switch (p.operator) {
    case 'EQUALS':
      return { sql: vals.length ? `${col} IN (${marks})` : '0' };
    case 'NOT_EQUALS':
      return { sql: vals.length ? `(${col} IS NULL OR ${col} NOT IN (${marks}))` : '1' };
    case 'GREATER_THAN':
      return { sql: `${col} > ${one(0)}` };
    case 'GREATER_THAN_EQUAL':
      return { sql: `${col} >= ${one(0)}` };
    case 'LESS_THAN':
      return { sql: `${col} < ${one(0)}` };
    case 'LESS_THAN_EQUAL':
      return { sql: `${col} <= ${one(0)}` };
    case 'BETWEEN':
      return { sql: `${col} BETWEEN ${one(0)} AND ${one(1)}` };
    case 'CONTAINS':
      return { sql: vals.length ? `(${texts()})` : '0' };
    case 'NOT_CONTAINS':
      return { sql: vals.length ? `(${col} IS NULL OR NOT (${texts()}))` : '1' };
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
  /** The parameters' name prefix (a statement reading several filtered datasets names each's apart). */
  prefix = 'pdp',
): PdpFilter | null {
  if (!state.enabled || access.can(p, 'dataset.allRows', dataset)) return null;
  const byName = new Map(state.columns.map((c) => [c.name.toLowerCase(), c]));
  const mine = state.policies.filter((pol) => names(pol, p));
  if (mine.some((pol) => pol.parameters.length === 0)) return null;
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  const bind = (v: unknown) => {
    const name = `${prefix}_${Object.keys(params).length}`;
    params[name] = v;
    return `@${name}`;
  };
  for (const pol of mine) {
    const ands: string[] = [];
    for (const param of pol.parameters) {
      const col = byName.get(param.name.toLowerCase());
      // a parameter on a column the dataset no longer has matches nothing
      if (!col) {
        ands.push('0');
        continue;
      }
      ands.push(parameterSql(param, col, bind).sql);
    }
    parts.push(`(${ands.join(' AND ')})`);
  }
  return { sql: parts.length ? parts.join(' OR ') : '0', params, policyIds: mine.map((m) => m.id) };
}
