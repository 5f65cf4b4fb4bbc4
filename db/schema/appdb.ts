import { blob, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** AppDB datastores (Domo makes one per custom app; the emulator keeps one per instance). */
export const appdbDatastores = sqliteTable('appdb_datastores', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdOn: integer('created_on').notNull(),
  /** Instance-clock time of the last scheduled (every 15 minutes) export run. */
  lastScheduledExport: integer('last_scheduled_export').notNull(),
  /** Start of the last manual export; one is running while the clock is within its duration. */
  exportStartedAt: integer('export_started_at'),
});

export const appdbCollections = sqliteTable('appdb_collections', {
  /** Internal key: documents, permissions and expression indexes refer to it. Never reused. */
  key: integer('key').primaryKey({ autoIncrement: true }),
  id: text('id').notNull().unique(),
  datastoreId: text('datastore_id')
    .notNull()
    .references(() => appdbDatastores.id),
  name: text('name').notNull().unique(),
  owner: integer('owner').notNull(),
  /** {"columns": [{type, name, visible}]} */
  schemaJson: text('schema_json').notNull(),
  /** Document security filter rules (JSON array), null when none. */
  filtersJson: text('filters_json'),
  syncEnabled: integer('sync_enabled', { mode: 'boolean' }).notNull().default(false),
  syncRequired: integer('sync_required', { mode: 'boolean' }).notNull().default(true),
  fullReplaceRequired: integer('full_replace_required', { mode: 'boolean' }).notNull().default(true),
  exportable: integer('exportable', { mode: 'boolean' }).notNull().default(true),
  /** Epoch ms; Domo shows 1970-01-02 for never. */
  lastSync: integer('last_sync').notNull().default(86_400_000),
  datasourceId: text('datasource_id'),
  /** The columns (JSON) the dataset was created with; a schema change makes a new dataset. */
  datasourceColumns: text('datasource_columns'),
  /** Once permissions have been set, they are enforced (even if all are removed later). */
  permissionsSet: integer('permissions_set', { mode: 'boolean' }).notNull().default(false),
  createdOn: integer('created_on').notNull(),
  updatedOn: integer('updated_on').notNull(),
  updatedBy: integer('updated_by').notNull(),
});

export const appdbDocuments = sqliteTable(
  'appdb_documents',
  {
    /** Insertion order (rowid). */
    seq: integer('seq').primaryKey(),
    id: text('id').notNull().unique(),
    collectionKey: integer('collection_key')
      .notNull()
      .references(() => appdbCollections.key, { onDelete: 'cascade' }),
    owner: integer('owner').notNull(),
    /** Domo's time format (fixed width, so it sorts and compares as text). */
    createdOn: text('created_on').notNull(),
    updatedOn: text('updated_on').notNull(),
    updatedBy: integer('updated_by').notNull(),
    syncRequired: integer('sync_required', { mode: 'boolean' }).notNull().default(true),
    /** JSONB. Expression indexes on queried paths are created at run time (partial, per collection). */
    content: blob('content', { mode: 'buffer' }).notNull(),
  },
  (t) => [index('appdb_documents_collection_idx').on(t.collectionKey)],
);

export const appdbPermissions = sqliteTable(
  'appdb_permissions',
  {
    collectionKey: integer('collection_key')
      .notNull()
      .references(() => appdbCollections.key, { onDelete: 'cascade' }),
    /** USER, GROUP or RYUU_APP */
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id').notNull(),
    /** Comma-separated permission names. */
    permissions: text('permissions').notNull(),
  },
  (t) => [primaryKey({ columns: [t.collectionKey, t.entityType, t.entityId] })],
);

/** Content paths at which some document of a collection has held an array (see engines/documents). */
export const appdbArrayPaths = sqliteTable(
  'appdb_array_paths',
  {
    collectionKey: integer('collection_key')
      .notNull()
      .references(() => appdbCollections.key, { onDelete: 'cascade' }),
    path: text('path').notNull(),
  },
  (t) => [primaryKey({ columns: [t.collectionKey, t.path] })],
);
