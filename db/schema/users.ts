import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const users = sqliteTable(
  'users',
  {
    id: integer('id').primaryKey(),
    displayName: text('display_name').notNull(),
    userName: text('user_name').notNull(),
    emailAddress: text('email_address').notNull().unique(),
    roleId: integer('role_id').notNull(),
    title: text('title'),
    department: text('department'),
    phoneNumber: text('phone_number'),
    location: text('location'),
    employeeId: text('employee_id'),
    managerId: integer('manager_id'),
    timeZone: text('time_zone'),
    locale: text('locale'),
    created: integer('created').notNull(),
    modified: integer('modified').notNull(),
  },
  (t) => [index('users_role_idx').on(t.roleId)],
);

/**
 * Developer tokens (X-DOMO-Developer-Token), session tokens (X-DOMO-Authentication) and app sessions
 * (kind `app`: X-DOMO-Ryuu-Session or the `ryuu_sid` cookie), which may name the app they belong to.
 */
export const tokens = sqliteTable('tokens', {
  token: text('token').primaryKey(),
  userId: integer('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  kind: text('kind').notNull().default('developer'),
  /** An app session's app: the id of a registered app design (`apps.id`), or null (any app). */
  appId: text('app_id'),
  created: integer('created').notNull(),
});
