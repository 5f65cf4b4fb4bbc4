/**
 * A seeded fuzzer over every endpoint of fixtures/catalog/endpoints.json, against a running emulator.
 * Used by test/reliability/fuzz.test.ts (a few thousand requests in npm test) and scripts/fuzz.ts
 * (`npm run fuzz -- --requests N --seed S` for long runs).
 *
 * Two kinds of requests, to two instances:
 * - **guarded** (instance `default`, compared before/after by the caller): requests that must be refused
 *   whatever the route does: no or a bad token; every path parameter garbage; or, for routes without
 *   path parameters, a body no route may accept (malformed JSON, invalid UTF-8 where JSON needs
 *   structure, nesting past the limit, a `__proto__` key, a truncated multipart form). A write method
 *   answered 2xx here is a failure: the fuzzer sent a valid write, or a route accepted garbage.
 * - **wild** (instance `fuzz-wild`, a copy of the fixtures that may change): real fixture ids where known,
 *   the catalog's example bodies with wrong-typed, missing and extra fields, huge arrays, deep nesting,
 *   invalid UTF-8 inside strings, wrong content types, truncated multipart and gzip.
 *
 * Every answer must be below 500, and every 4xx must be the one error shape.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { prng } from './helpers.js';

const root = join(import.meta.dirname, '..', '..');

interface CatalogEntry {
  id: string;
  method: string;
  path: string;
  query?: Array<{ name: string; type: string; required: boolean }> | null;
  requestBody: unknown;
}

export interface FuzzRequest {
  kind: 'guarded' | 'wild';
  endpoint: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** how the request was built, for the report */
  recipe: string;
}

export interface FuzzFailure {
  request: Omit<FuzzRequest, 'body'> & { bodyPreview?: string };
  status: number;
  why: string;
  response: string;
}

export interface FuzzReport {
  sent: number;
  byStatus: Record<string, number>;
  byKind: Record<string, number>;
  /** requests answered per catalog endpoint id */
  byEndpoint: Record<string, number>;
  failures: FuzzFailure[];
  ms: number;
}

export interface FuzzOptions {
  url: string;
  requests: number;
  seed: number;
  token: string;
  /** requests in flight at once */
  concurrency?: number;
  /** share of wild requests (0..1) */
  wildShare?: number;
  wildInstance?: string;
  /** stop collecting after this many failures */
  maxFailures?: number;
}

export const loadCatalog = (): CatalogEntry[] => JSON.parse(readFileSync(join(root, 'fixtures', 'catalog', 'endpoints.json'), 'utf8')) as CatalogEntry[];

/** Fixture ids the wild requests use for known path parameters (anything else gets garbage). */
export function knownIds(): Record<string, string[]> {
  const json = (p: string) => JSON.parse(readFileSync(join(root, 'fixtures', p), 'utf8'));
  const groups = (json('groups.json') as Array<{ id: number }>).map((g) => String(g.id));
  const roles = (json('roles.json') as Array<{ id: number }>).map((r) => String(r.id));
  return {
    datasetId: ['94a4edfa-5926-4f0c-ad1e-a341f53f6113'],
    datasourceId: ['94a4edfa-5926-4f0c-ad1e-a341f53f6113'],
    dataFileId: ['90356', '401'],
    sourceDataFileId: ['401'],
    targetDataFileId: ['90356'],
    revisionId: ['430'],
    filesetId: ['00000000-0000-0000-0000-000000000010', '00000000-0000-0000-0000-000000000011'],
    collectionId: ['campaigns'],
    userId: ['587894148', '1089963280'],
    groupId: groups.slice(0, 2),
    roleId: roles.slice(0, 3),
    streamId: ['371'],
    accountId: ['1', '3'],
    entityType: ['USER', 'GROUP'],
    entityId: ['587894148'],
    uploadId: ['1'],
    part: ['1'],
  };
}

const garbageStrings = [
  'zz-fuzz',
  '-1',
  '0',
  '99999999999999999999999',
  '1e309',
  'NaN',
  'null',
  'undefined',
  '%00',
  '%ff%fe',
  '%c3%28',
  '%E2%98%83',
  "'%20OR%201=1--",
  '%22%3E%3Cscript%3E',
  'a'.repeat(3000),
  '%2F',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '-valueOf',
  '%24where',
  '[]',
  '{}',
  '%0d%0aX-Injected:%201',
];

const badTokens = ['', 'x', 'not-a-real-token', 'domo-emulator-admin-tokeN', 'Bearer abc', 'a'.repeat(4000)];

const contentTypes = [
  'application/json',
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=fuzz',
  'multipart/form-data',
  'application/x-www-form-urlencoded',
  'text/csv',
  'application/json; charset=utf-16',
  ';;;',
  'application/octet-stream',
];

type Rng = ReturnType<typeof prng>;

/** A JSON value of a random type, sometimes big or deep. */
function randomValue(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 3 ? 6 : 9)) {
    case 0:
      return r.int(1000) - 500;
    case 1:
      return r.pick(['', 'x', 'ünïcödé ☃', '\u0000', 'a'.repeat(r.int(2000)), '2026-13-45', '{"$gt":1}']);
    case 2:
      return r.pick([true, false]);
    case 3:
      return null;
    case 4:
      return r.pick([1.5e308, -0, 2 ** 63, Number.MAX_SAFE_INTEGER + 2]);
    case 5:
      return r.pick(garbageStrings);
    case 6:
      return Array.from({ length: r.int(5) }, () => randomValue(r, depth + 1));
    case 7:
      return Object.fromEntries(Array.from({ length: r.int(4) }, () => [r.pick(['a', 'name', '$gt', 'content', 'id', '', 'constructor', 'x.y']), randomValue(r, depth + 1)]));
    default:
      return { $where: 'sleep(1000)', $regex: '(a+)+$' };
  }
}

/** JSON text that is sent as is. */
class RawJson {
  constructor(readonly text: string) {}
}
const jsonBytes = (v: unknown) => Buffer.from(v instanceof RawJson ? v.text : (JSON.stringify(v) ?? 'null'));

/** Bodies from the issue and their relatives: prototype keys, operator injection, huge wrong-typed arrays. */
const hostilePayloads: Array<() => unknown> = [
  () => JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{}}}'),
  () => ({ constructor: { prototype: { polluted: true } } }),
  () => ({ $where: 'this.a == 1', $expr: { $gt: ['$a', 1] } }),
  () => ({ 'content.name': { $regex: '(a+)+$' } }),
  () => ({ $or: Array.from({ length: 5000 }, (_, i) => ({ [`content.f${i}`]: i })) }),
  () => Array(1_000_000).fill(1),
  () => ({ sql: 'SELECT ' + '('.repeat(5000) + '1' + ')'.repeat(5000) }),
  () => ({ sql: "SELECT * FROM t; DROP TABLE users; --" }),
  () => ({ name: 'x'.repeat(2_000_000) }),
];

/** The catalog example with one structural mutation (wrong type, missing field, extra field, huge array, ...). */
function mutateBody(r: Rng, example: unknown): { value: unknown; recipe: string } {
  const base = example === null || example === undefined ? {} : (JSON.parse(JSON.stringify(example)) as unknown);
  const choice = r.int(10);
  if (choice === 0) return { value: randomValue(r), recipe: 'random value' };
  if (choice === 7) return { value: r.pick(hostilePayloads)(), recipe: 'hostile payload' };
  if (choice === 1) return { value: Array.from({ length: 50_000 + r.int(50_000) }, () => r.pick([1, 'x', null, {}])), recipe: 'huge array' };
  if (choice === 2) {
    // built as text: JSON.stringify itself cannot nest 10,000 levels
    const d = r.pick([20, 60, 99, 150, 10_000]);
    let open = '';
    let close = '';
    for (let i = 0; i < d; i++) {
      const arr = r.chance(0.5);
      open += arr ? '[' : '{"a":';
      close = (arr ? ']' : '}') + close;
    }
    return { value: new RawJson(open + JSON.stringify(base) + close), recipe: `nested ${d}` };
  }
  if (base && typeof base === 'object' && !Array.isArray(base)) {
    const obj = base as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (choice === 3 && keys.length) {
      delete obj[r.pick(keys)];
      return { value: obj, recipe: 'missing field' };
    }
    if (choice === 4 && keys.length) {
      const k = r.pick(keys);
      obj[k] = randomValue(r);
      return { value: obj, recipe: `wrong-typed ${k}` };
    }
    if (choice === 5) {
      obj[r.pick(['extra', '$where', 'constructor', 'prototype'])] = randomValue(r);
      return { value: obj, recipe: 'extra field' };
    }
    if (choice === 6 && keys.length) {
      obj[r.pick(keys)] = Array.from({ length: 20_000 }, () => randomValue(r, 4));
      return { value: obj, recipe: 'huge array field' };
    }
  }
  if (Array.isArray(base) && choice <= 6) return { value: base.map(() => randomValue(r)), recipe: 'wrong-typed items' };
  return { value: base, recipe: 'example' };
}

/** A random MongoDB filter from the whole operator grammar, sometimes deep, wide or with long lists. */
function randomFilter(r: Rng, depth = 0, budget = { nodes: 400 }): Record<string, unknown> {
  const field = () => r.pick(['content.name', 'content.a.b', 'content.tags', 'content.tags.0', 'id', 'owner', 'createdOn', 'content.constructor', 'content.x.y.z']);
  const value = () => (r.chance(0.2) ? randomValue(r, 3) : r.pick([1, 'x', null, true, { $date: '2026-01-01T00:00:00Z' }, { $numberLong: '12' }, [1, 2], { a: 1 }]));
  const cond = (d: number): unknown => {
    budget.nodes -= 1;
    switch (r.int(d > 12 || budget.nodes < 0 ? 8 : 12)) {
      case 0:
        return value();
      case 1:
        return { [r.pick(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte'])]: value() };
      case 2:
        return { [r.pick(['$in', '$nin', '$all'])]: Array.from({ length: r.chance(0.05) ? 4000 + r.int(3000) : r.int(6) }, value) };
      case 3:
        return { $exists: r.chance(0.5) };
      case 4:
        return { $type: r.pick(['string', 'number', 2, 'array', ['int', 'null'], 'nope']) };
      case 5:
        return { $regex: r.pick(['^a', 'b$', '(a+)+$', '[', '(?:x|y)', '\d{2,4}', '.*'.repeat(r.int(5))]), ...(r.chance(0.3) ? { $options: r.pick(['i', 'mx', 'q']) } : {}) };
      case 6:
        return { $size: r.pick([0, 1, -1, 1.5, 'x']) };
      case 7:
        return { $comment: 'fuzz' };
      case 8:
        return { $not: cond(d + 1) };
      case 9:
        return { $elemMatch: r.chance(0.5) ? randomFilter(r, d + 1, budget) : { $gt: value() } };
      case 10:
        return { $all: [{ $elemMatch: randomFilter(r, d + 1, budget) }] };
      default:
        return { $gt: value(), $lt: value() };
    }
  };
  const out: Record<string, unknown> = {};
  // wide (past the 1,000-condition limit, or just under it) only at the top; the tree is bounded by `budget`
  const n = depth === 0 && r.chance(0.05) ? 900 + r.int(300) : 1 + r.int(3);
  for (let i = 0; i < n; i++) {
    if (depth < 20 && budget.nodes > 0 && r.chance(0.25)) out[r.pick(['$and', '$or', '$nor'])] = Array.from({ length: 1 + r.int(3) }, () => randomFilter(r, depth + 1, budget));
    else out[n > 3 ? `content.f${i}` : field()] = cond(depth);
  }
  return out;
}

/** Bodies that no route may accept: refused before any validator or store sees them. */
function refusedBody(r: Rng): { body: Buffer; recipe: string } {
  switch (r.int(6)) {
    case 0:
      return { body: Buffer.from(r.pick(['{', '{"a":', '[1,2', '{"a" 1}', "{'a':1}", 'nul', '{"a":1}}', '\u0000{}'])), recipe: 'malformed JSON' };
    case 1:
      return { body: Buffer.concat([Buffer.from('{"a"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(':1}')]), recipe: 'invalid UTF-8 in structure' };
    case 2: {
      const d = 101 + r.int(5000);
      return { body: Buffer.from('['.repeat(d) + ']'.repeat(d)), recipe: `nested ${d}` };
    }
    case 3: {
      const d = 101 + r.int(200);
      return { body: Buffer.from('{"a":'.repeat(d) + '1' + '}'.repeat(d)), recipe: `nested objects ${d}` };
    }
    case 4:
      return { body: Buffer.from('{"__proto__":{"polluted":true},"constructor":{"prototype":{}}}'), recipe: '__proto__ key' };
    default:
      return { body: Buffer.from(JSON.stringify({ deep: JSON.parse('['.repeat(120) + ']'.repeat(120)) })), recipe: 'nested value 121' };
  }
}

const truncatedMultipart = (boundary = 'fuzz') => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello`);

function fillPath(path: string, r: Rng, ids: Record<string, string[]> | null): { path: string; garbage: boolean } {
  let garbage = false;
  const out = path.replace(/:(\w+)/g, (_m, name: string) => {
    const known = ids?.[name];
    if (known && known.length && r.chance(0.8)) return encodeURIComponent(r.pick(known));
    garbage = true;
    return r.pick(garbageStrings);
  });
  return { path: out, garbage };
}

function garbageQuery(r: Rng, e: CatalogEntry): string {
  const params = (e.query ?? []).map((q) => q.name);
  const names = [...params, 'limit', 'offset', 'fields', '__proto__[x]', 'a'.repeat(50)];
  const n = r.int(4);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`${encodeURIComponent(r.pick(names))}=${r.pick(garbageStrings)}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

const withBody = (m: string) => m !== 'GET' && m !== 'HEAD';

/** Builds request `i` of a run (deterministic for a seed). */
export function buildRequest(r: Rng, catalog: CatalogEntry[], ids: Record<string, string[]>, token: string, wildShare: number, wildInstance: string): FuzzRequest {
  const e = r.pick(catalog);
  const wild = r.chance(wildShare);
  const headers: Record<string, string> = {};
  if (wild) {
    headers['X-Domo-Instance'] = wildInstance;
    headers['X-DOMO-Developer-Token'] = token;
    const { path } = fillPath(e.path, r, ids);
    const q = r.chance(0.3) ? garbageQuery(r, e) : '';
    let body: Buffer | undefined;
    let recipe = 'no body';
    if (withBody(e.method)) {
      const special = r.int(10);
      if (special === 0) {
        body = truncatedMultipart();
        headers['Content-Type'] = 'multipart/form-data; boundary=fuzz';
        recipe = 'truncated multipart';
      } else if (special === 1) {
        body = gzipSync(Buffer.from('a,b,c\n'.repeat(100))).subarray(0, 30);
        headers['Content-Encoding'] = 'gzip';
        headers['Content-Type'] = 'text/csv';
        recipe = 'truncated gzip';
      } else if (special === 2) {
        body = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
        headers['Content-Type'] = 'application/json';
        recipe = 'invalid UTF-8 in a string';
      } else if (/\/documents\/(query|update)$/.test(e.path) && r.chance(0.7)) {
        const filter = randomFilter(r);
        body = jsonBytes(e.path.endsWith('update') ? { query: filter, operation: r.pick([{ $set: { 'content.z': 1 } }, { $inc: { 'content.n': 1 } }, { $push: { 'content.tags': 'f' } }]) } : filter);
        headers['Content-Type'] = 'application/json';
        recipe = 'random filter';
      } else {
        const m = mutateBody(r, e.requestBody);
        body = jsonBytes(m.value);
        recipe = m.recipe;
        headers['Content-Type'] = r.chance(0.8) ? 'application/json' : r.pick(contentTypes);
      }
    }
    return { kind: 'wild', endpoint: e.id, method: e.method, path: path + q, headers, body, recipe };
  }

  // guarded: must be refused
  const mode = r.int(3);
  const hasParams = e.path.includes(':');
  if (mode === 0) {
    const bad = r.pick(badTokens);
    if (bad) headers[r.pick(['X-DOMO-Developer-Token', 'X-DOMO-Authentication'])] = bad;
    const { path } = fillPath(e.path, r, ids);
    let body: Buffer | undefined;
    if (withBody(e.method)) {
      body = jsonBytes(mutateBody(r, e.requestBody).value);
      headers['Content-Type'] = 'application/json';
    }
    return { kind: 'guarded', endpoint: e.id, method: e.method, path, headers, body, recipe: `token '${bad.slice(0, 20)}'` };
  }
  headers['X-DOMO-Developer-Token'] = token;
  if (hasParams) {
    // every parameter garbage: nothing real can be addressed
    const path = e.path.replace(/:(\w+)/g, () => r.pick(garbageStrings));
    let body: Buffer | undefined;
    let recipe = 'garbage params';
    if (withBody(e.method)) {
      const useRefused = r.chance(0.5);
      if (useRefused) {
        const b = refusedBody(r);
        body = b.body;
        recipe += `, ${b.recipe}`;
      } else {
        const m = mutateBody(r, e.requestBody);
        body = jsonBytes(m.value);
        recipe += `, ${m.recipe}`;
      }
      headers['Content-Type'] = r.chance(0.8) ? 'application/json' : r.pick(contentTypes);
    }
    return { kind: 'guarded', endpoint: e.id, method: e.method, path: path + (r.chance(0.3) ? garbageQuery(r, e) : ''), headers, body, recipe };
  }
  if (e.method === 'GET') {
    return { kind: 'guarded', endpoint: e.id, method: 'GET', path: e.path + garbageQuery(r, e), headers, recipe: 'garbage query' };
  }
  // a write without path parameters: a body no route accepts
  if (e.path === '/api/data/v1/data-files') {
    const truncated = r.chance(0.5);
    if (truncated) headers['Content-Type'] = 'multipart/form-data; boundary=fuzz';
    else headers['Content-Type'] = 'text/plain';
    // without ?name= the upload is refused; with it, only a form cut short
    return {
      kind: 'guarded',
      endpoint: e.id,
      method: e.method,
      path: truncated ? `${e.path}?name=fuzz` : e.path,
      headers,
      body: truncated ? truncatedMultipart() : Buffer.from('bytes without a name'),
      recipe: truncated ? 'truncated multipart' : 'upload without name',
    };
  }
  const b = refusedBody(r);
  headers['Content-Type'] = r.pick(['application/json', 'text/plain', 'application/json; charset=utf-8']);
  // query parameters garbled too, so a route reading only its query refuses it as well
  const q = (e.query ?? []).length ? '?' + (e.query ?? []).map((p) => `${encodeURIComponent(p.name)}=${r.pick(['zz-fuzz', '-1', '%ff', 'NaN'])}`).join('&') : '';
  return { kind: 'guarded', endpoint: e.id, method: e.method, path: e.path + q, headers, body: b.body, recipe: b.recipe };
}

function isErrorShape(status: number, text: string): boolean {
  try {
    const b = JSON.parse(text) as Record<string, unknown>;
    return b.status === status && typeof b.statusReason === 'string' && typeof b.message === 'string' && typeof b.toe === 'string' && typeof b.path === 'string';
  } catch {
    return false;
  }
}

/** Runs a fuzz session and reports what it saw; it never throws for a bad answer (the caller asserts). */
export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const catalog = loadCatalog();
  const ids = knownIds();
  const r = prng(opts.seed);
  const wildInstance = opts.wildInstance ?? 'fuzz-wild';
  const report: FuzzReport = { sent: 0, byStatus: {}, byKind: {}, byEndpoint: {}, failures: [], ms: 0 };
  const maxFailures = opts.maxFailures ?? 50;
  let next = 0;

  const fail = (req: FuzzRequest, status: number, why: string, response: string) => {
    if (report.failures.length >= maxFailures) return;
    const { body, ...rest } = req;
    report.failures.push({ request: { ...rest, path: rest.path.slice(0, 300), bodyPreview: body?.subarray(0, 200).toString('latin1') }, status, why, response: response.slice(0, 500) });
  };

  const worker = async () => {
    for (;;) {
      if (next++ >= opts.requests) return;
      // built when claimed (synchronously, so the sequence is the seed's whatever the timing), not all up front
      const req = buildRequest(r, catalog, ids, opts.token, opts.wildShare ?? 0.35, wildInstance);
      let status = 0;
      let text = '';
      try {
        const res = await fetch(opts.url + req.path, { method: req.method, headers: req.headers, body: req.body, signal: AbortSignal.timeout(30_000) });
        status = res.status;
        text = await res.text();
      } catch (e) {
        fail(req, 0, `no answer: ${(e as Error).message}${(e as { cause?: Error }).cause ? ` (${(e as { cause: Error }).cause.message})` : ''}`, '');
        continue;
      }
      report.sent += 1;
      report.byEndpoint[req.endpoint] = (report.byEndpoint[req.endpoint] ?? 0) + 1;
      report.byStatus[status] = (report.byStatus[status] ?? 0) + 1;
      report.byKind[`${req.kind} ${Math.floor(status / 100)}xx`] = (report.byKind[`${req.kind} ${Math.floor(status / 100)}xx`] ?? 0) + 1;
      if (status >= 500) fail(req, status, '5xx', text);
      else if (status >= 400 && !isErrorShape(status, text)) fail(req, status, '4xx not in the error shape', text);
      else if (status >= 400 && text.length > 64 * 1024) fail(req, status, `an error answer of ${text.length} bytes (errors must stay small)`, text);
      else if (req.kind === 'guarded' && req.method !== 'GET' && status < 400) fail(req, status, 'a request that must be refused was accepted', text);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, worker));
  report.ms = Math.round(performance.now() - started);
  return report;
}

/**
 * Requests that let time-driven work happen once before a snapshot (AppDB runs its scheduled export on
 * the first datastore request of a quarter hour), so the snapshot then compares only what requests do.
 */
export async function warmUp(url: string, token: string): Promise<void> {
  for (const path of ['/_emulator/health', '/api/datastores/v1/collections', '/api/identity/v1/users']) {
    await fetch(url + path, { headers: { 'X-DOMO-Developer-Token': token } }).then((r) => r.arrayBuffer());
  }
  // jobs due when the instance opened (an alert check after the fixtures' uploads) finish before any
  // snapshot: GET /_emulator/jobs answers once the due ones have run
  await fetch(url + '/_emulator/jobs').then((r) => r.arrayBuffer());
}

/** Tables that refused requests may legitimately change (the activity log records every request). */
const volatileTables = new Set(['activity_log', 'emulator_meta']);

/**
 * A snapshot of one instance's state: a hash of every table (rows in rowid order; read while the server
 * runs, as WAL allows) and the files under its data directory (staging excluded). Compare two with
 * diffSnapshots().
 */
export function snapshotInstance(dbFile: string, dataDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all() as string[];
    for (const t of tables) {
      if (volatileTables.has(t)) continue;
      const h = createHash('sha256');
      let n = 0;
      for (const row of db.prepare(`SELECT * FROM "${t.replace(/"/g, '""')}"`).raw(true).iterate() as Iterable<unknown[]>) {
        h.update(JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)));
        n += 1;
      }
      out[`table ${t}`] = `${n} rows ${h.digest('hex').slice(0, 16)}`;
    }
  } finally {
    db.close();
  }
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      const rel = relative(dataDir, p);
      if (rel === join('files', 'tmp')) continue;
      if (e.isDirectory()) walk(p);
      else out[`file ${rel}`] = `${statSync(p).size} bytes`;
    }
  };
  walk(dataDir);
  return out;
}

export function diffSnapshots(a: Record<string, string>, b: Record<string, string>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => a[k] !== b[k]).map((k) => `${k}: ${a[k] ?? '(absent)'} -> ${b[k] ?? '(absent)'}`);
}
