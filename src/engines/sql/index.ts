/**
 * Domo SQL on SQLite: the dialect compiler, the read-only guard, the MySQL functions and the runner.
 * See docs/domo-sql.md for the dialect and what is refused.
 *
 *   registerSqlFunctions(db, () => clock.nowMs());               // once per connection
 *   const q = compileDomoSql(sql, { table: 'ds_abc', columns });  // 400 on anything but one SELECT
 *   const { columns, types, rows } = runQuery(db, q);               // on this connection, this thread
 *   const pool = new QueryPool({ timeoutMs, maxResultBytes });      // or in a worker process, with a deadline
 *   const res = await pool.run({ file, query: q, now, maxBytes, output: { kind: 'rows' } });
 *
 * Stores never call these over dataset views themselves: src/state/rows.ts (the row service) does.
 */
export { registerSqlFunctions } from './functions.js';
export { compileDomoSql, compileDomoExpression, type CompiledQuery, type CompileTarget } from './compile.js';
export { runQuery, iterateQuery, queryToCsv, asApiError, type QueryResult, type QueryStream, type CsvResult } from './run.js';
export { QueryPool, type QueryJob, type JobResult } from './pool.js';
export type { DatasetColumn, ColumnType } from './types.js';
