/**
 * The one scheduler: everything that happens later in an instance (report schedules, alerts, stream runs,
 * exports, index jobs, AppDB syncs, migrations, workflow steps, DataFlow runs) is a job row, run once
 * when the instance clock reaches its due time, in (due, id) order.
 *
 * settle() runs every due job: when the clock moves (POST /_emulator/clock), on a timer while the clock
 * runs in real time, and before a request to the instance is handled. A job's effects happen in one
 * transaction with its completion, with the clock reading the job's due time (so a schedule that fired
 * three days ago records three days ago). A job may first do async work outside any transaction
 * (`prepare`: a query in the query pool, user code in the sandbox) and then apply its result.
 * A failing job is marked failed with its error, and its handler records the failure where the family
 * shows failures (an execution's error, a history row's status), never only in the log.
 */
import type { Orm, Sqlite } from '../../db/client.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';

/**
 * How many missed runs a recurring schedule catches up on after the clock jumps: the last 24 (a daily
 * schedule runs 24 times when the clock moves four years, not 1,461 times; a jump of three days runs
 * each of its three days).
 */
export const CATCH_UP_RUNS = 24;

/** The next run of a recurring schedule after `after`, skipping all but the last CATCH_UP_RUNS missed ones before `now`. */
export function nextRecurring(next: (after: number) => number | null, after: number, now: number): number | null {
  const first = next(after);
  if (first === null || first > now) return first;
  const recent: number[] = [];
  let at: number | null = first;
  for (let steps = 0; at !== null && at <= now && steps < 1_000_000; steps++) {
    recent.push(at);
    if (recent.length > CATCH_UP_RUNS) recent.shift();
    at = next(at);
  }
  return recent[0];
}

export interface JobInfo {
  id: number;
  kind: string;
  due: number;
  attempts: number;
}

export interface JobHandler<P = Record<string, unknown>, R = unknown> {
  /** Work outside any transaction (async allowed); its result is handed to apply. */
  prepare?(payload: P, job: JobInfo): Promise<R> | R;
  /** The job's effects, in one transaction with its completion; the clock reads the job's due time. */
  apply(payload: P, job: JobInfo, prepared: R): void;
  /** Records a failure where the family shows it (its own transaction, clock at the due time). */
  fail?(payload: P, job: JobInfo, error: Error): void;
}

export interface JobRow {
  id: number;
  kind: string;
  due: number;
  payload: Record<string, unknown>;
  state: string;
  attempts: number;
  lastError: string | null;
  key: string | null;
  created: number;
  finished: number | null;
}

export interface SchedulerContext {
  instanceName: string;
  sqlite: Sqlite;
  orm: Orm;
  clock: Clock;
  logger: Logger;
}

/** How many jobs one settle() runs at most (a job that keeps re-scheduling itself into the past stops here). */
const MAX_PER_SETTLE = 10_000;
/** Finished jobs kept for GET /_emulator/jobs. */
const KEEP_FINISHED = 1_000;

type Raw = Omit<JobRow, 'payload'> & { payload: string };
const COLUMNS = 'id, kind, due, payload, state, attempts, last_error AS lastError, key, created, finished';

export class Scheduler {
  private readonly handlers = new Map<string, JobHandler<never, unknown>>();
  /** Who waits for a job to finish (wait()). */
  private readonly waiters = new Map<number, Array<(state: string) => void>>();
  private nextDueMs: number | null | undefined;
  private running: Promise<number> | null = null;
  private closed = false;
  private readonly stmts;

  constructor(private readonly ctx: SchedulerContext) {
    const db = ctx.sqlite;
    this.stmts = {
      next: db.prepare(`SELECT ${COLUMNS} FROM jobs WHERE state = 'pending' AND due <= ? ORDER BY due, id LIMIT 1`),
      minDue: db.prepare(`SELECT min(due) FROM jobs WHERE state = 'pending'`).pluck(),
      insert: db.prepare(`INSERT INTO jobs (kind, due, payload, state, key, created) VALUES (?, ?, ?, 'pending', ?, ?)`),
      dropKey: db.prepare(`DELETE FROM jobs WHERE state = 'pending' AND key = ?`),
      finish: db.prepare(`UPDATE jobs SET state = ?, attempts = attempts + 1, last_error = ?, finished = ? WHERE id = ?`),
      prune: db.prepare(`DELETE FROM jobs WHERE state <> 'pending' AND id <= (SELECT id FROM jobs WHERE state <> 'pending' ORDER BY id DESC LIMIT 1 OFFSET ?)`),
      pendingKey: db.prepare(`SELECT ${COLUMNS} FROM jobs WHERE state = 'pending' AND key = ?`),
    };
  }

  /** A family declares what a kind of job does (once, in its store's constructor). */
  register<P, R>(kind: string, handler: JobHandler<P, R>): void {
    if (this.handlers.has(kind)) throw new Error(`job kind ${kind} registered twice`);
    this.handlers.set(kind, handler as unknown as JobHandler<never, unknown>);
  }

  /**
   * Schedules a job (due: now unless given). With a key, it replaces the pending job of that key
   * (a schedule re-planned, an alert re-checked): at most one pending job per key.
   */
  enqueue(kind: string, payload: Record<string, unknown>, opts: { due?: number; key?: string } = {}): number {
    if (!this.handlers.has(kind)) throw new Error(`no handler for job kind ${kind}`);
    const due = opts.due ?? this.ctx.clock.nowMs();
    if (opts.key) this.stmts.dropKey.run(opts.key);
    const id = Number(this.stmts.insert.run(kind, Math.round(due), JSON.stringify(payload), opts.key ?? null, this.ctx.clock.nowMs()).lastInsertRowid);
    if (this.nextDueMs === undefined || this.nextDueMs === null || due < this.nextDueMs) this.nextDueMs = due;
    return id;
  }

  /** Drops the pending job of a key (the schedule was deleted or disabled). */
  cancel(key: string): void {
    this.stmts.dropKey.run(key);
    this.nextDueMs = undefined;
  }

  /** The pending job of a key, if any. */
  pending(key: string): JobRow | undefined {
    const r = this.stmts.pendingKey.get(key) as Raw | undefined;
    return r ? { ...r, payload: JSON.parse(r.payload) as Record<string, unknown> } : undefined;
  }

  /** When the next pending job is due (null: none). */
  nextDue(): number | null {
    if (this.nextDueMs === undefined) this.nextDueMs = (this.stmts.minDue.get() as number | null) ?? null;
    return this.nextDueMs;
  }

  /** Whether a job is due now (cheap: asked before every request). */
  isDue(now = this.ctx.clock.nowMs()): boolean {
    const d = this.nextDue();
    return d !== null && d <= now;
  }

  /**
   * Runs every job due by `now` (default: the clock), in order, one at a time; jobs they schedule into
   * the past run too. Concurrent calls share one run. Resolves to the number of jobs run.
   */
  settle(now?: number): Promise<number> {
    if (this.running) return this.running.then(() => (this.isDue(now) ? this.settle(now) : 0));
    this.running = this.run(now).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  close(): void {
    this.closed = true;
    for (const list of this.waiters.values()) for (const w of list) w('canceled');
    this.waiters.clear();
  }

  /** The state of a job (pending, done, failed; undefined when pruned or unknown). */
  state(id: number): string | undefined {
    return this.ctx.sqlite.prepare('SELECT state FROM jobs WHERE id = ?').pluck().get(id) as string | undefined;
  }

  /**
   * Resolves with a job's final state once it has run (done, failed), or with 'pending' after `timeoutMs`.
   * A caller that blocks as Domo does (a migration) waits here while the clock moves the job.
   */
  wait(id: number, timeoutMs: number): Promise<string> {
    const now = this.state(id);
    if (now !== 'pending') return Promise.resolve(now ?? 'done');
    return new Promise((resolve) => {
      const timer = setTimeout(() => done('pending'), timeoutMs);
      timer.unref?.();
      const done = (state: string) => {
        clearTimeout(timer);
        const list = (this.waiters.get(id) ?? []).filter((w) => w !== done);
        if (list.length) this.waiters.set(id, list);
        else this.waiters.delete(id);
        resolve(state);
      };
      this.waiters.set(id, [...(this.waiters.get(id) ?? []), done]);
    });
  }

  private finished(id: number, state: string): void {
    const list = this.waiters.get(id);
    if (!list) return;
    this.waiters.delete(id);
    for (const w of list) w(state);
  }

  list(opts: { state?: string; kind?: string; limit?: number } = {}): Array<Omit<JobRow, 'due' | 'created' | 'finished'> & { due: string; created: string; finished: string | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (opts.state) {
      where.push('state = ?');
      params.push(opts.state);
    }
    if (opts.kind) {
      where.push('kind = ?');
      params.push(opts.kind);
    }
    const rows = this.ctx.sqlite
      .prepare(`SELECT ${COLUMNS} FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY state = 'pending' DESC, due, id LIMIT ?`)
      .all(...params, opts.limit ?? 200) as Raw[];
    const iso = (ms: number) => new Date(ms).toISOString();
    return rows.map((r) => ({
      ...r,
      payload: JSON.parse(r.payload) as Record<string, unknown>,
      due: iso(r.due),
      created: iso(r.created),
      finished: r.finished === null ? null : iso(r.finished),
    }));
  }

  private async run(now?: number): Promise<number> {
    let n = 0;
    for (; n < MAX_PER_SETTLE && !this.closed && this.ctx.sqlite.open; n++) {
      const limit = now ?? this.ctx.clock.nowMs();
      const raw = this.stmts.next.get(limit) as Raw | undefined;
      if (!raw) break;
      await this.runOne({ ...raw, payload: JSON.parse(raw.payload) as Record<string, unknown> });
    }
    if (n === MAX_PER_SETTLE) this.ctx.logger.warn(`[${this.ctx.instanceName}] scheduler stopped after ${n} jobs in one settle; the rest run next time`);
    this.nextDueMs = undefined;
    if (n > 0 && this.ctx.sqlite.open) this.stmts.prune.run(KEEP_FINISHED);
    return n;
  }

  private async runOne(job: JobRow): Promise<void> {
    const info: JobInfo = { id: job.id, kind: job.kind, due: job.due, attempts: job.attempts };
    const handler = this.handlers.get(job.kind) as JobHandler<Record<string, unknown>, unknown> | undefined;
    const db = this.ctx.sqlite;
    if (!handler) {
      this.stmts.finish.run('failed', `no handler for job kind ${job.kind}`, this.ctx.clock.nowMs(), job.id);
      return;
    }
    try {
      const prepared = handler.prepare ? await handler.prepare(job.payload, info) : undefined;
      if (!db.open || this.closed) return;
      this.ctx.clock.runAt(job.due, () =>
        db.transaction(() => {
          // a job canceled or replaced while it prepared does nothing
          const still = db.prepare(`SELECT state FROM jobs WHERE id = ?`).pluck().get(job.id);
          if (still !== 'pending') return;
          handler.apply(job.payload, info, prepared);
          this.stmts.finish.run('done', null, this.ctx.clock.nowMs(), job.id);
        })(),
      );
      this.finished(job.id, 'done');
    } catch (e) {
      if (!db.open || this.closed) return;
      const err = e instanceof Error ? e : new Error(String(e));
      this.ctx.clock.runAt(job.due, () =>
        db.transaction(() => {
          this.stmts.finish.run('failed', err.message, this.ctx.clock.nowMs(), job.id);
          try {
            handler.fail?.(job.payload, info, err);
          } catch (inner) {
            this.ctx.logger.error(`[${this.ctx.instanceName}] job ${job.kind} #${job.id}: recording its failure failed`, inner);
          }
        })(),
      );
      this.finished(job.id, 'failed');
    }
  }
}
