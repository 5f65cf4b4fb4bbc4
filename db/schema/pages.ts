import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Pages (dashboards) and subpages (/api/content/v1/pages). */
export const pages = sqliteTable(
  'pages',
  {
    id: integer('id').primaryKey(),
    parentId: integer('parent_id'),
    title: text('title').notNull(),
    ownerId: integer('owner_id').notNull(),
    locked: integer('locked', { mode: 'boolean' }).notNull().default(false),
    mobileEnabled: integer('mobile_enabled', { mode: 'boolean' }).notNull().default(true),
    sharedViewPage: integer('shared_view_page', { mode: 'boolean' }).notNull().default(true),
    virtualPage: integer('virtual_page', { mode: 'boolean' }).notNull().default(false),
    hasLayout: integer('has_layout', { mode: 'boolean' }).notNull().default(true),
    created: integer('created').notNull(),
    modified: integer('modified').notNull(),
  },
  (t) => [index('pages_parent_idx').on(t.parentId)],
);

/** The cards a page shows, in order. */
export const pageCards = sqliteTable(
  'page_cards',
  {
    pageId: integer('page_id')
      .notNull()
      .references(() => pages.id, { onDelete: 'cascade' }),
    cardId: integer('card_id').notNull(),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.pageId, t.cardId] }), index('page_cards_card_idx').on(t.cardId)],
);

/** Users a page is shared with (the owner always has access and is not listed). */
export const pageAccess = sqliteTable(
  'page_access',
  {
    pageId: integer('page_id')
      .notNull()
      .references(() => pages.id, { onDelete: 'cascade' }),
    userId: integer('user_id').notNull(),
    granted: integer('granted').notNull(),
  },
  (t) => [primaryKey({ columns: [t.pageId, t.userId] }), index('page_access_user_idx').on(t.userId)],
);
