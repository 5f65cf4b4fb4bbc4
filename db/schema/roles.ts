import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const roles = sqliteTable('roles', {
  id: integer('id').primaryKey(),
  name: text('name').notNull().unique(),
  description: text('description').notNull().default(''),
  system: integer('system', { mode: 'boolean' }).notNull().default(false),
  created: integer('created').notNull(),
  modified: integer('modified').notNull(),
});

export const roleAuthorities = sqliteTable(
  'role_authorities',
  {
    roleId: integer('role_id')
      .notNull()
      .references(() => roles.id, { onDelete: 'cascade' }),
    authority: text('authority').notNull(),
  },
  (t) => [primaryKey({ columns: [t.roleId, t.authority] })],
);
