import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export interface PermissionEntry {
  id: string;
  type: 'USER' | 'GROUP';
  name: string;
  permissions: string[];
}

/** Task Center queues. Times are epoch ms; permissions is the list the permissions route replaces entries of. */
export const taskQueues = sqliteTable('task_queues', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  archived: integer('archived', { mode: 'boolean' }).notNull().default(false),
  taskLevelFiltersEnabled: integer('task_level_filters_enabled', { mode: 'boolean' }).notNull().default(false),
  taskLevelFilters: text('task_level_filters', { mode: 'json' }).$type<unknown>(),
  owner: integer('owner').notNull(),
  createdBy: integer('created_by').notNull(),
  createdOn: integer('created_on').notNull(),
  updatedBy: integer('updated_by').notNull(),
  updatedOn: integer('updated_on').notNull(),
  permissions: text('permissions', { mode: 'json' }).$type<PermissionEntry[]>().notNull(),
});

/** Task Center tasks: the lifecycle columns, plus the display/contract parts kept as JSON. */
export const tasks = sqliteTable(
  'tasks',
  {
    id: text('id').primaryKey(),
    queueId: text('queue_id')
      .notNull()
      .references(() => taskQueues.id),
    status: text('status').notNull(),
    version: integer('version').notNull().default(1),
    createdOn: integer('created_on').notNull(),
    createdBy: integer('created_by').notNull(),
    updatedOn: integer('updated_on').notNull(),
    updatedBy: integer('updated_by').notNull(),
    completedOn: integer('completed_on'),
    completedBy: integer('completed_by'),
    assignedOn: integer('assigned_on'),
    assignedBy: integer('assigned_by'),
    assignedTo: integer('assigned_to'),
    assigneeType: text('assignee_type').notNull().default('USER'),
    lockedOn: integer('locked_on'),
    lockedBy: integer('locked_by'),
    displayType: text('display_type').notNull(),
    displayId: text('display_id'),
    /** attributes, tags, comments, sourceSystem, sourceInfo, displayEntity, contract */
    detail: text('detail', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    inputVariables: text('input_variables', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    outputVariables: text('output_variables', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  },
  (t) => [index('tasks_queue_idx').on(t.queueId)],
);
