import type { MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import { ApiError, badRequest, notFound, payloadTooLarge, unsupportedMediaType, type ErrorDetail } from './errors.js';
import type { AppEnv } from './env.js';

type Target = 'json' | 'query' | 'param';

/**
 * What each valid() middleware validates, keyed by the middleware function itself: the OpenAPI
 * generator (src/openapi.ts) reads a route's handler chain from the route table and finds its request
 * schemas here, so the schema that validates a request is the one that documents it.
 */
const validators = new WeakMap<Function, { target: Target; schema: z.ZodType; optional: boolean }>();

/** The request schema a valid() middleware carries (undefined for any other handler). */
export function validatorOf(handler: Function): { target: Target; schema: z.ZodType; optional: boolean } | undefined {
  return validators.get(handler);
}

/** At most this many `details` entries in a 400 (then one entry saying how many more there were). */
export const MAX_DETAILS = 20;
/** Bodies larger than this are validated with zod's early bail (the first problems, not every one). */
const LARGE_INPUT_CHARS = 64 * 1024;

/**
 * zod issues -> the `details` list of a 400: the first MAX_DETAILS, then `{path, message: "N more
 * problems not listed"}` (a 10 MB array of wrong items must not answer a 145 MB error).
 */
export function issuesToDetails(issues: readonly z.core.$ZodIssue[], prefix: string, more = ''): ErrorDetail[] {
  issues = issues.flatMap(unionBranch);
  const out = issues.slice(0, MAX_DETAILS).map((i) => ({
    path: [prefix, ...i.path.map(String)].filter((p) => p !== '').join('.'),
    message: i.message,
  }));
  const rest = issues.length - out.length;
  if (rest > 0) out.push({ path: prefix, message: `${rest} more problem${rest === 1 ? '' : 's'} not listed` });
  else if (more) out.push({ path: prefix, message: more });
  return out;
}

/**
 * A union's "Invalid input" names no field: it becomes the problems of the branch that got furthest
 * (its deepest issue path), so the message always names the field that was wrong.
 */
function unionBranch(i: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (i.code !== 'invalid_union' || !i.errors?.length) return [i];
  const depth = (branch: readonly z.core.$ZodIssue[]) => Math.max(...branch.map((b) => b.path.length));
  const best = i.errors.reduce((a, b) => (depth(b) > depth(a) ? b : a));
  if (!best.length || depth(best) === 0) return [i];
  return best.flatMap((b) => unionBranch({ ...b, path: [...i.path, ...b.path] } as z.core.$ZodIssue));
}

/**
 * Validates `value` or throws the 400. `large` inputs (big bodies) stop at the first problem that
 * aborts their container (zod's abortEarly): a huge array of wrong items fails in microseconds instead
 * of building an issue per item.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where: string, opts: { large?: boolean } = {}): z.output<S> {
  const r = opts.large ? schema.safeParse(value, { abortEarly: true } as z.core.ParseContext<z.core.$ZodIssue>) : schema.safeParse(value);
  if (!r.success) {
    const details = issuesToDetails(r.error.issues, where, opts.large ? 'validation stopped at the first problems (large body)' : '');
    throw badRequest(`Invalid ${where}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  }
  return r.data;
}

/** Deepest nesting of arrays and objects accepted in a JSON body (MongoDB's document limit). */
export const MAX_JSON_DEPTH = 100;

/**
 * Refuses JSON text nested deeper than `max` levels, before it is parsed (one pass, strings skipped), so
 * no recursive code downstream (validators, filters, stores) ever sees a 10,000-level structure.
 */
export function assertJsonDepth(text: string, where: string, max = MAX_JSON_DEPTH): void {
  // one pass over the characters (about 8 ns each, a fraction of JSON.parse's cost)
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) throw tooDeep(where, max);
    } else if (c === 93 || c === 125) depth--;
  }
}

const tooDeep = (where: string, max: number) =>
  badRequest(`The JSON ${where} is nested deeper than the limit of ${max} levels`, [{ path: where, message: `Nested deeper than ${max} levels` }]);

/**
 * The one rule for prototype keys: `__proto__` is refused as a key anywhere in client JSON (a 400
 * naming where), because JavaScript cannot hold it as a plain field (assignment changes the object's
 * prototype instead) and nothing could store it faithfully. `constructor` and `prototype` are plain
 * field names; code that looks keys up uses own properties only (Object.hasOwn).
 * Iterative, so any depth is safe; also checks the depth limit for values not parsed from text here.
 */
export function assertPlainJson(value: unknown, where: string, max = MAX_JSON_DEPTH): void {
  const stack: Array<{ v: unknown; path: string; depth: number }> = [{ v: value, path: where, depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) throw tooDeep(where, max);
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) if (v[i] !== null && typeof v[i] === 'object') stack.push({ v: v[i], path: `${path}[${i}]`, depth: depth + 1 });
      continue;
    }
    for (const k of Object.keys(v)) {
      if (k === '__proto__') {
        throw badRequest(`'__proto__' cannot be used as a field name (at ${path})`, [{ path: `${path}.__proto__`, message: "'__proto__' is not allowed as a key" }]);
      }
      const child = (v as Record<string, unknown>)[k];
      if (child !== null && typeof child === 'object') stack.push({ v: child, path: `${path}.${k}`, depth: depth + 1 });
    }
  }
}

/** Client JSON text -> a value: depth checked before parsing, prototype keys after; malformed is a 400. */
export function parseClientJson(text: string, where = 'body'): unknown {
  assertJsonDepth(text, where);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const what = where === 'body' ? 'Malformed JSON in request body' : `${where} is not JSON`;
    throw badRequest(`${what}: ${(e as Error).message}`, [{ path: where, message: 'Malformed JSON' }]);
  }
  assertPlainJson(value, where);
  return value;
}

/** How much of a body past its limit is still read (and discarded) before the 413. */
const DRAIN_AFTER_LIMIT = 64 * 1024 * 1024;

const jsonType = /^application\/([\w.-]+\+)?json$/i;

/**
 * Reads a body as text within the size limit. The one place that decides body rules:
 * a JSON route takes `application/json` (or `*+json`), `text/plain` (what fetch() sends for a string
 * body when the script sets no header) or no content type; any other declared type is a 415.
 * Bodies over the limit are a 413.
 */
export async function readTextBody(req: Request, limit: number): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (declared > limit) throw payloadTooLarge(limit);
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // read on (discarding) for a while, so a client still sending gets the 413 rather than a reset
      for (let extra = 0; extra < DRAIN_AFTER_LIMIT; ) {
        const next = await reader.read().catch(() => ({ done: true as const, value: undefined }));
        if (next.done) break;
        extra += next.value.byteLength;
      }
      await reader.cancel().catch(() => {});
      throw payloadTooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function readJsonBody(c: Parameters<MiddlewareHandler<AppEnv>>[0], optional = false): Promise<unknown> {
  return (await readJson(c, optional)).value;
}

/** The body as JSON (the one place bodies are parsed: type, size, depth and prototype-key rules), with its length. */
async function readJson(c: Parameters<MiddlewareHandler<AppEnv>>[0], optional: boolean): Promise<{ value: unknown; chars: number }> {
  const type = (c.req.header('content-type') ?? '').split(';')[0].trim();
  if (type && !jsonType.test(type) && type.toLowerCase() !== 'text/plain') {
    throw unsupportedMediaType(`Expected a JSON body (Content-Type: application/json), got '${type}'`);
  }
  const text = await readTextBody(c.req.raw, c.get('config').maxBodyBytes);
  if (text.trim() === '') {
    if (optional) return { value: undefined, chars: 0 };
    throw badRequest('A JSON request body is required', [{ path: 'body', message: 'Required' }]);
  }
  return { value: parseClientJson(text, 'body'), chars: text.length };
}

/**
 * Validates one part of the request with zod; the handler reads the result with c.req.valid(target).
 * Failures are 400s whose details name each bad field.
 */
export function valid<T extends Target, S extends z.ZodType>(
  target: T,
  schema: S,
  opts: { optional?: boolean } = {},
): MiddlewareHandler<AppEnv, string, { in: { [K in T]: z.input<S> }; out: { [K in T]: z.output<S> } }> {
  const mw: MiddlewareHandler<AppEnv, string, { in: { [K in T]: z.input<S> }; out: { [K in T]: z.output<S> } }> = async (c, next) => {
    let value: unknown;
    let large = false;
    if (target === 'json') {
      const body = await readJson(c, opts.optional ?? false);
      value = body.value;
      large = body.chars > LARGE_INPUT_CHARS;
    } else if (target === 'query') {
      value = c.req.url.includes('?')
        ? Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => [k, v.length === 1 ? v[0] : v]))
        : {};
    } else value = c.req.param();
    const where = target === 'json' ? 'body' : target === 'param' ? 'path' : 'query';
    if (target === 'param') assertRouteSegments(schema, value as Record<string, string>, c.req.method, c.req.path);
    let parsed: unknown;
    if (target === 'json' && !large) {
      const lenient = parseLenient(schema, value);
      if (lenient.ignored.length) c.set('warnings', [...(c.var.warnings ?? []), ...lenient.ignored.map((f) => `ignored unknown field ${f}`)]);
      parsed = lenient.ok ? lenient.data : parseOrThrow(schema, lenient.value, where);
    } else parsed = parseOrThrow(schema, value, where, { large });
    c.req.addValidatedData(target, parsed as never);
    await next();
  };
  validators.set(mw, { target, schema, optional: opts.optional ?? false });
  return mw;
}

/**
 * A path parameter whose schema wants a number but whose segment is not one (`/groups/grouplist`) is a
 * literal segment no route serves: a 404 "No route", never a validation error.
 */
function assertRouteSegments(schema: z.ZodType, params: Record<string, string>, method: string, path: string): void {
  const r = schema.safeParse(params);
  if (r.success) return;
  for (const i of r.error.issues) {
    const key = String(i.path[0] ?? '');
    const raw = params[key];
    if (wants(i, 'number') && typeof raw === 'string' && !/^-?\d+(\.\d+)?$/.test(raw.trim())) {
      throw notFound(`No route for ${method} ${path}: '${raw}' is not a valid ${key}`);
    }
  }
}

const numericText = /^-?\d+(\.\d+)?$/;

/** The value at `path` inside `root` and its container (for the repairs below). */
function locate(root: unknown, path: readonly PropertyKey[]): { parent: Record<string | number, unknown>; key: string | number } | undefined {
  if (!path.length) return undefined;
  let cur: unknown = root;
  for (const k of path.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k as string];
  }
  if (cur === null || typeof cur !== 'object') return undefined;
  return { parent: cur as Record<string | number, unknown>, key: path[path.length - 1] as string | number };
}

/**
 * The general rules for what clients send, applied to every JSON body (as Domo's Java services read
 * JSON): a `null` in a field that does not take null is that field absent; a numeric string where a
 * number is wanted is that number; fields the
 * schema does not know are ignored (returned, for the journal's warnings). The body is repaired only
 * where zod reports a problem, then validated again; what still fails is the usual 400.
 */
export function parseLenient(schema: z.ZodType, value: unknown): { ok: true; data: unknown; ignored: string[] } | { ok: false; value: unknown; ignored: string[] } {
  const ignored = unknownFields(schema, value, 'body');
  let r = schema.safeParse(value);
  if (r.success) return { ok: true, data: r.data, ignored };
  let work: unknown = value;
  let copied = false;
  for (let round = 0; round < 5 && !r.success; round++) {
    let changed = false;
    for (const i of r.error.issues) {
      if (i.code !== 'invalid_type' && i.code !== 'invalid_union') continue;
      if (!copied) {
        work = structuredClone(value);
        copied = true;
      }
      const at = locate(work, i.path);
      if (!at) continue;
      const v = at.parent[at.key];
      if (v === null) {
        if (Array.isArray(at.parent)) continue;
        delete at.parent[at.key];
        changed = true;
      } else if (typeof v === 'string' && numericText.test(v.trim()) && wants(i, 'number')) {
        at.parent[at.key] = Number(v.trim());
        changed = true;
      }
    }
    if (!changed) break;
    r = schema.safeParse(work);
  }
  return r.success ? { ok: true, data: r.data, ignored } : { ok: false, value, ignored };
}

/** Whether a zod issue says `type` would have been accepted (directly or by one branch of a union). */
function wants(i: z.core.$ZodIssue, type: string): boolean {
  if (i.code === 'invalid_type') return i.expected === type;
  if (i.code === 'invalid_union') return i.errors.some((branch) => branch.some((b) => b.code === 'invalid_type' && b.expected === type && b.path.length === 0));
  return false;
}

/** Top-level (and array-item) keys of a JSON body that its object schema does not declare. */
function unknownFields(schema: z.ZodType, value: unknown, where: string): string[] {
  const shape = objectShape(schema);
  if (!shape || value === null || typeof value !== 'object') return [];
  const items = Array.isArray(value) ? value : [value];
  const out = new Set<string>();
  for (const item of items.slice(0, 100)) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) continue;
    for (const k of Object.keys(item)) if (!Object.hasOwn(shape, k)) out.add(`${where}.${k}`);
  }
  return [...out];
}

/** The declared keys of an object schema (through optional/array/pipe/union wrappers); undefined when not one that strips unknown keys. */
function objectShape(schema: z.ZodType): Record<string, unknown> | undefined {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  switch (def.type) {
    case 'object': {
      const catchall = def.catchall as { _zod?: { def?: { type?: string } } } | undefined;
      return catchall && catchall._zod?.def?.type !== 'never' ? undefined : (def.shape as Record<string, unknown>);
    }
    case 'array':
      return objectShape(def.element as z.ZodType);
    case 'optional':
    case 'nullable':
    case 'default':
      return objectShape(def.innerType as z.ZodType);
    case 'pipe':
      return objectShape(def.in as z.ZodType);
    case 'union': {
      const shapes = (def.options as z.ZodType[]).map(objectShape);
      if (shapes.some((s) => !s)) return undefined;
      return Object.assign({}, ...shapes);
    }
    default:
      return undefined;
  }
}

export { ApiError };
