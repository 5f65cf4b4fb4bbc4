import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

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

/**
 * The instance's scheduler (src/jobs/): everything that happens later. A job runs once when the instance
 * clock reaches `due`, in (due, id) order, its effects in one transaction with its completion.
 */
export const jobs = sqliteTable(
  'jobs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind').notNull(),
    /** Instance-clock ms at which it runs. */
    due: integer('due').notNull(),
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    /** pending | done | failed | canceled */
    state: text('state').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** At most one pending job per key (re-scheduling replaces it). */
    key: text('key'),
    created: integer('created').notNull(),
    finished: integer('finished'),
  },
  (t) => [index('jobs_pending_idx').on(t.state, t.due), uniqueIndex('jobs_pending_key_idx').on(t.key).where(sql`state = 'pending'`)],
);
