import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Cards (only what the datasets family needs: which cards a dataset powers). */
export const cards = sqliteTable(
  'cards',
  {
    id: integer('id').primaryKey(),
    title: text('title').notNull(),
    type: text('type').notNull(),
    chartType: text('chart_type').notNull(),
    ownerId: integer('owner_id').notNull(),
    datasourceId: text('datasource_id').notNull(),
    description: text('description').notNull().default(''),
    viewCount: integer('view_count').notNull().default(0),
    created: integer('created').notNull(),
    modified: integer('modified').notNull(),
  },
  (t) => [index('cards_datasource_idx').on(t.datasourceId)],
);
