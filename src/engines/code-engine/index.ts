/**
 * Code Engine: runs a declared function of a package's JavaScript source in the sandbox and turns what
 * happened into Domo's execution fields (status, result, errorInformation, logs). No HTTP, no database.
 */
import type { Config } from '../../config.js';
import type { Logs, Outcome, SandboxLimits } from './protocol.js';
import { sandboxPool, type HostFunctions } from './sandbox.js';
import { checkResult, errorInformation, type ErrorInformation, type FunctionDecl } from './types.js';

export type { HostFunctions } from './sandbox.js';
export type { Logs, SandboxLimits } from './protocol.js';
export * from './types.js';

export interface CodeEngineLimits extends SandboxLimits {
  maxLogBytes: number;
}

/** The limits the emulator's options set (`--code-engine-timeout`, `--code-engine-memory`). */
export function codeEngineLimits(config: Pick<Config, 'codeEngineTimeoutMs' | 'codeEngineMemoryMb'>): CodeEngineLimits {
  return { timeoutMs: config.codeEngineTimeoutMs, memoryBytes: config.codeEngineMemoryMb * 1024 * 1024, maxLogBytes: 1024 * 1024 };
}

export interface RunOutcome {
  status: 'SUCCESS' | 'FAILED';
  result: unknown;
  errorInformation: ErrorInformation | null;
  logs: Logs;
}

/** Runs `fn` of `code` with positional `args` (already checked against the inputs). */
export async function runFunction(code: string, fn: FunctionDecl, args: unknown[], limits: CodeEngineLimits, host: HostFunctions): Promise<RunOutcome> {
  const outcome = await sandboxPool().run({ code, functionName: fn.name, argsJson: JSON.stringify(args), ...limits }, host);
  return toRunOutcome(fn, outcome, limits);
}

const STACK_LINES = 20;

/** The guest's stack without the sandbox's own frames (the prelude's invoke), at most 20 lines. */
function userStack(stack: string): string {
  const lines = stack.trimEnd().split('\n');
  const kept = lines.filter((l, i) => !/\((prelude|lookup|inspect)\.js:/.test(l) && !(l.trim() === 'at apply (native)' && /\(prelude\.js:/.test(lines[i + 1] ?? '')));
  if (kept.length <= STACK_LINES) return kept.join('\n');
  return [...kept.slice(0, STACK_LINES), `    ... ${kept.length - STACK_LINES} more frames`].join('\n');
}

function failed(fn: FunctionDecl, logs: Logs, messages: string[], fields: Partial<ErrorInformation> = {}): RunOutcome {
  return { status: 'FAILED', result: null, errorInformation: errorInformation(fn, { ...fields, errorMessages: messages }), logs };
}

function toRunOutcome(fn: FunctionDecl, o: Outcome, limits: CodeEngineLimits): RunOutcome {
  switch (o.type) {
    case 'returned': {
      const value = o.json === undefined ? null : (JSON.parse(o.json) as unknown);
      const checked = checkResult(fn, o.kind, value);
      if (!checked.ok) return { status: 'FAILED', result: null, errorInformation: checked.info, logs: o.logs };
      return { status: 'SUCCESS', result: checked.value, errorInformation: null, logs: o.logs };
    }
    case 'threw': {
      const where = o.phase === 'load' ? `Loading the package code failed` : `${fn.name} threw`;
      const messages = [`${where}: ${o.error.name}: ${o.error.message}`];
      const stack = o.error.stack ? userStack(o.error.stack) : '';
      if (stack) messages.push(stack);
      return failed(fn, o.logs, messages);
    }
    case 'timeout':
      return failed(fn, o.logs, [`${fn.name} did not finish within the time limit of ${limits.timeoutMs} ms (--code-engine-timeout)`]);
    case 'memory':
      return failed(fn, o.logs, [`${fn.name} ran out of memory: the limit is ${Math.round(limits.memoryBytes / 1024 / 1024)} MB (--code-engine-memory)`]);
    case 'never-settled':
      return failed(fn, o.logs, [`${fn.name} returned a promise that never settled (nothing was left to wait for)`]);
    case 'not-a-function':
      return failed(fn, o.logs, [`The package code defines no function named ${fn.name} (typeof ${fn.name} is ${o.actual})`]);
    case 'unserializable':
      return failed(fn, o.logs, [`The result of ${fn.name} cannot be sent back as JSON: ${o.message}`], { actualType: o.kind });
    case 'crashed':
      return failed(fn, o.logs, [`${fn.name} failed: ${o.message}`]);
    case 'inspected':
      return failed(fn, o.logs, ['unexpected sandbox answer']);
  }
}

export type InspectResult = { ok: true; types: Record<string, string> } | { ok: false; message: string };

/**
 * Loads `code` in the sandbox without calling anything, and reports `typeof` of each name: how a save
 * checks that the code defines every function the manifest declares.
 */
export async function inspectCode(code: string, names: string[], limits: CodeEngineLimits): Promise<InspectResult> {
  const o = await sandboxPool().run({ code, inspect: names, ...limits }, {});
  switch (o.type) {
    case 'inspected':
      return { ok: true, types: o.types };
    case 'threw':
      return { ok: false, message: `${o.error.name}: ${o.error.message}${o.error.stack ? ` (${o.error.stack.trim().split('\n')[0].trim()})` : ''}` };
    case 'timeout':
      return { ok: false, message: `loading the code did not finish within ${limits.timeoutMs} ms` };
    case 'memory':
      return { ok: false, message: `loading the code ran out of memory (limit ${Math.round(limits.memoryBytes / 1024 / 1024)} MB)` };
    default:
      return { ok: false, message: 'crashed' in o ? String((o as { message?: string }).message) : `the sandbox answered ${o.type}` };
  }
}
