import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { coverage, coverageTable, loadCatalog, type CatalogEntry } from '../../src/catalog.js';
import { packageRoot } from '../../src/paths.js';
import { testApp } from '../helpers/app.js';

const catalog = loadCatalog();
const t = testApp();
afterAll(() => t.close());

/**
 * Path parameter values that name fixture objects, so a documented request finds its object.
 * Families add theirs; a parameter not listed here gets a value that names nothing.
 */
const fixtureParams: Record<string, string> = {
  scheduleId: '123456',
  historyId: '789012',
  viewId: '789012',
  resourceType: 'PAGE',
  resourceId: '345678',
  userId: '587894148',
  roleId: '2',
  groupId: '6789456782',
  datasetId: '0dbe6a6a-5588-4a1e-9db4-989ca98762a5',
  streamId: '371',
  accountId: '3',
  partitionId: '2025-10',
  integrationType: 'mysql-federated',
  integrationId: '31e0307a-cb31-4018-b824-eb04b15827e1',
  datasourceId: '495e28ec-6c07-41fc-99ed-b2dce9a5f569',
  applicationId: '50e7230f-d2f2-42e2-a208-d94c8ae9f64c',
  jobId: '526906bb-e7e0-4f70-9ca0-3bb4fdf99c82',
  collectionId: 'campaigns',
  dataFileId: '401',
  revisionId: '430',
  sourceDataFileId: '401',
  targetDataFileId: '90356',
  filesetId: '00000000-0000-0000-0000-000000000010',
  fileId: '00000000-0000-0000-0000-000000000002',
  queueId: '168ecd84-4a15-45f6-89d9-021fbbce0481',
  taskId: '18OCT23_1JUTZM',
  alertId: '358',
  beastmodeId: '232',
  cardId: '100292101',
  urn: '100292101',
  entityType: 'CARD',
  entityId: '100292101',
  pageId: '12345',
  personId: '1089963280',
};

/** Values for the query parameters the catalog marks required. */
const fixtureQuery: Record<string, string> = {
  path: 'rules.txt',
  ids: 'no-such-doc',
  name: 'contract.txt',
  start: '0',
  end: '4102444800000',
  permissions: 'read',
};

/**
 * Response examples the reference got wrong (ENDPOINTS.md lists them): their keys are not required.
 * Remote DomoStats: both GET examples are a copy-pasted DataSet metadata object, not applications/jobs.
 */
const exampleGlitches = new Set(['GET /api/executor/v1/applications', 'GET /api/executor/v2/applications/:applicationId/jobs']);

/** Optional query parameters sent with GETs that have them. */
const optionalQuery: Record<string, string> = { parts: 'DETAILED' };

function concretePath(e: CatalogEntry): { path: string; known: boolean } {
  let known = true;
  const path = e.path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    if (fixtureParams[name]) return fixtureParams[name];
    known = false;
    return 'no-such-id-0';
  });
  // required parameters, and optional ones a fixture value is given for (parts=DETAILED for user reads)
  const query = e.query
    .filter((q) => q.required || (e.method === 'GET' && optionalQuery[q.name]))
    .map((q) => `${q.name}=${encodeURIComponent(fixtureQuery[q.name] ?? optionalQuery[q.name] ?? 'x')}`)
    .join('&');
  return { path: query ? `${path}?${query}` : path, known };
}

function bodyFor(e: CatalogEntry): { body?: unknown; raw?: string; headers?: Record<string, string> } {
  if (e.requestBody === null || e.requestBody === undefined) return {};
  if (typeof e.requestBody === 'string') return { raw: e.requestBody, headers: { 'Content-Type': 'text/csv' } };
  return { body: e.requestBody };
}

describe('the catalog copy', () => {
  const shared = join(packageRoot, '..', 'shared', 'spec', 'endpoints.json');
  it.skipIf(!existsSync(shared))('matches ../shared/spec/endpoints.json', () => {
    expect(catalog).toEqual(JSON.parse(readFileSync(shared, 'utf8')));
  });

  it('has the 173 documented endpoints in 27 families', () => {
    expect(catalog).toHaveLength(173);
    expect(new Set(catalog.map((e) => e.family)).size).toBe(27);
  });
});

describe('every documented endpoint is registered', () => {
  const rows = coverage(t.app, catalog);
  // GETs first so the objects they read still exist; then the rest, deletes last.
  const order = (e: CatalogEntry) => (e.method === 'GET' ? 0 : e.method === 'DELETE' ? 2 : 1);
  const sorted = [...rows].sort((a, b) => order(a) - order(b));

  it.each(sorted.map((e) => [`${e.method} ${e.path}`, e] as const))('%s', async (_name, e) => {
    const { path, known } = concretePath(e);
    const res = await t.call(e.method, path, bodyFor(e));
    expect(res.json?.message ?? '').not.toMatch(/^No route for/);
    expect(res.status).not.toBe(500);
    if (!e.emulated) {
      expect(res.status).toBe(501);
      expect(res.json).toMatchObject({ status: 501, statusReason: 'Not Implemented', message: `${e.method} ${e.path} is not emulated yet` });
      return;
    }
    expect(res.status).not.toBe(501);
    if (e.method === 'GET' && known) {
      // a read of a fixture object answers the documented status with the documented keys
      expect(res.status).toBe(e.responseStatus);
      const example = Array.isArray(e.responseExample) ? e.responseExample[0] : e.responseExample;
      // an envelope such as {"users": [...]} is opened to its list
      const values = res.json && typeof res.json === 'object' && !Array.isArray(res.json) ? Object.values(res.json) : [];
      const list = Array.isArray(res.json) ? res.json : Array.isArray(e.responseExample) && values.length === 1 && Array.isArray(values[0]) ? values[0] : null;
      const actual = list ? list[0] : res.json;
      if (example && typeof example === 'object' && actual && typeof actual === 'object' && !exampleGlitches.has(`${e.method} ${e.path}`)) {
        for (const key of Object.keys(example)) expect(actual, `key ${key}`).toHaveProperty(key);
      }
    }
  });

  it('a trailing slash reaches the same route', async () => {
    const res = await t.call('GET', '/api/identity/v1/users/');
    expect(res.status).toBe(200);
  });
});

describe('README coverage table', () => {
  it('is up to date (npm run coverage:readme regenerates it)', () => {
    const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
    expect(readme).toContain(coverageTable(coverage(t.app, catalog)));
  });
});
