import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** A Code Engine package: its metadata; code and function declarations live in its versions. */
export const codeEnginePackages = sqliteTable('code_engine_packages', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  description: text('description'),
  /** JAVASCRIPT (runs) or PYTHON (stored, not run). */
  language: text('language').notNull(),
  environment: text('environment').notNull(),
  ownerId: integer('owner_id').notNull(),
  createdOn: integer('created_on').notNull(),
  createdBy: integer('created_by').notNull(),
  updatedOn: integer('updated_on').notNull(),
  updatedBy: integer('updated_by').notNull(),
});

/** One version of a package: its source and manifest. A released version never changes again. */
export const codeEngineVersions = sqliteTable(
  'code_engine_versions',
  {
    packageId: text('package_id')
      .notNull()
      .references(() => codeEnginePackages.id, { onDelete: 'cascade' }),
    version: text('version').notNull(),
    description: text('description'),
    code: text('code').notNull(),
    /** manifest.functions, as validated (src/engines/code-engine/types.ts). */
    functions: text('functions', { mode: 'json' }).$type<unknown[]>().notNull(),
    /** manifest.configuration ({accountsMapping, ...}). */
    configuration: text('configuration', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdOn: integer('created_on').notNull(),
    createdBy: integer('created_by').notNull(),
    updatedOn: integer('updated_on').notNull(),
    updatedBy: integer('updated_by').notNull(),
    releasedOn: integer('released_on'),
    releasedBy: integer('released_by'),
  },
  (t) => [primaryKey({ columns: [t.packageId, t.version] })],
);

/** Every Code Engine function run (codeengine.getExecutionDetails reads them back). */
export const codeEngineExecutions = sqliteTable(
  'code_engine_executions',
  {
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
    errorInformation: text('error_information', { mode: 'json' }).$type<unknown>(),
    stdout: text('stdout', { mode: 'json' }).$type<string[]>().notNull().default([]),
    stderr: text('stderr', { mode: 'json' }).$type<string[]>().notNull().default([]),
  },
  (t) => [index('code_engine_executions_function').on(t.packageId, t.version, t.functionName)],
);
