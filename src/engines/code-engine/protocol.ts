/** Messages between the main thread (sandbox.ts) and a sandbox worker (sandbox-worker.ts). */

export interface SandboxLimits {
  /** Wall-clock budget of one run (loading the code, the call, awaiting its promise), in ms. */
  timeoutMs: number;
  /** QuickJS runtime memory limit, in bytes. */
  memoryBytes: number;
}

export interface RunJob extends SandboxLimits {
  /** The package source, evaluated as a classic script. */
  code: string;
  /** Call this function (a top-level binding of the code) with `argsJson` (a JSON array)... */
  functionName?: string;
  argsJson?: string;
  /** ...or only load the code and report `typeof` of each of these names (checks a manifest at save time). */
  inspect?: string[];
  /** Largest total console output kept, in bytes. */
  maxLogBytes: number;
}

export interface Logs {
  stdout: string[];
  stderr: string[];
}

export interface ThrownError {
  name: string;
  message: string;
  stack?: string;
}

export type Outcome =
  /** `kind` is the sandbox's view of the value (typeof, 'list', 'null', 'date', 'NaN'...); `json` its JSON text. */
  | { type: 'returned'; kind: string; json?: string; logs: Logs }
  | { type: 'inspected'; types: Record<string, string>; logs: Logs }
  | { type: 'threw'; error: ThrownError; phase: 'load' | 'call'; logs: Logs }
  | { type: 'not-a-function'; actual: string; logs: Logs }
  | { type: 'timeout'; logs: Logs }
  | { type: 'memory'; logs: Logs }
  | { type: 'never-settled'; logs: Logs }
  | { type: 'unserializable'; kind: string; message: string; logs: Logs }
  | { type: 'crashed'; message: string; logs: Logs };

export type ToWorker =
  | { type: 'run'; runId: number; job: RunJob }
  | { type: 'reply'; runId: number; callId: number; ok: true; json: string | undefined }
  | { type: 'reply'; runId: number; callId: number; ok: false; message: string };

export type FromWorker =
  | { type: 'call'; runId: number; callId: number; name: string; argsJson: string }
  | { type: 'done'; runId: number; outcome: Outcome; retire: boolean };
