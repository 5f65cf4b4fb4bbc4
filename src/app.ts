import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { adminRoutes } from '../routes/admin.js';
import { mountFamilies } from '../routes/index.js';
import { openapiRoutes } from '../routes/openapi.js';
import { uiRoutes } from '../routes/ui.js';
import { platformRoutes } from '../routes/platform/index.js';
import { loadClients, PlatformAuth } from './http/oauth.js';
import { loadCatalog, registerCatalogFallbacks, type CatalogEntry } from './catalog.js';
import type { Config } from './config.js';
import { authenticate, isAppDataPath } from './http/auth.js';
import type { AppEnv } from './http/env.js';
import { ApiError, badRequest, errorBody, payloadTooLarge, unauthorized } from './http/errors.js';
import { rememberToe } from './http/last-resort.js';
import type { FaultRule } from './http/faults.js';
import { RequestIds } from './ids.js';
import { isValidInstanceName, unusableDatabase, type Instance, type InstanceRegistry } from './instances.js';

/**
 * The instance a request is for: X-Domo-Instance, else the first label of a `*.localhost` or
 * `*.domo.localhost` / `*.domo.com` Host, else `default`.
 */
export function instanceNameFor(headerValue: string | undefined, host: string | undefined): string {
  if (headerValue) return headerValue.trim().toLowerCase();
  const hostname = (host ?? '').replace(/:\d+$/, '').toLowerCase();
  const m = /^([^.]+)\.(?:domo\.)?localhost$/.exec(hostname) ?? /^([^.]+)\.domo\.com$/.exec(hostname);
  return m ? m[1] : 'default';
}

/** Runs due jobs before a request, waiting at most a moment for jobs that do long work (a query, user code). */
function settleBriefly(instance: Instance): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const wait = new Promise((resolve) => {
    timer = setTimeout(resolve, 250);
  });
  return Promise.race([instance.jobs.settle().catch(() => 0), wait]).finally(() => clearTimeout(timer));
}

/** A `.` or `..` path segment, raw or percent-encoded (`%2e`, any case). */
const dotSegment = /^(?:\.|%2e){1,2}$/i;

/**
 * Refuses a request path with `.` or `..` segments. URL parsing (WHATWG, as @hono/node-server builds the
 * Request) silently resolves them, so `DELETE .../revisions/%2e%2e` would reach the parent resource;
 * the raw request line (the Node request's url) is checked, before routing. Backslashes count as
 * separators, as URL parsing treats them.
 */
function assertNoDotSegments(c: Context<AppEnv>): void {
  const incoming = (c.env as { incoming?: { url?: string } } | undefined)?.incoming;
  const raw = incoming?.url ?? new URL(c.req.url).pathname;
  const path = raw.split(/[?#]/)[0];
  if (!path.includes('.') && !path.includes('%')) return; // the common case, without splitting
  if (path.split(/[\\/]/).some((seg) => dotSegment.test(seg))) {
    throw badRequest(`The path '${path.slice(0, 200)}' has a '.' or '..' segment; send the resource path without them`, [
      { path: 'path', message: "'.' and '..' segments are not allowed" },
    ]);
  }
}

/** The token a request carries (the headers authenticate() reads). */
const tokenOf = (c: Context<AppEnv>) => (c.req.header('x-domo-developer-token') ?? c.req.header('x-domo-authentication'))?.trim();

/** The one place a thrown error becomes a response (through errorBody). */
function renderError(err: unknown, c: Context<AppEnv>): Response {
  if (err instanceof ApiError) return errorBody(c, err.status, err.message, err.details);
  const code = (err as { code?: unknown } | null)?.code;
  if ((code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') && c.var.instance) {
    // a database file damaged outside the emulator (it opened, but a page is missing): name the file
    const inst = c.var.instance;
    c.var.logger.error(`[${inst.name}] damaged database ${inst.sqlite.name} (toe ${c.var.requestId})`, err);
    const e = unusableDatabase(inst.name, inst.sqlite.name, err);
    return errorBody(c, e.status, e.message);
  }
  if (err instanceof HTTPException) return errorBody(c, err.status as ContentfulStatusCode, err.message);
  c.var.logger.error(`${c.req.method} ${c.req.path} failed (toe ${c.var.requestId})`, err);
  return errorBody(c, 500, 'Internal error; the emulator log has the details (search for the toe)');
}

/**
 * Applies a fault rule's delay, then its answer: a dropped connection or an error response (true: the
 * request ends here), or nothing (false: the route runs; `truncate` cuts its body afterwards).
 */
async function injectFault(c: Context<AppEnv>, fault: FaultRule): Promise<boolean> {
  if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
  if (fault.reset) {
    const incoming = (c.env as { incoming?: { socket?: { destroy(): void } } } | undefined)?.incoming;
    incoming?.socket?.destroy();
    c.res = new Response(null, { status: 502 });
    return true;
  }
  if (fault.status === undefined || fault.truncate) return false;
  const status = fault.status as ContentfulStatusCode;
  c.res =
    fault.body !== undefined
      ? c.json(fault.body as object, status)
      : errorBody(c, status, `Injected fault ${fault.id}${fault.preset ? ` (${fault.preset})` : ''}: ${c.req.method} ${c.req.path} answers ${status}`);
  if (fault.retryAfter !== undefined) c.res.headers.set('Retry-After', String(fault.retryAfter));
  return true;
}

/** The route that served a request (the last non-middleware matched route) and its catalog operation. */
function routeOf(c: Context<AppEnv>, operations: Map<string, string>): { route?: string; operation?: string } {
  const matched = (c.req as unknown as { matchedRoutes?: Array<{ method: string; path: string }> }).matchedRoutes ?? [];
  const r = [...matched].reverse().find((m) => m.method !== 'ALL' && m.path !== '*' && m.path !== '/*');
  if (!r) return {};
  const op = operations.get(`${c.req.method} ${r.path}`);
  return { route: r.path, ...(op ? { operation: op } : {}) };
}

/** The catalog routes closest to an unknown one: same method first, then by how many path segments agree. */
export function nearMisses(catalog: CatalogEntry[], method: string, path: string, max = 3): string[] {
  const segs = path.replace(/\/+$/, '').split('/').filter(Boolean);
  const scored = new Map<string, number>();
  for (const e of catalog) {
    const es = e.path.replace(/\/+$/, '').split('/').filter(Boolean);
    let same = 0;
    for (let i = 0; i < Math.min(es.length, segs.length); i++) {
      if (es[i] === segs[i] || es[i].startsWith(':')) same++;
      else if (i < 3) break;
    }
    if (same < 2) continue;
    const score = same * 2 - Math.abs(es.length - segs.length) + (e.method === method ? 3 : 0);
    const key = `${e.method} ${e.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
    scored.set(key, Math.max(scored.get(key) ?? -Infinity, score));
  }
  return [...scored.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, max).map(([k]) => k);
}

export interface AppOptions {
  registry: InstanceRegistry;
  catalog?: CatalogEntry[];
}

/** Builds the Hono app: middleware order, family routes, admin routes, 501 fallbacks, the error renderer. */
export function createApp({ registry, catalog = loadCatalog() }: AppOptions): Hono<AppEnv> {
  const config: Config = registry.config;
  const logger = registry.logger;
  const app = new Hono<AppEnv>({ strict: false });
  const requestIds = new RequestIds();
  /** Host header -> instance name, remembered (bounded) so the hot path skips the parsing. */
  const hostNames = new Map<string, string>();
  /** `METHOD /catalog/:path` -> "Family: name", for the journal's `operation`. */
  const operations = new Map(catalog.map((e) => [`${e.method} ${e.path.replace(/\/+$/, '')}`, `${e.family}: ${e.name}`]));

  // One middleware for what every request needs (fewer async layers on the hot path):
  // request id, instance (Host / X-Domo-Instance), size guard, auth on /api and /domo, journal + debug line.
  app.use('*', async (c, next) => {
    const started = performance.now();
    const id = requestIds.next();
    c.set('requestId', id);
    c.set('config', config);
    c.set('registry', registry);
    c.set('logger', logger);
    c.header('X-Request-Id', id);
    const incoming = (c.env as { incoming?: object } | undefined)?.incoming;
    if (incoming) rememberToe(incoming, id); // for the last resort (guardedFetch), which has no context
    const header = c.req.header('x-domo-instance');
    const host = c.req.header('host');
    let name = header === undefined ? hostNames.get(host ?? '') : undefined;
    if (name === undefined) {
      name = instanceNameFor(header, host);
      if (header === undefined && hostNames.size < 1000) hostNames.set(host ?? '', name);
    }
    if (!isValidInstanceName(name)) {
      throw badRequest(`Invalid instance name '${name}': use letters, digits and '-' (at most 63)`, [
        { path: 'header.X-Domo-Instance', message: 'Invalid instance name' },
      ]);
    }
    assertNoDotSegments(c);
    const path = c.req.path;
    const api = path.startsWith('/api/') || path.startsWith('/domo/') || isAppDataPath(path);
    // Authenticate before creating anything: a new instance is created (seeded, written to --db) only
    // for /_emulator/* or for a request carrying a token that instance would accept.
    let instance: Instance | undefined;
    let fault: FaultRule | null = null;
    if (registry.exists(name) || path === '/_emulator' || path.startsWith('/_emulator/')) instance = registry.get(name);
    else if (api) {
      const token = tokenOf(c);
      if (!token) throw unauthorized('Missing token: send X-DOMO-Developer-Token (or X-DOMO-Authentication)');
      if (!registry.acceptsNewInstanceToken(token)) throw unauthorized(`Unknown token for instance '${name}'`);
      instance = registry.get(name);
    }
    // (any other path on an instance that does not exist is a 404 with no instance behind it)
    if (instance) c.set('instance', instance);
    try {
      const declared = Number(c.req.header('content-length') ?? NaN);
      if (declared > config.maxUploadBytes) throw payloadTooLarge(config.maxUploadBytes);
      // seeded fault injection (POST /_emulator/faults), before auth and the route; never on /_emulator
      fault = registry.faults.size && !path.startsWith('/_emulator') ? registry.faults.hit(c.req.method, path, name) : null;
      if (fault) {
        if (await injectFault(c, fault)) return;
        if (fault.truncate) {
          await next();
          const bytes = new Uint8Array(await c.res.arrayBuffer());
          const headers = new Headers(c.res.headers);
          headers.delete('content-length');
          c.res = new Response(bytes.slice(0, Math.floor(bytes.length / 2)), { status: c.res.status, headers });
          return;
        }
      }
      if (api) {
        authenticate(c);
        // what is due happens before the request reads state (long job work does not hold it for long)
        if (instance?.jobs.isDue()) await settleBriefly(instance);
      }
      await next();
    } catch (err) {
      // errors from the handlers were already rendered by the inner layers; these are our own
      c.res = renderError(err, c);
    } finally {
      if (fault) c.res.headers.set('X-Domo-Emulator-Fault', fault.preset ? `${fault.id}; preset=${fault.preset}` : fault.id);
      const ms = Math.round((performance.now() - started) * 1000) / 1000;
      const status = c.res.status;
      if (instance) {
        const p = c.var.principal;
        instance.journal.add({
          time: Date.now(),
          method: c.req.method,
          path: c.req.path,
          status,
          ms,
          instance: name,
          requestId: id,
          ...routeOf(c, operations),
          ...(fault ? { fault: { id: fault.id, ...(fault.preset ? { preset: fault.preset } : {}) } } : {}),
          ...(p ? { auth: { userId: p.userId, tokenKind: p.tokenKind, decisions: p.decisions } } : {}),
          ...(c.var.warnings?.length ? { warnings: c.var.warnings } : {}),
        });
      }
      if (logger.level === 'debug') logger.debug(`${c.req.method} ${c.req.path} ${status} ${ms}ms [${name}]`);
    }
  });

  // 5. routes
  app.route('/_emulator', openapiRoutes()); // /_emulator/openapi.json, /_emulator/docs
  app.route('/_emulator', adminRoutes());
  app.route('/_emulator/ui', uiRoutes());
  // Domo's platform API (api.domo.com: /oauth/token, /v1/*), for the official SDKs
  app.route('/', platformRoutes(new PlatformAuth(registry, loadClients(config))) as unknown as Hono<AppEnv>);
  mountFamilies(app);
  registerCatalogFallbacks(app, catalog);

  app.notFound((c) => {
    registry.unimplemented.record(c.req.method, c.req.path);
    const hints = nearMisses(catalog, c.req.method, c.req.path);
    const res = errorBody(c, 404, `No route for ${c.req.method} ${c.req.path}${hints.length ? `; did you mean ${hints.join(' or ')}?` : ''}`);
    return res;
  });

  app.onError(renderError);

  return app;
}
