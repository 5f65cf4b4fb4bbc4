import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { parseDuration } from '../src/clock.js';
import type { AppEnv } from '../src/http/env.js';
import { ApiError, badRequest, reasonPhrase } from '../src/http/errors.js';
import { valid } from '../src/http/validate.js';
import { faultRuleSchema, pathPattern } from '../src/http/faults.js';
import { numericId } from '../src/http/paging.js';
import { manifestSchema } from '../src/engines/app-manifest.js';

const clockBody = z.union([
  z.object({ freeze: z.iso.datetime({ offset: true }) }).strict(),
  z.object({ advance: z.string().min(2) }).strict(),
  z.object({ resume: z.literal(true) }).strict(),
]);

/** /_emulator/*: no token; the instance is chosen exactly as for /api routes. */
export function adminRoutes() {
  const r = new Hono<AppEnv>();

  r.get('/health', (c) => {
    const inst = c.var.instance;
    return c.json({
      status: 'ok',
      instance: inst.name,
      instances: c.var.registry.names(),
      now: inst.clock.iso(),
      uptimeMs: Math.round(process.uptime() * 1000),
    });
  });

  r.post('/reset', (c) => {
    const inst = c.var.registry.reset(c.var.instance.name);
    return c.json({ status: 'reset', instance: inst.name });
  });

  const requestFilters = z.object({
    limit: z.coerce.number().int().min(1).max(100_000).optional(),
    method: z.string().max(10).optional(),
    path: z.string().max(500).optional(),
    status: z.string().regex(/^(?:[1-5]\d\d|[1-5]xx)$/i, 'A status (404) or a class (4xx)').optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    instance: z.string().max(63).optional(),
  });
  type Filters = z.infer<typeof requestFilters>;
  const journalFor = (c: Context<AppEnv>, q: Filters) => {
    if (q.instance === undefined || q.instance === c.var.instance.name) return c.var.instance.journal;
    return c.var.registry.exists(q.instance) ? c.var.registry.get(q.instance).journal : null;
  };
  const filtered = (c: Context<AppEnv>, q: Filters) => {
    const journal = journalFor(c, q);
    if (!journal) return [];
    const re = q.path ? pathPattern(q.path) : null;
    const since = q.since ? Date.parse(q.since) : undefined;
    const rows = journal.list().filter(
      (e) =>
        (!q.method || e.method === q.method.toUpperCase()) &&
        (!re || re.test(e.path)) &&
        (!q.status || (/xx$/i.test(q.status) ? String(e.status)[0] === q.status[0] : e.status === Number(q.status))) &&
        (since === undefined || Date.parse(e.time) >= since),
    );
    return q.limit ? rows.slice(Math.max(0, rows.length - q.limit)) : rows;
  };

  /** The journal, newest last, filtered by method, path pattern (`*`, `**`), status (404 or 4xx), since, instance. */
  r.get('/requests', valid('query', requestFilters), (c) => c.json(filtered(c, c.req.valid('query'))));

  r.delete('/requests', (c) => {
    c.var.instance.journal.clear();
    return c.body(null, 204);
  });

  /** The journal as HAR 1.2 (for CI artifacts). */
  r.get('/requests.har', valid('query', requestFilters), (c) => {
    const origin = new URL(c.req.url).origin;
    const entries = filtered(c, c.req.valid('query')).map((e) => ({
      startedDateTime: e.time,
      time: e.ms,
      request: { method: e.method, url: origin + e.path, httpVersion: 'HTTP/1.1', cookies: [], headers: [{ name: 'X-Domo-Instance', value: e.instance }], queryString: [], headersSize: -1, bodySize: -1 },
      response: {
        status: e.status,
        statusText: reasonPhrase(e.status),
        httpVersion: 'HTTP/1.1',
        cookies: [],
        headers: [{ name: 'X-Request-Id', value: e.requestId }, ...(e.fault ? [{ name: 'X-Domo-Emulator-Fault', value: e.fault.id }] : [])],
        content: { size: -1, mimeType: 'application/json' },
        redirectURL: '',
        headersSize: -1,
        bodySize: -1,
      },
      cache: {},
      timings: { send: 0, wait: e.ms, receive: 0 },
      ...(e.route ? { _route: e.route } : {}),
      ...(e.operation ? { _operation: e.operation } : {}),
    }));
    c.header('Content-Disposition', 'attachment; filename="domo-emulator.har"');
    return c.json({ log: { version: '1.2', creator: { name: 'domo-emulator', version: '1' }, pages: [], entries } });
  });

  /** Server-Sent Events: one `event: request` per request this instance serves from now on. */
  r.get('/requests/stream', (c) =>
    streamSSE(c, async (stream) => {
      const queue: string[] = [];
      let wake: (() => void) | undefined;
      const stop = c.var.instance.journal.subscribe((e) => {
        queue.push(JSON.stringify({ ...e, time: new Date(e.time).toISOString() }));
        wake?.();
      });
      let open = true;
      stream.onAbort(() => {
        open = false;
        wake?.();
      });
      try {
        await stream.writeSSE({ event: 'ready', data: '{}' });
        while (open) {
          while (queue.length) await stream.writeSSE({ event: 'request', data: queue.shift()! });
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, 15_000).unref();
          });
          wake = undefined;
          if (!queue.length && open) await stream.write(': keep-alive\n\n');
        }
      } finally {
        stop();
      }
    }),
  );

  /** Routes clients called that the emulator does not serve (404 "No route"), most called first. */
  r.get('/unimplemented', (c) => c.json({ routes: c.var.registry.unimplemented.list() }));

  r.get('/clock', (c) => c.json({ now: c.var.instance.clock.iso(), frozen: c.var.instance.clock.frozen }));

  r.post('/clock', valid('json', clockBody), async (c) => {
    const body = c.req.valid('json');
    const clock = c.var.instance.clock;
    if ('freeze' in body) clock.freeze(Date.parse(body.freeze));
    else if ('advance' in body) {
      const ms = parseDuration(body.advance);
      if (ms === null) {
        throw badRequest(`advance must be an ISO 8601 duration such as PT1H or P8D, got '${body.advance}'`, [
          { path: 'body.advance', message: 'Invalid ISO 8601 duration' },
        ]);
      }
      clock.advance(ms);
    } else clock.resume();
    // everything that became due has happened when the answer arrives
    await c.var.instance.jobs.settle();
    return c.json({ now: clock.iso(), frozen: clock.frozen });
  });

  r.get(
    '/outbox',
    valid('query', z.object({ kind: z.string().optional(), to: z.string().optional(), since: z.iso.datetime({ offset: true }).optional() })),
    (c) => {
      const q = c.req.valid('query');
      return c.json(c.var.instance.stores.outbox.list({ kind: q.kind, to: q.to, since: q.since ? Date.parse(q.since) : undefined }));
    },
  );

  /** The scheduler's jobs: pending first (by due time), then recent ones, for tests to wait on. */
  r.get(
    '/jobs',
    valid('query', z.object({ state: z.enum(['pending', 'done', 'failed', 'canceled']).optional(), kind: z.string().max(100).optional(), limit: z.coerce.number().int().min(1).max(1000).optional() })),
    async (c) => {
      const inst = c.var.instance;
      if (inst.jobs.isDue()) await inst.jobs.settle();
      const q = c.req.valid('query');
      return c.json({ now: inst.clock.iso(), nextDue: inst.jobs.nextDue() === null ? null : new Date(inst.jobs.nextDue()!).toISOString(), jobs: inst.jobs.list(q) });
    },
  );

  /**
   * Issues a token for any user of this instance (to act as a non-admin in tests): a developer token, a
   * session token, or an app session (`kind: "app"`, sent as X-DOMO-Ryuu-Session or the ryuu_sid cookie),
   * which may belong to a registered app (`appId`: its manifest's aliases, its RYUU_APP grants).
   */
  r.post(
    '/tokens',
    valid(
      'json',
      z.object({
        userId: numericId,
        token: z.string().min(8).optional(),
        kind: z.enum(['developer', 'session', 'app']).default('developer'),
        appId: z.string().min(1).optional(),
      }),
    ),
    (c) => {
      const { userId, token, kind, appId } = c.req.valid('json');
      const inst = c.var.instance;
      inst.stores.users.get(userId);
      if (appId !== undefined && kind !== 'app') throw badRequest('appId is for app sessions only (kind "app")', [{ path: 'body.appId', message: 'Only with kind "app"' }]);
      if (appId !== undefined) inst.stores.apps.get(appId);
      const value = token ?? inst.ids.token(kind === 'app' ? 'app-' : kind === 'session' ? 'ses-' : 'dev-');
      inst.stores.users.addToken(userId, value, kind, appId ?? null);
      return c.json({ userId, token: value, kind, ...(appId ? { appId } : {}) });
    },
  );

  /** Registers a custom app's manifest.json (what `domo-emulator app` does at start); app sessions may name it. */
  r.post('/apps', valid('json', manifestSchema), (c) => c.json(c.var.instance.stores.apps.view(c.var.instance.stores.apps.register(c.req.valid('json'))), 201));

  r.get('/apps', (c) => c.json(c.var.instance.stores.apps.list().map((a) => c.var.instance.stores.apps.view(a))));

  // --- waits (issue 14): long-polls that answer as soon as the condition holds, 408 at the timeout ---

  /** Waits for an outbox message matching kind / recipient / subject (contains, case-insensitive), optionally after id `afterId`. */
  r.post(
    '/outbox/wait',
    valid(
      'json',
      z.object({
        match: z.object({ kind: z.string().optional(), to: z.string().optional(), subject: z.string().optional() }).strict().default({}),
        afterId: z.number().int().min(0).optional(),
        timeoutMs: z.number().int().min(0).max(300_000).default(10_000),
      }).strict(),
    ),
    async (c) => {
      const { match, afterId, timeoutMs } = c.req.valid('json');
      const registry = c.var.registry;
      const name = c.var.instance.name;
      const find = () =>
        registry.get(name).stores.outbox
          .list({ kind: match.kind, to: match.to })
          .find((m) => (afterId === undefined || m.id > afterId) && (match.subject === undefined || m.subject.toLowerCase().includes(match.subject.toLowerCase())));
      const hit = await waitFor(find, timeoutMs, c.req.raw.signal);
      if (!hit) throw new ApiError(408, `No outbox message matched ${JSON.stringify(match)} within ${timeoutMs} ms`);
      return c.json(hit);
    },
  );

  /**
   * Waits until the scheduler has no pending job (of `kind`) that is due now: everything the clock made due
   * has run. With `state`, waits instead until a job (of `kind`) is in that state.
   */
  r.get(
    '/jobs/wait',
    valid('query', z.object({ kind: z.string().max(100).optional(), state: z.enum(['pending', 'done', 'failed', 'canceled']).optional(), timeoutMs: z.coerce.number().int().min(0).max(300_000).default(10_000) })),
    async (c) => {
      const { kind, state, timeoutMs } = c.req.valid('query');
      const registry = c.var.registry;
      const name = c.var.instance.name;
      const check = async () => {
        const inst = registry.get(name);
        if (inst.jobs.isDue()) await inst.jobs.settle().catch(() => 0);
        if (state) {
          const jobs = inst.jobs.list({ kind, state, limit: 1000 });
          return jobs.length ? jobs : null;
        }
        const now = inst.clock.nowMs();
        const due = inst.jobs.list({ kind, state: 'pending', limit: 1000 }).filter((j) => Date.parse(j.due) <= now);
        return due.length ? null : inst.jobs.list({ kind, limit: 200 });
      };
      const jobs = await waitFor(check, timeoutMs, c.req.raw.signal);
      if (!jobs) throw new ApiError(408, `Jobs${kind ? ` of kind '${kind}'` : ''} ${state ? `reached no '${state}' state` : 'were still due'} within ${timeoutMs} ms`);
      return c.json({ now: c.var.registry.get(name).clock.iso(), jobs });
    },
  );

  // --- faults (issue 14) ---

  r.post('/faults', valid('json', faultRuleSchema), (c) => c.json(c.var.registry.faults.add(c.req.valid('json')), 201));
  r.get('/faults', (c) => c.json({ faults: c.var.registry.faults.list() }));
  r.delete('/faults/:id', (c) => {
    c.var.registry.faults.delete(c.req.param('id'));
    return c.body(null, 204);
  });
  r.delete('/faults', (c) => {
    c.var.registry.faults.clear();
    return c.body(null, 204);
  });

  // --- forks and checkpoints (issue 14) ---

  const nameField = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'Use lower-case letters, digits and - (at most 63)');
  const urlFor = (c: { req: { url: string } }, name: string) => {
    const port = new URL(c.req.url).port;
    return `http://${name}.localhost${port ? `:${port}` : ''}`;
  };

  /** Forks an instance from the fixtures, another instance or a checkpoint. */
  r.post('/instances', valid('json', z.object({ from: z.string().min(1).max(63).optional(), name: nameField.optional() }).strict()), (c) => {
    const { from = 'fixtures', name } = c.req.valid('json');
    const registry = c.var.registry;
    const inst = registry.fork(from, name);
    const row = registry.describeAll().find((i) => i.name === inst.name);
    return c.json({ name: inst.name, url: urlFor(c, inst.name), token: registry.adminToken(inst), from, createdAt: row?.createdAt ?? new Date().toISOString() }, 201);
  });

  r.get('/instances', (c) => c.json({ instances: c.var.registry.describeAll().map((i) => ({ ...i, url: urlFor(c, i.name) })) }));

  r.delete('/instances/:name', (c) => {
    c.var.registry.drop(c.req.param('name'));
    return c.body(null, 204);
  });

  r.post('/checkpoints', valid('json', z.object({ name: nameField }).strict()), (c) =>
    c.json(c.var.registry.saveCheckpoint(c.var.instance.name, c.req.valid('json').name), 201),
  );

  r.get('/checkpoints', (c) => c.json({ checkpoints: c.var.registry.listCheckpoints() }));

  r.post('/checkpoints/:name/restore', (c) => {
    const name = c.req.param('name');
    const inst = c.var.registry.restoreCheckpoint(name, c.var.instance.name);
    return c.json({ name, instance: inst.name, restoredAt: new Date().toISOString() });
  });

  r.delete('/checkpoints/:name', (c) => {
    c.var.registry.deleteCheckpoint(c.req.param('name'));
    return c.body(null, 204);
  });

  return r;
}

/** Polls `check` (every 20 ms) until it gives a value, the timeout passes (null) or the client goes away. */
async function waitFor<T>(check: () => T | null | undefined | Promise<T | null | undefined>, timeoutMs: number, signal?: AbortSignal): Promise<T | null> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== null && v !== undefined) return v;
    if (performance.now() >= deadline || signal?.aborted) return null;
    await new Promise((r) => setTimeout(r, Math.min(20, Math.max(1, deadline - performance.now()))));
  }
}
