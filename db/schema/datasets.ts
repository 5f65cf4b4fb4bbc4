import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { ColumnType } from '../../src/engines/sql/types.js';

/** One column of a dataset schema as Domo shows it. */
export interface SchemaColumn {
  name: string;
  type: ColumnType;
  visible: boolean;
  colLabel?: string;
  colFormat?: string;
}

/**
 * Datasets. `seq` is an internal integer key: every per-dataset SQLite table is named from it
 * (`dsv_<seq>_<dataId>` holds one data version's rows, `dataset_<seq>` is the view queries read).
 */
export const datasets = sqliteTable(
  'datasets',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    ownerId: integer('owner_id').notNull(),
    dataProviderType: text('data_provider_type').notNull(),
    displayType: text('display_type').notNull(),
    transportType: text('transport_type').notNull(),
    streamId: integer('stream_id').notNull(),
    schemaId: integer('schema_id').notNull(),
    columns: text('columns', { mode: 'json' }).$type<SchemaColumn[]>().notNull(),
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull(),
    properties: text('properties', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    hidden: integer('hidden', { mode: 'boolean' }).notNull().default(false),
    nextDataId: integer('next_data_id').notNull().default(1),
    viewSig: text('view_sig').notNull().default(''),
    created: integer('created').notNull(),
    lastUpdated: integer('last_updated').notNull(),
    lastTouched: integer('last_touched').notNull(),
  },
  (t) => [uniqueIndex('datasets_id_idx').on(t.id), index('datasets_owner_idx').on(t.ownerId)],
);

/** Every schema a dataset had (data versions name the schema they were written with). */
export const datasetSchemas = sqliteTable(
  'dataset_schemas',
  {
    datasetSeq: integer('dataset_seq')
      .notNull()
      .references(() => datasets.seq, { onDelete: 'cascade' }),
    schemaId: integer('schema_id').notNull(),
    columns: text('columns', { mode: 'json' }).$type<SchemaColumn[]>().notNull(),
    created: integer('created').notNull(),
  },
  (t) => [primaryKey({ columns: [t.datasetSeq, t.schemaId] })],
);

/**
 * Data versions: one committed upload (or API replace, stream run, fixture load) each. Rows live in
 * `tableName` until the version is deleted. `indexedAt` is when the version becomes visible to queries
 * (null: not indexed yet); it may lie in the future while an index job runs.
 */
export const datasetVersions = sqliteTable(
  'dataset_versions',
  {
    datasetSeq: integer('dataset_seq')
      .notNull()
      .references(() => datasets.seq, { onDelete: 'cascade' }),
    dataId: integer('data_id').notNull(),
    schemaId: integer('schema_id').notNull(),
    uploadId: integer('upload_id'),
    action: text('action').notNull(),
    tag: text('tag'),
    source: text('source').notNull(),
    numRows: integer('num_rows').notNull(),
    numBytes: integer('num_bytes').notNull(),
    tableName: text('table_name'),
    recorded: integer('recorded').notNull(),
    completed: integer('completed').notNull(),
    indexedAt: integer('indexed_at'),
    indexId: integer('index_id'),
    deleted: integer('deleted', { mode: 'boolean' }).notNull().default(false),
    deletedAt: integer('deleted_at'),
  },
  (t) => [primaryKey({ columns: [t.datasetSeq, t.dataId] }), index('dataset_versions_tag_idx').on(t.datasetSeq, t.tag)],
);

/** Upload sessions (stage 1). state: OPEN, COMMITTED. */
export const datasetUploads = sqliteTable(
  'dataset_uploads',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    datasetSeq: integer('dataset_seq')
      .notNull()
      .references(() => datasets.seq, { onDelete: 'cascade' }),
    tag: text('tag'),
    action: text('action'),
    appendId: text('append_id'),
    message: text('message'),
    schemaId: integer('schema_id').notNull(),
    state: text('state').notNull(),
    createdBy: integer('created_by').notNull(),
    created: integer('created').notNull(),
    committed: integer('committed'),
    dataId: integer('data_id'),
    nextAttempt: integer('next_attempt').notNull().default(1),
  },
  (t) => [index('dataset_uploads_dataset_idx').on(t.datasetSeq)],
);

/** Parts received for an upload (stage 2); each part's rows sit in its own staging table until commit. */
export const datasetUploadParts = sqliteTable(
  'dataset_upload_parts',
  {
    uploadId: integer('upload_id')
      .notNull()
      .references(() => datasetUploads.id, { onDelete: 'cascade' }),
    part: integer('part').notNull(),
    tableName: text('table_name').notNull(),
    numRows: integer('num_rows').notNull(),
    numBytes: integer('num_bytes').notNull(),
    received: integer('received').notNull(),
  },
  (t) => [primaryKey({ columns: [t.uploadId, t.part] })],
);

/** Who may use a dataset: USER or GROUP principals with an access level (OWNER, CO_OWNER, CAN_EDIT, CAN_SHARE, CAN_VIEW). */
export const datasetPermissions = sqliteTable(
  'dataset_permissions',
  {
    datasetSeq: integer('dataset_seq')
      .notNull()
      .references(() => datasets.seq, { onDelete: 'cascade' }),
    principalType: text('principal_type').notNull(),
    principalId: integer('principal_id').notNull(),
    accessLevel: text('access_level').notNull(),
    created: integer('created').notNull(),
  },
  (t) => [primaryKey({ columns: [t.datasetSeq, t.principalType, t.principalId] })],
);

/** Partition tags of a dataset (a tag appears with its first commit and leaves when the tag is deleted). */
export const datasetPartitions = sqliteTable(
  'dataset_partitions',
  {
    datasetSeq: integer('dataset_seq')
      .notNull()
      .references(() => datasets.seq, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
    created: integer('created').notNull(),
  },
  (t) => [primaryKey({ columns: [t.datasetSeq, t.tag] })],
);

/** Index requests: jobs on the instance clock (PENDING -> IN_PROGRESS -> SUCCESS). */
export const datasetIndexes = sqliteTable(
  'dataset_indexes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    datasetSeq: integer('dataset_seq')
      .notNull()
      .references(() => datasets.seq, { onDelete: 'cascade' }),
    dataIds: text('data_ids', { mode: 'json' }).$type<number[]>().notNull(),
    requestedBy: integer('requested_by').notNull(),
    started: integer('started').notNull(),
    /** The states the index job has reached, as its scheduler jobs record them. */
    statuses: text('statuses', { mode: 'json' }).$type<Array<{ status: string; timestamp: number }>>().notNull().default([]),
    completedAt: integer('completed_at'),
  },
  (t) => [index('dataset_indexes_dataset_idx').on(t.datasetSeq)],
);
