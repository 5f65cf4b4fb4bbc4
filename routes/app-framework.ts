import type { Context } from 'hono';
import { Hono } from 'hono';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { Principal } from '../src/access/principal.js';
import { buildDataQuery, type AppField } from '../src/engines/data-api.js';
import { defaultModels, generate, knownModels, renderTemplate, textToSql } from '../src/engines/ai.js';
import { codeEngineLimits } from '../src/engines/code-engine/index.js';
import { XLSX_TYPE, xlsx } from '../src/engines/xlsx.js';
import type { AppEnv } from '../src/http/env.js';
import { requires } from '../src/http/auth.js';
import { ApiError, badRequest, conflict } from '../src/http/errors.js';
import { flag, numericId } from '../src/http/paging.js';
import { readJsonBody, readTextBody, valid } from '../src/http/validate.js';
import type { RowSource } from '../src/state/rows.js';
import type { CompiledQuery } from '../src/engines/sql/compile.js';
import type { UserRecord } from '../src/state/users.js';

/**
 * The App Framework: the routes a Domo custom app calls on its own origin through ryuu.js (domo.get,
 * domo.post...) with its app session (X-DOMO-Ryuu-Session / the ryuu_sid cookie), served at the root as
 * on an app's domain. Every route acts as the session's user through the same stores as the product API:
 * dataset rows through the row service (so PDP applies), AppDB (routes/appdb.ts, already under /domo),
 * workflows, Code Engine and AI through their stores and engines. Aliases resolve through the manifest of
 * the session's app (src/state/apps.ts); without one an alias is the object's id.
 */

type Format = 'objects' | 'detailed' | 'csv' | 'excel';

/** The formats ryuu.js asks for by Accept (its DataFormats), plus the names Domo's docs use. */
const ACCEPT: Record<string, Format> = {
  'application/array-of-objects': 'objects',
  'array-of-objects': 'objects',
  'application/json': 'detailed',
  'application/array-of-arrays': 'detailed',
  'array-of-arrays': 'detailed',
  'text/csv': 'csv',
  csv: 'csv',
  [XLSX_TYPE]: 'excel',
  excel: 'excel',
};

/** The first format the Accept header names (ryuu.js sends exactly one), else the route's default. */
export function formatOf(accept: string | undefined, fallback: Format): Format {
  for (const part of (accept ?? '').split(',')) {
    const f = ACCEPT[part.split(';')[0].trim().toLowerCase()];
    if (f) return f;
  }
  return fallback;
}

const aliasParam = z.object({ alias: z.string().min(1).max(500) });
const intParam = z.coerce.number().int().min(0);
const dataQuery = z.looseObject({
  fields: z.string().optional(),
  filter: z.string().optional(),
  groupby: z.string().optional(),
  orderby: z.string().optional(),
  dategrain: z.string().optional(),
  calendar: z.string().optional(),
  limit: intParam.optional(),
  offset: intParam.optional(),
  sum: z.string().optional(),
  avg: z.string().optional(),
  count: z.string().optional(),
  min: z.string().optional(),
  max: z.string().optional(),
  unique: z.string().optional(),
});

const usersQuery = z.object({
  includeDetails: flag.optional(),
  limit: z.coerce.number().int().min(0).max(10_000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

const aiBody = z.object({
  input: z.string().min(1),
  model: z.string().optional(),
  promptTemplate: z.union([z.string(), z.object({ template: z.string() }).transform((o) => o.template)]).optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  system: z.string().optional(),
  dataSourceSchemas: z
    .array(
      z.object({
        dataSourceName: z.string().min(1),
        description: z.string().optional(),
        columns: z.array(z.object({ type: z.string().min(1), name: z.string().min(1), description: z.string().optional() })).min(1),
      }),
    )
    .optional(),
});

const appOf = (p: Principal) => p.app?.id ?? null;

/** The fields an alias exposes: the manifest's field aliases, or every column by its own name when it declares none. */
function fieldsOf(declared: Array<{ alias: string; columnName: string }>, src: RowSource): AppField[] {
  const cols = src.target.columns;
  if (!declared.length) return cols.map((c) => ({ alias: c.name, column: c.name, type: c.type }));
  return declared.map((f) => {
    const col = cols.find((c) => c.name === f.columnName);
    if (!col) {
      throw conflict(`The manifest maps field '${f.alias}' to column '${f.columnName}', which dataset ${src.dataset.id} does not have (columns: ${cols.map((c) => c.name).join(', ')})`);
    }
    return { alias: f.alias, column: col.name, type: col.type };
  });
}

/** Answers a query's rows in the asked format. */
async function answer(c: Context<AppEnv>, src: RowSource, q: CompiledQuery, format: Format, sheet: string): Promise<Response> {
  const rows = c.var.instance.stores.rows;
  if (format === 'csv') {
    const body = rows.csvStream(await rows.csv(q, { header: true }));
    const headers = { 'Content-Type': 'text/csv; charset=utf-8' };
    if (typeof body === 'string') return c.body(body, 200, headers);
    return new Response(Readable.toWeb(body) as ReadableStream, { status: 200, headers });
  }
  const res = await rows.rows(q);
  if (format === 'excel') {
    const bytes = xlsx(res.columns, res.rows, sheet);
    return c.body(new Uint8Array(bytes), 200, { 'Content-Type': XLSX_TYPE, 'Content-Disposition': `attachment; filename="${sheet.replace(/[^\w.-]+/g, '_')}.xlsx"` });
  }
  if (format === 'objects') return c.json(rows.objects(res));
  return c.json(rows.domoJson(src, res));
}

/** A user as /domo/users/v1 shows one (with `detail` when includeDetails=true). */
function userView(c: Context<AppEnv>, u: UserRecord, details: boolean): Record<string, unknown> {
  const role = c.var.instance.stores.roles;
  let roleName: string | undefined;
  try {
    roleName = role.get(u.roleId).name as string;
  } catch {
    roleName = undefined;
  }
  return {
    id: u.id,
    displayName: u.displayName,
    userName: u.userName,
    role: roleName,
    roleId: u.roleId,
    avatarKey: `/domo/avatars/v2/USER/${u.id}`,
    ...(details
      ? {
          detail: {
            email: u.emailAddress,
            title: u.title ?? undefined,
            department: u.department ?? undefined,
            phoneNumber: u.phoneNumber ?? undefined,
            location: u.location ?? undefined,
            employeeId: u.employeeId ?? undefined,
            timeZone: u.timeZone ?? undefined,
            locale: u.locale ?? undefined,
            avatarKey: `/domo/avatars/v2/USER/${u.id}`,
          },
        }
      : {}),
  };
}

function aiAnswer(prompt: string, output: string, modelId: string, requested: string | undefined) {
  return { prompt, choices: [{ output }], modelId, isCustomerModel: requested !== undefined };
}

function aiModel(model: string | undefined, fallback: string): string {
  if (model === undefined) return fallback;
  if (!knownModels.has(model)) throw badRequest(`Model '${model}' is not available for this AI service`, [{ path: 'body.model', message: 'Unknown model' }]);
  return model;
}

export function appFrameworkRoutes() {
  const r = new Hono<AppEnv>();

  // ---------------------------------------------------------------- data

  r.get('/data/v1/:alias', valid('param', aliasParam), valid('query', dataQuery), async (c) => {
    const { alias } = c.req.valid('param');
    const inst = c.var.instance;
    const mapping = inst.stores.apps.dataset(appOf(c.var.principal), alias);
    const src = inst.stores.rows.source(mapping.dataSetId, c.var.principal);
    const spec = buildDataQuery(c.req.valid('query'), fieldsOf(mapping.fields, src), new Date(inst.clock.nowMs()));
    const q = inst.stores.rows.select(src, spec);
    return answer(c, src, q, formatOf(c.req.header('accept'), 'objects'), alias);
  });

  r.post('/sql/v1/:alias', valid('param', aliasParam), async (c) => {
    const { alias } = c.req.valid('param');
    const inst = c.var.instance;
    const text = await readTextBody(c.req.raw, c.var.config.maxBodyBytes);
    if (!text.trim()) throw badRequest('The request body must be a SQL query (Content-Type: text/plain)', [{ path: 'body', message: 'Required' }]);
    const mapping = inst.stores.apps.dataset(appOf(c.var.principal), alias);
    const src = inst.stores.rows.source(mapping.dataSetId, c.var.principal);
    const q = inst.stores.rows.sql(src, text);
    // ryuu.js sends no Accept for /sql: Domo's detailed JSON ({columns, rows, metadata...}) then
    return answer(c, src, q, formatOf(c.req.header('accept'), 'detailed'), alias);
  });

  // ---------------------------------------------------------------- who is here

  r.get('/domo/environment/v1', (c) => {
    const p = c.var.principal;
    const inst = c.var.instance;
    const u = inst.stores.users.get(p.userId);
    return c.json({
      userId: String(u.id),
      userName: u.displayName,
      userEmail: u.emailAddress,
      customer: inst.name,
      locale: u.locale ?? 'en-US',
      timezone: u.timeZone ?? 'UTC',
      environment: 'emulator',
      platform: 'desktop',
      ...(p.app ? { appId: p.app.id } : {}),
    });
  });

  r.get('/domo/users/v1', valid('query', usersQuery), (c) => {
    const q = c.req.valid('query');
    const { users } = c.var.instance.stores.users.list(q);
    return c.json(users.map((u) => userView(c, u, q.includeDetails === true)));
  });

  r.get('/domo/users/v1/:userId', valid('param', z.object({ userId: numericId })), valid('query', usersQuery.pick({ includeDetails: true })), (c) =>
    c.json(userView(c, c.var.instance.stores.users.get(c.req.valid('param').userId), c.req.valid('query').includeDetails === true)),
  );

  r.get('/domo/groups/v1', valid('query', usersQuery.omit({ includeDetails: true })), (c) => c.json(c.var.instance.stores.groups.list(c.req.valid('query'))));

  r.get('/domo/groups/v1/:groupId', valid('param', z.object({ groupId: numericId })), (c) =>
    c.json(c.var.instance.stores.groups.get(c.req.valid('param').groupId)),
  );

  // ryuu-client (the Domo apps CLI's client) asks where the instance serves its apps
  r.get('/api/content/v1/mobile/environment', (c) => {
    const host = (c.req.header('host') ?? 'localhost').replace(/^[^:]*/, 'domoapps.localhost');
    return c.json({ domoappsDomain: host, customer: c.var.instance.name, environment: 'emulator' });
  });

  // ---------------------------------------------------------------- workflows, Code Engine, AI

  r.post('/domo/workflow/v1/models/:alias/start', valid('param', aliasParam), async (c) => {
    const inst = c.var.instance;
    const data = (await readJsonBody(c, true)) ?? {};
    if (typeof data !== 'object' || Array.isArray(data)) throw badRequest('The body must be an object of start parameters', [{ path: 'body', message: 'Expected an object' }]);
    const w = inst.stores.apps.workflow(appOf(c.var.principal), c.req.valid('param').alias);
    const info = inst.stores.workflows.startInfo(w.modelId);
    return c.json(
      inst.stores.workflows.start({ messageName: info.messageName, version: w.version ?? info.latestVersion, modelId: w.modelId, data: data as Record<string, unknown> }, c.var.principal),
    );
  });

  r.post('/domo/codeengine/v2/packages/:alias', valid('param', aliasParam), async (c) => {
    const inst = c.var.instance;
    const input = (await readJsonBody(c, true)) ?? {};
    if (typeof input !== 'object' || Array.isArray(input)) throw badRequest('The body must be an object of input parameters', [{ path: 'body', message: 'Expected an object' }]);
    const { alias } = c.req.valid('param');
    const fn = inst.stores.apps.codeEngineFunction(appOf(c.var.principal), alias);
    const versions = inst.stores.codeEngine.listVersions(fn.packageId, { versions: false, functions: false, code: false }) as Array<{ version: string }>;
    const version = fn.version ?? versions[versions.length - 1]?.version;
    if (!version) throw conflict(`Code Engine package ${fn.packageId} has no version to run`);
    const ran = await inst.stores.codeEngine.run({
      packageId: fn.packageId,
      version,
      functionName: fn.functionName ?? alias,
      inputVariables: input as Record<string, unknown>,
      principal: c.var.principal,
      getLogs: false,
      limits: codeEngineLimits(c.var.config),
    });
    if (ran.status === 'FAILED') throw new ApiError(500, `Code Engine function ${ran.functionName} failed: ${ran.errorInformation?.errorMessages.join('; ') || 'unknown error'}`);
    return c.json({ [fn.output?.alias ?? 'result']: ran.result });
  });

  const prompt = (b: z.output<typeof aiBody>) =>
    b.promptTemplate ? renderTemplate(b.promptTemplate, { ...(b.parameters ?? {}), input: b.input, system: b.system ?? '' }) : b.input;

  r.post('/domo/ai/v1/text/generation', requires('ai.use'), valid('json', aiBody), (c) => {
    const b = c.req.valid('json');
    const text = prompt(b);
    return c.json(aiAnswer(text, generate(text, b.system, undefined), aiModel(b.model, defaultModels.generation), b.model));
  });

  r.post('/domo/ai/v1/text/sql', requires('ai.use'), valid('json', aiBody), (c) => {
    const b = c.req.valid('json');
    const text = prompt(b);
    if (!b.dataSourceSchemas?.length) {
      throw badRequest("The emulator's text-to-SQL needs the dataset's schema: send dataSourceSchemas", [{ path: 'body.dataSourceSchemas', message: 'Required' }]);
    }
    return c.json(aiAnswer(text, textToSql(text, b.dataSourceSchemas), aiModel(b.model, defaultModels.sql), b.model));
  });

  return r;
}
