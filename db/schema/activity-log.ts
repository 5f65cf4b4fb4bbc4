import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** The activity log (GET /api/audit/v1/user-audits). */
export const activityLog = sqliteTable(
  'activity_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    time: integer('time').notNull(),
    userId: integer('user_id').notNull(),
    userName: text('user_name').notNull(),
    userType: text('user_type').notNull().default('USER'),
    actionType: text('action_type').notNull(),
    objectType: text('object_type').notNull(),
    objectId: text('object_id'),
    objectName: text('object_name'),
    additionalComment: text('additional_comment').notNull(),
    eventText: text('event_text').notNull(),
  },
  (t) => [index('activity_log_time_idx').on(t.time)],
);
