import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Key/value state the emulator keeps per instance (seed marker, id counters, clock). */
export const emulatorMeta = sqliteTable('emulator_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/** Emails and notifications an instance "sent" (GET /_emulator/outbox). */
export const outbox = sqliteTable('outbox', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  kind: text('kind').notNull(),
  recipients: text('recipients', { mode: 'json' }).$type<string[]>().notNull(),
  subject: text('subject').notNull(),
  body: text('body').notNull(),
  meta: text('meta', { mode: 'json' }).$type<Record<string, unknown>>(),
  time: integer('time').notNull(),
});
