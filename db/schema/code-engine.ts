import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Every Code Engine function run (getExecutionDetails reads them back). */
export const codeEngineExecutions = sqliteTable('code_engine_executions', {
  id: text('id').primaryKey(),
  packageId: text('package_id').notNull(),
  version: text('version').notNull(),
  functionName: text('function_name').notNull(),
  status: text('status').notNull(),
  startedBy: integer('started_by').notNull(),
  startedOn: integer('started_on').notNull(),
  completedOn: integer('completed_on').notNull(),
  inputVariables: text('input_variables', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  result: text('result', { mode: 'json' }).$type<unknown>(),
});
