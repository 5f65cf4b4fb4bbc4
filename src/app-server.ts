/**
 * `domo-emulator app <dir>`: serves a Domo custom app offline. One port answers, on one origin (as a Domo
 * app domain does):
 *   - the app's static files (`index.html` at `/`, its assets), with the app session injected as Domo does:
 *     `window.__RYUU_SID__` in every HTML page (ryuu.js sends it as X-DOMO-Ryuu-Session) and the
 *     `ryuu_sid` cookie;
 *   - the App Framework routes for that app's manifest (`/data/v1/{alias}`, `/sql/v1/{alias}`, `/domo/...`),
 *     so a relative `domo.get('/data/v1/sales')` just works;
 *   - the whole product API (`/api/...`) and the admin API (`/_emulator/...`) of the same instance, so the
 *     data the app reads and writes can be inspected (with a developer token, as on the main server).
 * The instance model is the main server's (same `--db`, fixtures, stores); the app session belongs to a
 * fixture user (`--as`, default Bryan Van Kampen, an Editor) and to the app (its manifest is registered).
 * `--data alias=file.csv` creates the datasets the manifest maps when they are missing.
 */
import { serve, type ServerType } from '@hono/node-server';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import Papa from 'papaparse';
import { createApp } from './app.js';
import type { EmulatorOptions } from './config.js';
import { appIdOf, datasetMappings, manifestSchema, type AppManifest } from './engines/app-manifest.js';
import { textConverter, type Cell } from './engines/csv.js';
import type { ColumnType } from './engines/sql/types.js';
import { RYUU_COOKIE, isAppDataPath } from './http/auth.js';
import { InstanceRegistry, type Instance } from './instances.js';
import { createLogger, logLevels, type LogLevel, type Logger } from './logger.js';
import { resolveConfig } from './server.js';

/** Bryan Van Kampen (role Editor) of the fixtures: creates and reads content, is no administrator. */
export const DEFAULT_APP_USER = 587894148;
export const DEFAULT_APP_PORT = 3000;

export interface AppServerOptions extends Pick<EmulatorOptions, 'db' | 'fixtures' | 'seed' | 'ids' | 'freezeClock' | 'logLevel' | 'authz'> {
  /** The app's directory (its manifest.json, index.html and assets). */
  dir: string;
  port?: number;
  host?: string;
  /** The user the app session belongs to. */
  as?: number;
  /** alias -> CSV file: the datasets to create when the manifest maps them and they are missing. */
  data?: Record<string, string>;
}

export interface RunningApp {
  /** The app's page, with the query parameters Domo passes an app (userId, customer, locale...: domo.env). */
  url: string;
  /** The origin (also the product API's base URL). */
  origin: string;
  port: number;
  appId: string;
  userId: number;
  /** The app session (X-DOMO-Ryuu-Session / ryuu_sid). */
  session: string;
  /** The admin's developer tokens, for the product API. */
  adminTokens: string[];
  /** What start did with each --data entry and each mapped dataset. */
  notes: string[];
  instance: Instance;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Paths the emulator answers; everything else is the app's files. */
const isEmulatorPath = (p: string) => p.startsWith('/api/') || p.startsWith('/domo/') || p.startsWith('/_emulator/') || isAppDataPath(p);

/** Reads and checks `<dir>/manifest.json`. */
export function readManifest(dir: string): AppManifest {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) throw new Error(`${file} not found: an app directory has a manifest.json (domo init writes one)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const r = manifestSchema.safeParse(raw);
  if (!r.success) throw new Error(`${file}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** A column type for CSV values: whole numbers LONG, numbers DOUBLE, ISO dates DATE / DATETIME, else STRING. */
export function inferType(values: string[]): ColumnType {
  const seen = values.filter((v) => v !== '');
  if (!seen.length) return 'STRING';
  if (seen.every((v) => /^-?\d{1,15}$/.test(v))) return 'LONG';
  if (seen.every((v) => /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v))) return 'DOUBLE';
  if (seen.every((v) => /^\d{4}-\d{2}-\d{2}$/.test(v))) return 'DATE';
  if (seen.every((v) => /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?$/.test(v))) return 'DATETIME';
  return 'STRING';
}

/** Creates a dataset from a CSV file (header row first) with the given id, owned by `ownerId`, viewable by `viewerId`. */
function createDatasetFromCsv(inst: Instance, id: string, name: string, file: string, ownerId: number, viewerId: number): { columns: number; rows: number } {
  const parsed = Papa.parse<string[]>(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''), { skipEmptyLines: true });
  if (parsed.errors.length) throw new Error(`${file}: ${parsed.errors[0].message} (row ${parsed.errors[0].row})`);
  const [header, ...body] = parsed.data;
  if (!header?.length) throw new Error(`${file} has no header row`);
  const types = header.map((_, i) => inferType(body.map((r) => r[i] ?? '')));
  const convert = types.map((t) => textConverter(t));
  const rows: Cell[][] = body.map((r, n) => {
    if (r.length !== header.length) throw new Error(`${file} row ${n + 2}: ${r.length} values, the header has ${header.length}`);
    return r.map((v, i) => convert[i](v));
  });
  inst.stores.datasets.seed([
    {
      id,
      name,
      description: `Created by domo-emulator app from ${basename(file)}`,
      ownerId,
      columns: header.map((n, i) => ({ name: n.trim(), type: types[i] })),
      permissions: viewerId === ownerId ? [] : [{ type: 'USER', id: viewerId, accessLevel: 'CAN_VIEW' }],
      versions: [{ action: 'REPLACE', rows }],
    },
  ]);
  return { columns: header.length, rows: rows.length };
}

/** Resolves a request path to a file inside `root` (never outside it, symlinks included), or null. */
function fileFor(root: string, pathname: string): string | null {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  let file = resolve(root, `.${rel.startsWith('/') ? rel : `/${rel}`}`);
  if (file !== root && !file.startsWith(root + sep)) return null;
  try {
    if (statSync(file).isDirectory()) file = join(file, 'index.html');
    const real = realpathSync(file);
    if (real !== root && !real.startsWith(root + sep)) return null;
    return statSync(real).isFile() ? real : null;
  } catch {
    return null;
  }
}

/** An HTML page with the app session set before any script runs (Domo injects `__RYUU_SID__` the same way). */
export function injectSession(html: string, session: string): string {
  const tag = `<script>window.__RYUU_SID__ = ${JSON.stringify(session)};</script>`;
  const head = /<head[^>]*>/i.exec(html);
  if (head) return html.slice(0, head.index + head[0].length) + tag + html.slice(head.index + head[0].length);
  const doctype = /^\s*<!doctype[^>]*>/i.exec(html);
  if (doctype) return doctype[0] + tag + html.slice(doctype[0].length);
  return tag + html;
}

export async function startAppServer(opts: AppServerOptions, logger?: Logger): Promise<RunningApp> {
  const dir = realpathSync(resolve(opts.dir));
  const manifest = readManifest(dir);
  const config = resolveConfig({
    db: opts.db ?? ':memory:',
    fixtures: opts.fixtures,
    seed: opts.seed,
    ids: opts.ids,
    freezeClock: opts.freezeClock,
    logLevel: opts.logLevel,
    authz: opts.authz,
    port: opts.port ?? DEFAULT_APP_PORT,
    host: opts.host,
  });
  const log = logger ?? createLogger(config.logLevel);
  const registry = new InstanceRegistry(config, log);
  try {
    const inst = registry.get('default');
    const userId = opts.as ?? DEFAULT_APP_USER;
    if (!inst.stores.users.find(userId)) {
      const known = inst.sqlite.prepare('select id, display_name as name from users order by id').all() as Array<{ id: number; name: string }>;
      throw new Error(`--as ${userId}: no such user in this instance (users: ${known.map((u) => `${u.id} ${u.name}`).join(', ')})`);
    }
    const app = inst.stores.apps.register(manifest);
    const adminId = Number(inst.meta('adminUserId')) || userId;
    const notes: string[] = [];
    const mappings = datasetMappings(manifest);
    for (const [alias, file] of Object.entries(opts.data ?? {})) {
      const m = mappings.find((d) => d.alias === alias);
      if (!m) throw new Error(`--data ${alias}=${file}: the manifest maps no dataset alias '${alias}' (aliases: ${mappings.map((d) => d.alias).join(', ') || 'none'})`);
      if (!existsSync(file)) throw new Error(`--data ${alias}=${file}: no such file`);
      if (inst.stores.datasets.exists(m.dataSetId)) {
        notes.push(`dataset ${m.dataSetId} (${alias}) exists: kept as it is, ${file} not loaded`);
        continue;
      }
      const made = createDatasetFromCsv(inst, m.dataSetId, alias, resolve(file), adminId, userId);
      notes.push(`dataset ${m.dataSetId} (${alias}) created from ${file}: ${made.rows} rows, ${made.columns} columns`);
    }
    for (const m of mappings) {
      if (!inst.stores.datasets.exists(m.dataSetId)) notes.push(`warning: alias '${m.alias}' maps dataset ${m.dataSetId}, which does not exist (give --data ${m.alias}=file.csv)`);
    }
    // Domo creates the manifest's AppDB collections when the design is published: here at start, owned by the admin
    const admin = inst.as(adminId);
    for (const col of manifest.collections ?? []) {
      if (inst.stores.appdb.listCollections(admin).some((c) => c.name === col.name)) continue;
      const { schema, syncEnabled } = col as { schema?: unknown; syncEnabled?: unknown };
      inst.stores.appdb.createCollection(admin, {
        name: col.name,
        ...(schema !== undefined ? { schema } : {}),
        ...(typeof syncEnabled === 'boolean' ? { syncEnabled } : {}),
      } as Parameters<typeof inst.stores.appdb.createCollection>[1]);
      notes.push(`AppDB collection ${col.name} created`);
    }
    const session = inst.ids.token('app-');
    inst.stores.users.addToken(userId, session, 'app', app.id);
    const adminTokens = (inst.sqlite.prepare('select token from tokens where user_id = ? and kind = ? order by created, token').all(adminId, 'developer') as Array<{ token: string }>).map(
      (r) => r.token,
    );

    const api = createApp({ registry });
    const cookie = `${RYUU_COOKIE}=${session}; Path=/; HttpOnly; SameSite=Lax`;
    const fetch = async (req: Request): Promise<Response> => {
      const url = new URL(req.url);
      if (isEmulatorPath(url.pathname)) return api.fetch(req);
      if (req.method !== 'GET' && req.method !== 'HEAD') return new Response(`${req.method} ${url.pathname}: the app server serves files (GET)`, { status: 405, headers: { Allow: 'GET, HEAD' } });
      const file = fileFor(dir, url.pathname);
      if (!file) return new Response(`Not found: ${url.pathname}`, { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
      const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
      const headers: Record<string, string> = { 'Content-Type': type, 'Cache-Control': 'no-store' };
      if (type.startsWith('text/html')) {
        headers['Set-Cookie'] = cookie;
        return new Response(req.method === 'HEAD' ? null : injectSession(readFileSync(file, 'utf8'), session), { status: 200, headers });
      }
      return new Response(req.method === 'HEAD' ? null : new Uint8Array(readFileSync(file)), { status: 200, headers });
    };

    const server = await new Promise<ServerType>((ok, fail) => {
      const s = serve({ fetch, port: config.port, hostname: config.host }, () => ok(s));
      s.once('error', fail);
    });
    const port = (server.address() as AddressInfo).port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const origin = `http://${host}:${port}`;
    const u = inst.stores.users.get(userId);
    const params = new URLSearchParams({ userId: String(userId), customer: inst.name, locale: u.locale ?? 'en-US', environment: 'emulator', platform: 'desktop' });
    let closing: Promise<void> | undefined;
    return {
      url: `${origin}/?${params}`,
      origin,
      port,
      appId: appIdOf(manifest),
      userId,
      session,
      adminTokens,
      notes,
      instance: inst,
      close() {
        closing ??= new Promise<void>((done) => {
          server.close(() => done());
          const s = server as unknown as { closeIdleConnections?: () => void; closeAllConnections?: () => void };
          s.closeIdleConnections?.();
          // browsers keep sockets they opened ahead of need (never idle to Node): cut them after a grace
          setTimeout(() => s.closeAllConnections?.(), 1000).unref();
        }).then(() => registry.close());
        return closing;
      },
    };
  } catch (e) {
    registry.close();
    throw e;
  }
}

// ------------------------------------------------------------------ CLI

export const appUsage = `Usage: domo-emulator app <dir> [options]
Serves the custom app in <dir> (its manifest.json, index.html, assets) against the emulator, offline: its
files at the root of its own port, the App Framework routes its ryuu.js calls make (/data/v1, /sql/v1,
/domo/...) for its manifest, and the product API (/api/...) of the same instance, all on one origin.
  --as <userId>       the fixture user the app session belongs to (default ${DEFAULT_APP_USER}, Bryan Van Kampen, an Editor)
  --data <alias=file.csv>  create the dataset the manifest maps to <alias> from a CSV file (header row first)
                      when it does not exist yet; repeatable
  --port <n>          port to listen on, 0 = any free port   (default ${DEFAULT_APP_PORT})
  --host <addr>       address to bind                        (default 127.0.0.1)
  --db <dir|:memory:> directory for per-instance databases, as the main server's --db (default :memory:)
  --fixtures <dir>    fixtures directory                     (default built-in)
  --log-level <l>     ${logLevels.join(' | ')}  (default info)
  --help              this text
Run the main server on the same --db only when this one is stopped: this port serves the product API too.`;

function parseAppArgs(argv: string[], fail: (m: string) => never): AppServerOptions & { help?: boolean } {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        as: { type: 'string' },
        data: { type: 'string', multiple: true },
        port: { type: 'string' },
        host: { type: 'string' },
        db: { type: 'string' },
        fixtures: { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    fail(`${(e as Error).message.split('\n')[0]} (see app --help)`);
  }
  if (values.help) return { dir: '.', help: true };
  if (positionals.length !== 1) fail(`app takes one directory (the app's, with its manifest.json), got ${positionals.length ? positionals.join(' ') : 'none'} (see app --help)`);
  const port = values.port ?? String(DEFAULT_APP_PORT);
  if (!/^\d+$/.test(port) || Number(port) > 65535) fail(`--port must be a number from 0 to 65535, got '${port}'`);
  if (values.as !== undefined && !/^\d+$/.test(values.as)) fail(`--as must be a user id (a number), got '${values.as}'`);
  const data: Record<string, string> = {};
  for (const d of values.data ?? []) {
    const m = /^([^=]+)=(.+)$/.exec(d);
    if (!m) fail(`--data must be alias=file.csv, got '${d}'`);
    data[m[1].trim()] = resolve(m[2]);
  }
  const level = (values['log-level'] ?? 'info') as LogLevel;
  if (!logLevels.includes(level)) fail(`--log-level must be one of ${logLevels.join(', ')}, got '${level}'`);
  const db = values.db ?? ':memory:';
  return {
    dir: resolve(positionals[0]),
    as: values.as === undefined ? undefined : Number(values.as),
    data,
    port: Number(port),
    host: values.host,
    db: db === ':memory:' ? db : resolve(db),
    fixtures: values.fixtures ? resolve(values.fixtures) : undefined,
    logLevel: level,
  };
}

/** `domo-emulator app ...`: parses, starts, prints the URL, stops on SIGINT/SIGTERM. */
export async function appMain(argv: string[]): Promise<void> {
  const fail = (m: string): never => {
    process.stderr.write(`domo-emulator app: ${m}\n`);
    process.exit(2);
  };
  const opts = parseAppArgs(argv, fail);
  if (opts.help) {
    process.stdout.write(appUsage + '\n');
    return;
  }
  const logger = createLogger(opts.logLevel ?? 'info');
  let app: RunningApp;
  try {
    app = await startAppServer(opts, logger);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') {
      process.stderr.write(`domo-emulator app: port ${opts.port} is already in use (try --port 0 or another port)\n`);
      process.exit(1);
    }
    fail(err.message);
  }
  const user = app!.instance.stores.users.get(app!.userId);
  process.stdout.write(
    [
      `domo-emulator app: ${app!.appId} on ${app!.url}`,
      `app session for ${user.displayName} (${app!.userId}): ${app!.session}`,
      ...app!.notes,
      ...app!.adminTokens.map((t) => `product API on ${app!.origin}/api/... with developer token: ${t}`),
    ].join('\n') + '\n',
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), 10_000);
    force.unref();
    app!.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
