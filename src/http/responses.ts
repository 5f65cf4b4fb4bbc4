import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { AppEnv } from './env.js';

/** A route's response bodies, one zod schema per status it answers (errors use `errorSchema`). */
export type ResponseSchemas = Partial<Record<number, z.ZodType>>;

/** The one error body every failure answers (src/http/errors.ts errorBody). */
export const errorSchema = z
  .object({
    status: z.number().int(),
    statusReason: z.string(),
    path: z.string(),
    message: z.string(),
    toe: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Error', description: 'The one error shape every failure answers' });

const declared = new WeakMap<Function, ResponseSchemas>();

/** The response schemas a responds() middleware carries (undefined for any other handler). */
export function responsesOf(handler: Function): ResponseSchemas | undefined {
  return declared.get(handler);
}

/** What a response check is told about one answer. */
export interface ObservedResponse {
  method: string;
  /** the route's path as registered (`/api/identity/v1/users/:userId`) */
  route: string;
  status: number;
  contentType: string;
  text: string;
  schemas: ResponseSchemas;
}

let observer: ((r: ObservedResponse) => void) | undefined;

/**
 * Installs (or, with undefined, removes) the function told about every answer of a route that declares
 * its responses: tests use it to validate what the routes actually sent (test/contract/strict.test.ts).
 * Costs nothing when none is installed.
 */
export function observeResponses(fn: ((r: ObservedResponse) => void) | undefined): void {
  observer = fn;
}

/**
 * Declares a route's response bodies next to its request schemas, as the first handler of the route:
 * `r.get(path, responds({ 200: userJson }), valid('param', idParam), handler)`. It does nothing to the
 * request; the OpenAPI generator reads the schemas from the route table, and an installed observer sees
 * each answer (errors included, since it wraps the validators and the handler).
 */
export function responds(schemas: ResponseSchemas): MiddlewareHandler<AppEnv> {
  const mw: MiddlewareHandler<AppEnv> = async (c, next) => {
    await next();
    const fn = observer;
    if (!fn) return;
    const res = c.res;
    const text = await res.clone().text();
    fn({ method: c.req.method, route: c.req.routePath, status: res.status, contentType: res.headers.get('content-type') ?? '', text, schemas });
  };
  declared.set(mw, schemas);
  return mw;
}

/** Checks one observed answer against its declared schema (or the error shape for a status >= 400); null when it fits. */
export function checkObserved(r: ObservedResponse): string | null {
  const schema = r.schemas[r.status] ?? (r.status >= 400 ? errorSchema : undefined);
  if (!schema) return `${r.method} ${r.route} answered ${r.status}, which it does not declare`;
  let body: unknown;
  try {
    body = r.text === '' ? undefined : JSON.parse(r.text);
  } catch {
    return `${r.method} ${r.route} ${r.status}: the body is not JSON`;
  }
  const out = schema.safeParse(body);
  if (out.success) return null;
  return `${r.method} ${r.route} ${r.status}: ${out.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
    .join('; ')}`;
}
