/**
 * A sandbox worker: runs Code Engine package code in QuickJS (compiled to WebAssembly), one run at a time.
 *
 * The code sees only ECMAScript built-ins plus what the prelude below gives it: `console` (captured),
 * `codeengine` (host calls answered by the main thread), `require('codeengine')`, and `setTimeout`/
 * `clearTimeout` whose callbacks fire only while the run is still waiting on its promise. QuickJS has no
 * file system, network, process or module loader here, so `require('fs')`, `process`, `fetch` and
 * `import()` fail inside the guest. Each run gets a fresh runtime with a memory limit, a stack limit and an
 * interrupt handler at the deadline; the worker thread keeps the main thread's event loop free meanwhile.
 */
import { parentPort } from 'node:worker_threads';
import type { QuickJSContext, QuickJSDeferredPromise, QuickJSHandle, QuickJSRuntime, QuickJSSyncVariant, QuickJSWASMModule } from 'quickjs-emscripten-core';
import type { FromWorker, Logs, Outcome, RunJob, ThrownError, ToWorker } from './protocol.js';

if (!parentPort) throw new Error('sandbox-worker runs only as a worker thread');
const port = parentPort;

/**
 * QuickJS's own stack limit. It must stay far below the thread's native stack (32 MB, set by the pool):
 * WebAssembly frames use the native stack too, and a native overflow inside QuickJS would corrupt it.
 */
const QUICKJS_STACK_BYTES = 1024 * 1024;

let modulePromise: Promise<QuickJSWASMModule> | undefined;
function quickjs(): Promise<QuickJSWASMModule> {
  modulePromise ??= (async () => {
    const { newQuickJSWASMModuleFromVariant } = await import('quickjs-emscripten-core');
    // the variant package is CommonJS-typed: its default export is the variant object
    const variant = (await import('@jitl/quickjs-wasmfile-release-sync')) as unknown as { default: QuickJSSyncVariant };
    return newQuickJSWASMModuleFromVariant(variant.default);
  })();
  return modulePromise;
}

/** Evaluated first in every context: builds the guest's globals around two host functions it then hides. */
const PRELUDE = String.raw`(function (emit, hostCall, setTimer, clearTimer) {
  'use strict';
  const show = (v) => {
    if (typeof v === 'string') return v;
    if (v instanceof Error) return v.stack ? v.name + ': ' + v.message + '\n' + v.stack : v.name + ': ' + v.message;
    if (typeof v === 'function') return '[Function ' + (v.name || 'anonymous') + ']';
    if (v === undefined || typeof v === 'symbol' || typeof v === 'bigint') return String(v);
    try { const s = JSON.stringify(v); return s === undefined ? String(v) : s; } catch (e) { return String(v); }
  };
  const line = (args) => Array.prototype.map.call(args, show).join(' ');
  const out = function () { emit(1, line(arguments)); };
  const err = function () { emit(2, line(arguments)); };
  const console = Object.freeze({ log: out, info: out, debug: out, trace: out, warn: err, error: err });
  const call = (name, args) => hostCall(name, JSON.stringify(args)).then((s) => (s === undefined ? undefined : JSON.parse(s)));
  const codeengine = Object.freeze({
    getExecutionDetails: (executionId) => call('getExecutionDetails', [executionId]),
    getPersonDetails: (personId) => call('getPersonDetails', [personId]),
    getAccount: (alias) => call('getAccount', [alias]),
    sendRequest: (method, url, body, headers, contentType) => call('sendRequest', [method, url, body === undefined ? null : body, headers === undefined ? null : headers, contentType === undefined ? null : contentType]),
  });
  const require = function require(name) {
    if (name === 'codeengine') return codeengine;
    throw new Error("Cannot find module '" + name + "': the Code Engine sandbox provides only 'codeengine' (no Node.js modules, no file system, no network)");
  };
  const setTimeout = function setTimeout(fn, ms) {
    if (typeof fn !== 'function') throw new TypeError('setTimeout: callback must be a function');
    const args = Array.prototype.slice.call(arguments, 2);
    return setTimer(() => fn.apply(undefined, args), Number(ms) || 0);
  };
  const clearTimeout = function clearTimeout(id) { clearTimer(Number(id) || 0); };
  const define = (name, value) => Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  define('console', console);
  define('codeengine', codeengine);
  define('require', require);
  define('setTimeout', setTimeout);
  define('clearTimeout', clearTimeout);
  const kindOf = (v) => {
    if (v === null) return 'null';
    if (Array.isArray(v)) return 'list';
    if (v instanceof Date) return 'date';
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    return typeof v;
  };
  return {
    invoke: (fn, argsJson) => fn.apply(undefined, JSON.parse(argsJson)),
    describe: (v) => {
      const kind = kindOf(v);
      if (kind === 'undefined' || kind === 'function' || kind === 'symbol' || kind === 'bigint' || kind === 'NaN' || kind === 'Infinity' || kind === '-Infinity') return JSON.stringify({ kind });
      let json;
      try { json = JSON.stringify(v); } catch (e) { return JSON.stringify({ kind, error: String(e && e.message || e) }); }
      return JSON.stringify({ kind, json });
    },
  };
})`;

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

class Run {
  readonly logs: Logs = { stdout: [], stderr: [] };
  private logBytes = 0;
  private logCut = false;
  private readonly deadline: number;
  private nextCallId = 1;
  private readonly calls = new Map<number, QuickJSDeferredPromise>();
  private nextTimerId = 1;
  private readonly timers = new Map<number, { due: number; fn: QuickJSHandle }>();
  private wake: (() => void) | undefined;
  /** Set when QuickJS or its bindings failed at the host level: the module may be unusable, so the worker retires. */
  poisoned = false;

  constructor(
    readonly runId: number,
    readonly job: RunJob,
    private readonly rt: QuickJSRuntime,
    private readonly ctx: QuickJSContext,
  ) {
    this.deadline = performance.now() + job.timeoutMs;
    rt.setMemoryLimit(job.memoryBytes);
    rt.setMaxStackSize(QUICKJS_STACK_BYTES);
    rt.setInterruptHandler(() => performance.now() > this.deadline);
  }

  private pastDeadline(): boolean {
    return performance.now() > this.deadline;
  }

  private log(stream: 1 | 2, text: string): void {
    if (this.logCut) return;
    this.logBytes += Buffer.byteLength(text) + 1;
    if (this.logBytes > this.job.maxLogBytes) {
      this.logCut = true;
      this.logs.stderr.push(`[console output cut at ${this.job.maxLogBytes} bytes]`);
      return;
    }
    (stream === 1 ? this.logs.stdout : this.logs.stderr).push(text);
  }

  /** The host functions the prelude closes over (never reachable as globals). */
  private hostFunctions(): QuickJSHandle[] {
    const ctx = this.ctx;
    const emit = ctx.newFunction('emit', (s, t) => {
      this.log(ctx.getNumber(s) === 2 ? 2 : 1, ctx.getString(t));
    });
    const hostCall = ctx.newFunction('hostCall', (n, a) => {
      const callId = this.nextCallId++;
      const deferred = ctx.newPromise();
      this.calls.set(callId, deferred);
      post({ type: 'call', runId: this.runId, callId, name: ctx.getString(n), argsJson: ctx.getString(a) });
      return deferred.handle;
    });
    const setTimer = ctx.newFunction('setTimer', (fn, ms) => {
      const id = this.nextTimerId++;
      this.timers.set(id, { due: performance.now() + Math.max(0, ctx.getNumber(ms)), fn: fn.dup() });
      return ctx.newNumber(id);
    });
    const clearTimer = ctx.newFunction('clearTimer', (id) => {
      const t = this.timers.get(ctx.getNumber(id));
      if (!t) return;
      t.fn.dispose();
      this.timers.delete(ctx.getNumber(id));
    });
    return [emit, hostCall, setTimer, clearTimer];
  }

  /** A reply from the main thread to a host call. */
  reply(m: Extract<ToWorker, { type: 'reply' }>): void {
    const deferred = this.calls.get(m.callId);
    if (!deferred) return;
    this.calls.delete(m.callId);
    if (m.ok) {
      if (m.json === undefined) deferred.resolve(this.ctx.undefined);
      else {
        const s = this.ctx.newString(m.json);
        deferred.resolve(s);
        s.dispose();
      }
    } else {
      const e = this.ctx.newError(m.message);
      deferred.reject(e);
      e.dispose();
    }
    deferred.dispose();
    this.wake?.();
  }

  private error(handle: QuickJSHandle): ThrownError {
    try {
      const d = this.ctx.dump(handle) as unknown;
      if (d && typeof d === 'object' && 'message' in d) {
        const e = d as { name?: unknown; message?: unknown; stack?: unknown };
        return { name: String(e.name ?? 'Error'), message: String(e.message), stack: typeof e.stack === 'string' && e.stack ? e.stack : undefined };
      }
      return { name: 'Error', message: typeof d === 'string' ? d : JSON.stringify(d) ?? String(d) };
    } catch {
      return { name: 'InternalError', message: 'out of memory' };
    } finally {
      handle.dispose();
    }
  }

  /** A thrown value -> timeout, memory or an ordinary throw. */
  private thrown(handle: QuickJSHandle, phase: 'load' | 'call'): Outcome {
    const e = this.error(handle);
    if (e.name === 'InternalError' && e.message === 'interrupted' && this.pastDeadline()) return { type: 'timeout', logs: this.logs };
    if (e.name === 'InternalError' && e.message === 'out of memory') return { type: 'memory', logs: this.logs };
    return { type: 'threw', error: e, phase, logs: this.logs };
  }

  async execute(): Promise<Outcome> {
    const { ctx, job } = this;
    const prelude = ctx.evalCode(PRELUDE, 'prelude.js');
    if (prelude.error) return { type: 'crashed', message: `prelude: ${this.error(prelude.error).message}`, logs: this.logs };
    const hosts = this.hostFunctions();
    const made = ctx.callFunction(prelude.value, ctx.undefined, ...hosts);
    prelude.value.dispose();
    for (const h of hosts) h.dispose();
    if (made.error) return { type: 'crashed', message: `prelude: ${this.error(made.error).message}`, logs: this.logs };
    const helpers = made.value;
    try {
      const loaded = ctx.evalCode(job.code, 'package.js');
      if (loaded.error) return this.thrown(loaded.error, 'load');
      loaded.value.dispose();
      if (job.inspect) return this.inspect(job.inspect);
      return await this.call(helpers);
    } finally {
      helpers.dispose();
    }
  }

  private inspect(names: string[]): Outcome {
    const types: Record<string, string> = {};
    for (const n of names) {
      if (!identifier.test(n)) continue;
      const r = this.ctx.evalCode(`typeof ${n}`, 'inspect.js');
      if (r.error) {
        // a `let`/`const` still in its temporal dead zone, or a deadline reached while loading
        const o = this.thrown(r.error, 'load');
        if (o.type === 'timeout' || o.type === 'memory') return o;
        types[n] = 'undefined';
        continue;
      }
      types[n] = this.ctx.getString(r.value);
      r.value.dispose();
    }
    return { type: 'inspected', types, logs: this.logs };
  }

  private async call(helpers: QuickJSHandle): Promise<Outcome> {
    const { ctx, job } = this;
    const name = job.functionName ?? '';
    if (!identifier.test(name)) return { type: 'not-a-function', actual: 'undefined', logs: this.logs };
    const found = ctx.evalCode(`typeof ${name} === 'function' ? ${name} : typeof ${name}`, 'lookup.js');
    if (found.error) {
      const o = this.thrown(found.error, 'load');
      return o.type === 'threw' ? { type: 'not-a-function', actual: 'undefined', logs: this.logs } : o;
    }
    if (ctx.typeof(found.value) !== 'function') {
      const actual = ctx.getString(found.value);
      found.value.dispose();
      return { type: 'not-a-function', actual, logs: this.logs };
    }
    const invoke = ctx.getProp(helpers, 'invoke');
    const args = ctx.newString(job.argsJson ?? '[]');
    const called = ctx.callFunction(invoke, ctx.undefined, found.value, args);
    invoke.dispose();
    args.dispose();
    found.value.dispose();
    if (called.error) return this.thrown(called.error, 'call');
    let value = called.value;
    // An async function (or any promise): pump QuickJS's job queue, host replies and timers until it settles.
    for (;;) {
      const state = ctx.getPromiseState(value);
      if (state.type === 'fulfilled') {
        if (!state.notAPromise) {
          value.dispose();
          value = state.value;
        }
        break;
      }
      if (state.type === 'rejected') {
        value.dispose();
        return this.thrown(state.error, 'call');
      }
      const jobs = this.rt.executePendingJobs();
      if (jobs.error) {
        value.dispose();
        return this.thrown(jobs.error, 'call');
      }
      if (this.pastDeadline()) {
        value.dispose();
        return { type: 'timeout', logs: this.logs };
      }
      if (this.rt.hasPendingJob() || this.settled(value)) continue;
      if (this.fireDueTimer()) continue;
      if (!this.calls.size && !this.timers.size) {
        value.dispose();
        return { type: 'never-settled', logs: this.logs };
      }
      await this.waitForWork();
    }
    const describe = ctx.getProp(helpers, 'describe');
    const described = ctx.callFunction(describe, ctx.undefined, value);
    describe.dispose();
    value.dispose();
    if (described.error) return this.thrown(described.error, 'call');
    const d = JSON.parse(ctx.getString(described.value)) as { kind: string; json?: string; error?: string };
    described.value.dispose();
    if (d.error !== undefined) return { type: 'unserializable', kind: d.kind, message: d.error, logs: this.logs };
    return { type: 'returned', kind: d.kind, json: d.json, logs: this.logs };
  }

  /** Whether a promise is no longer pending (without keeping the handle a settled state carries). */
  private settled(promise: QuickJSHandle): boolean {
    const state = this.ctx.getPromiseState(promise);
    if (state.type === 'pending') return false;
    if (state.type === 'fulfilled') {
      if (!state.notAPromise) state.value.dispose();
    } else state.error.dispose();
    return true;
  }

  /** Runs the earliest timer whose time has come; false if none is due. */
  private fireDueTimer(): boolean {
    const now = performance.now();
    let next: [number, { due: number; fn: QuickJSHandle }] | undefined;
    for (const e of this.timers) if (e[1].due <= now && (!next || e[1].due < next[1].due)) next = e;
    if (!next) return false;
    this.timers.delete(next[0]);
    const r = this.ctx.callFunction(next[1].fn, this.ctx.undefined);
    next[1].fn.dispose();
    // a throwing callback is reported like an uncaught exception in a timer: on stderr, the run goes on
    if (r.error) {
      const e = this.error(r.error);
      if (e.message === 'interrupted' || e.message === 'out of memory') return true; // the loop sees the deadline / the limit next
      this.log(2, `Uncaught ${e.name}: ${e.message}`);
    } else r.value.dispose();
    return true;
  }

  /** Sleeps until a host reply arrives, the next timer is due, or the deadline. */
  private waitForWork(): Promise<void> {
    let until = this.deadline;
    for (const t of this.timers.values()) until = Math.min(until, t.due);
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, until - performance.now()) + 1);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  dispose(): void {
    for (const d of this.calls.values()) d.dispose();
    this.calls.clear();
    for (const t of this.timers.values()) t.fn.dispose();
    this.timers.clear();
  }
}

function post(m: FromWorker): void {
  port.postMessage(m);
}

let current: Run | undefined;

async function run(runId: number, job: RunJob): Promise<void> {
  let outcome: Outcome;
  let retire = false;
  let rt: QuickJSRuntime | undefined;
  let ctx: QuickJSContext | undefined;
  try {
    const mod = await quickjs();
    rt = mod.newRuntime();
    ctx = rt.newContext();
    current = new Run(runId, job, rt, ctx);
    outcome = await current.execute();
  } catch (e) {
    // QuickJS or its bindings failed at the host level (a native stack overflow, a WebAssembly abort)
    const err = e as Error;
    const message = err instanceof RangeError ? 'the sandbox ran out of native stack (too deep a recursion)' : `the sandbox failed: ${err.message}`;
    outcome = { type: 'crashed', message, logs: current?.logs ?? { stdout: [], stderr: [] } };
    retire = true;
  }
  try {
    current?.dispose();
    ctx?.dispose();
    rt?.dispose();
  } catch {
    retire = true; // a runtime that cannot be freed cleanly leaves the module in doubt: start afresh
  }
  current = undefined;
  post({ type: 'done', runId, outcome, retire });
  if (retire) process.exit(0);
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'run') void run(m.runId, m.job);
  else if (m.type === 'reply' && current?.runId === m.runId) current.reply(m);
});
