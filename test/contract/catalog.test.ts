import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { coverage, coverageTable, loadCatalog, type CatalogEntry } from '../../src/catalog.js';
import { packageRoot } from '../../src/paths.js';
import { testApp } from '../helpers/app.js';
import { concretePath } from '../helpers/catalog-requests.js';

const catalog = loadCatalog();
const t = testApp();
afterAll(() => t.close());

/**
 * Response examples the reference got wrong (ENDPOINTS.md lists them): their keys are not required.
 * Remote DomoStats: both GET examples are a copy-pasted DataSet metadata object, not applications/jobs.
 */
const exampleGlitches = new Set(['GET /api/executor/v1/applications', 'GET /api/executor/v2/applications/:applicationId/jobs']);

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
