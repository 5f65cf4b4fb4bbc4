import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Federated V2 accounts that V1 datasources can be migrated onto. */
export const federatedAccounts = sqliteTable('federated_accounts', {
  id: text('id').primaryKey(),
  type: text('type').notNull(),
  name: text('name').notNull(),
  ownerId: integer('owner_id').notNull(),
});

/** Cloud Amplifier integrations that Federated V2 datasources can be migrated into. */
export const amplifierIntegrations = sqliteTable('amplifier_integrations', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  type: text('type').notNull(),
  authMethod: text('auth_method').notNull(),
  ownerId: integer('owner_id').notNull(),
});

/** Federated datasources and where each stands: V1, V2 (on an account) or AMPLIFIER (in an integration). */
export const federatedDatasources = sqliteTable(
  'federated_datasources',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    type: text('type').notNull(),
    catalogName: text('catalog_name').notNull(),
    schemaName: text('schema_name'),
    tableName: text('table_name').notNull(),
    stage: text('stage', { enum: ['V1', 'V2', 'AMPLIFIER'] }).notNull(),
    accountId: text('account_id'),
    integrationId: text('integration_id'),
    v2MigratedAt: integer('v2_migrated_at'),
    amplifierMigratedAt: integer('amplifier_migrated_at'),
  },
  (t) => [index('federated_datasources_type_idx').on(t.type)],
);

/** Every migration or reversal attempted: IN_PROGRESS (with its progress) until its job ends it COMPLETE or ABORTED. */
export const migrationRuns = sqliteTable('migration_runs', {
  toe: text('toe').primaryKey(),
  datasourceId: text('datasource_id').notNull(),
  direction: text('direction').notNull(),
  state: text('state').notNull(),
  errorMessage: text('error_message'),
  startTime: integer('start_time').notNull(),
  endTime: integer('end_time').notNull(),
  userId: integer('user_id').notNull(),
  /** 0-100 */
  progress: integer('progress').notNull().default(100),
  /** Where it goes: the account and table (V1 -> V2) or the integration. */
  target: text('target', { mode: 'json' }).$type<{ accountId?: string; integrationId?: string; table?: { catalog: string; schema: string; table: string } }>(),
});
