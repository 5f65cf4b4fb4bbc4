import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Dataset exports to "S3" (a CSV written under the instance data directory). Status moves on the scheduler. */
export const datasetExports = sqliteTable(
  'dataset_exports',
  {
    exportId: text('export_id').primaryKey(),
    datasetId: text('dataset_id').notNull(),
    bucket: text('bucket').notNull(),
    path: text('path').notNull(),
    region: text('region').notNull(),
    includeBom: integer('include_bom', { mode: 'boolean' }).notNull(),
    columns: text('columns', { mode: 'json' }).$type<string[]>().notNull(),
    requestSig: text('request_sig').notNull(),
    dataSig: text('data_sig').notNull(),
    rowCount: integer('row_count').notNull(),
    filePath: text('file_path').notNull(),
    createdBy: integer('created_by').notNull(),
    started: integer('started').notNull(),
    finishes: integer('finishes').notNull(),
    /** none -> in_progress -> success, as the export's scheduler jobs record it. */
    status: text('status').notNull().default('success'),
  },
  (t) => [index('dataset_exports_dataset_idx').on(t.datasetId, t.started)],
);
