import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Alerts on datasets and cards (GET/DELETE /api/social/v4/alerts...). */
export const alerts = sqliteTable(
  'alerts',
  {
    id: integer('id').primaryKey(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    type: text('type').notNull(),
    category: text('category').notNull(),
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id').notNull(),
    rule: text('rule').notNull().default(''),
    triggerFrequency: text('trigger_frequency').notNull().default('Rarely'),
    owner: integer('owner').notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    triggered: integer('triggered', { mode: 'boolean' }).notNull().default(false),
    /** What the last check measured ({value} or {fingerprint}), the baseline the next one compares with. */
    lastState: text('last_state', { mode: 'json' }).$type<Record<string, unknown>>(),
    lastCheckedAt: integer('last_checked_at'),
    lastTriggeredAt: integer('last_triggered_at'),
    /** Why the last check could not evaluate the rule (shown as the alert's `error`). */
    lastError: text('last_error'),
    suggested: integer('suggested', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at').notNull(),
    createdBy: integer('created_by').notNull(),
    modifiedAt: integer('modified_at').notNull(),
    modifiedBy: integer('modified_by').notNull(),
  },
  (t) => [index('alerts_resource_idx').on(t.resourceType, t.resourceId)],
);

/** Who is subscribed to an alert, and how (USER, GROUP, BUZZ, DAILY, WEEKLY, AUTO). */
export const alertSubscriptions = sqliteTable(
  'alert_subscriptions',
  {
    alertId: integer('alert_id')
      .notNull()
      .references(() => alerts.id, { onDelete: 'cascade' }),
    subscriberId: integer('subscriber_id').notNull(),
    type: text('type').notNull(),
    created: integer('created').notNull(),
  },
  (t) => [primaryKey({ columns: [t.alertId, t.subscriberId, t.type] }), index('alert_subscriptions_subscriber_idx').on(t.subscriberId)],
);
