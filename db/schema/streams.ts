import { integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export interface StreamConfigEntry {
  name: string;
  value: string;
  type: string;
  category: string;
}

/**
 * Streams (connectors) behind datasets. Every dataset has one (API datasets get a stream of transport
 * type API). `sourceCsv`, when set (fixtures), is the data a run loads with the stream's update method.
 */
export const streams = sqliteTable(
  'streams',
  {
    id: integer('id').primaryKey(),
    datasetId: text('dataset_id').notNull(),
    transport: text('transport', { mode: 'json' }).$type<{ type: string; description: string; version: string }>().notNull(),
    configuration: text('configuration', { mode: 'json' }).$type<StreamConfigEntry[]>().notNull(),
    accountId: integer('account_id'),
    updateMethod: text('update_method').notNull(),
    dataProviderKey: text('data_provider_key').notNull(),
    advancedScheduleJson: text('advanced_schedule_json'),
    sourceCsv: text('source_csv'),
    createdAt: integer('created_at').notNull(),
    createdBy: integer('created_by').notNull(),
    modifiedAt: integer('modified_at').notNull(),
    modifiedBy: integer('modified_by').notNull(),
    nextExecutionId: integer('next_execution_id').notNull().default(1),
  },
  (t) => [uniqueIndex('streams_dataset_idx').on(t.datasetId)],
);

/** Stream runs: ACTIVE until their completion job (on the scheduler) loads the data, then SUCCESS or FAILED. */
export const streamExecutions = sqliteTable(
  'stream_executions',
  {
    streamId: integer('stream_id')
      .notNull()
      .references(() => streams.id, { onDelete: 'cascade' }),
    executionId: integer('execution_id').notNull(),
    runType: text('run_type').notNull(),
    updateMethod: text('update_method').notNull(),
    startedAt: integer('started_at').notNull(),
    endsAt: integer('ends_at').notNull(),
    startedBy: integer('started_by'),
    finalState: text('final_state').notNull(),
    /** ACTIVE while the run's job is pending; then its final state. */
    state: text('state').notNull().default('SUCCESS'),
    /** Bytes the run held in memory at its peak: its source text and the rows parsed from it, once it ended. */
    peakBytes: integer('peak_bytes'),
    /** Bytes the rows it committed take in the database (their table's pages), once it ended. */
    committedBytes: integer('committed_bytes'),
    rowsInserted: integer('rows_inserted').notNull(),
    bytesInserted: integer('bytes_inserted').notNull(),
    dataId: integer('data_id'),
    uploadId: integer('upload_id'),
    toe: text('toe').notNull(),
    errors: text('errors', { mode: 'json' }).$type<Array<{ message: string }>>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.streamId, t.executionId] })],
);
