import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Beast Mode function templates (/api/query/v1/functions/...). */
export const beastModes = sqliteTable('beast_modes', {
  id: integer('id').primaryKey(),
  name: text('name').notNull(),
  owner: integer('owner').notNull(),
  expression: text('expression').notNull(),
  locked: integer('locked', { mode: 'boolean' }).notNull().default(false),
  global: integer('global', { mode: 'boolean' }).notNull().default(false),
  legacyId: text('legacy_id').notNull(),
  dataType: text('data_type').notNull().default('DECIMAL'),
  cacheWindow: text('cache_window').notNull().default('day'),
  archived: integer('archived', { mode: 'boolean' }).notNull().default(false),
  hidden: integer('hidden', { mode: 'boolean' }).notNull().default(false),
  variable: integer('variable', { mode: 'boolean' }).notNull().default(false),
  created: integer('created').notNull(),
  lastModified: integer('last_modified').notNull(),
});

/** Where a Beast Mode is used: a DATA_SOURCE (dataset id) or a CARD (card id). */
export const beastModeLinks = sqliteTable(
  'beast_mode_links',
  {
    beastModeId: integer('beast_mode_id')
      .notNull()
      .references(() => beastModes.id, { onDelete: 'cascade' }),
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id').notNull(),
    visible: integer('visible', { mode: 'boolean' }).notNull().default(true),
    active: integer('active', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.beastModeId, t.resourceType, t.resourceId] }), index('beast_mode_links_resource_idx').on(t.resourceType, t.resourceId)],
);
