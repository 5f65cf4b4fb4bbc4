import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Data accounts (the credentials connectors use). Secrets are never stored or shown. */
export const accounts = sqliteTable('accounts', {
  id: integer('id').primaryKey(),
  displayName: text('display_name').notNull(),
  accountType: text('account_type').notNull(),
  dataProviderType: text('data_provider_type').notNull(),
  status: text('status').notNull(),
  ownerId: integer('owner_id').notNull(),
  created: integer('created').notNull(),
  modified: integer('modified').notNull(),
});
