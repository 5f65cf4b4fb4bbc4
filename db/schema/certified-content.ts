import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** The CERTIFIED system tag of a card, dataset or page (/api/tags/v3/:entityType/:entityId/system/CERTIFIED/state). */
export const certifications = sqliteTable(
  'certifications',
  {
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id').notNull(),
    state: text('state').notNull(),
    certifiedBy: integer('certified_by').notNull(),
    updated: integer('updated').notNull(),
  },
  (t) => [primaryKey({ columns: [t.entityType, t.entityId] })],
);
