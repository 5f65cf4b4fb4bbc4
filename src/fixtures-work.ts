import { readFixture, type SeedContext } from './fixtures.js';
import type { ActivityInput } from './state/activity.js';
import type { CodePackage } from './state/code-engine.js';
import type { QueueSeed, TaskSeed } from './state/task-center.js';
import type { WorkflowModelSeed } from './state/workflows.js';

/** Task Center queues and tasks, workflow models, Code Engine packages and activity log entries (fixtures/work/). */
export function seedWork({ dir, stores, full }: SeedContext): void {
  if (!full) return;
  const tc = readFixture<{ queues: QueueSeed[]; tasks: TaskSeed[] }>(dir, 'work/task-center.json');
  if (tc) stores.taskCenter.seed(tc.queues, tc.tasks);
  stores.workflows.seed(readFixture<WorkflowModelSeed[]>(dir, 'work/workflows.json') ?? []);
  stores.codeEngine.seed(readFixture<CodePackage[]>(dir, 'work/code-engine.json') ?? []);
  for (const e of readFixture<Array<ActivityInput & { time: number }>>(dir, 'work/activity.json') ?? []) stores.activity.record(e);
}
