/**
 * Workflow definitions: checking a version's steps and evaluating their values and conditions. Pure: the
 * workflows store runs the steps on the scheduler (src/state/workflows.ts).
 */
import type { WorkflowModelVersion, WorkflowStep, WorkflowValue } from '../../db/schema/workflows.js';

/** A value of a step: `"$name"` reads a variable, anything else is itself. */
export function resolveValue(v: WorkflowValue, vars: Record<string, unknown>): unknown {
  if (typeof v === 'string' && v.startsWith('$') && v.length > 1) return vars[v.slice(1)] ?? null;
  return v;
}

export function resolveMap(map: Record<string, WorkflowValue> | undefined, vars: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map ?? {}).map(([k, v]) => [k, resolveValue(v, vars)]));
}

const empty = (v: unknown) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);

/** A condition step's test. Numbers compare as numbers, anything else as text. */
export function evaluate(when: NonNullable<WorkflowStep['when']>, vars: Record<string, unknown>): boolean {
  const l = resolveValue(when.left, vars);
  const r = resolveValue(when.right, vars);
  const num = typeof l === 'number' && typeof r === 'number';
  const a = num ? (l as number) : String(l ?? '');
  const b = num ? (r as number) : String(r ?? '');
  switch (when.op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case 'contains':
      return String(l ?? '').includes(String(r ?? ''));
    case 'isEmpty':
      return empty(l);
    case 'isNotEmpty':
      return !empty(l);
  }
}

/** The step after `step`: its own `next`, else the following one in the list (null: the version ends). */
export function nextStep(v: WorkflowModelVersion, step: WorkflowStep, branch?: string): WorkflowStep | null {
  const steps = v.steps ?? [];
  const id = branch ?? step.next;
  if (id) return steps.find((s) => s.id === id) ?? null;
  const i = steps.findIndex((s) => s.id === step.id);
  return i >= 0 && i + 1 < steps.length ? steps[i + 1] : null;
}

/** Problems of a version's definition (a fixture or model that cannot run), empty when it can. */
export function definitionProblems(v: WorkflowModelVersion): string[] {
  const out: string[] = [];
  const ids = new Set<string>();
  for (const s of v.steps ?? []) {
    if (ids.has(s.id)) out.push(`step id '${s.id}' is used twice`);
    ids.add(s.id);
  }
  for (const s of v.steps ?? []) {
    const where = `step '${s.id}'`;
    for (const ref of [s.next, s.then, s.else]) if (ref && !ids.has(ref)) out.push(`${where} names step '${ref}', which does not exist`);
    if (s.type === 'function' && (!s.packageId || !s.packageVersion || !s.function)) out.push(`${where} needs packageId, packageVersion and function`);
    if (s.type === 'task' && !s.queueId) out.push(`${where} needs a queueId`);
    if (s.type === 'condition' && (!s.when || !s.then || !s.else)) out.push(`${where} needs when, then and else`);
  }
  return out;
}
