import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { DataflowAction, DataflowInput, DataflowOutput } from '../../src/engines/dataflow.js';

/**
 * SQL DataFlows: inputs, transforms (actions) and outputs as src/engines/dataflow.ts checked them. A DataFlow
 * whose input or output dataset was deleted stays, marked invalid (`invalidReason`), until a PUT repairs it.
 */
export const dataflows = sqliteTable(
  'dataflows',
  {
    id: integer('id').primaryKey(),
    /** Domo's second id of a DataFlow (dapDataFlowId), a uuid. */
    dapId: text('dap_id').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    ownerId: integer('owner_id').notNull(),
    databaseType: text('database_type').notNull(),
    /** ENABLED or DISABLED: a disabled DataFlow does not run when its inputs update. */
    runState: text('run_state').notNull().default('ENABLED'),
    inputs: text('inputs', { mode: 'json' }).$type<DataflowInput[]>().notNull(),
    outputs: text('outputs', { mode: 'json' }).$type<DataflowOutput[]>().notNull(),
    actions: text('actions', { mode: 'json' }).$type<DataflowAction[]>().notNull(),
    /** Bumped by every PUT; an execution records the version it ran. */
    version: integer('version').notNull().default(1),
    invalidReason: text('invalid_reason'),
    created: integer('created').notNull(),
    modified: integer('modified').notNull(),
  },
  (t) => [index('dataflows_owner_idx').on(t.ownerId)],
);

export interface ActionResult {
  actionId: string;
  type: string;
  wasSuccessful: boolean;
  beginTime: number;
  endTime: number;
  rowsProcessed: number;
}

/** Executions: CREATED, RUNNING while its job reads, then SUCCESS or FAILED_DATA_FLOW (with its errors). */
export const dataflowExecutions = sqliteTable(
  'dataflow_executions',
  {
    id: integer('id').primaryKey(),
    dataflowId: integer('dataflow_id')
      .notNull()
      .references(() => dataflows.id, { onDelete: 'cascade' }),
    dapId: text('dap_id').notNull(),
    state: text('state').notNull(),
    activationType: text('activation_type').notNull(),
    startedBy: integer('started_by'),
    dataflowVersion: integer('dataflow_version').notNull(),
    beginTime: integer('begin_time').notNull(),
    endTime: integer('end_time'),
    lastUpdated: integer('last_updated').notNull(),
    totalRowsRead: integer('total_rows_read').notNull().default(0),
    totalBytesRead: integer('total_bytes_read').notNull().default(0),
    totalRowsWritten: integer('total_rows_written').notNull().default(0),
    totalBytesWritten: integer('total_bytes_written').notNull().default(0),
    actionResults: text('action_results', { mode: 'json' }).$type<ActionResult[]>().notNull(),
    /** Each output written: its dataset and the data version the run committed. */
    written: text('written', { mode: 'json' }).$type<Array<{ dataSourceId: string; dataVersionId: number; rows: number }>>().notNull(),
    errors: text('errors', { mode: 'json' }).$type<Array<{ actionId: string | null; message: string }>>().notNull(),
  },
  (t) => [index('dataflow_executions_flow_idx').on(t.dataflowId, t.id)],
);
