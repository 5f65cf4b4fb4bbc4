import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { z } from 'zod';
import { numericId } from './http/paging.js';
import { catalogFamilyModules } from '../routes/index.js';
import { loadCatalog, type CatalogEntry } from './catalog.js';
import type { AppEnv } from './http/env.js';
import { errorSchema, responsesOf, type ResponseSchemas } from './http/responses.js';
import { validatorOf } from './http/validate.js';
import { packageRoot } from './paths.js';

/**
 * The OpenAPI 3.1 document, generated from the route table (routes/index.ts catalogFamilyModules) and
 * the catalog (fixtures/catalog/endpoints.json):
 *
 * - every catalog endpoint is one operation, tagged with its catalog family, with the reference's name
 *   (summary), notes (description), query parameter descriptions, example request and example response;
 * - request schemas come from the route's own valid() middlewares (src/http/validate.ts registers each
 *   validator's zod schema against the middleware function), and response schemas from its responds()
 *   middleware (src/http/responses.ts), both converted with zod 4's z.toJSONSchema. Reading them off the
 *   handler chain keeps one source: the schema that validates a request is the one that documents it,
 *   and no route needs a second declaration (a `describe()` wrapper or @hono/zod-openapi would have
 *   meant rewriting every route's registration);
 * - a catalog endpoint not emulated yet is still listed (it answers 501), marked `x-emulated: false`.
 *
 * `npm run docs:openapi` writes docs/openapi.json; /_emulator/openapi.json serves the same document.
 */

type Json = Record<string, unknown>;

interface RouteMeta {
  path: string;
  request: { json?: { schema: z.ZodType; optional: boolean }; query?: z.ZodType; param?: z.ZodType };
  responses?: ResponseSchemas;
}

const shape = (path: string) =>
  path
    .replace(/\/+$/, '')
    .split('/')
    .map((s) => (s.startsWith(':') ? ':' : s.toLowerCase()))
    .join('/');

/** Every (method, path) of a router with the schemas its handler chain carries. */
function routeMetas(routes: () => Hono<AppEnv>): Map<string, RouteMeta> {
  const out = new Map<string, RouteMeta>();
  for (const r of routes().routes) {
    if (r.method === 'ALL') continue;
    const key = `${r.method} ${shape(r.path)}`;
    let m = out.get(key);
    if (!m) out.set(key, (m = { path: r.path, request: {} }));
    if (m.path !== r.path) continue; // a second registration of the same shape (a case variant) adds nothing
    const v = validatorOf(r.handler);
    if (v?.target === 'json') m.request.json = { schema: v.schema, optional: v.optional };
    else if (v?.target === 'query') m.request.query = v.schema;
    else if (v?.target === 'param') m.request.param = v.schema;
    const res = responsesOf(r.handler);
    if (res) m.responses = { ...(m.responses ?? {}), ...res };
  }
  return out;
}

/**
 * The one id parser takes a number or its decimal string; clients are told the simpler truth, an integer
 * (a path segment is text anyway, and a body's "5" is accepted without being advertised).
 */
function documentAsInteger(ctx: { zodSchema: unknown; jsonSchema: Json }): void {
  if (ctx.zodSchema !== numericId) return;
  for (const k of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[k];
  Object.assign(ctx.jsonSchema, { type: 'integer', minimum: 1 });
}

/** zod -> JSON Schema (2020-12, which OpenAPI 3.1 uses); what JSON cannot say (dates, custom checks) becomes `{}`. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output', defs: Json): Json {
  const s = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12', reused: 'inline', cycles: 'ref', override: documentAsInteger }) as Json;
  delete s.$schema;
  // named schemas (.meta({ id })) go to components.schemas
  const local = (s.$defs ?? {}) as Json;
  delete s.$defs;
  for (const [k, v] of Object.entries(local)) defs[k] = v;
  return rewriteRefs(s) as Json;
}

function rewriteRefs(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(rewriteRefs);
  if (!v || typeof v !== 'object') return v;
  const o: Json = {};
  for (const [k, x] of Object.entries(v as Json)) {
    o[k] = k === '$ref' && typeof x === 'string' && x.startsWith('#/$defs/') ? `#/components/schemas/${x.slice('#/$defs/'.length)}` : rewriteRefs(x);
  }
  return o;
}

const openapiPath = (p: string) => p.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}');

const reason: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content' };

/** The example request the reference shows for an endpoint, as a request body. */
function requestBodyFor(e: CatalogEntry, meta: RouteMeta | undefined, defs: Json): Json | undefined {
  if (typeof e.requestBody === 'string') {
    return { required: true, content: { 'text/csv': { schema: { type: 'string' }, example: e.requestBody } } };
  }
  const json = meta?.request.json;
  if (!json && (e.requestBody === null || e.requestBody === undefined)) return undefined;
  const media: Json = { schema: json ? jsonSchema(json.schema, 'input', defs) : {} };
  if (e.requestBody !== null && e.requestBody !== undefined) media.example = e.requestBody;
  return { required: json ? !json.optional : true, content: { 'application/json': media } };
}

function parametersFor(e: CatalogEntry, openPath: string, meta: RouteMeta | undefined, defs: Json): Json[] {
  const params: Json[] = [];
  const pathProps = (meta?.request.param ? (jsonSchema(meta.request.param, 'input', defs).properties as Json | undefined) : undefined) ?? {};
  for (const m of openPath.matchAll(/\{([A-Za-z0-9_]+)\}/g)) {
    params.push({ name: m[1], in: 'path', required: true, schema: (pathProps[m[1]] as Json | undefined) ?? { type: 'string' } });
  }
  const q = meta?.request.query ? jsonSchema(meta.request.query, 'input', defs) : undefined;
  const qProps = (q?.properties ?? {}) as Json;
  const qRequired = new Set((q?.required ?? []) as string[]);
  const seen = new Set<string>();
  for (const c of e.query as Array<CatalogEntry['query'][number] & { description?: string; default?: unknown }>) {
    seen.add(c.name);
    const schema = (qProps[c.name] as Json | undefined) ?? catalogType(c.type);
    const p: Json = { name: c.name, in: 'query', required: c.required || qRequired.has(c.name), schema };
    if (c.description) p.description = c.description;
    params.push(p);
  }
  for (const [name, schema] of Object.entries(qProps)) {
    if (!seen.has(name)) params.push({ name, in: 'query', required: qRequired.has(name), schema, description: 'Emulator extension (not in the reference)' });
  }
  return params;
}

function catalogType(t: string): Json {
  if (t === 'integer' || t === 'number' || t === 'boolean') return { type: t };
  return { type: 'string' };
}

function responsesFor(e: CatalogEntry, meta: RouteMeta | undefined, defs: Json): Json {
  const out: Json = {};
  const declared = meta?.responses ?? {};
  const statuses = new Set<number>([e.responseStatus, ...Object.keys(declared).map(Number)]);
  for (const status of [...statuses].sort()) {
    const schema = declared[status];
    const r: Json = { description: reason[status] ?? `Status ${status}` };
    const media: Json = { schema: schema ? jsonSchema(schema, 'output', defs) : {} };
    if (status === e.responseStatus && e.responseExample !== null && e.responseExample !== undefined) media.example = e.responseExample;
    if (status !== 204) r.content = { 'application/json': media };
    out[String(status)] = r;
  }
  out.default = { description: 'An error (the one error shape)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  return out;
}

/**
 * Catalog families whose every endpoint declares its response body (responds()); test/contract/openapi.test.ts
 * keeps this list true. Not yet covered: Datasets, DatasetHistory, QueryDataset, Connectors, DataAccounts,
 * ExportToS3, Files, FileSets, Alerts, BeastModes, Cards, CertifiedContent, Pages, TaskCenter, Workflows,
 * CodeEngine, AIServices, Search, ActivityLog, ScheduledReports, FederatedV1toV2Migration,
 * FederatedToAmplifierMigration, RemoteDomostats (their operations carry the reference's example only).
 */
export const typedFamilies = ['AppDB', 'Groups', 'Roles', 'Users'];

/** The families whose routes declare their response bodies (the rest document the reference's example only). */
export function responseCoverage(catalog: CatalogEntry[] = loadCatalog()): Array<{ family: string; endpoints: number; typed: number }> {
  const metas = new Map<string, Map<string, RouteMeta>>();
  const fam = new Map<string, { endpoints: number; typed: number }>();
  for (const e of catalog) {
    const meta = metaFor(e, metas);
    const f = fam.get(e.family) ?? { endpoints: 0, typed: 0 };
    f.endpoints++;
    if (meta?.responses?.[e.responseStatus]) f.typed++;
    fam.set(e.family, f);
  }
  return [...fam.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([family, f]) => ({ family, ...f }));
}

function metaFor(e: CatalogEntry, cache: Map<string, Map<string, RouteMeta>>): RouteMeta | undefined {
  for (const m of catalogFamilyModules[e.family] ?? []) {
    let metas = cache.get(m.module);
    if (!metas) cache.set(m.module, (metas = routeMetas(m.routes)));
    const hit = metas.get(`${e.method} ${shape(e.path)}`);
    if (hit) return hit;
  }
  return undefined;
}

/** The declared response schemas of the route serving a catalog endpoint (for tests). */
export function declaredResponses(e: CatalogEntry): ResponseSchemas | undefined {
  return metaFor(e, new Map())?.responses;
}

export function openapiDocument(catalog: CatalogEntry[] = loadCatalog()): Json {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string; description: string };
  const defs: Json = {};
  jsonSchema(errorSchema, 'output', defs);
  const cache = new Map<string, Map<string, RouteMeta>>();
  const paths: Record<string, Json> = {};
  const ids = new Set<string>();
  for (const e of catalog) {
    const meta = metaFor(e, cache);
    const p = openapiPath(meta?.path ?? e.path);
    const method = e.method.toLowerCase();
    let opId = e.id;
    for (let i = 2; ids.has(opId); i++) opId = `${e.id}-${i}`;
    ids.add(opId);
    const op: Json = {
      operationId: opId,
      tags: [e.family],
      summary: e.name,
      parameters: parametersFor(e, p, meta, defs),
      responses: responsesFor(e, meta, defs),
    };
    const desc = [e.notes, meta ? '' : 'Not emulated yet: the emulator answers 501.', e.async ? 'Asynchronous: the work finishes after the answer.' : '']
      .filter(Boolean)
      .join('\n\n');
    if (desc) op.description = desc;
    const body = requestBodyFor(e, meta, defs);
    if (body) op.requestBody = body;
    op['x-emulated'] = meta !== undefined;
    paths[p] ??= {};
    if (paths[p][method]) continue; // the catalog lists one endpoint twice: keep the first
    paths[p][method] = op;
  }
  const families = [...new Set(catalog.map((e) => e.family))].sort();
  return {
    openapi: '3.1.0',
    info: {
      title: 'domo-emulator: Domo instance Product APIs',
      version: pkg.version,
      description: `${pkg.description}. Generated from the emulator's route table and its zod schemas; examples from the Domo Product API reference.`,
    },
    servers: [{ url: '/', description: 'This emulator' }],
    security: [{ developerToken: [] }],
    tags: families.map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        developerToken: { type: 'apiKey', in: 'header', name: 'X-DOMO-Developer-Token', description: 'A developer token; the fixtures have domo-emulator-admin-token' },
      },
      schemas: defs,
    },
  };
}

/** The document as docs/openapi.json holds it (two-space JSON, final newline). */
export function openapiText(doc: Json): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
