/**
 * Card definitions: what a card computes from its dataset (its measure and aggregation, the grouping, sort,
 * filters and limit), and the query overrides a render may add. Pure: the card content store turns a
 * definition into one query of the row service, which both the card render and the report email use.
 * Expressions are Domo SQL over the dataset's columns and beast modes (by name, in backticks).
 */
import { z } from 'zod';

export const aggregations = ['SUM', 'AVG', 'COUNT', 'COUNT_DISTINCT', 'MIN', 'MAX', 'NONE'] as const;
export const operands = ['IN', 'NOT_IN', 'EQUALS', 'NOT_EQUALS', 'GREATER_THAN', 'GREATER_THAN_EQUAL', 'LESS_THAN', 'LESS_THAN_EQUAL', 'CONTAINS', 'BETWEEN'] as const;

const column = z.string().trim().min(1).max(255);
const filter = z.object({
  column,
  operand: z.enum(operands),
  values: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).max(1000),
});
export const cardDefinition = z.object({
  /** The measure: a column or beast mode, and how it is aggregated (NONE: an aggregated beast mode as is). */
  value: z.object({ column: column.optional(), expression: z.string().max(10_000).optional(), aggregation: z.enum(aggregations).default('SUM'), label: z.string().max(255).optional() }),
  /** The category axis: columns, beast modes or Domo SQL expressions (with a label). */
  groupBy: z.array(z.union([column, z.object({ expression: z.string().min(1).max(10_000), as: z.string().min(1).max(255) })])).max(5).default([]),
  /** label (default) or value, ascending unless desc. */
  sort: z.object({ by: z.enum(['label', 'value']).default('label'), desc: z.boolean().default(false) }).default({ by: 'label', desc: false }),
  filters: z.array(filter).max(50).default([]),
  /** How many groups the chart shows (the summary counts every row). */
  limit: z.number().int().min(1).max(10_000).default(20),
});
export type CardDefinition = z.output<typeof cardDefinition>;
export type CardFilter = z.output<typeof filter>;

/** What a render may override (Domo's queryOverrides): more filters, and a limit. */
export const queryOverrides = z
  .object({ filters: z.array(filter).max(50).optional(), limit: z.number().int().min(1).max(10_000).optional() })
  .loose();
export type QueryOverrides = z.output<typeof queryOverrides>;

const bt = (name: string) => `\`${name.replace(/`/g, '``')}\``;
const lit = (v: unknown): string => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : typeof v === 'boolean' ? (v ? '1' : '0') : `'${String(v).replace(/'/g, "''")}'`);

/** The measure as Domo SQL: SUM(`Amount`), COUNT(DISTINCT `Order ID`), or an aggregated beast mode. */
export function valueExpression(d: CardDefinition): string {
  const inner = d.value.expression ?? (d.value.column ? bt(d.value.column) : null);
  switch (d.value.aggregation) {
    case 'NONE':
      return inner ?? 'COUNT(*)';
    case 'COUNT':
      return inner ? `COUNT(${inner})` : 'COUNT(*)';
    case 'COUNT_DISTINCT':
      return `COUNT(DISTINCT ${inner ?? '*'})`;
    default:
      return inner ? `${d.value.aggregation}(${inner})` : 'COUNT(*)';
  }
}

/** The label of the measure: "Total Amount", "Count of Order ID", or the definition's own. */
export function valueLabel(d: CardDefinition): string {
  if (d.value.label) return d.value.label;
  const what = d.value.column ?? 'Rows';
  const words: Record<string, string> = { SUM: 'Total', AVG: 'Average', COUNT: 'Count of', COUNT_DISTINCT: 'Distinct', MIN: 'Minimum', MAX: 'Maximum', NONE: '' };
  return `${words[d.value.aggregation]} ${what}`.trim();
}

/** The category expression and its label (several groupBy entries are joined with " / "). */
export function labelExpression(d: CardDefinition): { expr: string; label: string } | null {
  if (!d.groupBy.length) return null;
  const parts = d.groupBy.map((g) => (typeof g === 'string' ? { expr: bt(g), as: g } : { expr: g.expression, as: g.as }));
  const expr = parts.length === 1 ? `COALESCE(CAST(${parts[0].expr} AS CHAR), '')` : `CONCAT_WS(' / ', ${parts.map((p) => `COALESCE(CAST(${p.expr} AS CHAR), '')`).join(', ')})`;
  return { expr, label: parts.map((p) => p.as).join(' / ') };
}

/** A filter as a Domo SQL condition. */
export function filterCondition(f: CardFilter): string {
  const c = bt(f.column);
  const vs = f.values;
  switch (f.operand) {
    case 'IN':
      return vs.length ? `${c} IN (${vs.map(lit).join(', ')})` : '1 = 0';
    case 'NOT_IN':
      return vs.length ? `(${c} IS NULL OR ${c} NOT IN (${vs.map(lit).join(', ')}))` : '1 = 1';
    case 'EQUALS':
      return `${c} = ${lit(vs[0] ?? null)}`;
    case 'NOT_EQUALS':
      return `${c} <> ${lit(vs[0] ?? null)}`;
    case 'GREATER_THAN':
      return `${c} > ${lit(vs[0] ?? null)}`;
    case 'GREATER_THAN_EQUAL':
      return `${c} >= ${lit(vs[0] ?? null)}`;
    case 'LESS_THAN':
      return `${c} < ${lit(vs[0] ?? null)}`;
    case 'LESS_THAN_EQUAL':
      return `${c} <= ${lit(vs[0] ?? null)}`;
    case 'CONTAINS':
      return `(${vs.map((v) => `INSTR(${c}, ${lit(String(v))}) > 0`).join(' OR ') || '1 = 0'})`;
    case 'BETWEEN':
      return `${c} BETWEEN ${lit(vs[0] ?? null)} AND ${lit(vs[1] ?? null)}`;
  }
}

/**
 * The definition a card without one gets (the emulator's first cards had none): the last numeric column
 * summed by the first text column, ordered by label.
 */
export function defaultDefinition(columns: ReadonlyArray<{ name: string; type: string }>): CardDefinition {
  const numeric = new Set(['LONG', 'DOUBLE', 'DECIMAL']);
  const label = columns.find((c) => c.type === 'STRING');
  const value = [...columns].reverse().find((c) => numeric.has(c.type));
  return cardDefinition.parse({ value: value ? { column: value.name, aggregation: 'SUM' } : { aggregation: 'COUNT' }, groupBy: label ? [label.name] : [] });
}
