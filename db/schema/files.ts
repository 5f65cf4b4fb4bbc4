import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Content-addressed file bytes, shared by data files and FileSet files. The bytes live on disk under
 * `<dataDir>/files/blobs/<sha256[0..2]>/<sha256>`; a row exists while at least one revision or FileSet
 * file refers to it.
 */
export const fileBlobs = sqliteTable('file_blobs', {
  /** lowercase hex */
  sha256: text('sha256').primaryKey(),
  /** lowercase hex */
  md5: text('md5').notNull(),
  size: integer('size').notNull(),
  created: integer('created').notNull(),
});

/** Files API: a data file is a chain of revisions; currentRevisionId points at the one downloads return. */
export const dataFiles = sqliteTable(
  'data_files',
  {
    id: integer('id').primaryKey(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    responsibleUserId: integer('responsible_user_id').notNull(),
    publicAccess: integer('public_access', { mode: 'boolean' }).notNull(),
    currentRevisionId: integer('current_revision_id'),
    created: integer('created').notNull(),
  },
  (t) => [index('data_files_owner_idx').on(t.responsibleUserId)],
);

export const dataFileRevisions = sqliteTable(
  'data_file_revisions',
  {
    id: integer('id').primaryKey(),
    dataFileId: integer('data_file_id')
      .notNull()
      .references(() => dataFiles.id, { onDelete: 'cascade' }),
    blobSha256: text('blob_sha256')
      .notNull()
      .references(() => fileBlobs.sha256),
    contentType: text('content_type').notNull(),
    /** The file name a multipart upload carried, if any (default download name). */
    fileName: text('file_name'),
    uploadUserId: integer('upload_user_id').notNull(),
    uploaded: integer('uploaded').notNull(),
    uploadTimeMillis: integer('upload_time_millis').notNull(),
    scanState: text('scan_state').notNull().default('SAFE'),
  },
  (t) => [index('data_file_revisions_file_idx').on(t.dataFileId), index('data_file_revisions_blob_idx').on(t.blobSha256)],
);

/** Permission entries of a data file (USER or GROUP), in the order they were given. */
export const dataFilePermissions = sqliteTable(
  'data_file_permissions',
  {
    dataFileId: integer('data_file_id')
      .notNull()
      .references(() => dataFiles.id, { onDelete: 'cascade' }),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id').notNull(),
    grant: text('grant').notNull(),
    pass: text('pass').notNull(),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.dataFileId, t.entityType, t.entityId] })],
);
