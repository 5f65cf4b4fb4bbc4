/**
 * The main thread's side of the Code Engine sandbox: a small pool of worker threads (sandbox-worker.ts),
 * started on the first run (never at startup), each loading the QuickJS WebAssembly module once.
 *
 * Why workers: a run may spin until its deadline; in a worker the emulator keeps answering other requests
 * meanwhile (QuickJS's interrupt handler alone would bound the stall, but not avoid it). A worker that does
 * not answer by the deadline plus a grace period is terminated and replaced, so even a hang inside
 * QuickJS itself cannot outlive its run.
 *
 * The pool holds no instance state (code, limits and host answers come with each run), so one pool per
 * process serves every instance.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { packageRoot } from '../../paths.js';
import type { FromWorker, Outcome, RunJob, ToWorker } from './protocol.js';

/** Host functions the guest's `codeengine.*` reach; each gets JSON-decoded arguments. */
export type HostFunctions = Record<string, (...args: unknown[]) => unknown>;

/** Past the run's deadline, how long the worker may take to report before it is terminated. */
const GRACE_MS = 2000;
/** Native stack of a worker thread: QuickJS's own 1 MB limit must stay far below it (see sandbox-worker.ts). */
const WORKER_STACK_MB = 32;

/**
 * Where the worker's code is: beside this module when running from source (through tsx) or from dist/src,
 * and under dist/src when this module was bundled into dist/domo-emulator.mjs.
 */
function startWorker(options: WorkerOptions): Worker {
  const here = new URL(import.meta.url);
  if (here.pathname.endsWith('.ts')) {
    // from source (tests, tsx): a bootstrap registers tsx's loader in the worker, then imports the .ts entry
    const tsxRoot = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
    const tsx = pathToFileURL(join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href; // its ESM entry (`import` of tsx/esm/api)
    const entry = new URL('./sandbox-worker.ts', here).href;
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
    return new Worker(boot, { ...options, eval: true });
  }
  const sibling = new URL('./sandbox-worker.js', here);
  if (existsSync(fileURLToPath(sibling))) return new Worker(sibling, options);
  return new Worker(join(packageRoot, 'dist', 'src', 'engines', 'code-engine', 'sandbox-worker.js'), options);
}

interface Pending {
  runId: number;
  job: RunJob;
  host: HostFunctions;
  resolve: (o: Outcome) => void;
}

class Slot {
  readonly worker: Worker;
  busy: (Pending & { watchdog: NodeJS.Timeout }) | undefined;
  dead = false;

  constructor(private readonly pool: SandboxPool) {
    this.worker = startWorker({ resourceLimits: { stackSizeMb: WORKER_STACK_MB } });
    this.worker.unref(); // an idle sandbox never keeps the process alive
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (e) => this.finish({ type: 'crashed', message: `the sandbox failed: ${e.message}`, logs: { stdout: [], stderr: [] } }, true));
    this.worker.on('exit', () => this.finish({ type: 'crashed', message: 'the sandbox stopped unexpectedly', logs: { stdout: [], stderr: [] } }, true));
  }

  start(p: Pending): void {
    const watchdog = setTimeout(() => {
      // the worker did not report in time: stop it (its run is a timeout) and let the pool start another
      this.finish({ type: 'timeout', logs: { stdout: [], stderr: [] } }, true);
      void this.worker.terminate();
    }, p.job.timeoutMs + GRACE_MS);
    this.busy = { ...p, watchdog };
    this.send({ type: 'run', runId: p.runId, job: p.job });
  }

  private send(m: ToWorker): void {
    if (!this.dead) this.worker.postMessage(m);
  }

  private onMessage(m: FromWorker): void {
    const b = this.busy;
    if (!b || m.runId !== b.runId) return;
    if (m.type === 'done') {
      this.finish(m.outcome, m.retire);
      return;
    }
    void this.answer(b, m);
  }

  /** A host call from the guest: run the host function here, send back its JSON (or its error message). */
  private async answer(b: Pending, m: Extract<FromWorker, { type: 'call' }>): Promise<void> {
    let reply: ToWorker;
    try {
      const fn = Object.hasOwn(b.host, m.name) ? b.host[m.name] : undefined;
      if (!fn) throw new Error(`codeengine.${m.name} is not available in the emulator`);
      const args = JSON.parse(m.argsJson) as unknown[];
      const value = await fn(...args);
      reply = { type: 'reply', runId: m.runId, callId: m.callId, ok: true, json: value === undefined ? undefined : JSON.stringify(value) };
    } catch (e) {
      reply = { type: 'reply', runId: m.runId, callId: m.callId, ok: false, message: (e as Error).message ?? String(e) };
    }
    if (this.busy?.runId === m.runId) this.send(reply);
  }

  private finish(outcome: Outcome, retire: boolean): void {
    const b = this.busy;
    this.busy = undefined;
    if (b) {
      clearTimeout(b.watchdog);
      b.resolve(outcome);
    }
    if (retire && !this.dead) {
      this.dead = true;
      this.pool.retire(this);
    }
    if (!this.dead) this.pool.next(this);
  }
}

export class SandboxPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextRunId = 1;

  constructor(readonly size: number) {}

  run(job: RunJob, host: HostFunctions): Promise<Outcome> {
    return new Promise((resolve) => {
      this.queue.push({ runId: this.nextRunId++, job, host, resolve });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.busy && !s.dead);
      if (!slot && this.slots.length < this.size) {
        slot = new Slot(this);
        this.slots.push(slot);
      }
      if (!slot) return;
      slot.start(this.queue.shift()!);
    }
  }

  next(_slot: Slot): void {
    this.dispatch();
  }

  retire(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    void slot.worker.terminate();
    this.dispatch();
  }
}

let shared: SandboxPool | undefined;

/** The process's sandbox pool, created on first use: up to 4 workers, at least 2. */
export function sandboxPool(): SandboxPool {
  shared ??= new SandboxPool(Math.max(2, Math.min(4, availableParallelism())));
  return shared;
}
