import type { MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import { ApiError, badRequest, payloadTooLarge, unsupportedMediaType, type ErrorDetail } from './errors.js';
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
    const parsed = parseOrThrow(schema, value, where, { large });
    c.req.addValidatedData(target, parsed as never);
    await next();
  };
  validators.set(mw, { target, schema, optional: opts.optional ?? false });
  return mw;
}

export { ApiError };
