import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../src/http/env.js';
import { valid } from '../src/http/validate.js';

const id = z.string().trim().min(1).max(200);
const tableBody = z.object({
  catalog: z.string().min(1, 'the case-sensitive catalog (database) name'),
  schema: z.string().min(1, "the case-sensitive schema name, or 'NULL'"),
  table: z.string().min(1, 'the case-sensitive table name'),
});

/**
 * Federated V1 to V2 Migration APIs and Federated V2 to Amplifier Migration APIs, under /api/query/migration.
 * A migration runs on the scheduler; the call blocks until it ends while the clock runs in real time.
 */
export function migrationsRoutes() {
  const r = new Hono<AppEnv>();
  const base = '/api/query/migration';
  const store = (c: { var: AppEnv['Variables'] }) => c.var.instance.stores.migrations;

  // Federated V1 -> V2
  r.get(`${base}/federated/v1/to/v2/types`, (c) => c.json(store(c).federatedTypes()));
  r.get(`${base}/federated/v1/to/v2/accounts/:integrationType`, valid('param', z.object({ integrationType: id })), (c) =>
    c.json(store(c).accounts(c.req.valid('param').integrationType, c.var.principal)),
  );
  r.get(`${base}/federated/v1/to/v2/candidates/:accountId`, valid('param', z.object({ accountId: id })), (c) =>
    c.json(store(c).v1Candidates(c.req.valid('param').accountId, c.var.principal)),
  );
  r.post(
    `${base}/federated/v1/to/v2/:datasourceId/accounts/:accountId`,
    valid('param', z.object({ datasourceId: id, accountId: id })),
    valid('json', tableBody),
    async (c) => {
      const { datasourceId, accountId } = c.req.valid('param');
      return c.json(await store(c).migrateV1ToV2(datasourceId, accountId, c.req.valid('json'), c.var.principal));
    },
  );
  r.post(`${base}/federated/v1/to/v2/:datasourceId/reverse`, valid('param', z.object({ datasourceId: id })), async (c) =>
    c.json(await store(c).reverseV1ToV2(c.req.valid('param').datasourceId, c.var.principal)),
  );

  // Federated V2 <-> Cloud Amplifier (literal "types" before ":integrationType")
  r.get(`${base}/integrations/types`, (c) => c.json(store(c).integrationTypes()));
  r.get(`${base}/integrations/:integrationType`, valid('param', z.object({ integrationType: id })), (c) =>
    c.json(store(c).integrations(c.req.valid('param').integrationType)),
  );
  r.get(`${base}/candidates/federated/to/amplifier/integrations/:integrationId`, valid('param', z.object({ integrationId: id })), (c) =>
    c.json(store(c).amplifierCandidates(c.req.valid('param').integrationId, c.var.principal)),
  );
  r.get(`${base}/candidates/amplifier/to/federated/integrations/:integrationId`, valid('param', z.object({ integrationId: id })), (c) =>
    c.json(store(c).reverseCandidates(c.req.valid('param').integrationId, c.var.principal)),
  );
  r.post(
    `${base}/federated/to/amplifier/:datasourceId/integrations/:integrationId`,
    valid('param', z.object({ datasourceId: id, integrationId: id })),
    async (c) => {
      const { datasourceId, integrationId } = c.req.valid('param');
      return c.json(await store(c).migrateToAmplifier(datasourceId, integrationId, c.var.principal));
    },
  );
  r.post(`${base}/amplifier/to/federated/:datasourceId`, valid('param', z.object({ datasourceId: id })), async (c) =>
    c.json(await store(c).reverseFromAmplifier(c.req.valid('param').datasourceId, c.var.principal)),
  );

  // not in the reference: a migration's run, to follow one the call did not wait for (frozen clock)
  r.get(`${base}/runs`, valid('query', z.object({ datasourceId: id.optional() })), (c) => c.json(store(c).runs(c.req.valid('query').datasourceId, c.var.principal)));
  r.get(`${base}/runs/:toe`, valid('param', z.object({ toe: id })), (c) => c.json(store(c).runView(c.req.valid('param').toe, c.var.principal)));

  return r;
}
