import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { datasets } from './datasets.js';

/** One condition of a PDP policy: rows whose `name` column compares to one of `values`. */
export interface PdpParameter {
  type: 'COLUMN' | 'DYNAMIC';
  name: string;
  values: string[];
  operator: 'EQUALS' | 'NOT_EQUALS' | 'GREATER_THAN' | 'LESS_THAN' | 'GREATER_THAN_EQUAL' | 'LESS_THAN_EQUAL' | 'BETWEEN' | 'CONTAINS' | 'NOT_CONTAINS';
  ignoreCase: boolean;
}

/** Whether PDP is on for a dataset (no row: off). */
export const datasetPdp = sqliteTable('dataset_pdp', {
  datasetSeq: integer('dataset_seq')
    .primaryKey()
    .references(() => datasets.seq, { onDelete: 'cascade' }),
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(false),
  external: integer('external', { mode: 'boolean' }).notNull().default(false),
});

/**
 * PDP policies (Domo's "filter groups"): the users, virtual users and groups they name see the rows
 * matching all of their parameters. The "All Rows" policy (type open) has no parameters.
 */
export const pdpPolicies = sqliteTable(
  'pdp_policies',
  {
    id: integer('id').notNull(),
    datasetSeq: integer('dataset_seq')
      .notNull()
      .references(() => datasets.seq, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** 'open' for All Rows, else 'user'. */
    type: text('type').notNull(),
    userIds: text('user_ids', { mode: 'json' }).$type<number[]>().notNull(),
    virtualUserIds: text('virtual_user_ids', { mode: 'json' }).$type<string[]>().notNull(),
    groupIds: text('group_ids', { mode: 'json' }).$type<number[]>().notNull(),
    parameters: text('parameters', { mode: 'json' }).$type<PdpParameter[]>().notNull(),
    dataSourcePermissions: integer('data_source_permissions', { mode: 'boolean' }).notNull().default(false),
    created: integer('created').notNull(),
    modified: integer('modified').notNull(),
  },
  (t) => [primaryKey({ columns: [t.datasetSeq, t.id] })],
);
