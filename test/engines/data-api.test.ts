import { describe, expect, it } from 'vitest';
import { buildDataQuery, splitTopLevel, type AppField } from '../../src/engines/data-api.js';

const fields: AppField[] = [
  { alias: 'region', column: 'Region', type: 'STRING' },
  { alias: 'amount', column: 'Sales Amount', type: 'DOUBLE' },
  { alias: 'day', column: 'Order Date', type: 'DATE' },
  { alias: 'at', column: 'Created', type: 'DATETIME' },
];
const now = new Date('2026-05-20T10:30:00Z');

describe('the Data API compiler', () => {
  it('splits on commas outside quotes and brackets', () => {
    expect(splitTopLevel(`a = 'x, y', b in ["p", "q"], c > 1,`)).toEqual([`a = 'x, y'`, 'b in ["p", "q"]', 'c > 1']);
  });

  it('maps aliases to columns and escapes literals', () => {
    const q = buildDataQuery({ fields: 'region,amount', filter: `region = 'O''Brien\\x'` }, fields, now);
    expect(q.columns).toEqual([
      { expr: '`Region`', as: 'region' },
      { expr: '`Sales Amount`', as: 'amount' },
    ]);
    expect(q.where).toBe(`(\`Region\` = 'O''''Brien\\\\x')`);
  });

  it('relative date filters use the clock: DATE columns by day, DATETIME to the second', () => {
    expect(buildDataQuery({ filter: 'day todate quarter' }, fields, now).where).toBe("(`Order Date` >= '2026-04-01' AND `Order Date` <= '2026-05-20')");
    expect(buildDataQuery({ filter: 'at last 2 weeks' }, fields, now).where).toBe("(`Created` >= '2026-05-06T10:30:00' AND `Created` <= '2026-05-20T10:30:00')");
    expect(buildDataQuery({ filter: 'day last 1 year' }, fields, now).where).toBe("(`Order Date` >= '2025-05-20' AND `Order Date` <= '2026-05-20')");
    expect(() => buildDataQuery({ filter: 'region last 2 days' }, fields, now)).toThrow(/need a date field/);
  });

  it('groups with default aggregations and orders by returned fields', () => {
    const q = buildDataQuery({ fields: 'region,amount,day', groupby: 'region', count: 'day', orderby: 'amount desc' }, fields, now);
    expect(q.columns).toEqual([
      { expr: '`Region`', as: 'region' },
      { expr: 'SUM(`Sales Amount`)', as: 'amount' },
      { expr: 'COUNT(`Order Date`)', as: 'day' },
    ]);
    expect(q.groupBy).toEqual(['`Region`']);
    expect(q.orderBy).toEqual([{ expr: '`amount`', desc: true }]);
  });
});
