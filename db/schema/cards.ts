import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { CardDefinition } from '../../src/engines/card-definition.js';

/** Cards: their dataset and their definition (what a render computes from the dataset's rows). */
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
    /** null: the default (the last numeric column summed by the first text column). */
    definition: text('definition', { mode: 'json' }).$type<CardDefinition>(),
    created: integer('created').notNull(),
    modified: integer('modified').notNull(),
  },
  (t) => [index('cards_datasource_idx').on(t.datasourceId)],
);
