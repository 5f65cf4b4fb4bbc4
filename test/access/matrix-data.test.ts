import { afterAll, expect } from 'vitest';
import { USERS, matrix, type Family, type Helpers, type Nick } from './matrix.js';

// Datasets (metadata, schema, sharing, uploads, versions, partitions, indexing, SQL), PDP policy routes,
// Streams, DataAccounts, ExportToS3, Migrations, RemoteDomostats.
const V3 = '/api/data/v3/datasources';
const V2 = '/api/data/v2/datasources';
const Q = '/api/query/v1/datasources';
const DC = '/api/query/v1/data-control';
const cols = [
  { name: 'region', type: 'STRING' },
  { name: 'amount', type: 'LONG' },
];

async function dataset(h: Helpers, owner: Nick, name: string, shares: Array<[Nick, string]> = []): Promise<string> {
  const id = (await h.as(owner, 'POST', V2, { userDefinedType: 'api', dataSourceName: name, schema: { columns: cols } })).id as string;
  if (shares.length) await h.as(owner, 'POST', `${V3}/${id}/share`, { permissions: shares.map(([n, level]) => ({ type: 'USER', id: USERS[n], accessLevel: level })) });
  return id;
}

async function load(h: Helpers, as: Nick, id: string, csv: string, commit: Record<string, unknown>): Promise<void> {
  const up = (await h.as(as, 'POST', `${V3}/${id}/uploads`, { action: null })).uploadId;
  await h.as(as, 'PUT', `${V3}/${id}/uploads/${up}/parts/1`, undefined, { raw: csv, type: 'text/csv' });
  await h.as(as, 'PUT', `${V3}/${id}/uploads/${up}/commit`, { index: true, ...commit });
}

const levelOf = (perms: any, userId: number) => perms.list.find((p: any) => p.type === 'USER' && Number(p.id) === userId)?.accessLevel;
const rowsOf = (j: any) => j.rows;

// The dataset world: the Editor owns {ds} (rows West 1, East 2; partitions p1, p2) and shares CAN_EDIT with
// editor2, CAN_VIEW with Privileged (whose role edits data), with the Participant (whose role does not) and
// with Social (whose role cannot even view datasets); Sam is made an Editor with no grant. On {ds2} the
// Participant is CO_OWNER (a grant its role cannot use for writes); {dsDel} is co-owned by Privileged.
async function datasetWorld(h: Helpers) {
  await h.as('admin', 'PATCH', `/api/identity/v1/users/${USERS.sam}`, { roleId: 3 });
  const ds = await dataset(h, 'editor', 'Matrix sales', [
    ['editor2', 'CAN_EDIT'],
    ['priv', 'CAN_VIEW'],
    ['part', 'CAN_VIEW'],
    ['social', 'CAN_VIEW'],
  ]);
  await load(h, 'editor', ds, 'West,1\nEast,2\n', { action: 'REPLACE' });
  await load(h, 'editor', ds, 'North,3\n', { action: 'APPEND', dataTag: 'p1' });
  await load(h, 'editor', ds, 'South,4\n', { action: 'APPEND', dataTag: 'p2' });
  const ds2 = await dataset(h, 'editor', 'Matrix co-owned', [
    ['part', 'CO_OWNER'],
    ['editor2', 'CAN_SHARE'],
  ]);
  const dsDel = await dataset(h, 'editor', 'Matrix to delete', [['priv', 'CO_OWNER'], ['editor2', 'CAN_EDIT']]);
  const dsOwn = await dataset(h, 'editor', 'Matrix owner deletes');
  const dsAdm = await dataset(h, 'editor', 'Matrix admin deletes');
  return { ds, ds2, dsDel, dsOwn, dsAdm };
}

const who = { admin: 'admin', owner: 'editor', granted: 'editor2', reader: 'priv', viewer: 'part', none: 'sam', norole: 'social' } as const;
const dsProbes = [
  `${V3}/{ds}`,
  `${V3}/{ds}/permissions`,
  `${V2}/{ds}/schemas/latest`,
  `${V3}/{ds}/dataversions/details`,
  `${Q}/{ds}/partition`,
  `${V3}/{ds2}/permissions`,
  `${V3}/{dsDel}`,
  `${V3}?limit=1000`,
];
const sql = (s: string) => ({ sql: s });

const datasets: Family = {
  name: 'Datasets: metadata, schema, sharing, SQL',
  who,
  setup: datasetWorld,
  probes: dsProbes,
  rows: [
    // create
    { action: 'dataset.create', as: 'owner', method: 'POST', path: V2, body: { dataSourceName: 'Made by editor', schema: { columns: cols } }, status: 200, keep: { made: (j) => j.id }, readback: [`${V3}/{made}`, (j) => expect(j.owner.id).toBe(String(USERS.editor))] },
    { action: 'dataset.create', as: 'admin', method: 'POST', path: V2, body: { dataSourceName: 'Made by admin', schema: { columns: cols } }, status: 200, keep: { madeA: (j) => j.id }, readback: [`${V3}/{madeA}`, (j) => expect(j.name).toBe('Made by admin')] },
    { action: 'dataset.create', as: 'viewer', method: 'POST', path: V2, body: { dataSourceName: 'Made by participant', schema: { columns: cols } }, status: 403, missing: 'authority dataset.create to POST create a dataset' },
    { action: 'dataset.create', as: 'norole', method: 'POST', path: V2, body: { dataSourceName: 'Made by social', schema: { columns: cols } }, status: 403, missing: 'authority dataset.create' },
    // reads of a protected dataset
    ...(['admin', 'owner', 'granted', 'viewer'] as const).map((as) => ({ action: 'dataset.read', as, method: 'GET', path: `${V3}/{ds}`, status: 200 })),
    { action: 'dataset.read', as: 'none', method: 'GET', path: `${V3}/{ds}`, status: 403, missing: 'grant CAN_VIEW on DataSet {ds} to GET it (user 112321221 holds no grant on it)' },
    { action: 'dataset.read', as: 'norole', method: 'GET', path: `${V3}/{ds}`, status: 403, missing: 'authority dataset.view or dataset.manage to GET DataSet {ds}' },
    { action: 'dataset.read', as: 'none', method: 'GET', path: `${V3}/{ds}/permissions`, status: 403, missing: 'grant CAN_VIEW on DataSet {ds}' },
    { action: 'dataset.read', as: 'viewer', method: 'GET', path: `${V3}/{ds}/permissions`, status: 200 },
    { action: 'dataset.read', as: 'viewer', method: 'GET', path: `${V2}/{ds}/schemas/latest`, status: 200 },
    { action: 'dataset.read', as: 'none', method: 'GET', path: `${V2}/{ds}/schemas/latest`, status: 403, missing: 'grant CAN_VIEW on DataSet {ds}' },
    { action: 'dataset.read', as: 'viewer', method: 'GET', path: `${Q}/{ds}/schema/indexed`, status: 200 },
    { action: 'dataset.read', as: 'none', method: 'GET', path: `${Q}/{ds}/schema/indexed`, status: 403, missing: 'grant CAN_VIEW on DataSet {ds}' },
    { action: 'dataset.read', as: 'norole', method: 'GET', path: `/api/content/v1/datasources/{ds}/cards`, status: 403, missing: 'authority dataset.view or dataset.manage' },
    { action: 'dataset.read', as: 'viewer', method: 'GET', path: `/api/content/v1/datasources/{ds}/cards`, status: 200 },
    { action: 'dataset.read', as: 'viewer', method: 'POST', path: '/api/query/v1/execute/{ds}', body: sql('SELECT region FROM t ORDER BY amount'), status: 200, readback: [`${V3}/{ds}`, (j) => expect(j.rowCount).toBe(4)] },
    { action: 'dataset.read', as: 'granted', method: 'POST', path: '/api/query/v1/execute/export/{ds}', body: sql('SELECT count(*) FROM t'), status: 200 },
    { action: 'dataset.read', as: 'none', method: 'POST', path: '/api/query/v1/execute/{ds}', body: sql('SELECT * FROM t'), status: 403, missing: 'grant CAN_VIEW on DataSet {ds} to POST it' },
    { action: 'dataset.export', as: 'norole', method: 'POST', path: '/api/query/v1/execute/export/{ds}', body: sql('SELECT * FROM t'), status: 403, missing: 'authority dataset.export' },
    // the list shows what the caller may see
    { action: 'dataset.read', as: 'none', method: 'GET', path: `${V3}?limit=1000`, status: 200, readback: [`${V3}?limit=1000`, (j, w) => expect(j.dataSources.map((d: any) => d.id)).toContain(w.ds)] },
    // metadata, tags and schema changes need CAN_EDIT and a role that edits data
    { action: 'dataset.update', as: 'granted', method: 'PUT', path: `${V3}/{ds}/properties`, body: { description: 'by editor2' }, status: 200, readback: [`${V3}/{ds}`, (j) => expect(j.description).toBe('by editor2')] },
    { action: 'dataset.update', as: 'owner', method: 'PUT', path: `${V3}/{ds}/properties`, body: { name: 'Matrix sales (owner)' }, status: 200, readback: [`${V3}/{ds}`, (j) => expect(j.name).toBe('Matrix sales (owner)')] },
    { action: 'dataset.update', as: 'admin', method: 'PUT', path: `${V3}/{ds}/properties`, body: { hidden: false, description: 'by admin' }, status: 200, readback: [`${V3}/{ds}`, (j) => expect(j.description).toBe('by admin')] },
    { action: 'dataset.update', as: 'reader', method: 'PUT', path: `${V3}/{ds}/properties`, body: { name: 'Hijacked' }, status: 403, missing: 'grant CAN_EDIT on DataSet {ds} to PUT it (user 1249569521 holds CAN_VIEW)' },
    { action: 'dataset.update', as: 'none', method: 'PUT', path: `${V3}/{ds}/properties`, body: { name: 'Hijacked' }, status: 403, missing: 'grant CAN_EDIT on DataSet {ds}' },
    { action: 'dataset.update', as: 'viewer', method: 'PUT', path: `${V3}/{ds}/properties`, body: { name: 'Hijacked' }, status: 403, missing: 'authority dataset.manage or dataset.create to PUT DataSet {ds}' },
    { action: 'dataset.update', as: 'viewer', method: 'PUT', path: `${V3}/{ds2}/properties`, body: { name: 'Co-owner rename' }, status: 403, missing: 'authority dataset.manage or dataset.create to PUT DataSet {ds2}' },
    { action: 'dataset.update', as: 'granted', method: 'POST', path: '/api/data/ui/v3/datasources/{ds}/tags', body: ['matrix'], status: 200, readback: [`${V3}/{ds}`, (j) => expect(JSON.parse(j.tags)).toEqual(['matrix'])] },
    { action: 'dataset.update', as: 'reader', method: 'POST', path: '/api/data/ui/v3/datasources/{ds}/tags', body: ['mine'], status: 403, missing: 'grant CAN_EDIT on DataSet {ds}' },
    { action: 'dataset.update', as: 'none', method: 'POST', path: '/api/data/ui/v3/datasources/{ds}/tags', body: ['mine'], status: 403, missing: 'grant CAN_EDIT' },
    { action: 'dataset.update', as: 'reader', method: 'POST', path: `${V2}/{ds}/schemas`, body: { schema: { columns: [...cols, { name: 'extra', type: 'STRING' }] } }, status: 403, missing: 'grant CAN_EDIT on DataSet {ds}' },
    { action: 'dataset.update', as: 'viewer', method: 'POST', path: `${V2}/{ds2}/schemas`, body: { schema: { columns: [...cols, { name: 'extra', type: 'STRING' }] } }, status: 403, missing: 'authority dataset.manage or dataset.create' },
    { action: 'dataset.update', as: 'granted', method: 'POST', path: `${V2}/{ds}/schemas`, body: { schema: { columns: [...cols, { name: 'extra', type: 'STRING' }] } }, status: 200, readback: [`${V2}/{ds}/schemas/latest`, (j) => expect(j.schema.columns.map((c: any) => c.name)).toEqual(['region', 'amount', 'extra'])] },
    // sharing: CAN_SHARE and a data role; never above one's own access
    { action: 'dataset.share', as: 'reader', method: 'POST', path: `${V3}/{ds}/share`, body: { permissions: [{ type: 'USER', id: '{sam}', accessLevel: 'CAN_VIEW' }] }, status: 403, missing: 'grant CAN_SHARE on DataSet {ds} to POST it (user 1249569521 holds CAN_VIEW)' },
    { action: 'dataset.share', as: 'none', method: 'POST', path: `${V3}/{ds}/share`, body: { permissions: [{ type: 'USER', id: '{sam}', accessLevel: 'CAN_VIEW' }] }, status: 403, missing: 'grant CAN_SHARE on DataSet {ds}' },
    { action: 'dataset.share', as: 'norole', method: 'POST', path: `${V3}/{ds}/share`, body: { permissions: [{ type: 'USER', id: '{sam}', accessLevel: 'CAN_VIEW' }] }, status: 403, missing: 'authority dataset.manage or dataset.create' },
    { action: 'dataset.share', as: 'viewer', method: 'POST', path: `${V3}/{ds2}/share`, body: { permissions: [{ type: 'USER', id: '{sam}', accessLevel: 'CAN_VIEW' }] }, status: 403, missing: 'authority dataset.manage or dataset.create to POST DataSet {ds2}' },
    { action: 'dataset.share', as: 'granted', method: 'POST', path: `${V3}/{ds2}/share`, body: { permissions: [{ type: 'USER', id: '{sam}', accessLevel: 'CAN_VIEW' }] }, status: 200, readback: [`${V3}/{ds2}/permissions`, (j) => expect(levelOf(j, USERS.sam)).toBe('CAN_VIEW')] },
    { action: 'dataset.share', as: 'granted', method: 'POST', path: `${V3}/{ds2}/share`, body: { permissions: [{ type: 'USER', id: '{sam}', accessLevel: 'CAN_EDIT' }] }, status: 403, missing: 'grant CAN_EDIT on DataSet {ds2} to hand it out (user 1345408759 holds CAN_SHARE, CAN_VIEW)' },
    { action: 'dataset.share', as: 'granted', method: 'POST', path: `${V3}/{ds2}/share`, body: { permissions: [{ type: 'USER', id: '{part}', accessLevel: 'CAN_VIEW' }] }, status: 403, missing: 'grant CO_OWNER on DataSet {ds2} to hand it out' },
    { action: 'dataset.share', as: 'granted', method: 'DELETE', path: `${V3}/{ds2}/permissions/USER/{part}`, status: 403, missing: 'grant CO_OWNER on DataSet {ds2} to hand it out' },
    { action: 'dataset.share', as: 'owner', method: 'POST', path: `${V3}/{ds}/share`, body: { permissions: [{ type: 'USER', id: '{sam}', accessLevel: 'CAN_VIEW' }] }, status: 200, readback: [`${V3}/{ds}/permissions`, (j) => expect(levelOf(j, USERS.sam)).toBe('CAN_VIEW')] },
    { action: 'dataset.share', as: 'none', method: 'DELETE', path: `${V3}/{ds}/permissions/USER/{part}`, status: 403, missing: 'grant CAN_SHARE on DataSet {ds}' },
    { action: 'dataset.share', as: 'reader', method: 'DELETE', path: `${V3}/{ds}/USERS/{sam}`, status: 403, missing: 'grant CAN_SHARE on DataSet {ds}' },
    { action: 'dataset.share', as: 'reader', method: 'DELETE', path: `${V3}/{ds}/users`, body: [{ type: 'USER', id: '{sam}' }], status: 403, missing: 'grant CAN_SHARE on DataSet {ds}' },
    { action: 'dataset.share', as: 'granted', method: 'DELETE', path: `${V3}/{ds}/USERS/{sam}`, status: 200, readback: [`${V3}/{ds}/permissions`, (j) => expect(levelOf(j, USERS.sam)).toBeUndefined()] },
    { action: 'dataset.share', as: 'admin', method: 'POST', path: `${V3}/{ds}/share`, body: { permissions: [{ type: 'USER', id: '{sam}', accessLevel: 'CO_OWNER' }] }, status: 200, readback: [`${V3}/{ds}/permissions`, (j) => expect(levelOf(j, USERS.sam)).toBe('CO_OWNER')] },
    { action: 'dataset.share', as: 'owner', method: 'DELETE', path: `${V3}/{ds}/users`, body: [{ type: 'USER', id: '{sam}' }], status: 200, readback: [`${V3}/{ds}/permissions`, (j) => expect(levelOf(j, USERS.sam)).toBeUndefined()] },
    { action: 'dataset.share', as: 'admin', method: 'DELETE', path: `${V3}/{ds2}/permissions/USER/{sam}`, status: 200, readback: [`${V3}/{ds2}/permissions`, (j) => expect(levelOf(j, USERS.sam)).toBeUndefined()] },
    // delete: CO_OWNER and a data role
    { action: 'dataset.delete', as: 'none', method: 'DELETE', path: `${V3}/{ds}`, status: 403, missing: 'grant CO_OWNER on DataSet {ds} to DELETE it' },
    { action: 'dataset.delete', as: 'reader', method: 'DELETE', path: `${V3}/{ds}`, status: 403, missing: 'grant CO_OWNER on DataSet {ds}' },
    { action: 'dataset.delete', as: 'granted', method: 'DELETE', path: `${V3}/{dsDel}`, status: 403, missing: 'grant CO_OWNER on DataSet {dsDel} to DELETE it (user 1345408759 holds CAN_EDIT, CAN_SHARE, CAN_VIEW)' },
    { action: 'dataset.delete', as: 'viewer', method: 'DELETE', path: `${V3}/{ds2}`, status: 403, missing: 'authority dataset.manage or dataset.create to DELETE DataSet {ds2}' },
    { action: 'dataset.delete', as: 'priv', method: 'DELETE', path: `${V3}/{dsDel}`, status: 204, readback: [`${V3}/{dsDel}`, (j) => expect(j.status).toBe(404)] },
    { action: 'dataset.delete', as: 'owner', method: 'DELETE', path: `${V3}/{dsOwn}`, status: 204, readback: [`${V3}/{dsOwn}`, (j) => expect(j.status).toBe(404)] },
    { action: 'dataset.delete', as: 'admin', method: 'DELETE', path: `${V3}/{dsAdm}`, status: 204, readback: [`${V3}/{dsAdm}`, (j) => expect(j.status).toBe(404)] },
  ],
};

const csvPart = { raw: 'Central,5\n', type: 'text/csv' };
const uploads: Family = {
  name: 'Datasets: uploads, versions, partitions, indexing',
  who,
  setup: datasetWorld,
  probes: [`${V3}/{ds}`, `${V3}/{ds}/dataversions/details`, `${Q}/{ds}/partition`, `${V3}/{ds2}`],
  rows: [
    // the three-stage upload, by a user with CAN_EDIT
    { action: 'dataset.update', as: 'reader', method: 'POST', path: `${V3}/{ds}/uploads`, body: { action: 'APPEND' }, status: 403, missing: 'grant CAN_EDIT on DataSet {ds} to POST it' },
    { action: 'dataset.update', as: 'none', method: 'POST', path: `${V3}/{ds}/uploads`, body: { action: 'APPEND' }, status: 403, missing: 'grant CAN_EDIT on DataSet {ds}' },
    { action: 'dataset.update', as: 'viewer', method: 'POST', path: `${V3}/{ds2}/uploads`, body: { action: 'APPEND' }, status: 403, missing: 'authority dataset.manage or dataset.create' },
    { action: 'dataset.update', as: 'granted', method: 'POST', path: `${V3}/{ds}/uploads`, body: { action: 'APPEND' }, status: 200, keep: { up: (j) => j.uploadId } },
    { action: 'dataset.update', as: 'reader', method: 'PUT', path: `${V3}/{ds}/uploads/{up}/parts/1`, ...csvPart, status: 403, missing: 'grant CAN_EDIT on DataSet {ds} to PUT it' },
    { action: 'dataset.update', as: 'none', method: 'PUT', path: `${V3}/{ds}/uploads/{up}/parts/1`, ...csvPart, status: 403, missing: 'grant CAN_EDIT on DataSet {ds}' },
    { action: 'dataset.update', as: 'granted', method: 'PUT', path: `${V3}/{ds}/uploads/{up}/parts/1`, ...csvPart, status: 200 },
    { action: 'dataset.update', as: 'reader', method: 'PUT', path: `${V3}/{ds}/uploads/{up}/commit`, body: { action: 'APPEND', index: true }, status: 403, missing: 'grant CAN_EDIT on DataSet {ds}' },
    { action: 'dataset.update', as: 'granted', method: 'PUT', path: `${V3}/{ds}/uploads/{up}/commit`, body: { action: 'APPEND', index: true }, status: 200, readback: [`${V3}/{ds}`, (j) => expect(j.rowCount).toBe(5)] },
    { action: 'dataset.update', as: 'owner', method: 'POST', path: `${V3}/{ds}/uploads?values=Owner,6`, status: 200, readback: [`${V3}/{ds}`, (j) => expect(j.rowCount).toBe(6)] },
    { action: 'dataset.update', as: 'reader', method: 'POST', path: `${V3}/{ds}/uploads?values=Viewer,7`, status: 403, missing: 'grant CAN_EDIT on DataSet {ds}' },
    { action: 'dataset.update', as: 'admin', method: 'POST', path: `${V3}/{ds}/uploads?values=Admin,8`, status: 200, readback: [`${V3}/{ds}`, (j) => expect(j.rowCount).toBe(7)] },
    // version and partition reads
    { action: 'dataset.read', as: 'viewer', method: 'GET', path: `${V3}/{ds}/dataversions/details`, status: 200 },
    { action: 'dataset.read', as: 'none', method: 'GET', path: `${V3}/{ds}/dataversions/details`, status: 403, missing: 'grant CAN_VIEW on DataSet {ds}' },
    { action: 'dataset.read', as: 'viewer', method: 'GET', path: `${V2}/{ds}/dataversions`, status: 200 },
    { action: 'dataset.read', as: 'norole', method: 'GET', path: `${V2}/{ds}/dataversions`, status: 403, missing: 'authority dataset.view or dataset.manage' },
    { action: 'dataset.read', as: 'viewer', method: 'POST', path: '/api/dataprocessing/v2/dataflows/data-version-hydrate', body: { dataSourceId: '{ds}' }, status: 200 },
    { action: 'dataset.read', as: 'none', method: 'POST', path: '/api/dataprocessing/v2/dataflows/data-version-hydrate', body: { dataSourceId: '{ds}' }, status: 403, missing: 'grant CAN_VIEW on DataSet {ds}' },
    { action: 'dataset.read', as: 'viewer', method: 'GET', path: `${Q}/{ds}/partition`, status: 200 },
    { action: 'dataset.read', as: 'none', method: 'GET', path: `${Q}/{ds}/partition`, status: 403, missing: 'grant CAN_VIEW on DataSet {ds}' },
    { action: 'dataset.read', as: 'viewer', method: 'POST', path: `${Q}/{ds}/partition/list`, body: { limit: 10, offset: 0 }, status: 200 },
    { action: 'dataset.read', as: 'norole', method: 'POST', path: `${Q}/{ds}/partition/list`, body: { limit: 10, offset: 0 }, status: 403, missing: 'authority dataset.view or dataset.manage' },
    // version, partition and index changes
    { action: 'dataset.update', as: 'reader', method: 'DELETE', path: `${V2}/{ds}/dataversions`, body: [1], status: 403, missing: 'grant CAN_EDIT on DataSet {ds}' },
    { action: 'dataset.update', as: 'none', method: 'DELETE', path: `${V2}/{ds}/dataversions`, body: [1], status: 403, missing: 'grant CAN_EDIT on DataSet {ds}' },
    { action: 'dataset.update', as: 'reader', method: 'DELETE', path: `${Q}/{ds}/tag/p1/data`, status: 403, missing: 'grant CAN_EDIT on DataSet {ds}' },
    { action: 'dataset.update', as: 'none', method: 'DELETE', path: `${Q}/{ds}/partition/p2`, status: 403, missing: 'grant CAN_EDIT on DataSet {ds}' },
    { action: 'dataset.update', as: 'reader', method: 'DELETE', path: `${Q}/{ds}/partition/p2`, status: 403, missing: 'grant CAN_EDIT on DataSet {ds}' },
    { action: 'dataset.update', as: 'granted', method: 'DELETE', path: `${Q}/{ds}/tag/p1/data`, status: 200, readback: [`${V3}/{ds}`, (j) => expect(j.rowCount).toBe(6)] },
    { action: 'dataset.update', as: 'owner', method: 'DELETE', path: `${Q}/{ds}/partition/p2`, status: 200, readback: [`${Q}/{ds}/partition`, (j) => expect(j.map((p: any) => p.partitionId)).toEqual(['p1'])] },
    { action: 'dataset.update', as: 'admin', method: 'DELETE', path: `${V2}/{ds}/dataversions`, body: [1], status: 200, readback: [`${V3}/{ds}/dataversions/details`, (j) => expect(j.find((v: any) => v.dataId === 1).status).toBe('DELETED')] },
    { action: 'dataset.update', as: 'reader', method: 'POST', path: `${V3}/{ds}/indexes`, status: 403, missing: 'grant CAN_EDIT on DataSet {ds}' },
    { action: 'dataset.update', as: 'none', method: 'POST', path: `${Q}/{ds}`, status: 403, missing: 'grant CAN_EDIT on DataSet {ds}' },
    { action: 'dataset.update', as: 'viewer', method: 'POST', path: `${Q}/{ds2}`, status: 403, missing: 'authority dataset.manage or dataset.create' },
    { action: 'dataset.update', as: 'granted', method: 'POST', path: `${V3}/{ds}/indexes`, status: 200, keep: { idx: (j) => j.indexId } },
    { action: 'dataset.update', as: 'owner', method: 'POST', path: `${Q}/{ds}`, status: 200 },
    { action: 'dataset.read', as: 'viewer', method: 'GET', path: `${V3}/{ds}/indexes/{idx}/statuses`, status: 200 },
    { action: 'dataset.read', as: 'none', method: 'GET', path: `${V3}/{ds}/indexes/{idx}/statuses`, status: 403, missing: 'grant CAN_VIEW on DataSet {ds}' },
  ],
};

// PDP policy routes: reading them needs read access, managing them CO_OWNER and a data role; the body is
// validated (400 naming each bad field) only for those who may manage.
const policy = (over: Record<string, unknown> = {}) => ({ name: 'West only', userIds: ['{part}'], parameters: [{ type: 'COLUMN', name: 'region', values: ['West'], operator: 'EQUALS' }], ...over });
const pdp: Family = {
  name: 'Datasets: PDP policy routes',
  who: { ...who, coowner: 'priv' },
  async setup(h) {
    const w = await datasetWorld(h);
    await h.as('editor', 'POST', `${V3}/${w.ds}/share`, { permissions: [{ type: 'USER', id: USERS.priv, accessLevel: 'CO_OWNER' }] });
    return w;
  },
  probes: [`${DC}/{ds}`, `${DC}/{ds}/filter-groups?options=load_associations,load_filters,include_open_policy`, `${DC}/{ds2}/filter-groups?options=load_associations,load_filters,include_open_policy`],
  rows: [
    { action: 'dataset.pdp', as: 'granted', method: 'PUT', path: `${DC}/{ds}`, body: { enabled: true }, status: 403, missing: 'grant CO_OWNER on DataSet {ds} to PUT it (user 1345408759 holds CAN_EDIT, CAN_SHARE, CAN_VIEW)' },
    { action: 'dataset.pdp', as: 'viewer', method: 'PUT', path: `${DC}/{ds}`, body: { enabled: true }, status: 403, missing: 'authority dataset.manage or dataset.create to PUT DataSet {ds}' },
    { action: 'dataset.pdp', as: 'none', method: 'PUT', path: `${DC}/{ds}`, body: { enabled: true }, status: 403, missing: 'grant CO_OWNER on DataSet {ds}' },
    { action: 'dataset.pdp', as: 'viewer', method: 'PUT', path: `${DC}/{ds2}`, body: { enabled: true }, status: 403, missing: 'authority dataset.manage or dataset.create to PUT DataSet {ds2}' },
    { action: 'dataset.pdp', as: 'owner', method: 'PUT', path: `${DC}/{ds}`, body: { enabled: true }, status: 200, readback: [`${DC}/{ds}`, (j) => expect(j.enabled).toBe(true)] },
    { action: 'dataset.pdp', as: 'owner', method: 'PUT', path: `${DC}/{ds}`, body: { enabled: 'maybe' }, status: 400, fields: ['body.enabled'] },
    { action: 'dataset.read', as: 'viewer', method: 'GET', path: `${DC}/{ds}`, status: 200 },
    { action: 'dataset.read', as: 'none', method: 'GET', path: `${DC}/{ds}`, status: 403, missing: 'grant CAN_VIEW on DataSet {ds}' },
    { action: 'dataset.pdp', as: 'none', method: 'GET', path: `${DC}/{ds}/filter-groups`, status: 403, missing: 'grant CO_OWNER on DataSet {ds}' },
    { action: 'dataset.pdp', as: 'granted', method: 'GET', path: `${DC}/{ds}/filter-groups`, status: 403, missing: 'grant CO_OWNER on DataSet {ds}' },
    { action: 'dataset.pdp', as: 'coowner', method: 'GET', path: `${DC}/{ds}/filter-groups?options=include_open_policy`, status: 200, readback: [`${DC}/{ds}/filter-groups?options=include_open_policy`, (j) => expect(j.map((p: any) => p.name)).toEqual(['All Rows'])] },
    { action: 'dataset.pdp', as: 'coowner', method: 'POST', path: `${DC}/{ds}/filter-groups`, body: policy(), status: 200, keep: { fg: (j) => j.filterGroupId }, readback: [`${DC}/{ds}/filter-groups?options=load_associations,load_filters`, (j) => expect(j).toMatchObject([{ name: 'West only', userIds: [USERS.part], parameters: [{ name: 'region', values: ['West'] }] }])] },
    { action: 'dataset.pdp', as: 'granted', method: 'POST', path: `${DC}/{ds}/filter-groups`, body: policy({ name: 'Mine', userIds: ['{editor2}'] }), status: 403, missing: 'grant CO_OWNER on DataSet {ds} to POST it' },
    { action: 'dataset.pdp', as: 'viewer', method: 'POST', path: `${DC}/{ds2}/filter-groups`, body: policy(), status: 403, missing: 'authority dataset.manage or dataset.create' },
    { action: 'dataset.pdp', as: 'none', method: 'POST', path: `${DC}/{ds}/filter-groups`, body: { name: 'x', userIds: [42], groupIds: [43], parameters: [{ name: 'nope', values: ['a'] }] }, status: 403, missing: 'grant CO_OWNER on DataSet {ds}' },
    { action: 'dataset.pdp', as: 'owner', method: 'POST', path: `${DC}/{ds}/filter-groups`, body: { name: 'Bad', userIds: [42], groupIds: [43], parameters: [{ name: 'nope', values: ['a'] }, { name: 'amount', values: ['1'], operator: 'BETWEEN' }] }, status: 400, fields: ['body.userIds[0]', 'body.groupIds[0]', 'body.parameters[0].name', 'body.parameters[1].values'] },
    { action: 'dataset.pdp', as: 'owner', method: 'POST', path: `${DC}/{ds}/filter-groups`, body: { userIds: [] }, status: 400, fields: ['body.name'] },
    { action: 'dataset.pdp', as: 'granted', method: 'PUT', path: `${DC}/{ds}/filter-groups/{fg}`, body: { userIds: ['{editor2}'] }, status: 403, missing: 'grant CO_OWNER on DataSet {ds} to PUT it' },
    { action: 'dataset.pdp', as: 'none', method: 'PUT', path: `${DC}/{ds}/filter-groups/{fg}`, body: { userIds: ['{sam}'] }, status: 403, missing: 'grant CO_OWNER on DataSet {ds}' },
    { action: 'dataset.pdp', as: 'owner', method: 'PUT', path: `${DC}/{ds}/filter-groups/{fg}`, body: { parameters: [{ name: 'region', values: ['East'] }] }, status: 200, readback: [`${DC}/{ds}/filter-groups?options=load_filters`, (j) => expect(j[0].parameters[0].values).toEqual(['East'])] },
    { action: 'dataset.pdp', as: 'admin', method: 'PUT', path: `${DC}/{ds}/filter-groups/{fg}`, body: { userIds: ['{part}', '{sam}'] }, status: 200, readback: [`${DC}/{ds}/filter-groups?options=load_associations`, (j) => expect(j[0].userIds).toEqual([USERS.part, USERS.sam])] },
    { action: 'dataset.pdp', as: 'owner', method: 'PUT', path: `${DC}/{ds}/filter-groups/{fg}`, body: { groupIds: [43] }, status: 400, fields: ['body.groupIds[0]'] },
    { action: 'dataset.pdp', as: 'none', method: 'DELETE', path: `${DC}/{ds}/filter-groups/{fg}`, status: 403, missing: 'grant CO_OWNER on DataSet {ds} to DELETE it (user 112321221 holds no grant on it)' },
    { action: 'dataset.pdp', as: 'granted', method: 'DELETE', path: `${DC}/{ds}/filter-groups/{fg}`, status: 403, missing: 'grant CO_OWNER on DataSet {ds}' },
    { action: 'dataset.pdp', as: 'coowner', method: 'DELETE', path: `${DC}/{ds}/filter-groups/{fg}`, status: 204, readback: [`${DC}/{ds}/filter-groups`, (j) => expect(j).toEqual([])] },
    { action: 'dataset.pdp', as: 'admin', method: 'PUT', path: `${DC}/{ds}`, body: { enabled: false }, status: 200, readback: [`${DC}/{ds}`, (j) => expect(j.enabled).toBe(false)] },
  ],
};

const streamBody = (name: string, account?: number) => ({
  transport: { type: 'CONNECTOR', description: 'com.domo.connector.postgresql', version: '1' },
  configuration: [{ name: 'query', value: 'SELECT 1', type: 'string', category: 'METADATA' }],
  ...(account === undefined ? {} : { account: { id: account } }),
  updateMethod: 'REPLACE',
  dataProvider: { key: 'postgresql' },
  dataSource: { name },
});
const streams: Family = {
  name: 'Streams',
  who,
  async setup(h) {
    await h.as('admin', 'PATCH', `/api/identity/v1/users/${USERS.sam}`, { roleId: 3 });
    const s = await h.as('editor', 'POST', '/api/data/v1/streams', streamBody('Matrix stream', 7));
    const share = (n: Nick, accessLevel: string) => ({ type: 'USER', id: USERS[n], accessLevel });
    await h.as('editor', 'POST', `${V3}/${s.dataSource.id}/share`, { permissions: [share('editor2', 'CAN_EDIT'), share('priv', 'CAN_VIEW'), share('part', 'CAN_VIEW'), share('social', 'CAN_VIEW')] });
    return { s: s.id, sds: s.dataSource.id };
  },
  probes: ['/api/data/v1/streams/{s}', '/api/data/v1/streams/{s}/history/aggregate', `${V3}/{sds}`],
  rows: [
    { action: 'dataset.create', as: 'owner', method: 'POST', path: '/api/data/v1/streams', body: streamBody('Own stream', 7), status: 200, keep: { s2: (j) => j.id }, readback: ['/api/data/v1/streams/{s2}', (j) => expect(j.createdBy).toBe(USERS.editor)] },
    { action: 'dataset.create', as: 'viewer', method: 'POST', path: '/api/data/v1/streams', body: streamBody('Participant stream'), status: 403, missing: 'authority dataset.create' },
    { action: 'account.read', as: 'granted', method: 'POST', path: '/api/data/v1/streams', body: streamBody('On someone else’s account', 7), status: 403, missing: 'grant CAN_VIEW on account 7 to POST it' },
    { action: 'dataset.read', as: 'viewer', method: 'GET', path: '/api/data/v1/streams/{s}', status: 200 },
    { action: 'dataset.read', as: 'none', method: 'GET', path: '/api/data/v1/streams/{s}', status: 403, missing: 'grant CAN_VIEW on DataSet {sds}' },
    { action: 'dataset.read', as: 'norole', method: 'GET', path: '/api/data/v1/streams/{s}/history/aggregate', status: 403, missing: 'authority dataset.view or dataset.manage' },
    { action: 'dataset.read', as: 'viewer', method: 'GET', path: '/api/data/v1/streams/{s}/history/aggregate', status: 200 },
    { action: 'dataset.update', as: 'granted', method: 'PUT', path: '/api/data/v1/streams/{s}', body: streamBody('Renamed by editor2'), status: 200, readback: [`${V3}/{sds}`, (j) => expect(j.name).toBe('Renamed by editor2')] },
    { action: 'account.read', as: 'granted', method: 'PUT', path: '/api/data/v1/streams/{s}', body: streamBody('Renamed by editor2', 3), status: 403, missing: 'grant CAN_VIEW on account 3' },
    { action: 'dataset.update', as: 'viewer', method: 'PUT', path: '/api/data/v1/streams/{s}', body: streamBody('Renamed by participant'), status: 403, missing: 'authority dataset.manage or dataset.create to PUT DataSet {sds}' },
    { action: 'dataset.update', as: 'reader', method: 'PUT', path: '/api/data/v1/streams/{s}', body: streamBody('Renamed by priv'), status: 403, missing: 'grant CAN_EDIT on DataSet {sds} to PUT it (user 1249569521 holds CAN_VIEW)' },
    { action: 'dataset.update', as: 'none', method: 'PUT', path: '/api/data/v1/streams/{s}', body: streamBody('Renamed by sam'), status: 403, missing: 'grant CAN_EDIT on DataSet {sds}' },
    { action: 'dataset.update', as: 'viewer', method: 'POST', path: '/api/data/v1/streams/{s}/executions', body: { runType: 'MANUAL' }, status: 403, missing: 'authority dataset.manage or dataset.create' },
    { action: 'dataset.update', as: 'reader', method: 'POST', path: '/api/data/v1/streams/{s}/executions', body: { runType: 'MANUAL' }, status: 403, missing: 'grant CAN_EDIT on DataSet {sds}' },
    { action: 'dataset.update', as: 'none', method: 'POST', path: '/api/data/v1/streams/{s}/executions', body: { runType: 'MANUAL' }, status: 403, missing: 'grant CAN_EDIT' },
    { action: 'dataset.update', as: 'granted', method: 'POST', path: '/api/data/v1/streams/{s}/executions', body: { runType: 'MANUAL' }, status: 201, readback: ['/api/data/v1/streams/{s}/history/aggregate', (j) => expect(j).toHaveLength(1)] },
    { action: 'dataset.update', as: 'admin', method: 'PUT', path: '/api/data/v1/streams/{s}', body: streamBody('Renamed by admin', 3), status: 200, readback: [`${V3}/{sds}`, (j) => expect(j.name).toBe('Renamed by admin')] },
  ],
};

const accountsF: Family = {
  name: 'DataAccounts',
  // account 7 is the Editor's, 3 Privileged's; accounts have owners only (no shares)
  who: { admin: 'admin', owner: 'editor', none: 'editor2', norole: 'part' },
  probes: ['/api/data/v1/accounts'],
  rows: [
    { action: 'account.read', as: 'owner', method: 'GET', path: '/api/data/v1/accounts/7', status: 200 },
    { action: 'account.read', as: 'admin', method: 'GET', path: '/api/data/v1/accounts/7', status: 200 },
    { action: 'account.read', as: 'none', method: 'GET', path: '/api/data/v1/accounts/7', status: 403, missing: 'grant CAN_VIEW on account 7 to GET it (user 1345408759 holds no grant on it)' },
    { action: 'account.read', as: 'owner', method: 'GET', path: '/api/data/v1/accounts/3', status: 403, missing: 'grant CAN_VIEW on account 3' },
    { action: 'account.read', as: 'owner', method: 'GET', path: '/api/data/v1/accounts', status: 200, readback: ['/api/data/v1/accounts', (j) => expect(j.length).toBeGreaterThan(1)] },
    { action: 'account.create', as: 'owner', method: 'POST', path: '/api/data/v1/accounts', body: { displayName: 'Editor account', accountType: 'Standard' }, status: 200, keep: { a: (j) => j.accountId }, readback: ['/api/data/v1/accounts/{a}', (j) => expect(j.displayName).toBe('Editor account')] },
    { action: 'account.create', as: 'priv', method: 'POST', path: '/api/data/v1/accounts', body: { displayName: 'Priv account', accountType: 'Standard' }, status: 200 },
    { action: 'account.create', as: 'norole', method: 'POST', path: '/api/data/v1/accounts', body: { displayName: 'Participant account', accountType: 'Standard' }, status: 403, missing: 'authority account.manage or dataset.create to POST create a data account' },
    { action: 'account.create', as: 'social', method: 'POST', path: '/api/data/v1/accounts', body: { displayName: 'Social account', accountType: 'Standard' }, status: 403, missing: 'authority account.manage or dataset.create' },
  ],
};

const s3 = (path: string) => ({ awsAccessKey: 'AKIAEXAMPLE', awsAccessSecret: 'secret', bucket: 'matrix-bucket', path, region: 'us-east-1' });
const exportsF: Family = {
  name: 'ExportToS3',
  who,
  setup: datasetWorld,
  probes: ['/api/query/v1/export/{ds}', '/api/query/v1/export/{ds2}'],
  rows: [
    { action: 'dataset.export', as: 'viewer', method: 'POST', path: '/api/query/v1/export/{ds}', body: s3('p.csv'), status: 403, missing: 'authority dataset.export to POST DataSet {ds}' },
    { action: 'dataset.export', as: 'none', method: 'POST', path: '/api/query/v1/export/{ds}', body: s3('s.csv'), status: 403, missing: 'grant CAN_VIEW on DataSet {ds} to POST it (user 112321221 holds no grant on it)' },
    { action: 'dataset.export', as: 'norole', method: 'POST', path: '/api/query/v1/export/{ds}', body: s3('s.csv'), status: 403, missing: 'authority dataset.export' },
    { action: 'dataset.export', as: 'reader', method: 'POST', path: '/api/query/v1/export/{ds}', body: s3('e.csv'), status: 200, keep: { ex: (j) => j.exportId }, readback: ['/api/query/v1/export/{ds}', (j, w) => expect(j.map((e: any) => e.exportId)).toEqual([w.ex])] },
    { action: 'dataset.export', as: 'granted', method: 'POST', path: '/api/query/v1/export/{ds2}', body: s3('e2.csv'), status: 200, readback: ['/api/query/v1/export/{ds2}', (j) => expect(j).toHaveLength(1)] },
    { action: 'dataset.export', as: 'owner', method: 'POST', path: '/api/query/v1/export/{dsOwn}', body: s3('o.csv'), status: 200, readback: ['/api/query/v1/export/{dsOwn}', (j) => expect(j).toHaveLength(1)] },
    { action: 'dataset.export', as: 'admin', method: 'POST', path: '/api/query/v1/export/{dsAdm}', body: s3('a.csv'), status: 200, readback: ['/api/query/v1/export/{dsAdm}', (j) => expect(j).toHaveLength(1)] },
    { action: 'dataset.read', as: 'viewer', method: 'GET', path: '/api/query/v1/export/{ds}', status: 200 },
    { action: 'dataset.read', as: 'none', method: 'GET', path: '/api/query/v1/export/{ds}', status: 403, missing: 'grant CAN_VIEW on DataSet {ds}' },
    { action: 'dataset.read', as: 'norole', method: 'GET', path: '/api/query/v1/export/{ds}', status: 403, missing: 'authority dataset.view or dataset.manage' },
  ],
};

const MIG = '/api/query/migration';
const MYSQL_1 = '495e28ec-6c07-41fc-99ed-b2dce9a5f569';
const BQ_INTEGRATION = '31e0307a-cb31-4018-b824-eb04b15827e1';
const migrations: Family = {
  name: 'Migrations',
  // only company-settings holders migrate; Privileged manages nearly everything but settings
  who: { admin: 'admin', norole: 'priv', none: 'editor' },
  probes: [`${MIG}/federated/v1/to/v2/candidates/1`, `${MIG}/candidates/federated/to/amplifier/integrations/${BQ_INTEGRATION}`],
  rows: [
    { action: 'migration.run', as: 'norole', method: 'POST', path: `${MIG}/federated/v1/to/v2/${MYSQL_1}/accounts/1`, body: { catalog: 'sales', schema: 'NULL', table: 'orders' }, status: 403, missing: 'authority admin.settings' },
    { action: 'migration.run', as: 'none', method: 'POST', path: `${MIG}/federated/v1/to/v2/${MYSQL_1}/accounts/1`, body: { catalog: 'sales', schema: 'NULL', table: 'orders' }, status: 403, missing: 'authority admin.settings' },
    { action: 'migration.run', as: 'admin', method: 'POST', path: `${MIG}/federated/v1/to/v2/${MYSQL_1}/accounts/1`, body: { catalog: 'sales', schema: 'NULL', table: 'orders' }, status: 200, answer: (j) => expect(j.state).toBe('IN_PROGRESS'), readback: [`${MIG}/runs?datasourceId=${MYSQL_1}`, (j) => expect(j.map((r: any) => r.state)).toEqual(['IN_PROGRESS'])] },
    { action: 'migration.run', as: 'norole', method: 'POST', path: `${MIG}/federated/v1/to/v2/${MYSQL_1}/reverse`, status: 403, missing: 'authority admin.settings' },
    { action: 'migration.run', as: 'norole', method: 'POST', path: `${MIG}/amplifier/to/federated/${MYSQL_1}`, status: 403, missing: 'authority admin.settings' },
    { action: 'migration.run', as: 'none', method: 'POST', path: `${MIG}/federated/to/amplifier/${MYSQL_1}/integrations/${BQ_INTEGRATION}`, status: 403, missing: 'authority admin.settings' },
    { action: 'migration.run', as: 'none', method: 'GET', path: `${MIG}/federated/v1/to/v2/candidates/1`, status: 403, missing: 'authority admin.settings' },
    { action: 'migration.run', as: 'norole', method: 'GET', path: `${MIG}/candidates/federated/to/amplifier/integrations/${BQ_INTEGRATION}`, status: 403, missing: 'authority admin.settings' },
    { action: 'migration.run', as: 'none', method: 'GET', path: `${MIG}/candidates/amplifier/to/federated/integrations/${BQ_INTEGRATION}`, status: 403, missing: 'authority admin.settings' },
    { action: 'migration.run', as: 'admin', method: 'POST', path: `${MIG}/federated/v1/to/v2/${MYSQL_1}/reverse`, status: 200, readback: [`${MIG}/federated/v1/to/v2/candidates/1`, (j) => expect(j.find((d: any) => d.id === MYSQL_1).migrated).toBe(false)] },
  ],
};

const APP = '50e7230f-d2f2-42e2-a208-d94c8ae9f64c';
const JOB = '526906bb-e7e0-4f70-9ca0-3bb4fdf99c82';
const job = (name: string) => ({ jobId: JOB, jobName: name, executionTimeout: 600, executionPayload: { remoteInstance: 'x.domo.com' } });
const domostats: Family = {
  name: 'RemoteDomostats',
  who: { admin: 'admin', granted: 'priv', none: 'editor', norole: 'part' },
  probes: [`/api/executor/v2/applications/${APP}/jobs`],
  rows: [
    { action: 'domostats.manage', as: 'granted', method: 'GET', path: '/api/executor/v1/applications', status: 200 },
    { action: 'domostats.manage', as: 'granted', method: 'GET', path: `/api/executor/v2/applications/${APP}/jobs`, status: 200 },
    { action: 'domostats.manage', as: 'none', method: 'GET', path: `/api/executor/v2/applications/${APP}/jobs`, status: 403, missing: 'authority domostats.view' },
    { action: 'domostats.manage', as: 'norole', method: 'GET', path: '/api/executor/v1/applications', status: 403, missing: 'authority domostats.view' },
    { action: 'domostats.manage', as: 'none', method: 'PUT', path: `/api/executor/v1/applications/${APP}/jobs/${JOB}`, body: job('by editor'), status: 403, missing: 'authority domostats.view' },
    { action: 'domostats.manage', as: 'norole', method: 'PUT', path: `/api/executor/v1/applications/${APP}/jobs/${JOB}`, body: job('by participant'), status: 403, missing: 'authority domostats.view' },
    { action: 'domostats.manage', as: 'granted', method: 'PUT', path: `/api/executor/v1/applications/${APP}/jobs/${JOB}`, body: job('by priv'), status: 200, readback: [`/api/executor/v2/applications/${APP}/jobs`, (j) => expect(JSON.stringify(j)).toContain('by priv')] },
    { action: 'domostats.manage', as: 'admin', method: 'PUT', path: `/api/executor/v1/applications/${APP}/jobs/${JOB}`, body: job('by admin'), status: 200, readback: [`/api/executor/v2/applications/${APP}/jobs`, (j) => expect(JSON.stringify(j)).toContain('by admin')] },
  ],
};

// DataFlows: the Editor owns {ds} and the DataFlow {df} over it; editor2 (an Editor too, so holding
// dataflow.manage) has no grant on either; the Participant's role lacks dataflow.manage.
const DF = '/api/dataprocessing/v1/dataflows';
const flowBody = (name: string) => ({
  name,
  inputs: [{ dataSourceId: '{ds}' }],
  actions: [{ type: 'PublishToVault', dataSource: { name: `${name} out` }, selectStatement: 'SELECT `region`, SUM(`amount`) AS `total` FROM matrix_flow_in GROUP BY `region`' }],
});
const dataflowsF: Family = {
  name: 'DataFlows',
  who: { admin: 'admin', owner: 'editor', none: 'editor2', norole: 'part' },
  async setup(h) {
    const ds = await dataset(h, 'editor', 'Matrix flow in', [['part', 'CAN_VIEW']]);
    await load(h, 'editor', ds, 'West,1\nEast,2\n', { action: 'REPLACE' });
    const df = (await h.as('editor', 'POST', DF, JSON.parse(JSON.stringify(flowBody('Matrix flow')).replaceAll('{ds}', ds)))).id as number;
    return { ds, df };
  },
  probes: [`${DF}/{df}`, `${DF}/{df}/executions`],
  rows: [
    { action: 'dataflow.read', as: 'owner', method: 'GET', path: `${DF}/{df}`, status: 200, answer: (j) => expect(j).toMatchObject({ name: 'Matrix flow', editable: true }) },
    { action: 'dataflow.read', as: 'admin', method: 'GET', path: DF, status: 200, answer: (j, w) => expect(j.map((d: any) => d.id)).toContain(w.df) },
    { action: 'dataflow.read', as: 'none', method: 'GET', path: DF, status: 200, answer: (j, w) => expect(j.map((d: any) => d.id)).not.toContain(w.df) },
    { action: 'dataflow.read', as: 'none', method: 'GET', path: `${DF}/{df}`, status: 403, missing: 'grant CAN_VIEW on DataFlow {df}' },
    { action: 'dataflow.read', as: 'norole', method: 'GET', path: `${DF}/{df}/executions`, status: 403, missing: 'grant CAN_VIEW on DataFlow {df}' },
    { action: 'dataflow.create', as: 'norole', method: 'POST', path: DF, body: flowBody('By participant'), status: 403, missing: 'authority dataflow.manage' },
    { action: 'dataflow.create', as: 'none', method: 'POST', path: DF, body: flowBody('By editor2'), status: 403, missing: 'grant CAN_VIEW on DataSet {ds}' },
    { action: 'dataflow.create', as: 'owner', method: 'POST', path: DF, body: flowBody('Second flow'), status: 200, readback: [DF, (j) => expect(j.map((d: any) => d.name)).toEqual(['Matrix flow', 'Second flow'])] },
    { action: 'dataflow.run', as: 'none', method: 'POST', path: `${DF}/{df}/executions`, status: 403, missing: 'grant CAN_EDIT on DataFlow {df}' },
    { action: 'dataflow.run', as: 'norole', method: 'POST', path: `${DF}/{df}/executions`, status: 403, missing: 'authority dataflow.manage' },
    { action: 'dataflow.run', as: 'owner', method: 'POST', path: `${DF}/{df}/executions`, status: 200, answer: (j) => expect(j.state).toBe('CREATED'), readback: [`${DF}/{df}/executions`, (j) => expect(j).toHaveLength(1)] },
    { action: 'dataflow.update', as: 'none', method: 'PUT', path: `${DF}/{df}`, body: flowBody('Hijacked'), status: 403, missing: 'grant CAN_EDIT on DataFlow {df}' },
    { action: 'dataflow.update', as: 'norole', method: 'DELETE', path: `${DF}/{df}`, status: 403, missing: 'authority dataflow.manage' },
    { action: 'dataflow.update', as: 'owner', method: 'PUT', path: `${DF}/{df}`, body: flowBody('Matrix flow (renamed)'), status: 200, readback: [`${DF}/{df}`, (j) => expect(j).toMatchObject({ name: 'Matrix flow (renamed)', documentVersion: 2 })] },
    { action: 'dataflow.update', as: 'admin', method: 'DELETE', path: `${DF}/{df}`, status: 204, readback: [DF, (j, w) => expect(j.map((d: any) => d.id)).not.toContain(w.df)] },
  ],
};

const t = matrix([datasets, uploads, pdp, streams, accountsF, exportsF, migrations, domostats, dataflowsF]);
afterAll(() => t.close());
