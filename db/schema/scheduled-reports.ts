import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** A recipient as a schedule stores it: {type: EMAIL|USER|GROUP, value}. */
export interface ReportScheduleRecipient {
  type: string;
  value: string;
}

/** A recipient as a history entry shows it. */
export interface ReportRecipient {
  userId: number | null;
  displayName: string;
  emailAddress: string;
}

/** Scheduled Reports: one row per report schedule, on a page, card or dataset. */
export const reportSchedules = sqliteTable(
  'report_schedules',
  {
    id: integer('id').primaryKey(),
    reportViewId: integer('report_view_id').notNull().unique(),
    embedViewId: integer('embed_view_id').notNull(),
    pageId: integer('page_id'),
    cardId: integer('card_id'),
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id').notNull(),
    resourceName: text('resource_name').notNull(),
    viewName: text('view_name').notNull(),
    cardCount: integer('card_count').notNull().default(0),
    title: text('title').notNull(),
    type: text('type').notNull().default('RECURRING'),
    ownerId: integer('owner_id').notNull(),
    frequency: text('frequency').notNull(),
    daysToRun: text('days_to_run').notNull().default(''),
    hourOfDay: integer('hour_of_day').notNull().default(0),
    minOfHour: integer('min_of_hour').notNull().default(0),
    timezone: text('timezone').notNull().default('UTC'),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    attachmentInclude: integer('attachment_include', { mode: 'boolean' }).notNull().default(false),
    recipients: text('recipients', { mode: 'json' }).$type<ReportScheduleRecipient[]>().notNull(),
    created: integer('created').notNull(),
    modified: integer('modified').notNull(),
  },
  (t) => [index('report_schedules_page_idx').on(t.pageId), index('report_schedules_resource_idx').on(t.resourceType, t.resourceId)],
);

/** One report run (sent, queued, emailed): the history entry; status moves queued -> running -> success|failed|skipped on the clock. */
export const reportHistory = sqliteTable(
  'report_history',
  {
    id: integer('id').primaryKey(),
    scheduleId: integer('schedule_id').notNull(),
    kind: text('kind').notNull(),
    reportTitle: text('report_title').notNull(),
    reportSubject: text('report_subject').notNull(),
    ownerId: integer('owner_id').notNull(),
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id').notNull(),
    resourceName: text('resource_name').notNull(),
    startTime: integer('start_time').notNull(),
    endTime: integer('end_time'),
    automated: integer('automated', { mode: 'boolean' }).notNull().default(false),
    cardCount: integer('card_count').notNull().default(0),
    attachmentCount: integer('attachment_count').notNull().default(0),
    attachmentSize: integer('attachment_size').notNull().default(0),
    emailSize: integer('email_size').notNull().default(0),
    status: text('status').notNull(),
    message: text('message'),
    /** Who the run is addressed to (resolved when it was requested). */
    targets: text('targets', { mode: 'json' }).$type<ReportRecipient[]>().notNull(),
    /** Who actually got an email (filled when the run completes). */
    recipients: text('recipients', { mode: 'json' }).$type<ReportRecipient[]>().notNull(),
    emailParams: text('email_params', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (t) => [index('report_history_schedule_idx').on(t.scheduleId), index('report_history_status_idx').on(t.status)],
);

/** Recipients who unsubscribed from a schedule (by lower-cased email address). */
export const reportUnsubscribes = sqliteTable(
  'report_unsubscribes',
  {
    scheduleId: integer('schedule_id').notNull(),
    email: text('email').notNull(),
    userId: integer('user_id'),
    at: integer('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.scheduleId, t.email] })],
);

/** Instance-wide Scheduled Reports settings (emailsEnabled). */
export const reportSettings = sqliteTable('report_settings', {
  key: text('key').primaryKey(),
  value: text('value', { mode: 'json' }).$type<unknown>().notNull(),
});
