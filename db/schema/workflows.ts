import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { PermissionEntry } from './task-center.js';

/**
 * A value in a step: `"$name"` reads a variable (start inputs and variables share one namespace), anything
 * else is a literal.
 */
export type WorkflowValue = unknown;

/** One step of a workflow version (docs/work.md, "Workflows run their steps"). */
export interface WorkflowStep {
  id: string;
  /** function: call a Code Engine function; task: create a Task Center task and wait; condition: branch; end: finish. */
  type: 'function' | 'task' | 'condition' | 'end';
  /** The step after this one (default: the next in the list). */
  next?: string;
  /** function: the package, its version and the function; inputs map its parameters; output names the variable set. */
  packageId?: string;
  packageVersion?: string;
  function?: string;
  output?: string;
  /** function and task: parameter/input name -> value. */
  inputs?: Record<string, WorkflowValue>;
  /** task: the queue, and variable -> task output name. */
  queueId?: string;
  outputs?: Record<string, WorkflowValue>;
  /** task: the form's contract (input and output fields). */
  contract?: { input: Array<Record<string, unknown>>; output: Array<Record<string, unknown>> };
  /** condition: left op right; then/else name the next step. */
  when?: { left: WorkflowValue; op: '==' | '!=' | '>' | '>=' | '<' | '<=' | 'contains' | 'isEmpty' | 'isNotEmpty'; right?: WorkflowValue };
  then?: string;
  else?: string;
}

export interface WorkflowModelVersion {
  version: string;
  deploymentId: string;
  bpmnProcessId: string;
  bpmnProcessName: string;
  /** Start parameters: name -> type (number, text, boolean, ...); all required. */
  inputs: Record<string, string>;
  /** Variables the steps set: name -> type. */
  variables?: Record<string, string>;
  /** The steps, run in order unless a step names its next; none: the version completes at once. */
  steps?: WorkflowStep[];
}

export const workflowModels = sqliteTable('workflow_models', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  owner: integer('owner').notNull(),
  versions: text('versions', { mode: 'json' }).$type<WorkflowModelVersion[]>().notNull(),
  permissions: text('permissions', { mode: 'json' }).$type<PermissionEntry[]>().notNull(),
  updatedOn: integer('updated_on').notNull(),
});

/** Workflow instances: their steps run as scheduler jobs; status, the current step, variables and outputs are stored. */
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
    /** null (not started yet), IN_PROGRESS, COMPLETED, CANCELED, FAILED */
    status: text('status'),
    currentStep: text('current_step'),
    variables: text('variables', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
    outputs: text('outputs', { mode: 'json' }).$type<Record<string, unknown>>(),
    errorInformation: text('error_information', { mode: 'json' }).$type<Record<string, unknown>>(),
    /** The Task Center task the instance waits on. */
    taskId: text('task_id'),
    /** Domo's numeric instance key (tasks name it as workflowInstanceId). */
    instanceKey: text('instance_key'),
    updatedOn: integer('updated_on'),
    updatedBy: integer('updated_by'),
  },
  (t) => [index('workflow_instances_model_idx').on(t.modelId)],
);
