import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { PermissionEntry } from './task-center.js';

export interface WorkflowModelVersion {
  version: string;
  deploymentId: string;
  bpmnProcessId: string;
  bpmnProcessName: string;
  /** Start parameters: name -> type (number, text, boolean, ...); all required. */
  inputs: Record<string, string>;
  /** How long a run takes on the instance clock (ms). */
  durationMs: number;
}

export const workflowModels = sqliteTable('workflow_models', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  owner: integer('owner').notNull(),
  versions: text('versions', { mode: 'json' }).$type<WorkflowModelVersion[]>().notNull(),
  permissions: text('permissions', { mode: 'json' }).$type<PermissionEntry[]>().notNull(),
  updatedOn: integer('updated_on').notNull(),
});

/** Workflow instances: status is derived from startedMs and the clock unless canceled. */
export const workflowInstances = sqliteTable(
  'workflow_instances',
  {
    id: text('id').primaryKey(),
    modelId: text('model_id')
      .notNull()
      .references(() => workflowModels.id),
    modelVersion: text('model_version').notNull(),
    messageName: text('message_name').notNull(),
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdBy: integer('created_by').notNull(),
    createdOn: integer('created_on').notNull(),
    canceledOn: integer('canceled_on'),
    canceledBy: integer('canceled_by'),
  },
  (t) => [index('workflow_instances_model_idx').on(t.modelId)],
);
