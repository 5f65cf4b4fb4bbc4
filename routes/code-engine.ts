import { Hono } from 'hono';
import { z } from 'zod';
import { codeEngineLimits, configurationSchema, functionsSchema } from '../src/engines/code-engine/index.js';
import type { AppEnv } from '../src/http/env.js';
import { valid } from '../src/http/validate.js';
import { versionPattern, type Parts } from '../src/state/code-engine.js';

const base = '/api/codeengine/v2/packages';

const packageParam = z.object({ packageId: z.string().min(1).max(128) });
const versionParam = packageParam.extend({ version: z.string().min(1).max(64) });
const functionParam = versionParam.extend({ functionName: z.string().min(1).max(128) });

/** `parts=versions,functions,code` (any case, any order); other names are accepted and ignored. */
const partsQuery = (fallback: string) =>
  z.object({
    parts: z
      .string()
      .max(200)
      .optional()
      .transform((s): Parts => {
        const set = new Set((s ?? fallback).split(',').map((p) => p.trim().toLowerCase()));
        return { versions: set.has('versions'), functions: set.has('functions'), code: set.has('code') };
      }),
  });

const runBody = z.object({
  inputVariables: z.record(z.string(), z.unknown()).default({}),
  settings: z.object({ getLogs: z.boolean().default(false) }).default({ getLogs: false }),
});

/** A package as Domo's clients send it (domolibrary, the Code Engine editor). */
const packageBody = z.object({
  id: z.string().trim().min(1).max(128).regex(/^[A-Za-z0-9-]+$/, 'an id is letters, digits and dashes').optional(),
  name: z.string().trim().min(1).max(255).optional(),
  description: z.string().max(4000).nullish(),
  language: z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(['JAVASCRIPT', 'PYTHON'], { error: 'must be JAVASCRIPT or PYTHON' }))
    .optional(),
  environment: z.string().trim().min(1).max(64).optional(),
  version: z.string().regex(versionPattern, 'a version is like 1.0.0').optional(),
  code: z.string().max(2 * 1024 * 1024),
  manifest: z.object({ functions: functionsSchema, configuration: configurationSchema }),
});

/** Code Engine API: packages, their versions, release, and running a function. */
export function codeEngineRoutes() {
  const r = new Hono<AppEnv>();
  const store = (c: { var: AppEnv['Variables'] }) => c.var.instance.stores.codeEngine;

  r.get(base, valid('query', partsQuery('')), (c) => c.json(store(c).listPackages(c.req.valid('query').parts)));

  r.post(base, valid('json', packageBody), async (c) => {
    const body = c.req.valid('json');
    const saved = await store(c).save(body, c.var.principal, codeEngineLimits(c.var.config));
    return c.json(saved);
  });

  r.get(`${base}/:packageId`, valid('param', packageParam), valid('query', partsQuery('versions')), (c) =>
    c.json(store(c).getPackage(c.req.valid('param').packageId, c.req.valid('query').parts)),
  );

  // clients call it with a trailing slash (domolibrary) and without
  for (const path of [`${base}/:packageId/versions`, `${base}/:packageId/versions/`]) {
    r.get(path, valid('param', packageParam), valid('query', partsQuery('functions')), (c) =>
      c.json(store(c).listVersions(c.req.valid('param').packageId, c.req.valid('query').parts)),
    );
  }

  r.get(`${base}/:packageId/versions/:version`, valid('param', versionParam), valid('query', partsQuery('functions,code')), (c) => {
    const { packageId, version } = c.req.valid('param');
    return c.json(store(c).getVersion(packageId, version, c.req.valid('query').parts));
  });

  r.post(`${base}/:packageId/versions/:version/release`, valid('param', versionParam), (c) => {
    const { packageId, version } = c.req.valid('param');
    return c.json(store(c).release(packageId, version, c.var.principal));
  });

  r.post(`${base}/:packageId/versions/:version/functions/:functionName`, valid('param', functionParam), valid('json', runBody, { optional: true }), async (c) => {
    const { packageId, version, functionName } = c.req.valid('param');
    const b = c.req.valid('json') ?? { inputVariables: {}, settings: { getLogs: false } };
    const answer = await store(c).run({
      packageId,
      version,
      functionName,
      inputVariables: b.inputVariables,
      principal: c.var.principal,
      getLogs: b.settings.getLogs,
      limits: codeEngineLimits(c.var.config),
    });
    return c.json(answer);
  });
  return r;
}
