/**
 * Async work (exports, indexing, stream executions, migrations, workflow runs) as state machines driven
 * by the instance clock: a job's state is a pure function of when it started and what time it is now,
 * so a frozen clock holds it still and POST /_emulator/clock {advance} steps it, with no timers.
 */
export interface Stage<S extends string> {
  state: S;
  /** Milliseconds after the job started at which this stage begins. */
  at: number;
}

/** The stage a job started at `startMs` is in at `nowMs` (stages sorted by `at`; the first starts at 0). */
export function stageAt<S extends string>(stages: readonly Stage<S>[], startMs: number, nowMs: number): S {
  let current = stages[0].state;
  for (const s of stages) if (nowMs - startMs >= s.at) current = s.state;
  return current;
}

/** When the job reaches its last stage. */
export function finishesAt(stages: readonly Stage<string>[], startMs: number): number {
  return startMs + stages[stages.length - 1].at;
}

/** Default progression used by most families: a second or two of real time, as a poll loop would see. */
export const defaultStages = [
  { state: 'PENDING', at: 0 },
  { state: 'IN_PROGRESS', at: 500 },
  { state: 'SUCCESS', at: 1500 },
] as const satisfies readonly Stage<string>[];
