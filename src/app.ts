import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { adminRoutes } from '../routes/admin.js';
import { mountFamilies } from '../routes/index.js';
import { recordActivity } from '../routes/activity-log.js';
import { loadCatalog, registerCatalogFallbacks, type CatalogEntry } from './catalog.js';
import type { Config } from './config.js';
import { authenticate, isAppDataPath } from './http/auth.js';
import type { AppEnv } from './http/env.js';
import { ApiError, badRequest, errorBody, payloadTooLarge } from './http/errors.js';
import { RequestIds } from './ids.js';
import { isValidInstanceName, type Instance, type InstanceRegistry } from './instances.js';

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

/** The one place a thrown error becomes a response (through errorBody). */
function renderError(err: unknown, c: Context<AppEnv>): Response {
  if (err instanceof ApiError) return errorBody(c, err.status, err.message, err.details);
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
    const instance = registry.get(name);
    c.set('instance', instance);
    try {
      const declared = Number(c.req.header('content-length') ?? NaN);
      if (declared > config.maxUploadBytes) throw payloadTooLarge(config.maxUploadBytes);
      const path = c.req.path;
      if (path.startsWith('/api/') || path.startsWith('/domo/') || isAppDataPath(path)) {
        authenticate(c);
        // what is due happens before the request reads state (long job work does not hold it for long)
        if (instance.jobs.isDue()) await settleBriefly(instance);
      }
      await next();
    } catch (err) {
      // errors from the handlers were already rendered by the inner layers; these are our own
      c.res = renderError(err, c);
    } finally {
      const ms = Math.round((performance.now() - started) * 1000) / 1000;
      const status = c.res.status;
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
      });
      recordActivity(instance, p, c.req.method, c.req.path, status);
      if (logger.level === 'debug') logger.debug(`${c.req.method} ${c.req.path} ${status} ${ms}ms [${name}]`);
    }
  });

  // 5. routes
  app.route('/_emulator', adminRoutes());
  mountFamilies(app);
  registerCatalogFallbacks(app, catalog);

  app.notFound((c) => errorBody(c, 404, `No route for ${c.req.method} ${c.req.path}`));

  app.onError(renderError);

  return app;
}
