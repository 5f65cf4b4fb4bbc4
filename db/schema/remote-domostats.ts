import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Executor applications (Remote DomoStats is one). */
export const executorApplications = sqliteTable('executor_applications', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  type: text('type').notNull(),
  description: text('description').notNull().default(''),
  ownerId: integer('owner_id').notNull(),
  created: integer('created').notNull(),
});

/** An application's jobs, stored as the whole job document the PUT sends. */
export const executorJobs = sqliteTable('executor_jobs', {
  jobId: text('job_id').primaryKey(),
  applicationId: text('application_id')
    .notNull()
    .references(() => executorApplications.id, { onDelete: 'cascade' }),
  job: text('job', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  created: integer('created').notNull(),
  modified: integer('modified').notNull(),
  modifiedBy: integer('modified_by').notNull(),
});
