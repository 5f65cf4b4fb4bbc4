/**
 * The query runner: dataset SQL runs in a small pool of child processes (query-worker.ts), never on the
 * server's thread, so a slow query cannot hold other requests, and a query past --query-timeout can be
 * stopped: the only way to stop a statement inside better-sqlite3 (no interrupt, no progress callback in
 * its build) is to kill the process running it.
 *
 * - At most `size` (2) workers, spawned on demand and reused; each runs one query at a time; the most
 *   recently used idle worker is picked first (its page cache is warm). A query waits in a queue when all
 *   are busy; the deadline counts from submission, waiting included.
 * - Deadline: the worker is SIGKILLed and the query answers queryTimeout() (400); the next query spawns a
 *   new worker.
 * - Memory: each worker caps rows and strings at --max-result-bytes itself; as a backstop for SQLite
 *   built-ins that can still build big values (printf widths, hex of hex...), a worker whose resident memory
 *   passes WORKER_MEMORY_BASE + WORKER_MEMORY_FACTOR x the cap is killed and the query answers
 *   resultTooLarge() (checked every 100 ms on Linux, from /proc).
 * - Workers die with the server: the channel closing ends an idle one, a watchdog thread a busy one;
 *   close() kills them all.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApiError, queryTimeout, resultTooLarge } from '../../http/errors.js';
import type { Logger } from '../../logger.js';
import type { FromWorker, JobResult, QueryJob, ToWorker } from './protocol.js';

export type { JobResult, QueryJob } from './protocol.js';

export interface QueryPoolOptions {
  /** --query-timeout, in ms from submission to the answer; 0 = no deadline. */
  timeoutMs: number;
  /** --max-result-bytes. */
  maxResultBytes: number;
  /** Most worker processes at once (default 2: the machines this runs on have few cores). */
  size?: number;
  logger?: Logger;
}

/** The memory backstop: a worker may hold this much beyond FACTOR x the result cap (rows as JS values cost more than their JSON). */
export const WORKER_MEMORY_BASE = 256 * 1024 * 1024;
export const WORKER_MEMORY_FACTOR = 6;
const WATCH_MS = 100;
const PAGE = 4096;

interface Task {
  id: number;
  job: QueryJob;
  resolve: (r: JobResult) => void;
  reject: (e: unknown) => void;
  timer?: NodeJS.Timeout;
  batches: unknown[][][];
  settled: boolean;
}

interface Slot {
  proc: ChildProcess;
  ready: boolean;
  task?: Task;
  /** Why the pool killed it (so its exit is not reported as a crash). */
  killed?: 'timeout' | 'memory' | 'close';
  spawnedAt: number;
  lastUsed: number;
}

/**
 * Where the worker entry is, for each way the code runs: the CLI bundle (dist/domo-emulator.mjs beside
 * dist/query-worker.mjs), the tsc build (dist/src/engines/sql/query-worker.js beside this file), TS sources
 * with a prebuilt worker (DOMO_EMULATOR_QUERY_WORKER, set by the tests' global setup), else the .ts file
 * through tsx (slower to start).
 */
export function workerEntry(): { path: string; execArgv: string[] } {
  const env = process.env.DOMO_EMULATOR_QUERY_WORKER;
  if (env && existsSync(env)) return { path: env, execArgv: [] };
  for (const name of ['./query-worker.mjs', './query-worker.js']) {
    const p = fileURLToPath(new URL(name, import.meta.url));
    if (existsSync(p)) return { path: p, execArgv: [] };
  }
  const ts = fileURLToPath(new URL('./query-worker.ts', import.meta.url));
  if (existsSync(ts)) return { path: ts, execArgv: ['--import', 'tsx'] };
  throw new Error(`domo-emulator: the query worker is missing beside ${fileURLToPath(import.meta.url)} (run npm run build)`);
}

function rssBytes(pid: number): number | null {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE;
  } catch {
    return null;
  }
}

export class QueryPool {
  readonly timeoutMs: number;
  readonly maxResultBytes: number;
  readonly size: number;
  /** Fork-to-ready times of the workers spawned so far, in ms (reported by the benchmark). */
  readonly spawnTimes: number[] = [];
  private readonly memoryLimit: number;
  private readonly logger?: Logger;
  private slots: Slot[] = [];
  private queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  private watch: NodeJS.Timeout | undefined;

  constructor(opts: QueryPoolOptions) {
    this.timeoutMs = opts.timeoutMs;
    this.maxResultBytes = opts.maxResultBytes;
    this.size = Math.max(1, opts.size ?? 2);
    this.logger = opts.logger;
    this.memoryLimit = WORKER_MEMORY_BASE + WORKER_MEMORY_FACTOR * opts.maxResultBytes;
  }

  /** Worker process ids (alive or starting), for tests and the benchmark. */
  pids(): number[] {
    return this.slots.map((s) => s.proc.pid!).filter(Boolean);
  }

  /** Runs one job on a worker; rejects with queryTimeout() past the deadline, an ApiError the worker raised, or an Error. */
  run(job: QueryJob): Promise<JobResult> {
    if (this.closed) return Promise.reject(new Error('The query pool is closed'));
    return new Promise<JobResult>((resolve, reject) => {
      const task: Task = { id: this.nextId++, job, resolve, reject, batches: [], settled: false };
      if (this.timeoutMs > 0) task.timer = setTimeout(() => this.expire(task), this.timeoutMs);
      this.queue.push(task);
      this.dispatch();
    });
  }

  /** Drops the workers' connections to a database file (the instance closed or was reset). */
  forget(file: string): void {
    for (const s of this.slots) if (s.ready && !s.killed) this.send(s, { type: 'forget', file });
  }

  /** Kills every worker; pending queries fail. */
  close(): void {
    this.closed = true;
    const err = new Error('The emulator is shutting down');
    for (const t of this.queue.splice(0)) this.settle(t, err);
    for (const s of this.slots) {
      if (s.task) this.settle(s.task, err);
      this.kill(s, 'close');
    }
    this.slots = [];
    this.stopWatch();
  }

  // ------------------------------------------------------------------ scheduling

  private dispatch(): void {
    if (this.closed) return;
    for (;;) {
      if (!this.queue.length) return;
      const idle = this.slots.filter((s) => s.ready && !s.task && !s.killed).sort((a, b) => b.lastUsed - a.lastUsed)[0];
      if (idle) {
        this.start(idle, this.queue.shift()!);
        continue;
      }
      const starting = this.slots.filter((s) => !s.ready).length;
      if (this.slots.length < this.size && starting < this.queue.length) {
        this.spawn();
        continue;
      }
      return;
    }
  }

  private start(slot: Slot, task: Task): void {
    slot.task = task;
    slot.proc.channel?.ref();
    this.send(slot, { type: 'run', id: task.id, job: task.job });
    this.startWatch();
  }

  private send(slot: Slot, m: ToWorker): void {
    try {
      slot.proc.send(m);
    } catch (e) {
      // the channel closed under us: the exit handler fails the task
      this.logger?.debug(`query worker ${slot.proc.pid}: send failed (${(e as Error).message})`);
    }
  }

  private spawn(): void {
    const entry = workerEntry();
    const spawnedAt = performance.now();
    const proc = fork(entry.path, [], {
      execArgv: entry.execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    // an idle pool must not keep the server's process alive; a running query holds it (channel ref + deadline)
    proc.unref();
    proc.channel?.unref();
    const slot: Slot = { proc, ready: false, spawnedAt, lastUsed: 0 };
    this.slots.push(slot);
    proc.on('message', (m: FromWorker) => this.onMessage(slot, m));
    proc.once('error', (e) => this.onExit(slot, e));
    proc.once('exit', (code, signal) => this.onExit(slot, new Error(`The query worker stopped unexpectedly (${signal ?? `exit ${code}`})`)));
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if (m.type === 'ready') {
      slot.ready = true;
      const ms = performance.now() - slot.spawnedAt;
      this.spawnTimes.push(ms);
      this.logger?.debug(`query worker ${slot.proc.pid} ready in ${ms.toFixed(1)} ms`);
      this.dispatch();
      return;
    }
    const task = slot.task;
    if (!task || task.id !== m.id) return;
    if (m.type === 'rows') {
      task.batches.push(m.rows);
      return;
    }
    this.release(slot);
    if (m.type === 'done') {
      this.settle(task, null, { columns: m.columns, types: m.types, rowCount: m.rowCount, rows: task.batches.flat(), csv: m.csv });
    } else {
      const e = m.error;
      this.settle(task, e.status ? new ApiError(e.status as ApiError['status'], e.message, e.details) : new Error(e.message));
    }
    this.dispatch();
  }

  private onExit(slot: Slot, err: Error): void {
    const known = this.slots.includes(slot);
    this.slots = this.slots.filter((s) => s !== slot);
    if (slot.task) {
      // a killed worker's task was already answered (timeout, memory); otherwise this is a crash
      if (!slot.killed) this.logger?.error(`query worker ${slot.proc.pid ?? '?'} failed`, err);
      this.settle(slot.task, err);
      slot.task = undefined;
    } else if (!slot.ready && !slot.killed && known) {
      // it never started: fail what waits rather than respawning in a loop
      this.logger?.error('query worker failed to start', err);
      for (const t of this.queue.splice(0)) this.settle(t, err);
    }
    if (!this.slots.some((s) => s.task)) this.stopWatch();
    this.dispatch();
  }

  private release(slot: Slot): void {
    slot.task = undefined;
    slot.lastUsed = performance.now();
    slot.proc.channel?.unref();
    if (!this.slots.some((s) => s.task)) this.stopWatch();
  }

  private settle(task: Task, err: unknown, result?: JobResult): void {
    if (task.settled) return;
    task.settled = true;
    if (task.timer) clearTimeout(task.timer);
    if (err) task.reject(err);
    else task.resolve(result!);
  }

  private kill(slot: Slot, why: NonNullable<Slot['killed']>): void {
    slot.killed = why;
    slot.proc.channel?.unref();
    if (slot.proc.exitCode === null && slot.proc.signalCode === null) slot.proc.kill('SIGKILL');
    // gone from the pool at once, so the next query gets a fresh worker without waiting for the exit
    this.slots = this.slots.filter((s) => s !== slot);
  }

  // ------------------------------------------------------------------ deadline and memory

  private expire(task: Task): void {
    if (task.settled) return;
    const queued = this.queue.indexOf(task);
    if (queued >= 0) this.queue.splice(queued, 1);
    const slot = this.slots.find((s) => s.task === task);
    this.settle(task, queryTimeout(this.timeoutMs));
    if (slot) {
      this.logger?.debug(`query ${task.id} ran past ${this.timeoutMs} ms: killing worker ${slot.proc.pid}`);
      this.kill(slot, 'timeout');
    }
    this.dispatch();
  }

  private startWatch(): void {
    if (this.watch || process.platform !== 'linux') return;
    this.watch = setInterval(() => {
      for (const s of [...this.slots]) {
        if (!s.task || !s.proc.pid) continue;
        const rss = rssBytes(s.proc.pid);
        if (rss !== null && rss > this.memoryLimit) {
          this.logger?.debug(`query ${s.task.id}: worker ${s.proc.pid} holds ${rss} bytes: killing it`);
          this.settle(s.task, resultTooLarge(this.maxResultBytes, 'The data this query builds'));
          this.kill(s, 'memory');
        }
      }
      this.dispatch();
    }, WATCH_MS);
    this.watch.unref();
  }

  private stopWatch(): void {
    if (this.watch) clearInterval(this.watch);
    this.watch = undefined;
  }
}
