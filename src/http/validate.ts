import type { MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import { ApiError, badRequest, payloadTooLarge, unsupportedMediaType, type ErrorDetail } from './errors.js';
import type { AppEnv } from './env.js';

type Target = 'json' | 'query' | 'param';

/** zod issues -> the `details` list of a 400. */
export function issuesToDetails(issues: z.core.$ZodIssue[], prefix: string): ErrorDetail[] {
  return issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter((p) => p !== '').join('.'),
    message: i.message,
  }));
}

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const details = issuesToDetails(r.error.issues, where);
    throw badRequest(`Invalid ${where}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  }
  return r.data;
}

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
      await reader.cancel().catch(() => {});
      throw payloadTooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function readJsonBody(c: Parameters<MiddlewareHandler<AppEnv>>[0], optional = false): Promise<unknown> {
  const type = (c.req.header('content-type') ?? '').split(';')[0].trim();
  if (type && !jsonType.test(type) && type.toLowerCase() !== 'text/plain') {
    throw unsupportedMediaType(`Expected a JSON body (Content-Type: application/json), got '${type}'`);
  }
  const text = await readTextBody(c.req.raw, c.get('config').maxBodyBytes);
  if (text.trim() === '') {
    if (optional) return undefined;
    throw badRequest('A JSON request body is required', [{ path: 'body', message: 'Required' }]);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`Malformed JSON in request body: ${(e as Error).message}`, [{ path: 'body', message: 'Malformed JSON' }]);
  }
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
  return async (c, next) => {
    let value: unknown;
    if (target === 'json') value = await readJsonBody(c, opts.optional);
    else if (target === 'query') {
      value = c.req.url.includes('?')
        ? Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => [k, v.length === 1 ? v[0] : v]))
        : {};
    } else value = c.req.param();
    const where = target === 'json' ? 'body' : target === 'param' ? 'path' : 'query';
    const parsed = parseOrThrow(schema, value, where);
    c.req.addValidatedData(target, parsed as never);
    await next();
  };
}

export { ApiError };
