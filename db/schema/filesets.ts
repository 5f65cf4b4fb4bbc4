import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { fileBlobs } from './files.js';

/** FileSets API (BETA). fileCount and size are computed from fileset_files when read, so they are always true. */
export const filesets = sqliteTable(
  'filesets',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    aiEnabled: integer('ai_enabled', { mode: 'boolean' }).notNull().default(true),
    batchType: text('batch_type').notNull().default('INCREMENTAL'),
    connector: text('connector').notNull().default('DOMO'),
    accountId: integer('account_id'),
    /** JSON text of {connector, relativePath}, or null */
    connectorContext: text('connector_context'),
    created: integer('created').notNull(),
    createdBy: integer('created_by').notNull(),
    updated: integer('updated').notNull(),
    updatedBy: integer('updated_by').notNull(),
    owner: integer('owner').notNull(),
  },
  (t) => [index('filesets_name_idx').on(t.name)],
);

export const filesetFiles = sqliteTable(
  'fileset_files',
  {
    id: text('id').primaryKey(),
    filesetId: text('fileset_id')
      .notNull()
      .references(() => filesets.id, { onDelete: 'cascade' }),
    /** normalised: no leading or trailing '/', no '.' or '..' segments */
    path: text('path').notNull(),
    name: text('name').notNull(),
    /** parent directory path ('' at the root) */
    directory: text('directory').notNull(),
    contentType: text('content_type').notNull(),
    fileType: text('file_type').notNull(),
    size: integer('size').notNull(),
    blobSha256: text('blob_sha256')
      .notNull()
      .references(() => fileBlobs.sha256),
    created: integer('created').notNull(),
    createdBy: integer('created_by').notNull(),
    /** BM25 document length (weighted token count of name, directories and text) */
    docLength: real('doc_length').notNull().default(0),
  },
  (t) => [
    uniqueIndex('fileset_files_path_uq').on(t.filesetId, t.path),
    index('fileset_files_dir_idx').on(t.filesetId, t.directory),
    index('fileset_files_blob_idx').on(t.blobSha256),
  ],
);

/** Inverted index for the relevance query: weighted term frequency of a term in a file. */
export const filesetPostings = sqliteTable(
  'fileset_postings',
  {
    filesetId: text('fileset_id').notNull(),
    term: text('term').notNull(),
    fileId: text('file_id')
      .notNull()
      .references(() => filesetFiles.id, { onDelete: 'cascade' }),
    tf: real('tf').notNull(),
  },
  (t) => [primaryKey({ columns: [t.filesetId, t.term, t.fileId] }), index('fileset_postings_file_idx').on(t.fileId)],
);
