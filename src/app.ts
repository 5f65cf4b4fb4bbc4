import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { adminRoutes } from '../routes/admin.js';
import { mountFamilies } from '../routes/index.js';
import { platformRoutes } from '../routes/platform/index.js';
import { loadClients, PlatformAuth } from './http/oauth.js';
import { loadCatalog, registerCatalogFallbacks, type CatalogEntry } from './catalog.js';
import type { Config } from './config.js';
import { authenticate, isAppDataPath } from './http/auth.js';
import type { AppEnv } from './http/env.js';
import { ApiError, badRequest, errorBody, payloadTooLarge, unauthorized } from './http/errors.js';
import { rememberToe } from './http/last-resort.js';
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
          ...(p ? { auth: { userId: p.userId, tokenKind: p.tokenKind, decisions: p.decisions } } : {}),
          ...(c.var.warnings?.length ? { warnings: c.var.warnings } : {}),
        });
      }
      if (logger.level === 'debug') logger.debug(`${c.req.method} ${c.req.path} ${status} ${ms}ms [${name}]`);
    }
  });

  // 5. routes
  app.route('/_emulator', adminRoutes());
  // Domo's platform API (api.domo.com: /oauth/token, /v1/*), for the official SDKs
  app.route('/', platformRoutes(new PlatformAuth(registry, loadClients(config))) as unknown as Hono<AppEnv>);
  mountFamilies(app);
  registerCatalogFallbacks(app, catalog);

  app.notFound((c) => errorBody(c, 404, `No route for ${c.req.method} ${c.req.path}`));

  app.onError(renderError);

  return app;
}
