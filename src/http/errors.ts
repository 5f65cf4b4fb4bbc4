import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface ErrorDetail {
  path: string;
  message: string;
}

/** Every failure a handler or store wants the client to see. Rendered only by errorBody(). */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
  }
}

export const badRequest = (message: string, details?: ErrorDetail[]) => new ApiError(400, message, details);
export const unauthorized = (message: string) => new ApiError(401, message);
export const forbidden = (message: string) => new ApiError(403, message);
export const notFound = (message: string) => new ApiError(404, message);
export const conflict = (message: string) => new ApiError(409, message);
export const payloadTooLarge = (limit: number) =>
  new ApiError(413, `Request body is larger than the limit of ${limit} bytes`);
export const unsupportedMediaType = (message: string) => new ApiError(415, message);
/**
 * Client-driven work (a query, an aggregation) that ran past --query-timeout. A 400, not a 5xx: the same
 * request would time out again, so clients must not retry it as is.
 */
export const queryTimeout = (limitMs: number, what = 'The query') =>
  new ApiError(400, `${what} ran longer than the ${limitMs} ms limit and was stopped (--query-timeout); narrow it or raise the limit`, [
    { path: 'query', message: `Exceeded the ${limitMs} ms query timeout` },
  ]);
/** A result larger than --max-result-bytes (400: the same request would fail again). */
export const resultTooLarge = (limit: number, what = 'The query result') =>
  new ApiError(400, `${what} is larger than the ${limit}-byte limit (--max-result-bytes); add a LIMIT or aggregate`, [
    { path: 'query', message: `Exceeded the ${limit}-byte result limit` },
  ]);
export const notImplemented = (message: string) => new ApiError(501, message);

const reasons: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  423: 'Locked',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

export const reasonPhrase = (status: number) => reasons[status] ?? 'Error';

/** Longest message an error answer carries (messages quote client input, which can be large). */
const MAX_MESSAGE = 4096;
const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max)}... (${s.length - max} more characters)` : s);

/** The one error renderer: Domo's error shape plus `details` for validation failures. */
export function errorBody(c: Context, status: ContentfulStatusCode, message: string, details?: ErrorDetail[]): Response {
  const toe = (c.get('requestId') as string | undefined) ?? '';
  const body: Record<string, unknown> = {
    status,
    statusReason: reasonPhrase(status),
    path: clip(c.req.path, 2048),
    message: clip(message, MAX_MESSAGE),
    toe,
  };
  // details are capped where they are built (validate.ts); this keeps any other list bounded too
  if (details && details.length) body.details = details.slice(0, 21).map((d) => ({ path: clip(d.path, 1024), message: clip(d.message, 1024) }));
  return c.json(body, status);
}
