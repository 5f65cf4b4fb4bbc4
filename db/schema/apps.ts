import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Custom app designs the instance knows (registered by `domo-emulator app` or POST /_emulator/apps):
 * the app's manifest.json, which maps the aliases an app session's requests name (datasets, workflows,
 * Code Engine functions) to the instance's objects.
 */
export const apps = sqliteTable('apps', {
  /** The manifest's `id` (design id), or one derived from its name when it has none yet. */
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** The manifest's `proxyId` (the card it impersonates): RYUU_APP grants may name it too. */
  proxyId: text('proxy_id'),
  manifest: text('manifest', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  created: integer('created').notNull(),
  updated: integer('updated').notNull(),
});
