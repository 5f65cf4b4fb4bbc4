/**
 * The last resort for errors nothing else handled. Known inputs never end here: every stream, parser
 * and store turns its errors into an ApiError that errorBody() renders. This only makes sure that a bug
 * costs one request (a 500 in the one error shape, logged with its toe) and never the process.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { Logger } from '../logger.js';
import { reasonPhrase } from './errors.js';

/**
 * The request id (toe) the app gave each Node request (set by the app middleware; a WeakMap rather than
 * a property, so Node's request objects keep their shape).
 */
const toes = new WeakMap<object, string>();

export const rememberToe = (incoming: object, toe: string) => void toes.set(incoming, toe);

export const toeOf = (incoming: unknown): string | undefined => (incoming && typeof incoming === 'object' ? toes.get(incoming) : undefined);

/** The one error shape, built without a Hono context (the app's own renderer could not run). */
export function shapeBody(status: number, path: string, message: string, toe: string): string {
  return JSON.stringify({ status, statusReason: reasonPhrase(status), path, message, toe });
}

/**
 * Wraps the app's fetch: a rejection (a failing error renderer, a bug) is logged and answered 500.
 * An answer given before the request body was all received (a refusal, an early 404) waits until the
 * rest has been read and discarded (up to `bodyLimit` bytes, with an idle timeout): the adapter itself
 * drains for only half a second before dropping the socket, and a client still sending would then see
 * a reset instead of the answer. A body past the limit gets the answer with `Connection: close`.
 */
export function guardedFetch<E>(appFetch: (req: Request, env: E) => Response | Promise<Response>, logger: Logger, bodyLimit = Infinity) {
  const failed = (req: Request, env: E, e: unknown): Response => {
    const toe = toeOf((env as { incoming?: unknown } | undefined)?.incoming) ?? '';
    const path = new URL(req.url).pathname;
    logger.error(`${req.method} ${path} failed outside the error renderer (toe ${toe || 'unknown'})`, e);
    return new Response(shapeBody(500, path, 'Internal error; the emulator log has the details (search for the toe)', toe), {
      status: 500,
      headers: { 'Content-Type': 'application/json' },
    });
  };
  const answered = (res: Response, env: E): Response | Promise<Response> => {
    const incoming = (env as { incoming?: Readable & { complete?: boolean } } | undefined)?.incoming;
    if (!incoming || incoming.complete !== false || incoming.destroyed) return res; // the common case, synchronously
    return readRest(incoming, bodyLimit).then((ended) => {
      if (!ended) {
        try {
          res.headers.set('Connection', 'close');
        } catch {
          /* immutable headers: the client finds out when the socket closes */
        }
      }
      return res;
    });
  };
  return (req: Request, env: E): Response | Promise<Response> => {
    let res: Response | Promise<Response>;
    try {
      res = appFetch(req, env);
    } catch (e) {
      return failed(req, env, e);
    }
    if (res instanceof Promise) return res.then((r) => answered(r, env), (e: unknown) => failed(req, env, e));
    return answered(res, env);
  };
}

/** Reads and discards the rest of a request body; true when it ended within `limit` bytes and no idle gap over `idleMs`. */
function readRest(incoming: Readable, limit: number, idleMs = 10_000): Promise<boolean> {
  return new Promise((resolve) => {
    let read = 0;
    let timer: NodeJS.Timeout | undefined;
    const done = (ended: boolean) => {
      clearTimeout(timer);
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onFail);
      incoming.off('close', onFail);
      resolve(ended);
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => done(false), idleMs);
    };
    const onData = (c: Buffer) => {
      read += c.length;
      if (read > limit) done(false);
      else arm();
    };
    const onEnd = () => done(true);
    const onFail = () => done(false);
    incoming.on('data', onData);
    incoming.once('end', onEnd);
    incoming.once('error', onFail);
    incoming.once('close', onFail);
    arm();
    incoming.resume();
  });
}

/**
 * A request the Node adapter could not turn into a Request (a backslash in the path, no Host header,
 * an invalid Host): 400 in the error shape (the adapter's default is an empty 400). Anything else that
 * reaches the adapter's error handler is a 500 in the shape, logged.
 */
export function adapterErrorResponse(e: unknown, logger: Logger): Response {
  const request = (e as Error | null)?.name === 'RequestError';
  if (!request) logger.error('request failed in the HTTP adapter', e);
  const body = request
    ? shapeBody(400, '', `Malformed request: ${(e as Error).message}`, '')
    : shapeBody(500, '', 'Internal error; the emulator log has the details', '');
  return new Response(body, { status: request ? 400 : 500, headers: { 'Content-Type': 'application/json' } });
}

/** Malformed HTTP (not a request the app can see): 400 in the error shape, then the connection closes. */
export function answerClientErrors(server: Server, logger: Logger): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    logger.debug(`malformed HTTP from ${socket.remoteAddress ?? '?'}: ${err.code ?? err.message}`);
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const body = shapeBody(400, '', `Malformed HTTP request (${err.code ?? err.message})`, '');
    socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
}

/**
 * Process-level handlers for the CLI (a library must not install them for its host): an exception or
 * rejection nobody caught is logged, with the toe when the error carries one, and the server keeps serving.
 */
export function keepServingOnUncaughtErrors(logger: Logger): void {
  const log = (kind: string) => (e: unknown) => {
    const toe = (e as { toe?: unknown } | null)?.toe;
    logger.error(`${kind}${typeof toe === 'string' ? ` (toe ${toe})` : ''}; still serving`, e);
  };
  process.on('uncaughtException', log('uncaught exception'));
  process.on('unhandledRejection', log('unhandled promise rejection'));
}

