/**
 * The App Framework's Data API (`GET /data/v1/{alias}?fields=...&filter=...&groupby=...`) compiled to a
 * query the row service runs (a SelectSpec of Domo SQL expressions over the dataset's columns). No HTTP,
 * no database: the route gives it the alias's field mapping and the instance clock's "now".
 *
 *   fields=a,b            the fields returned (manifest field aliases, or column names when it declares none)
 *   filter=a > 1, b ~ x   conditions, all of which must hold: < <= > >= = == != ~ contains !~ !contains
 *                         in [..] !in [..], `d todate month`, `d last 3 months`
 *   groupby=a             groups: numeric fields are summed, others counted (distinct values)
 *   dategrain=d by month  groups by a date grain (day|week|month|quarter|year), returned as Date,
 *                         CalendarWeek, CalendarMonth, CalendarQuarter or Year in place of `d`
 *   sum|avg|count|min|max|unique=a   aggregations (override the defaults; alone: one row of them only)
 *   orderby=a descending  order (ascending by default), by returned fields
 *   limit, offset         paging
 *   calendar=standard|fiscal   the emulator's fiscal calendar is the standard one
 */
import { badRequest } from '../http/errors.js';
import type { ColumnType } from './sql/types.js';

/** One field an app may read: its alias (the name rows carry), the dataset column and its type. */
export interface AppField {
  alias: string;
  column: string;
  type: ColumnType;
}

export interface DataApiParams {
  fields?: string;
  filter?: string;
  groupby?: string;
  orderby?: string;
  dategrain?: string;
  calendar?: string;
  limit?: number;
  offset?: number;
  sum?: string;
  avg?: string;
  count?: string;
  min?: string;
  max?: string;
  unique?: string;
}

/** What the row service's select() takes (see src/state/rows.ts SelectSpec). */
export interface DataApiSelect {
  columns: Array<{ expr: string; as: string }>;
  where?: string;
  groupBy?: string[];
  orderBy?: Array<{ expr: string; desc?: boolean }>;
  limit?: number;
  offset?: number;
}

const ident = (name: string) => `\`${name.replace(/`/g, '``')}\``;
const str = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
const NUMERIC: ReadonlySet<ColumnType> = new Set(['LONG', 'DOUBLE', 'DECIMAL']);
const AGGREGATIONS = ['sum', 'avg', 'count', 'min', 'max', 'unique'] as const;
type Aggregation = (typeof AGGREGATIONS)[number];

const GRAINS = {
  day: { as: 'Date', expr: (c: string) => `DATE(${c})` },
  week: { as: 'CalendarWeek', expr: (c: string) => `DATE_SUB(DATE(${c}), INTERVAL (DAYOFWEEK(${c}) - 1) DAY)` },
  month: { as: 'CalendarMonth', expr: (c: string) => `DATE(DATE_FORMAT(${c}, '%Y-%m-01'))` },
  quarter: { as: 'CalendarQuarter', expr: (c: string) => `DATE(CONCAT(YEAR(${c}), '-', LPAD((QUARTER(${c}) - 1) * 3 + 1, 2, '0'), '-01'))` },
  year: { as: 'Year', expr: (c: string) => `YEAR(${c})` },
} as const;
type Grain = keyof typeof GRAINS;

const bad = (param: string, message: string) => badRequest(`${param}: ${message}`, [{ path: `query.${param}`, message }]);

/** Splits on commas outside quotes and brackets. */
export function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = null;
      cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      cur += ch;
    } else if (ch === '[' || ch === '(') {
      depth++;
      cur += ch;
    } else if ((ch === ']' || ch === ')') && depth > 0) {
      depth--;
      cur += ch;
    } else if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

const list = (s: string | undefined) => (s === undefined ? [] : splitTopLevel(s));

function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0]) return t.slice(1, -1);
  return t;
}

/** Builds the query for one Data API request over `fields` (the fields the app may read). */
export function buildDataQuery(p: DataApiParams, fields: AppField[], now: Date): DataApiSelect {
  const byName = new Map<string, AppField>();
  for (const f of fields) byName.set(f.alias, f);
  // a column name works too (Domo: "the field alias or the original column name")
  for (const f of fields) if (!byName.has(f.column)) byName.set(f.column, f);
  const field = (name: string, param: string): AppField => {
    const f = byName.get(name) ?? byName.get(unquote(name));
    if (!f) throw bad(param, `Unknown field '${name}' (fields: ${fields.map((x) => x.alias).join(', ')})`);
    return f;
  };

  const selected = p.fields === undefined ? fields : list(p.fields).map((n) => field(n, 'fields'));

  // dategrain: "<field> by <grain>"
  let grain: { field: AppField; grain: Grain } | null = null;
  if (p.dategrain !== undefined) {
    const m = /^(.+?)\s+by\s+(day|week|month|quarter|year)$/i.exec(p.dategrain.trim());
    if (!m) throw bad('dategrain', `Expected '<field> by day|week|month|quarter|year', got '${p.dategrain}'`);
    const f = field(m[1].trim(), 'dategrain');
    if (f.type !== 'DATE' && f.type !== 'DATETIME') throw bad('dategrain', `Field '${f.alias}' is ${f.type}, not a date`);
    grain = { field: f, grain: m[2].toLowerCase() as Grain };
  }
  if (p.calendar !== undefined && !['standard', 'fiscal'].includes(p.calendar.toLowerCase())) throw bad('calendar', `Expected standard or fiscal, got '${p.calendar}'`);

  const aggs = new Map<string, Aggregation>();
  for (const a of AGGREGATIONS) for (const n of list(p[a])) aggs.set(field(n, a).alias, a);
  const groupFields = list(p.groupby).map((n) => field(n, 'groupby'));
  const grouped = groupFields.length > 0 || grain !== null;
  const groupAliases = new Set(groupFields.map((f) => f.alias));

  const aggExpr = (f: AppField, a: Aggregation) => {
    const c = ident(f.column);
    switch (a) {
      case 'sum':
        return `SUM(${c})`;
      case 'avg':
        return `AVG(${c})`;
      case 'count':
        return `COUNT(${c})`;
      case 'min':
        return `MIN(${c})`;
      case 'max':
        return `MAX(${c})`;
      case 'unique':
        return `COUNT(DISTINCT ${c})`;
    }
  };

  const columns: Array<{ expr: string; as: string }> = [];
  const groupBy: string[] = [];
  if (!grouped && aggs.size) {
    // aggregations alone: one row of the aggregated fields only
    for (const f of selected.filter((x) => aggs.has(x.alias))) columns.push({ expr: aggExpr(f, aggs.get(f.alias)!), as: f.alias });
    for (const [alias, a] of aggs) if (!columns.some((c) => c.as === alias)) columns.push({ expr: aggExpr(byName.get(alias)!, a), as: alias });
  } else {
    for (const f of selected) {
      if (grain && f.alias === grain.field.alias) {
        columns.push({ expr: GRAINS[grain.grain].expr(ident(f.column)), as: GRAINS[grain.grain].as });
      } else if (!grouped || groupAliases.has(f.alias)) {
        columns.push({ expr: ident(f.column), as: f.alias });
      } else {
        const a = aggs.get(f.alias) ?? (NUMERIC.has(f.type) ? 'sum' : 'unique');
        columns.push({ expr: aggExpr(f, a), as: f.alias });
      }
    }
    if (grouped) {
      groupBy.push(...groupFields.map((f) => ident(f.column)));
      if (grain) groupBy.push(GRAINS[grain.grain].expr(ident(grain.field.column)));
    }
  }
  if (!columns.length) throw bad('fields', 'No fields to return');

  const where = list(p.filter).map((cond) => condition(cond, fields, byName, now));

  const orderBy = list(p.orderby).map((item) => {
    const m = /^(.+?)(?:\s+(ascending|descending|asc|desc))?$/i.exec(item);
    const name = unquote(m![1].trim());
    const desc = /^desc/i.test(m![2] ?? '');
    const out =
      columns.find((c) => c.as === name) ??
      (grain && (name === grain.field.alias || name === grain.field.column) ? columns.find((c) => c.as === GRAINS[grain!.grain].as) : undefined) ??
      (byName.has(name) ? columns.find((c) => c.as === byName.get(name)!.alias) : undefined);
    if (out) return { expr: ident(out.as), desc };
    if (!grouped && !aggs.size && byName.has(name)) return { expr: ident(byName.get(name)!.column), desc };
    throw bad('orderby', `Cannot order by '${name}': order by a returned field (${columns.map((c) => c.as).join(', ')})`);
  });

  return {
    columns,
    ...(where.length ? { where: where.map((w) => `(${w})`).join(' AND ') } : {}),
    ...(groupBy.length ? { groupBy } : {}),
    ...(orderBy.length ? { orderBy } : {}),
    ...(p.limit !== undefined ? { limit: p.limit } : {}),
    ...(p.offset ? { offset: p.offset } : {}),
  };
}

// ------------------------------------------------------------------ filters

const WORD_OPS = ['!contains', 'contains', '!in', 'in', 'todate', 'last'];
const SYMBOL_OPS = ['<=', '>=', '==', '!=', '!~', '<', '>', '=', '~'];

function condition(cond: string, fields: AppField[], byName: Map<string, AppField>, now: Date): string {
  // the field comes first: the longest name the condition starts with (names may hold spaces)
  const names = [...byName.keys()].sort((a, b) => b.length - a.length);
  let f: AppField | undefined;
  let rest = '';
  for (const n of names) {
    for (const candidate of [n, `"${n}"`, `'${n}'`, `\`${n}\``]) {
      if (cond.startsWith(candidate) && /^(\s|[<>=!~]|$)/.test(cond.slice(candidate.length))) {
        f = byName.get(n);
        rest = cond.slice(candidate.length).trim();
        break;
      }
    }
    if (f) break;
  }
  if (!f) throw bad('filter', `'${cond}' names no field of this dataset (fields: ${fields.map((x) => x.alias).join(', ')})`);
  const lower = rest.toLowerCase();
  let op = WORD_OPS.find((o) => lower.startsWith(o) && /^\s/.test(rest.slice(o.length)));
  op ??= SYMBOL_OPS.find((o) => rest.startsWith(o));
  if (!op) throw bad('filter', `'${cond}': expected an operator (${[...SYMBOL_OPS, ...WORD_OPS].join(' ')}) after '${f.alias}'`);
  const value = rest.slice(op.length).trim();
  const col = ident(f.column);
  const literal = (raw: string) => {
    const v = unquote(raw);
    if (NUMERIC.has(f!.type)) {
      const n = Number(v);
      if (v === '' || !Number.isFinite(n)) throw bad('filter', `'${cond}': '${v}' is not a number (${f!.alias} is ${f!.type})`);
      return String(n);
    }
    return str(v);
  };
  switch (op) {
    case '<':
    case '<=':
    case '>':
    case '>=':
    case '!=':
      return `${col} ${op} ${literal(value)}`;
    case '=':
    case '==':
      return `${col} = ${literal(value)}`;
    case '~':
    case 'contains':
      return `INSTR(LOWER(${col}), LOWER(${str(unquote(value))})) > 0`;
    case '!~':
    case '!contains':
      return `(${col} IS NULL OR INSTR(LOWER(${col}), LOWER(${str(unquote(value))})) = 0)`;
    case 'in':
    case '!in': {
      const inner = /^\[(.*)\]$/s.exec(value)?.[1] ?? /^\((.*)\)$/s.exec(value)?.[1];
      if (inner === undefined) throw bad('filter', `'${cond}': expected a list such as ["a", "b"]`);
      const items = splitTopLevel(inner).map(literal);
      if (!items.length) return op === 'in' ? '1 = 0' : '1 = 1';
      return `${col} ${op === 'in' ? 'IN' : 'NOT IN'} (${items.join(', ')})`;
    }
    case 'todate': {
      const unit = /^(day|week|month|quarter|year)s?$/i.exec(value)?.[1]?.toLowerCase();
      if (!unit) throw bad('filter', `'${cond}': expected '${f.alias} todate day|week|month|quarter|year'`);
      return dateRange(col, f.type, periodStart(now, unit as Grain), now);
    }
    case 'last': {
      const m = /^(\d+)\s+(hour|day|week|month|quarter|year)s?$/i.exec(value);
      if (!m) throw bad('filter', `'${cond}': expected '${f.alias} last <n> hours|days|weeks|months|quarters|years'`);
      return dateRange(col, f.type, minus(now, Number(m[1]), m[2].toLowerCase()), now);
    }
  }
  throw bad('filter', `'${cond}': unsupported operator ${op}`);
}

function dateRange(col: string, type: ColumnType, from: Date, to: Date): string {
  if (type !== 'DATE' && type !== 'DATETIME') throw bad('filter', `todate and last need a date field`);
  // DATE columns hold 'YYYY-MM-DD', DATETIME 'YYYY-MM-DDTHH:MM:SS' (UTC): compare in the same text form
  const fmt = (d: Date) => (type === 'DATE' ? d.toISOString().slice(0, 10) : d.toISOString().slice(0, 19));
  return `${col} >= ${str(fmt(from))} AND ${col} <= ${str(fmt(to))}`;
}

function periodStart(now: Date, unit: Grain): Date {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  switch (unit) {
    case 'day':
      return new Date(Date.UTC(y, m, d));
    case 'week':
      return new Date(Date.UTC(y, m, d - now.getUTCDay())); // weeks start on Sunday
    case 'month':
      return new Date(Date.UTC(y, m, 1));
    case 'quarter':
      return new Date(Date.UTC(y, m - (m % 3), 1));
    case 'year':
      return new Date(Date.UTC(y, 0, 1));
  }
}

function minus(now: Date, n: number, unit: string): Date {
  const t = new Date(now.getTime());
  switch (unit) {
    case 'hour':
      return new Date(t.getTime() - n * 3600_000);
    case 'day':
      return new Date(t.getTime() - n * 86400_000);
    case 'week':
      return new Date(t.getTime() - n * 7 * 86400_000);
    case 'month':
      t.setUTCMonth(t.getUTCMonth() - n);
      return t;
    case 'quarter':
      t.setUTCMonth(t.getUTCMonth() - 3 * n);
      return t;
    default:
      t.setUTCFullYear(t.getUTCFullYear() - n);
      return t;
  }
}
