import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { readFixture, type SeedContext } from './fixtures.js';
import type { ActivitySeed } from './state/activity.js';
import type { PackageSeed } from './state/code-engine.js';
import type { QueueSeed, TaskSeed } from './state/task-center.js';
import type { WorkflowModelSeed } from './state/workflows.js';

/** Task Center queues and tasks, workflow models, Code Engine packages and activity log entries (fixtures/work/). */
export function seedWork({ dir, stores, full }: SeedContext): void {
  if (!full) return;
  const tc = readFixture<{ queues: QueueSeed[]; tasks: TaskSeed[] }>(dir, 'work/task-center.json');
  if (tc) stores.taskCenter.seed(tc.queues, tc.tasks);
  stores.workflows.seed(readFixture<WorkflowModelSeed[]>(dir, 'work/workflows.json') ?? []);
  stores.codeEngine.seed(codeEnginePackages(dir));
  stores.activity.seed(readFixture<ActivitySeed[]>(dir, 'work/activity.json') ?? []);
}

type PackageFixture = Omit<PackageSeed, 'versions'> & { versions: Array<Omit<PackageSeed['versions'][number], 'code'> & { codeFile: string }> };

/** fixtures/work/code-engine.json, each version's `codeFile` (a path under fixtures/work/) read as its code. */
function codeEnginePackages(dir: string): PackageSeed[] {
  const root = resolve(dir, 'work');
  return (readFixture<PackageFixture[]>(dir, 'work/code-engine.json') ?? []).map((p) => ({
    ...p,
    versions: p.versions.map(({ codeFile, ...v }) => {
      const file = resolve(root, codeFile);
      const rel = relative(root, file);
      if (rel.startsWith('..') || rel === '') throw new Error(`fixtures: code engine package ${p.id} ${v.version}: codeFile '${codeFile}' is outside fixtures/work`);
      return { ...v, code: readFileSync(join(root, rel), 'utf8') };
    }),
  }));
}
