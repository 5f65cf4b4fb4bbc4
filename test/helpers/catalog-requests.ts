import type { CatalogEntry } from '../../src/catalog.js';

/**
 * The reference's example request of a catalog endpoint, made concrete with fixture ids
 * (test/contract/strict.test.ts sends each one). Path parameter values name fixture objects, so a
 * documented request finds its object; a parameter not listed gets a value that names nothing.
 */
export const fixtureParams: Record<string, string> = {
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
export const fixtureQuery: Record<string, string> = {
  path: 'rules.txt',
  ids: 'no-such-doc',
  name: 'contract.txt',
  start: '0',
  end: '4102444800000',
  permissions: 'read',
};

/** Optional query parameters sent with GETs that have them. */
export const optionalQuery: Record<string, string> = { parts: 'DETAILED' };

export function concretePath(e: CatalogEntry): { path: string; known: boolean } {
  let known = true;
  const path = e.path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    if (fixtureParams[name]) return fixtureParams[name];
    known = false;
    // a number names nothing in any family and fits numeric and text ids alike (a word where a numeric
    // id goes is a literal segment no route serves: 404 No route)
    return '999999999';
  });
  const query = e.query
    .filter((q) => q.required || (e.method === 'GET' && optionalQuery[q.name]))
    .map((q) => `${q.name}=${encodeURIComponent(fixtureQuery[q.name] ?? optionalQuery[q.name] ?? 'x')}`)
    .join('&');
  return { path: query ? `${path}?${query}` : path, known };
}

export function bodyFor(e: CatalogEntry): { body?: unknown; raw?: string; headers?: Record<string, string> } {
  if (e.requestBody === null || e.requestBody === undefined) return {};
  if (typeof e.requestBody === 'string') return { raw: e.requestBody, headers: { 'Content-Type': 'text/csv' } };
  return { body: e.requestBody };
}
