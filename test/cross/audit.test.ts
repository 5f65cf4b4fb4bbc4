/**
 * Every write of every family reaches the activity log, from its store, with the right object and actor
 * (docs/activity-log.md has the table). One table, one row per write route: the row's call goes through
 * HTTP as a fixture user (most of them not admins, with tokens minted through POST /_emulator/tokens), and
 * GET /api/audit/v1/user-audits must then show exactly one new entry with the row's objectType, objectId,
 * objectName, actionType and actor. Rows of POST routes that only read (queries, searches) and of upload
 * staging must leave no entry. A row's `refused` call (403/400/404) must leave the log as it was.
 *
 * The last tests: every write route the families register is in the table (so a new route without an
 * audit entry fails here), writes that fail mid-transaction leave no entry (and an entry that fails undoes
 * its write), the reads Domo logs are VIEWED entries, and scheduled runs record as their owner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { families } from '../../routes/index.js';
import { actionVerbs, objectTypeWords, type ActionType, type ObjectType } from '../../src/state/activity.js';
import { ADMIN_ID, ADMIN_TOKEN, EDITOR_ID, EDITOR_TOKEN, FROZEN_AT, PARTICIPANT_ID, PARTICIPANT_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

const t = testApp();
afterAll(() => t.close());

/** Fixture users (fixtures/users.json) and their roles. */
const USERS = {
  admin: ADMIN_ID, // Jae Wilson, Admin
  scott: 27, // Scott Thompson, Admin
  priv: 1249569521, // Dana Ortiz, Privileged
  editor: EDITOR_ID, // Bryan Van Kampen, Editor
  editor2: 1345408759, // Alexis Lorenz, Editor
  part: PARTICIPANT_ID, // John Doe, Participant
  sam: 112321221, // Sam Rivera, Participant
  social: 901234, // Priya Shah, Social
} as const;
type Nick = keyof typeof USERS;
const fixtureTokens: Partial<Record<Nick, string>> = { admin: ADMIN_TOKEN, editor: EDITOR_TOKEN, part: PARTICIPANT_TOKEN };
const tokenOf = (n: Nick) => fixtureTokens[n] ?? `audit-token-${USERS[n]}`;
const NAMES = {} as Record<Nick, string>;
/** App sessions (X-DOMO-Ryuu-Session) of the audit app, by user. */
const SESSIONS = {} as Partial<Record<Nick, string>>;

// fixture objects
const SALES = '0dbe6a6a-5588-4a1e-9db4-989ca98762a5';
const CARD = 100292102; // Monthly Sales Trend, the Editor's
const CERT_CARD = 100292103; // Top Products
const OPS = 2222222; // Operations, the Editor's page, shared with Privileged
const OPS_CHILD = 11111111; // Test Subpage, the Editor's
const Q1 = '168ecd84-4a15-45f6-89d9-021fbbce0481'; // the admin's queue; the Editor works in it
const Q2 = '5d1c3a2e-7f04-4b8e-9a61-2c7e0b9f4d13'; // the Editor's queue
const T1 = '18OCT23_1JUTZM'; // open task in Q1
const T2 = '05FEB24_3MNBVC'; // open task in Q2
const ADD = 'a8afdc89-9491-4ee4-b7c3-b9e9b86c0138'; // AddTwoNumbers
const REVIEW = '6a701240-76bf-4b9a-8145-199156b371cc'; // Airplane Part Action Items (waits on a task)
const PKG = '756f0b19-5125-44f6-b541-058980ff6a94'; // the fixture Code Engine package
const MYSQL_1 = '495e28ec-6c07-41fc-99ed-b2dce9a5f569';
const BQ_INTEGRATION = '31e0307a-cb31-4018-b824-eb04b15827e1';
const EXEC_APP = '50e7230f-d2f2-42e2-a208-d94c8ae9f64c';
const EXEC_JOB = '526906bb-e7e0-4f70-9ca0-3bb4fdf99c82';
const MISCONFIGURED = 123461; // the admin's schedule whose last run failed
const AUDIT_APP = 'audit-app';

const V2 = '/api/data/v2/datasources';
const V3 = '/api/data/v3/datasources';
const Q = '/api/query/v1/datasources';
const DC = '/api/query/v1/data-control';
const C = '/api/datastores/v1/collections';
const F = '/api/data/v1/data-files';
const FS = '/api/files/v1/filesets';
const RS = '/api/content/v1/reportschedules';
const MIG = '/api/query/migration';
const END = 4102444800000;

type World = Record<string, any>;
const w: World = {};

interface Req {
  method: string;
  path: string;
  body?: unknown;
  raw?: string;
  type?: string;
  /** send the user's app session instead of a developer token */
  session?: boolean;
}

interface Expected {
  type: ObjectType;
  action: ActionType;
  id: (json: any) => string | number | null;
  name?: (json: any) => string | null;
  /** text the entry's sentence must contain (counts, the detail) */
  says?: string;
}

interface Row {
  /** The registered route this row covers: `METHOD /path/:param` as the family declares it. */
  route: string;
  as: Nick;
  req: () => Req;
  status?: number;
  /** the entry the call records, or why it records none */
  entry: Expected | { none: string };
  /** a refused call of the same route: it must leave the log unchanged */
  refused?: { as: Nick; status: number; req?: () => Req };
  before?: () => Promise<void>;
  keep?: (json: any) => void;
}

async function send(as: Nick, r: Req) {
  const headers: Record<string, string> = r.session ? { 'X-DOMO-Ryuu-Session': SESSIONS[as]! } : { 'X-DOMO-Developer-Token': tokenOf(as) };
  if (r.type) headers['Content-Type'] = r.type;
  return t.call(r.method, r.path, { body: r.body, raw: r.raw, headers, token: r.session ? null : undefined });
}

/** A setup call as a user: throws unless it answers 2xx. */
async function as(n: Nick, method: string, path: string, body?: unknown, opts: { raw?: string; type?: string } = {}) {
  const res = await send(n, { method, path, body, ...opts });
  if (res.status >= 300) throw new Error(`setup ${method} ${path} as ${n}: ${res.status} ${res.text}`);
  return res.json;
}

const allTypes = Object.keys(objectTypeWords).filter((k) => k !== 'ACTIVITY_LOG');
/** The log, newest first, through the API (as the admin), limited to these types (views of the log itself left out). */
async function log(types: string[] = allTypes): Promise<any[]> {
  const res = await t.call('GET', `/api/audit/v1/user-audits?start=0&end=${END}&limit=1000&objectType=${types.join(',')}`);
  expect(res.status).toBe(200);
  return res.json;
}

function check(e: any, exp: Expected, who: Nick, json: any): void {
  const id = exp.id(json);
  expect(e).toMatchObject({
    userId: String(USERS[who]),
    userName: NAMES[who],
    userType: 'USER',
    actionType: exp.action,
    objectType: exp.type,
    objectId: id === null ? null : String(id),
    time: Date.parse(FROZEN_AT),
  });
  const verb: string = actionVerbs[exp.action];
  expect(e.additionalComment.startsWith(`${NAMES[who]} ${verb} `)).toBe(true);
  expect(e.eventText).toBe(`${verb.charAt(0).toUpperCase()}${verb.slice(1)} ${objectTypeWords[exp.type]}`);
  if (exp.name) {
    const name = exp.name(json);
    expect(e.objectName).toBe(name);
    if (name) expect(e.additionalComment).toContain(`'${name}'`);
  }
  if (exp.says) expect(e.additionalComment).toContain(exp.says);
}

const cols = [
  { name: 'region', type: 'STRING' },
  { name: 'amount', type: 'LONG' },
];
const cols3 = [...cols, { name: 'extra', type: 'STRING' }];
const csv = (text: string) => ({ raw: text, type: 'text/csv' });
const text = (s: string) => ({ raw: s, type: 'text/plain' });
const share = (n: Nick, accessLevel = 'CAN_VIEW') => ({ permissions: [{ type: 'USER', id: USERS[n], accessLevel }] });
const streamBody = (name: string, account?: number) => ({
  transport: { type: 'CONNECTOR', description: 'com.domo.connector.postgresql', version: '1' },
  configuration: [{ name: 'query', value: 'SELECT 1', type: 'string', category: 'METADATA' }],
  ...(account === undefined ? {} : { account: { id: account } }),
  updateMethod: 'REPLACE',
  dataProvider: { key: 'postgresql' },
  dataSource: { name },
});
const s3 = (path: string) => ({ awsAccessKey: 'AKIAEXAMPLE', awsAccessSecret: 'secret', bucket: 'audit-bucket', path, region: 'us-east-1' });
const boundary = 'auditboundary';
const multipart = (name: string, dir = 'docs') => ({
  raw: [
    `--${boundary}`,
    `Content-Disposition: form-data; name="file"; filename="${name}"`,
    'Content-Type: text/plain',
    '',
    `contents of ${name}`,
    `--${boundary}`,
    'Content-Disposition: form-data; name="createFileRequest"',
    '',
    JSON.stringify({ directoryPath: dir }),
    `--${boundary}--`,
    '',
  ].join('\r\n'),
  type: `multipart/form-data; boundary=${boundary}`,
});
const fn = { name: 'add', displayName: 'add', description: 'adds', isPrivate: false, inputs: ['a', 'b'].map((n) => ({ name: n, displayName: n, type: 'number', nullable: false, isList: false })), output: { name: 'result', type: 'number', nullable: false, isList: false } };
const pkg = (over: Record<string, unknown> = {}) => ({ name: 'Audit math', language: 'JAVASCRIPT', environment: 'LAMBDA', version: '1.0.0', code: 'function add(a, b) { return a + b; }', manifest: { functions: [fn], configuration: { accountsMapping: [] } }, ...over });
const daily = (over: Record<string, unknown> = {}) => ({ title: 'Audit report', cardId: CARD, schedule: { frequency: 'DAILY', hourOfDay: 6, additionalRecipients: [{ type: 'USER', value: String(USERS.part) }] }, ...over });
const outputs = { Suggested_Action_Items: '1. Fix the hinge', Send_to_QA_Team: true };
const job = (name: string) => ({ jobId: EXEC_JOB, jobName: name, executionTimeout: 600, executionPayload: { remoteInstance: 'x.domo.com' } });
const titleBody = (s: string) => ({ dynamicTitle: { text: [{ type: 'TEXT', text: s }] } });

const none = (why: string) => ({ none: why });
/** A SQL DataFlow over the fixture sales dataset with one output. */
const dataflow = (name: string) => ({
  name,
  databaseType: 'MYSQL',
  inputs: [{ dataSourceId: SALES }],
  actions: [
    { type: 'LoadFromVault', id: 'in', name: 'sales', dataSourceId: SALES },
    { type: 'PublishToVault', id: 'out', dependsOn: ['in'], dataSource: { name: `${name} output` }, selectStatement: 'SELECT COUNT(*) AS n FROM sales' },
  ],
});
const fixed = <T extends string | number | null>(v: T) => () => v;
const at = (k: string) => () => w[k];

// ------------------------------------------------------------------------------------------------ the table

const table: Record<string, Row[]> = {
  Users: [
    { route: 'POST /api/identity/v1/users', as: 'admin', req: () => ({ method: 'POST', path: '/api/identity/v1/users', body: { displayName: 'Audit One', emailAddress: 'audit1@example.com', roleId: 4 } }), keep: (j) => (w.user = j.id), entry: { type: 'USER', action: 'CREATED', id: (j) => j.id, name: fixed('Audit One') }, refused: { as: 'editor', status: 403 } },
    { route: 'PATCH /api/identity/v1/users/:userId', as: 'part', req: () => ({ method: 'PATCH', path: `/api/identity/v1/users/${USERS.part}`, body: { title: 'Pilot' } }), entry: { type: 'USER', action: 'UPDATED', id: fixed(USERS.part), name: fixed('John Doe') }, refused: { as: 'sam', status: 403 } },
    { route: 'DELETE /api/identity/v1/users/:userId', as: 'admin', req: () => ({ method: 'DELETE', path: `/api/identity/v1/users/${w.user}` }), entry: { type: 'USER', action: 'DELETED', id: at('user'), name: fixed('Audit One') }, refused: { as: 'editor', status: 403 } },
  ],
  Roles: [
    { route: 'POST /api/authorization/v1/roles', as: 'admin', req: () => ({ method: 'POST', path: '/api/authorization/v1/roles', body: { name: 'Audit role', fromRoleId: 4 } }), keep: (j) => (w.role = j.id), entry: { type: 'ROLE', action: 'CREATED', id: (j) => j.id, name: fixed('Audit role') }, refused: { as: 'editor', status: 403 } },
    { route: 'PATCH /api/authorization/v1/roles/:roleId/authorities', as: 'admin', req: () => ({ method: 'PATCH', path: `/api/authorization/v1/roles/${w.role}/authorities`, body: ['dataset.view', 'card.view'] }), entry: { type: 'ROLE', action: 'UPDATED', id: at('role'), name: fixed('Audit role'), says: '(2 authorities)' }, refused: { as: 'priv', status: 403 } },
    { route: 'DELETE /api/authorization/v1/roles/:roleId', as: 'admin', req: () => ({ method: 'DELETE', path: `/api/authorization/v1/roles/${w.role}` }), entry: { type: 'ROLE', action: 'DELETED', id: at('role'), name: fixed('Audit role') }, refused: { as: 'admin', status: 404, req: () => ({ method: 'DELETE', path: '/api/authorization/v1/roles/999999' }) } },
  ],
  Groups: [
    { route: 'POST /api/content/v2/groups', as: 'priv', req: () => ({ method: 'POST', path: '/api/content/v2/groups', body: { name: 'Audit group', type: 'open' } }), keep: (j) => (w.group = j.id), entry: { type: 'GROUP', action: 'CREATED', id: (j) => j.id, name: fixed('Audit group') }, refused: { as: 'editor', status: 403 } },
    { route: 'PUT /api/content/v2/groups/:groupId/user/:userId', as: 'part', req: () => ({ method: 'PUT', path: `/api/content/v2/groups/${w.group}/user/${USERS.part}` }), entry: { type: 'GROUP', action: 'UPDATED', id: at('group'), name: fixed('Audit group'), says: `(added user ${USERS.part})` }, refused: { as: 'part', status: 403, req: () => ({ method: 'PUT', path: `/api/content/v2/groups/${w.group}/user/${USERS.sam}` }) } },
    { route: 'DELETE /api/content/v2/groups/:groupId/removeuser/:userId', as: 'part', req: () => ({ method: 'DELETE', path: `/api/content/v2/groups/${w.group}/removeuser/${USERS.part}` }), entry: { type: 'GROUP', action: 'UPDATED', id: at('group'), name: fixed('Audit group'), says: `(removed user ${USERS.part})` } },
    { route: 'PUT /api/content/v2/groups/access', as: 'priv', before: async () => void (await as('priv', 'PUT', `/api/content/v2/groups/${w.group}/user/${USERS.sam}`)), req: () => ({ method: 'PUT', path: '/api/content/v2/groups/access', body: [{ groupId: w.group, removeMembers: [{ type: 'USER', id: USERS.sam }] }] }), entry: { type: 'GROUP', action: 'UPDATED', id: at('group'), name: fixed('Audit group'), says: `(removed user ${USERS.sam})` }, refused: { as: 'part', status: 403, req: () => ({ method: 'PUT', path: '/api/content/v2/groups/access', body: [{ groupId: 6789456782, removeMembers: [{ type: 'USER', id: ADMIN_ID }] }] }) } },
    { route: 'DELETE /api/content/v2/groups', as: 'priv', before: async () => void (w.doomed = (await as('priv', 'POST', '/api/content/v2/groups', { name: 'Audit doomed', type: 'open' })).id), req: () => ({ method: 'DELETE', path: '/api/content/v2/groups', body: [w.doomed] }), entry: { type: 'GROUP', action: 'DELETED', id: at('doomed'), name: fixed('Audit doomed') }, refused: { as: 'part', status: 403, req: () => ({ method: 'DELETE', path: '/api/content/v2/groups', body: [6789456782] }) } },
  ],
  Datasets: [
    { route: 'POST /api/data/v2/datasources', as: 'editor', req: () => ({ method: 'POST', path: V2, body: { dataSourceName: 'Audit sales', schema: { columns: cols } } }), keep: (j) => (w.ds = j.id), entry: { type: 'DATA_SOURCE', action: 'CREATED', id: (j) => j.id, name: fixed('Audit sales') }, refused: { as: 'part', status: 403 } },
    { route: 'GET /api/data/v3/datasources/:datasetId', as: 'editor', req: () => ({ method: 'GET', path: `${V3}/${w.ds}` }), entry: { type: 'DATA_SOURCE', action: 'VIEWED', id: at('ds'), name: fixed('Audit sales') }, refused: { as: 'sam', status: 403 } },
    { route: 'PUT /api/data/v3/datasources/:datasetId/properties', as: 'editor', req: () => ({ method: 'PUT', path: `${V3}/${w.ds}/properties`, body: { description: 'audited' } }), entry: { type: 'DATA_SOURCE', action: 'UPDATED', id: at('ds'), name: fixed('Audit sales'), says: '(properties: description)' }, refused: { as: 'sam', status: 403 } },
    { route: 'POST /api/data/ui/v3/datasources/:datasetId/tags', as: 'editor', req: () => ({ method: 'POST', path: `/api/data/ui/v3/datasources/${w.ds}/tags`, body: ['audit'] }), entry: { type: 'DATA_SOURCE', action: 'UPDATED', id: at('ds'), name: fixed('Audit sales'), says: '(tags: audit)' } },
    { route: 'POST /api/data/v2/datasources/:datasetId/schemas', as: 'editor', req: () => ({ method: 'POST', path: `${V2}/${w.ds}/schemas`, body: { schema: { columns: cols3 } } }), entry: { type: 'DATA_SOURCE', action: 'UPDATED', id: at('ds'), name: fixed('Audit sales'), says: '3 columns' }, refused: { as: 'editor', status: 400, req: () => ({ method: 'POST', path: `${V2}/${w.ds}/schemas`, body: { schema: { columns: [{ name: 'x', type: 'NOPE' }] } } }) } },
    { route: 'POST /api/data/v3/datasources/:datasetId/share', as: 'editor', req: () => ({ method: 'POST', path: `${V3}/${w.ds}/share`, body: share('part') }), entry: { type: 'DATA_SOURCE', action: 'SHARED', id: at('ds'), name: fixed('Audit sales'), says: `with USER ${USERS.part} (CAN_VIEW)` }, refused: { as: 'sam', status: 403 } },
    ...['permissions/USER', 'permissions/user', 'USERS', 'users'].map(
      (seg): Row => ({
        route: `DELETE /api/data/v3/datasources/:datasetId/${seg}/:userId`,
        as: 'editor',
        before: async () => void (await as('editor', 'POST', `${V3}/${w.ds}/share`, share('part'))),
        req: () => ({ method: 'DELETE', path: `${V3}/${w.ds}/${seg}/${USERS.part}` }),
        entry: { type: 'DATA_SOURCE', action: 'UNSHARED', id: at('ds'), name: fixed('Audit sales'), says: `for USER ${USERS.part}` },
        refused: { as: 'editor', status: 400, req: () => ({ method: 'DELETE', path: `${V3}/${w.ds}/${seg}/${USERS.editor}` }) },
      }),
    ),
    { route: 'DELETE /api/data/v3/datasources/:datasetId/users', as: 'editor', before: async () => void (await as('editor', 'POST', `${V3}/${w.ds}/share`, share('part'))), req: () => ({ method: 'DELETE', path: `${V3}/${w.ds}/users`, body: [{ type: 'USER', id: USERS.part }] }), entry: { type: 'DATA_SOURCE', action: 'UNSHARED', id: at('ds'), name: fixed('Audit sales') } },
    { route: 'POST /api/data/v3/datasources/:datasetId/uploads', as: 'editor', req: () => ({ method: 'POST', path: `${V3}/${w.ds}/uploads?values=West,5,x` }), entry: { type: 'DATA_SOURCE', action: 'UPDATED', id: at('ds'), name: fixed('Audit sales'), says: '(appended 1 row)' }, refused: { as: 'part', status: 403, req: () => ({ method: 'POST', path: `${V3}/${w.ds}/uploads?values=East,6,y` }) } },
    {
      route: 'PUT /api/data/v3/datasources/:datasetId/uploads/:uploadId/parts/:part',
      as: 'editor',
      before: async () => void (w.up = (await as('editor', 'POST', `${V3}/${w.ds}/uploads`, { action: 'APPEND' })).uploadId),
      req: () => ({ method: 'PUT', path: `${V3}/${w.ds}/uploads/${w.up}/parts/1`, ...csv('North,3,x\nSouth,4,y\n') }),
      entry: none('starting an upload and its parts are staging: the commit records the upload'),
    },
    { route: 'PUT /api/data/v3/datasources/:datasetId/uploads/:uploadId/commit', as: 'editor', req: () => ({ method: 'PUT', path: `${V3}/${w.ds}/uploads/${w.up}/commit`, body: { action: 'APPEND', index: true } }), entry: { type: 'DATA_SOURCE', action: 'UPDATED', id: at('ds'), name: fixed('Audit sales'), says: 'APPEND, 2 rows in 1 parts' } },
    { route: 'DELETE /api/data/v2/datasources/:datasetId/dataversions', as: 'editor', req: () => ({ method: 'DELETE', path: `${V2}/${w.ds}/dataversions`, body: [1] }), entry: { type: 'DATA_SOURCE', action: 'UPDATED', id: at('ds'), name: fixed('Audit sales'), says: '(deleted data versions 1)' }, refused: { as: 'editor', status: 404, req: () => ({ method: 'DELETE', path: `${V2}/${w.ds}/dataversions`, body: [99] }) } },
    { route: 'POST /api/dataprocessing/v2/dataflows/data-version-hydrate', as: 'editor', req: () => ({ method: 'POST', path: '/api/dataprocessing/v2/dataflows/data-version-hydrate', body: { dataSourceId: w.ds } }), entry: none('a read (the versions of a dataset)') },
    { route: 'POST /api/query/v1/datasources/:datasetId/partition/list', as: 'editor', req: () => ({ method: 'POST', path: `${Q}/${w.ds}/partition/list`, body: { limit: 10, offset: 0 } }), entry: none('a read (partitions)') },
    {
      route: 'DELETE /api/query/v1/datasources/:datasetId/tag/:partitionId/data',
      as: 'editor',
      before: async () => {
        const up = (await as('editor', 'POST', `${V3}/${w.ds}/uploads`, { action: 'APPEND' })).uploadId;
        await as('editor', 'PUT', `${V3}/${w.ds}/uploads/${up}/parts/1`, undefined, csv('Central,7,z\n'));
        await as('editor', 'PUT', `${V3}/${w.ds}/uploads/${up}/commit`, { action: 'APPEND', dataTag: 'p1', index: true });
      },
      req: () => ({ method: 'DELETE', path: `${Q}/${w.ds}/tag/p1/data` }),
      entry: { type: 'DATA_SOURCE', action: 'UPDATED', id: at('ds'), name: fixed('Audit sales'), says: "(deleted the data of partition 'p1')" },
    },
    { route: 'DELETE /api/query/v1/datasources/:datasetId/partition/:partitionId', as: 'editor', req: () => ({ method: 'DELETE', path: `${Q}/${w.ds}/partition/p1` }), entry: { type: 'DATA_SOURCE', action: 'UPDATED', id: at('ds'), name: fixed('Audit sales'), says: "(deleted partition 'p1')" } },
    { route: 'POST /api/data/v3/datasources/:datasetId/indexes', as: 'editor', req: () => ({ method: 'POST', path: `${V3}/${w.ds}/indexes` }), entry: { type: 'DATA_SOURCE', action: 'UPDATED', id: at('ds'), name: fixed('Audit sales'), says: 'requested' } },
    { route: 'POST /api/query/v1/datasources/:datasetId', as: 'editor', req: () => ({ method: 'POST', path: `${Q}/${w.ds}` }), entry: { type: 'DATA_SOURCE', action: 'UPDATED', id: at('ds'), name: fixed('Audit sales'), says: 'requested' } },
    { route: 'POST /api/query/v1/execute/export/:datasetId', as: 'editor', req: () => ({ method: 'POST', path: `/api/query/v1/execute/export/${w.ds}`, body: { sql: 'SELECT * FROM t' } }), entry: none('a read (rows as CSV)') },
    { route: 'POST /api/query/v1/execute/:datasetId', as: 'editor', req: () => ({ method: 'POST', path: `/api/query/v1/execute/${w.ds}`, body: { sql: 'SELECT count(*) FROM t' } }), entry: none('a read (a query)') },
    { route: 'PUT /api/query/v1/data-control/:datasetId', as: 'editor', req: () => ({ method: 'PUT', path: `${DC}/${w.ds}`, body: { enabled: true } }), entry: { type: 'DATA_SOURCE', action: 'UPDATED', id: at('ds'), name: fixed('Audit sales'), says: '(PDP enabled)' }, refused: { as: 'editor', status: 400, req: () => ({ method: 'PUT', path: `${DC}/${w.ds}`, body: { enabled: 'maybe' } }) } },
    { route: 'POST /api/query/v1/data-control/:datasetId/filter-groups', as: 'editor', req: () => ({ method: 'POST', path: `${DC}/${w.ds}/filter-groups`, body: { name: 'West only', userIds: [USERS.part], parameters: [{ type: 'COLUMN', name: 'region', values: ['West'], operator: 'EQUALS' }] } }), keep: (j) => (w.fg = j.filterGroupId), entry: { type: 'ADC_POLICY', action: 'CREATED', id: (j) => j.filterGroupId, name: fixed('West only'), says: "on DataSet 'Audit sales'" }, refused: { as: 'editor', status: 400, req: () => ({ method: 'POST', path: `${DC}/${w.ds}/filter-groups`, body: { userIds: [] } }) } },
    { route: 'PUT /api/query/v1/data-control/:datasetId/filter-groups/:filterGroupId', as: 'editor', req: () => ({ method: 'PUT', path: `${DC}/${w.ds}/filter-groups/${w.fg}`, body: { parameters: [{ name: 'region', values: ['East'] }] } }), entry: { type: 'ADC_POLICY', action: 'UPDATED', id: at('fg'), name: fixed('West only') } },
    { route: 'DELETE /api/query/v1/data-control/:datasetId/filter-groups/:filterGroupId', as: 'editor', req: () => ({ method: 'DELETE', path: `${DC}/${w.ds}/filter-groups/${w.fg}` }), entry: { type: 'ADC_POLICY', action: 'DELETED', id: at('fg'), name: fixed('West only') } },
    { route: 'POST /api/query/v1/export/:datasetId', as: 'editor', req: () => ({ method: 'POST', path: `/api/query/v1/export/${w.ds}`, body: s3('audit.csv') }), entry: { type: 'DATA_SOURCE', action: 'EXPORTED', id: at('ds'), name: fixed('Audit sales'), says: 'to s3://audit-bucket/audit.csv' }, refused: { as: 'part', status: 403 } },
    { route: 'DELETE /api/data/v3/datasources/:datasetId', as: 'editor', req: () => ({ method: 'DELETE', path: `${V3}/${w.ds}` }), entry: { type: 'DATA_SOURCE', action: 'DELETED', id: at('ds'), name: fixed('Audit sales') }, refused: { as: 'sam', status: 403 } },
  ],
  Streams: [
    { route: 'POST /api/data/v1/streams', as: 'editor', req: () => ({ method: 'POST', path: '/api/data/v1/streams', body: streamBody('Audit stream', 7) }), keep: (j) => (w.stream = j.id), entry: { type: 'STREAM', action: 'CREATED', id: (j) => j.id, name: fixed('Audit stream') }, refused: { as: 'part', status: 403 } },
    { route: 'PUT /api/data/v1/streams/:streamId', as: 'editor', req: () => ({ method: 'PUT', path: `/api/data/v1/streams/${w.stream}`, body: streamBody('Audit stream 2') }), entry: { type: 'STREAM', action: 'UPDATED', id: at('stream'), name: fixed('Audit stream 2') } },
    { route: 'POST /api/data/v1/streams/:streamId/executions', as: 'editor', status: 201, req: () => ({ method: 'POST', path: `/api/data/v1/streams/${w.stream}/executions`, body: { runType: 'MANUAL' } }), entry: { type: 'STREAM', action: 'EXECUTED', id: at('stream'), name: fixed('Audit stream 2'), says: 'MANUAL' }, refused: { as: 'part', status: 403 } },
  ],
  DataAccounts: [
    { route: 'POST /api/data/v1/accounts', as: 'editor', req: () => ({ method: 'POST', path: '/api/data/v1/accounts', body: { displayName: 'Audit account', accountType: 'Standard' } }), entry: { type: 'ACCOUNT', action: 'CREATED', id: (j) => j.accountId, name: fixed('Audit account') }, refused: { as: 'part', status: 403 } },
  ],
  AppDB: [
    { route: 'POST /api/datastores/v1/collections', as: 'editor', req: () => ({ method: 'POST', path: C, body: { name: 'AuditNotes', syncEnabled: true, schema: { columns: [{ name: 'text', type: 'STRING' }] } } }), keep: (j) => (w.cid = j.id), entry: { type: 'MAGNUM_COLLECTION', action: 'CREATED', id: (j) => j.id, name: fixed('AuditNotes') }, refused: { as: 'part', status: 403 } },
    { route: 'PUT /api/datastores/v1/collections/:collection/permission/:entity/:entityId', as: 'editor', status: 204, req: () => ({ method: 'PUT', path: `${C}/AuditNotes/permission/USER/${USERS.part}?permissions=read,read_content` }), entry: { type: 'MAGNUM_COLLECTION', action: 'SHARED', id: at('cid'), name: fixed('AuditNotes'), says: `(USER ${USERS.part}: read,read_content)` } },
    { route: 'PUT /api/datastores/v1/collections/:collection/permission/RYUU_APP/:entityId', as: 'editor', status: 204, req: () => ({ method: 'PUT', path: `${C}/AuditNotes/permission/RYUU_APP/${AUDIT_APP}?permissions=read` }), entry: { type: 'MAGNUM_COLLECTION', action: 'SHARED', id: at('cid'), name: fixed('AuditNotes'), says: `(RYUU_APP ${AUDIT_APP}: read)` } },
    // once a collection has permissions they are enforced: Sam, who holds none, is refused
    { route: 'PUT /api/datastores/v1/collections/:collection', as: 'editor', req: () => ({ method: 'PUT', path: `${C}/AuditNotes`, body: { exportable: true } }), entry: { type: 'MAGNUM_COLLECTION', action: 'UPDATED', id: at('cid'), name: fixed('AuditNotes') }, refused: { as: 'sam', status: 403 } },
    { route: 'DELETE /api/datastores/v1/collections/:collection/permission/:entity/:entityId', as: 'editor', status: 204, req: () => ({ method: 'DELETE', path: `${C}/AuditNotes/permission/USER/${USERS.part}` }), entry: { type: 'MAGNUM_COLLECTION', action: 'UNSHARED', id: at('cid'), name: fixed('AuditNotes') }, refused: { as: 'editor', status: 404, req: () => ({ method: 'DELETE', path: `${C}/AuditNotes/permission/USER/${USERS.sam}` }) } },
    { route: 'POST /api/datastores/v1/collections/:collection/documents', as: 'editor', req: () => ({ method: 'POST', path: `${C}/AuditNotes/documents`, body: { content: { text: 'one' } } }), keep: (j) => (w.doc = j.id), entry: { type: 'MAGNUM_COLLECTION', action: 'UPDATED', id: at('cid'), name: fixed('AuditNotes'), says: '(created document ' }, refused: { as: 'part', status: 403 } },
    { route: 'PUT /api/datastores/v1/collections/:collection/documents/:documentId', as: 'editor', req: () => ({ method: 'PUT', path: `${C}/AuditNotes/documents/${w.doc}`, body: { content: { text: 'uno' } } }), entry: { type: 'MAGNUM_COLLECTION', action: 'UPDATED', id: at('cid'), name: fixed('AuditNotes'), says: '(replaced document ' }, refused: { as: 'editor', status: 404, req: () => ({ method: 'PUT', path: `${C}/AuditNotes/documents/00000000-0000-4000-8000-000000000000`, body: { content: { text: 'x' } } }) } },
    { route: 'POST /api/datastores/v1/collections/:collection/documents/bulk', as: 'editor', req: () => ({ method: 'POST', path: `${C}/AuditNotes/documents/bulk`, body: ['a', 'b', 'c'].map((x) => ({ content: { text: x } })) }), entry: { type: 'MAGNUM_COLLECTION', action: 'UPDATED', id: at('cid'), name: fixed('AuditNotes'), says: '(created 3 documents)' } },
    { route: 'PUT /api/datastores/v1/collections/:collection/documents/bulk', as: 'editor', req: () => ({ method: 'PUT', path: `${C}/AuditNotes/documents/bulk`, body: [{ id: w.doc, content: { text: 'one again' } }, { content: { text: 'd' } }] }), entry: { type: 'MAGNUM_COLLECTION', action: 'UPDATED', id: at('cid'), name: fixed('AuditNotes'), says: '(updated 1 and created 1 documents)' } },
    { route: 'PUT /api/datastores/v1/collections/:collection/documents/update', as: 'editor', req: () => ({ method: 'PUT', path: `${C}/AuditNotes/documents/update`, body: { query: { 'content.text': 'a' }, operation: { $set: { 'content.text': 'A' } } } }), entry: { type: 'MAGNUM_COLLECTION', action: 'UPDATED', id: at('cid'), name: fixed('AuditNotes'), says: '(updated 1 documents)' } },
    { route: 'POST /api/datastores/v1/collections/:collection/documents/query', as: 'editor', req: () => ({ method: 'POST', path: `${C}/AuditNotes/documents/query`, body: {} }), entry: none('a read (a query)') },
    { route: 'DELETE /api/datastores/v1/collections/:collection/documents/:documentId', as: 'editor', status: 204, req: () => ({ method: 'DELETE', path: `${C}/AuditNotes/documents/${w.doc}` }), entry: { type: 'MAGNUM_COLLECTION', action: 'UPDATED', id: at('cid'), name: fixed('AuditNotes'), says: '(deleted document ' } },
    { route: 'DELETE /api/datastores/v1/collections/:collection/documents/bulk', as: 'editor', before: async () => void (w.doc2 = (await as('editor', 'POST', `${C}/AuditNotes/documents`, { content: { text: 'two' } })).id), req: () => ({ method: 'DELETE', path: `${C}/AuditNotes/documents/bulk?ids=${w.doc2}` }), entry: { type: 'MAGNUM_COLLECTION', action: 'UPDATED', id: at('cid'), name: fixed('AuditNotes'), says: '(deleted 1 documents)' } },
    // the /domo/datastores prefix and the v2 document paths are the same routes (the coverage test maps them)
    { route: 'POST /domo/datastores/v2/collections/:collection/documents', as: 'editor', req: () => ({ method: 'POST', path: '/domo/datastores/v2/collections/AuditNotes/documents', body: { content: { text: 'via domo v2' } } }), entry: { type: 'MAGNUM_COLLECTION', action: 'UPDATED', id: at('cid'), name: fixed('AuditNotes'), says: '(created document ' } },
    { route: 'POST /api/datastores/v1/export', as: 'editor', req: () => ({ method: 'POST', path: '/api/datastores/v1/export' }), entry: { type: 'MAGNUM_COLLECTION', action: 'EXPORTED', id: at('cid'), name: fixed('AuditNotes'), says: 'rows to DataSet' } },
    { route: 'DELETE /api/datastores/v1/collections/:collection', as: 'editor', status: 204, req: () => ({ method: 'DELETE', path: `${C}/AuditNotes` }), entry: { type: 'MAGNUM_COLLECTION', action: 'DELETED', id: at('cid'), name: fixed('AuditNotes') }, refused: { as: 'part', status: 403 } },
  ],
  AppFramework: [
    { route: 'POST /sql/v1/:alias', as: 'editor', req: () => ({ method: 'POST', path: '/sql/v1/sales', session: true, ...text('SELECT COUNT(*) AS n FROM sales') }), entry: none('a read (a query through the app)') },
    { route: 'POST /domo/workflow/v1/models/:alias/start', as: 'editor', req: () => ({ method: 'POST', path: '/domo/workflow/v1/models/addThem/start', session: true, body: { parameter1: 2, parameter2: 3 } }), entry: { type: 'WORKFLOW_MODEL', action: 'STARTED', id: fixed(ADD), name: fixed('AddTwoNumbers') }, refused: { as: 'editor', status: 400, req: () => ({ method: 'POST', path: '/domo/workflow/v1/models/addThem/start', session: true, body: { parameter1: 'x' } }) } },
    { route: 'POST /domo/codeengine/v2/packages/:alias', as: 'editor', req: () => ({ method: 'POST', path: '/domo/codeengine/v2/packages/add', session: true, body: { a: 4, b: 1 } }), entry: { type: 'CODEENGINE_PACKAGE', action: 'EXECUTED', id: fixed(PKG), name: at('pkgName'), says: '(function addNumbers, version 1.0.1: SUCCESS)' } },
    { route: 'POST /domo/ai/v1/text/generation', as: 'editor', req: () => ({ method: 'POST', path: '/domo/ai/v1/text/generation', session: true, body: { input: 'Tell me about sales' } }), entry: none('AI writes nothing') },
    { route: 'POST /domo/ai/v1/text/sql', as: 'editor', req: () => ({ method: 'POST', path: '/domo/ai/v1/text/sql', session: true, body: { input: 'total amount by region', dataSourceSchemas: [{ dataSourceName: 'Sales', columns: [{ name: 'region', type: 'string' }, { name: 'amount', type: 'number' }] }] } }), entry: none('AI writes nothing') },
  ],
  Files: [
    { route: 'POST /api/data/v1/data-files', as: 'editor', req: () => ({ method: 'POST', path: `${F}?name=audit.txt&public=false`, ...text('audit v1') }), keep: (j) => (w.file = j.dataFileId), entry: { type: 'FILE', action: 'CREATED', id: (j) => j.dataFileId, name: fixed('audit.txt'), says: '8 bytes' }, refused: { as: 'social', status: 403, req: () => ({ method: 'POST', path: `${F}?name=social.txt`, ...text('x') }) } },
    { route: 'PUT /api/data/v1/data-files/:dataFileId', as: 'editor', req: () => ({ method: 'PUT', path: `${F}/${w.file}`, ...text('audit v2!') }), entry: { type: 'FILE', action: 'UPDATED', id: at('file'), name: fixed('audit.txt'), says: 'uploaded version' }, refused: { as: 'part', status: 403, req: () => ({ method: 'PUT', path: `${F}/${w.file}`, ...text('no') }) } },
    { route: 'POST /api/data/v1/data-files/copy/:sourceDataFileId/revisions/current/:targetDataFileId', as: 'editor', before: async () => void (w.file2 = (await as('editor', 'POST', `${F}?name=source.txt`, undefined, text('source'))).dataFileId), req: () => ({ method: 'POST', path: `${F}/copy/${w.file2}/revisions/current/${w.file}` }), entry: { type: 'FILE', action: 'UPDATED', id: at('file'), name: fixed('audit.txt'), says: 'copied from file' } },
    { route: 'POST /api/data/v1/data-files/:dataFileId/duplicate', as: 'editor', req: () => ({ method: 'POST', path: `${F}/${w.file}/duplicate` }), entry: { type: 'FILE', action: 'CREATED', id: (j) => j.dataFileId, name: fixed('audit.txt'), says: 'a duplicate of file' } },
    { route: 'PUT /api/data/v1/data-files/:dataFileId/permissions', as: 'editor', req: () => ({ method: 'PUT', path: `${F}/${w.file}/permissions`, body: { publicAccess: true } }), entry: { type: 'FILE', action: 'SHARED', id: at('file'), name: fixed('audit.txt'), says: '(public: true)' } },
    { route: 'DELETE /api/data/v1/data-files/:dataFileId/revisions/:revisionId', as: 'editor', before: async () => void (w.rev = (await as('editor', 'GET', `${F}/${w.file}/revisions/details`))[0].dataFileRevisionId), req: () => ({ method: 'DELETE', path: `${F}/${w.file}/revisions/${w.rev}` }), entry: { type: 'FILE_REVISION', action: 'DELETED', id: at('rev'), name: fixed('audit.txt') } },
    { route: 'DELETE /api/data/v1/data-files/:dataFileId', as: 'editor', req: () => ({ method: 'DELETE', path: `${F}/${w.file}` }), entry: { type: 'FILE', action: 'DELETED', id: at('file'), name: fixed('audit.txt') }, refused: { as: 'sam', status: 403 } },
  ],
  FileSets: [
    { route: 'POST /api/files/v1/filesets', as: 'editor', req: () => ({ method: 'POST', path: FS, body: { name: 'Audit docs' } }), keep: (j) => (w.fs = j.id), entry: { type: 'FILESET', action: 'CREATED', id: (j) => j.id, name: fixed('Audit docs') }, refused: { as: 'part', status: 403 } },
    { route: 'POST /api/files/v1/filesets/:filesetId', as: 'editor', req: () => ({ method: 'POST', path: `${FS}/${w.fs}`, body: { description: 'audited' } }), entry: { type: 'FILESET', action: 'UPDATED', id: at('fs'), name: fixed('Audit docs') }, refused: { as: 'editor2', status: 403 } },
    { route: 'POST /api/files/v1/filesets/:filesetId/files', as: 'editor', req: () => ({ method: 'POST', path: `${FS}/${w.fs}/files`, ...multipart('a.txt') }), keep: (j) => (w.fsFile = j.id), entry: { type: 'FILESET_FILE', action: 'CREATED', id: (j) => j.id, name: fixed('docs/a.txt'), says: "in FileSet 'Audit docs'" }, refused: { as: 'editor2', status: 403, req: () => ({ method: 'POST', path: `${FS}/${w.fs}/files`, ...multipart('b.txt') }) } },
    { route: 'POST /api/files/v1/filesets/search', as: 'editor', req: () => ({ method: 'POST', path: `${FS}/search`, body: {} }), entry: none('a read (a search)') },
    { route: 'POST /api/files/v1/filesets/:filesetId/files/search', as: 'editor', req: () => ({ method: 'POST', path: `${FS}/${w.fs}/files/search`, body: {} }), entry: none('a read (a search)') },
    { route: 'POST /api/files/v1/filesets/:filesetId/query', as: 'editor', req: () => ({ method: 'POST', path: `${FS}/${w.fs}/query`, body: { query: 'contents' } }), entry: none('a read (a relevance query)') },
    { route: 'DELETE /api/files/v1/filesets/:filesetId/files/:fileId', as: 'editor', req: () => ({ method: 'DELETE', path: `${FS}/${w.fs}/files/${w.fsFile}` }), entry: { type: 'FILESET_FILE', action: 'DELETED', id: at('fsFile'), name: fixed('docs/a.txt') } },
    {
      route: 'DELETE /api/files/v1/filesets/:filesetId/path',
      as: 'editor',
      before: async () => {
        for (const n of ['b.txt', 'c.txt']) {
          const m = multipart(n);
          await as('editor', 'POST', `${FS}/${w.fs}/files`, undefined, { raw: m.raw, type: m.type });
        }
      },
      req: () => ({ method: 'DELETE', path: `${FS}/${w.fs}/path?path=docs` }),
      entry: { type: 'FILESET', action: 'UPDATED', id: at('fs'), name: fixed('Audit docs'), says: "(deleted 2 files under 'docs')" },
    },
    { route: 'DELETE /api/files/v1/filesets/:filesetId', as: 'editor', req: () => ({ method: 'DELETE', path: `${FS}/${w.fs}` }), entry: { type: 'FILESET', action: 'DELETED', id: at('fs'), name: fixed('Audit docs') }, refused: { as: 'editor2', status: 403 } },
  ],
  Alerts: [
    { route: 'POST /api/social/v4/alerts/:alertId/subscriptions', as: 'editor2', req: () => ({ method: 'POST', path: '/api/social/v4/alerts/123/subscriptions', body: { subscriberId: USERS.editor2, type: 'USER' } }), entry: { type: 'ALERT', action: 'SUBSCRIBED', id: fixed(123), name: fixed('My Favorite Alert'), says: `(USER ${USERS.editor2})` }, refused: { as: 'part', status: 403, req: () => ({ method: 'POST', path: '/api/social/v4/alerts/123/subscriptions', body: { subscriberId: USERS.sam, type: 'USER' } }) } },
    { route: 'DELETE /api/social/v4/alerts/:alertId/subscriptions', as: 'editor2', req: () => ({ method: 'DELETE', path: `/api/social/v4/alerts/123/subscriptions?subscriberId=${USERS.editor2}&type=USER` }), entry: { type: 'ALERT', action: 'UNSUBSCRIBED', id: fixed(123), name: fixed('My Favorite Alert') }, refused: { as: 'editor2', status: 403, req: () => ({ method: 'DELETE', path: `/api/social/v4/alerts/123/subscriptions?subscriberId=${USERS.sam}&type=USER` }) } },
    { route: 'POST /api/social/v4/alerts/:alertId/share', as: 'part', req: () => ({ method: 'POST', path: '/api/social/v4/alerts/123/share', body: { userMessage: 'fyi', alertSubscriptions: [{ subscriberId: USERS.scott, type: 'USER' }] } }), entry: { type: 'ALERT', action: 'SHARED', id: fixed(123), name: fixed('My Favorite Alert'), says: `with USER ${USERS.scott}` }, refused: { as: 'priv', status: 403 } },
    { route: 'DELETE /api/social/v4/alerts/:alertId', as: 'editor', req: () => ({ method: 'DELETE', path: '/api/social/v4/alerts/123' }), entry: { type: 'ALERT', action: 'DELETED', id: fixed(123), name: fixed('My Favorite Alert') }, refused: { as: 'part', status: 403 } },
  ],
  BeastModes: [
    { route: 'POST /api/query/v1/functions/search', as: 'part', req: () => ({ method: 'POST', path: '/api/query/v1/functions/search', body: { filters: [], sort: { field: 'name', ascending: true }, limit: 10 } }), entry: none('a read (a search)') },
    { route: 'PUT /api/query/v1/functions/template/:beastmodeId', as: 'editor2', req: () => ({ method: 'PUT', path: '/api/query/v1/functions/template/502', body: { expression: 'SUM(`amount`) * 0.8' } }), entry: { type: 'BEAST_MODE_FORMULA', action: 'UPDATED', id: fixed(502), name: fixed('Discounted Amount'), says: '(expression)' }, refused: { as: 'part', status: 403 } },
  ],
  Cards: [
    { route: 'PUT /api/content/v1/cards/kpi/:urn/render', as: 'part', req: () => ({ method: 'PUT', path: `/api/content/v1/cards/kpi/${CARD}/render?parts=title,summary` }), entry: { type: 'CARD', action: 'VIEWED', id: fixed(CARD), name: fixed('Monthly Sales Trend') }, refused: { as: 'sam', status: 403 } },
    { route: 'PUT /api/content/v1/cards/:cardId/definition', as: 'editor', before: async () => void (w.def = (await as('editor', 'GET', `/api/content/v1/cards/${CARD}/definition`)).definition), req: () => ({ method: 'PUT', path: `/api/content/v1/cards/${CARD}/definition`, body: w.def }), entry: { type: 'CARD', action: 'UPDATED', id: fixed(CARD), name: fixed('Monthly Sales Trend'), says: '(definition)' }, refused: { as: 'editor', status: 400, req: () => ({ method: 'PUT', path: `/api/content/v1/cards/${CARD}/definition`, body: { aggregation: 'NOPE' } }) } },
    { route: 'PUT /api/content/v1/cards/:cardId/title', as: 'editor', req: () => ({ method: 'PUT', path: `/api/content/v1/cards/${CARD}/title`, body: titleBody('Trend (audited)') }), entry: { type: 'CARD', action: 'UPDATED', id: fixed(CARD), name: fixed('Trend (audited)'), says: '(title)' }, refused: { as: 'part', status: 403 } },
  ],
  CertifiedContent: [
    { route: 'PUT /api/tags/v3/:entityType/:entityId/system/CERTIFIED/state/ACTIVE', as: 'priv', req: () => ({ method: 'PUT', path: `/api/tags/v3/CARD/${CERT_CARD}/system/CERTIFIED/state/ACTIVE` }), entry: { type: 'CARD', action: 'CERTIFIED', id: fixed(CERT_CARD), name: fixed('Top Products') }, refused: { as: 'editor', status: 403 } },
    { route: 'DELETE /api/tags/v3/:entityType/:entityId/system/CERTIFIED/state', as: 'admin', status: 204, req: () => ({ method: 'DELETE', path: `/api/tags/v3/CARD/${CERT_CARD}/system/CERTIFIED/state` }), entry: { type: 'CARD', action: 'UNCERTIFIED', id: fixed(CERT_CARD), name: fixed('Top Products') }, refused: { as: 'admin', status: 404, req: () => ({ method: 'DELETE', path: '/api/tags/v3/CARD/999999/system/CERTIFIED/state' }) } },
  ],
  Pages: [
    { route: 'POST /api/content/v1/pages', as: 'editor', req: () => ({ method: 'POST', path: '/api/content/v1/pages', body: { parentPageId: OPS, title: 'Audit page' } }), keep: (j) => (w.page = j.pageId), entry: { type: 'PAGE', action: 'CREATED', id: (j) => j.pageId, name: fixed('Audit page'), says: "under page 'Operations'" }, refused: { as: 'part', status: 403 } },
    { route: 'PUT /api/content/v1/pages/bulk/move', as: 'editor', req: () => ({ method: 'PUT', path: '/api/content/v1/pages/bulk/move', body: { pageIds: [w.page], parentPageId: OPS_CHILD, pagePermission: 'ORIGINAL' } }), entry: { type: 'PAGE', action: 'MOVED', id: at('page'), name: fixed('Audit page'), says: "under page 'Test Subpage'" }, refused: { as: 'editor2', status: 403 } },
    { route: 'DELETE /api/content/v1/share/page/:pageId/user/:personId', as: 'editor', req: () => ({ method: 'DELETE', path: `/api/content/v1/share/page/${OPS}/user/${USERS.priv}` }), entry: { type: 'PAGE', action: 'UNSHARED', id: fixed(OPS), name: fixed('Operations'), says: `for USER ${USERS.priv}` }, refused: { as: 'editor', status: 409, req: () => ({ method: 'DELETE', path: `/api/content/v1/share/page/${OPS}/user/${USERS.sam}` }) } },
  ],
  TaskCenter: [
    { route: 'POST /api/queues/v1/tasks/list', as: 'editor', req: () => ({ method: 'POST', path: '/api/queues/v1/tasks/list', body: {} }), entry: none('a read (a task search)') },
    { route: 'POST /api/queues/v1/:queueId/permissions', as: 'editor', req: () => ({ method: 'POST', path: `/api/queues/v1/${Q2}/permissions`, body: [{ id: String(USERS.editor2), type: 'USER', name: 'editor2', permissions: ['READ', 'UPDATE_CONTENT'] }] }), entry: { type: 'HOPPER_QUEUE', action: 'SHARED', id: fixed(Q2), name: at('q2Name'), says: `(USER ${USERS.editor2}: READ/UPDATE_CONTENT)` }, refused: { as: 'part', status: 403 } },
    { route: 'PUT /api/queues/v1/:queueId/tasks/:taskId/outputs', as: 'editor', req: () => ({ method: 'PUT', path: `/api/queues/v1/${Q2}/tasks/${T2}/outputs`, body: {} }), entry: { type: 'HOPPER_TASK', action: 'UPDATED', id: fixed(T2) }, refused: { as: 'part', status: 403 } },
    { route: 'PUT /api/queues/v1/:queueId/tasks/:taskId/assign', as: 'editor', req: () => ({ method: 'PUT', path: `/api/queues/v1/${Q2}/tasks/${T2}/assign`, body: { userId: USERS.editor2 } }), entry: { type: 'HOPPER_TASK', action: 'ASSIGNED', id: fixed(T2), says: 'to Alexis Lorenz' } },
    { route: 'PUT /api/queues/v1/:queueId/tasks/:taskId/move', as: 'editor', req: () => ({ method: 'PUT', path: `/api/queues/v1/${Q2}/tasks/${T2}/move?targetQueueId=${Q1}` }), entry: { type: 'HOPPER_TASK', action: 'MOVED', id: fixed(T2), says: ' to queue ' }, refused: { as: 'editor', status: 400, req: () => ({ method: 'PUT', path: `/api/queues/v1/${Q2}/tasks/${T2}/move?targetQueueId=${Q2}` }) } },
    { route: 'POST /api/queues/v1/:queueId/tasks/:taskId/void', as: 'editor', req: () => ({ method: 'POST', path: `/api/queues/v1/${Q1}/tasks/${T2}/void` }), entry: { type: 'HOPPER_TASK', action: 'VOIDED', id: fixed(T2) } },
    { route: 'POST /api/queues/v1/:queueId/tasks/:taskId/complete', as: 'editor', req: () => ({ method: 'POST', path: `/api/queues/v1/${Q1}/tasks/${T1}/complete?version=1`, body: outputs }), entry: { type: 'HOPPER_TASK', action: 'COMPLETED', id: fixed(T1) }, refused: { as: 'editor', status: 409, req: () => ({ method: 'POST', path: `/api/queues/v1/${Q1}/tasks/${T1}/complete?version=7`, body: outputs }) } },
  ],
  Workflows: [
    { route: 'POST /api/workflow/v1/instances/message', as: 'editor', req: () => ({ method: 'POST', path: '/api/workflow/v1/instances/message', body: { messageName: 'Start AddTwoNumbers', version: '1.1.0', modelId: ADD, data: { parameter1: 13, parameter2: 7 } } }), entry: { type: 'WORKFLOW_MODEL', action: 'STARTED', id: fixed(ADD), name: fixed('AddTwoNumbers'), says: '(version 1.1.0, instance ' }, refused: { as: 'part', status: 403 } },
    { route: 'POST /api/workflow/v1/instances/:instanceId/cancel', as: 'admin', before: async () => void (w.inst = (await as('admin', 'POST', '/api/workflow/v1/instances/message', { messageName: 'Start Airplane Part Action Items', version: '1.2.0', modelId: REVIEW, data: { defectReport: 'loose fastener' } })).id), req: () => ({ method: 'POST', path: `/api/workflow/v1/instances/${w.inst}/cancel` }), entry: { type: 'WORKFLOW_INSTANCE', action: 'CANCELED', id: at('inst'), name: fixed('Airplane Part Action Items') }, refused: { as: 'sam', status: 403 } },
    { route: 'POST /api/workflow/v1/models/:modelId/permissions', as: 'admin', req: () => ({ method: 'POST', path: `/api/workflow/v1/models/${REVIEW}/permissions`, body: [{ id: String(USERS.sam), type: 'USER', name: 'sam', permissions: ['READ'] }] }), entry: { type: 'WORKFLOW_MODEL', action: 'SHARED', id: fixed(REVIEW), name: fixed('Airplane Part Action Items'), says: `(USER ${USERS.sam}: READ)` }, refused: { as: 'editor', status: 403 } },
  ],
  CodeEngine: [
    { route: 'POST /api/codeengine/v2/packages', as: 'priv', req: () => ({ method: 'POST', path: '/api/codeengine/v2/packages', body: pkg() }), keep: (j) => (w.pkg = j.id), entry: { type: 'CODEENGINE_PACKAGE', action: 'CREATED', id: (j) => j.id, name: fixed('Audit math'), says: '(version 1.0.0)' }, refused: { as: 'editor', status: 403 } },
    { route: 'POST /api/codeengine/v2/packages/:packageId/versions/:version/release', as: 'priv', req: () => ({ method: 'POST', path: `/api/codeengine/v2/packages/${w.pkg}/versions/1.0.0/release` }), entry: { type: 'CODEENGINE_PACKAGE', action: 'RELEASED', id: at('pkg'), name: fixed('Audit math'), says: '(version 1.0.0)' }, refused: { as: 'editor', status: 403 } },
    { route: 'POST /api/codeengine/v2/packages/:packageId/versions/:version/functions/:functionName', as: 'part', req: () => ({ method: 'POST', path: `/api/codeengine/v2/packages/${w.pkg}/versions/1.0.0/functions/add`, body: { inputVariables: { a: 2, b: 3 } } }), entry: { type: 'CODEENGINE_PACKAGE', action: 'EXECUTED', id: at('pkg'), name: fixed('Audit math'), says: '(function add, version 1.0.0: SUCCESS)' }, refused: { as: 'part', status: 400, req: () => ({ method: 'POST', path: `/api/codeengine/v2/packages/${w.pkg}/versions/1.0.0/functions/add`, body: { inputVariables: { a: 'x' } } }) } },
  ],
  DataFlows: [
    { route: 'POST /api/dataprocessing/v1/dataflows', as: 'admin', req: () => ({ method: 'POST', path: '/api/dataprocessing/v1/dataflows', body: dataflow('Audit flow') }), keep: (j) => (w.flow = j.id), entry: { type: 'DATAFLOW_TYPE', action: 'CREATED', id: (j) => j.id, name: fixed('Audit flow') }, refused: { as: 'part', status: 403 } },
    { route: 'PUT /api/dataprocessing/v1/dataflows/:dataflowId', as: 'admin', req: () => ({ method: 'PUT', path: `/api/dataprocessing/v1/dataflows/${w.flow}`, body: dataflow('Audit flow 2') }), entry: { type: 'DATAFLOW_TYPE', action: 'UPDATED', id: at('flow'), name: fixed('Audit flow 2') }, refused: { as: 'part', status: 403, req: () => ({ method: 'PUT', path: `/api/dataprocessing/v1/dataflows/${w.flow}`, body: dataflow('Not mine') }) } },
    { route: 'POST /api/dataprocessing/v1/dataflows/:dataflowId/executions', as: 'admin', req: () => ({ method: 'POST', path: `/api/dataprocessing/v1/dataflows/${w.flow}/executions` }), entry: { type: 'DATAFLOW_TYPE', action: 'EXECUTED', id: at('flow'), name: fixed('Audit flow 2'), says: '(execution ' }, refused: { as: 'part', status: 403 } },
    { route: 'DELETE /api/dataprocessing/v1/dataflows/:dataflowId', as: 'admin', before: async () => void (w.flow2 = (await as('admin', 'POST', '/api/dataprocessing/v1/dataflows', dataflow('Audit flow to delete'))).id), req: () => ({ method: 'DELETE', path: `/api/dataprocessing/v1/dataflows/${w.flow2}` }), entry: { type: 'DATAFLOW_TYPE', action: 'DELETED', id: at('flow2'), name: fixed('Audit flow to delete') }, refused: { as: 'part', status: 403 } },
  ],
  AIServicesAndSearch: [
    { route: 'POST /api/ai/v1/text/generation', as: 'editor', req: () => ({ method: 'POST', path: '/api/ai/v1/text/generation', body: { input: 'Why is the sky blue?' } }), entry: none('AI writes nothing') },
    { route: 'POST /api/ai/v1/text/sql', as: 'editor', req: () => ({ method: 'POST', path: '/api/ai/v1/text/sql', body: { input: 'total by a', dataSourceSchemas: [{ dataSourceName: 'x', columns: [{ name: 'a', type: 'STRING' }] }] } }), entry: none('AI writes nothing') },
    { route: 'POST /api/ai/v1/text/summarize', as: 'editor', req: () => ({ method: 'POST', path: '/api/ai/v1/text/summarize', body: { input: 'Sales rose in the West and fell in the East.' } }), entry: none('AI writes nothing') },
    { route: 'POST /api/search/v1/query', as: 'editor', req: () => ({ method: 'POST', path: '/api/search/v1/query', body: { query: 'Sales', entityList: [['dataset']] } }), entry: none('a read (a search)') },
  ],
  ScheduledReports: [
    { route: 'POST /api/content/v1/reportschedules', as: 'editor', req: () => ({ method: 'POST', path: RS, body: daily() }), keep: (j) => ((w.rs = j.id), (w.view = j.reportViewId)), entry: { type: 'REPORT_SCHEDULE', action: 'CREATED', id: (j) => j.id, name: fixed('Audit report') }, refused: { as: 'part', status: 403 } },
    { route: 'PUT /api/content/v1/reportschedules/:scheduleId', as: 'editor', req: () => ({ method: 'PUT', path: `${RS}/${w.rs}`, body: { title: 'Audit report 2' } }), entry: { type: 'REPORT_SCHEDULE', action: 'UPDATED', id: at('rs'), name: fixed('Audit report 2') }, refused: { as: 'editor2', status: 403 } },
    { route: 'PUT /api/content/v1/reportschedules/:scheduleId/enabled', as: 'editor', req: () => ({ method: 'PUT', path: `${RS}/${w.rs}/enabled`, body: false }), entry: { type: 'REPORT_SCHEDULE', action: 'UPDATED', id: at('rs'), name: fixed('Audit report 2'), says: '(disabled)' } },
    { route: 'POST /api/content/v1/reportschedules/:scheduleId/sendnow', as: 'editor', status: 202, req: () => ({ method: 'POST', path: `${RS}/${w.rs}/sendnow`, body: [] }), entry: { type: 'REPORT_SCHEDULE', action: 'SENT', id: at('rs'), name: fixed('Audit report 2'), says: '(sendnow run ' }, refused: { as: 'editor2', status: 403 } },
    { route: 'POST /api/content/v1/reportschedules/:scheduleId/notifications', as: 'editor', status: 202, req: () => ({ method: 'POST', path: `${RS}/${w.rs}/notifications`, body: [{ emailAddress: 'x@example.com' }] }), entry: { type: 'REPORT_SCHEDULE', action: 'SENT', id: at('rs'), name: fixed('Audit report 2'), says: 'to 1 recipients' } },
    { route: 'POST /api/content/v1/reportschedules/:scheduleId/notifications/queue', as: 'editor', status: 202, req: () => ({ method: 'POST', path: `${RS}/${w.rs}/notifications/queue`, body: [{ emailAddress: 'y@example.com' }] }), entry: { type: 'REPORT_SCHEDULE', action: 'SENT', id: at('rs'), name: fixed('Audit report 2'), says: '(notificationsQueue run ' } },
    { route: 'POST /api/content/v1/reportschedules/:scheduleId/queue', as: 'editor', status: 202, req: () => ({ method: 'POST', path: `${RS}/${w.rs}/queue`, body: [] }), entry: { type: 'REPORT_SCHEDULE', action: 'SENT', id: at('rs'), name: fixed('Audit report 2'), says: '(queue run ' } },
    { route: 'POST /api/content/v1/reportschedules/views/:viewId/sendNow', as: 'editor', status: 202, req: () => ({ method: 'POST', path: `${RS}/views/${w.view}/sendNow`, body: [] }), entry: { type: 'REPORT_SCHEDULE', action: 'SENT', id: at('rs'), name: fixed('Audit report 2'), says: '(sendNow run ' } },
    { route: 'POST /api/content/v1/reportschedules/views/:viewId/sendNowWithParams', as: 'editor', status: 202, req: () => ({ method: 'POST', path: `${RS}/views/${w.view}/sendNowWithParams`, body: { recipients: [], emailParams: { region: 'West' } } }), entry: { type: 'REPORT_SCHEDULE', action: 'SENT', id: at('rs'), name: fixed('Audit report 2'), says: '(sendNowWithParams run ' } },
    { route: 'POST /api/content/v1/reportschedules/:scheduleId/unsubscribe', as: 'part', req: () => ({ method: 'POST', path: `${RS}/${w.rs}/unsubscribe` }), entry: { type: 'REPORT_SCHEDULE', action: 'UNSUBSCRIBED', id: at('rs'), name: fixed('Audit report 2') }, refused: { as: 'editor2', status: 403 } },
    { route: 'POST /api/content/v1/reportschedules/:scheduleId/sendResubscribe', as: 'editor', status: 202, req: () => ({ method: 'POST', path: `${RS}/${w.rs}/sendResubscribe`, body: [{ type: 'USER', value: String(USERS.part) }] }), entry: { type: 'REPORT_SCHEDULE', action: 'SENT', id: at('rs'), name: fixed('Audit report 2'), says: '(resubscribe invitations to 1 recipients)' } },
    { route: 'POST /api/content/v1/reportschedules/:scheduleId/resubscribe', as: 'part', req: () => ({ method: 'POST', path: `${RS}/${w.rs}/resubscribe` }), entry: { type: 'REPORT_SCHEDULE', action: 'SUBSCRIBED', id: at('rs'), name: fixed('Audit report 2'), says: 'john.doe@example.com' } },
    { route: 'DELETE /api/content/v1/reportschedules/:scheduleId/unsubscribe/recipient', as: 'editor', before: async () => void (await as('part', 'POST', `${RS}/${w.rs}/unsubscribe`)), req: () => ({ method: 'DELETE', path: `${RS}/${w.rs}/unsubscribe/recipient?userId=${USERS.part}` }), entry: { type: 'REPORT_SCHEDULE', action: 'UPDATED', id: at('rs'), name: fixed('Audit report 2'), says: '(removed unsubscribed recipient john.doe@example.com)' }, refused: { as: 'editor', status: 400, req: () => ({ method: 'DELETE', path: `${RS}/${w.rs}/unsubscribe/recipient` }) } },
    { route: 'PUT /api/content/v1/reportschedules/emails/enabled', as: 'admin', req: () => ({ method: 'PUT', path: `${RS}/emails/enabled`, body: true }), entry: { type: 'REPORT_SCHEDULE', action: 'UPDATED', id: fixed(null), name: fixed(null), says: 'settings (emails on for every schedule)' }, refused: { as: 'editor', status: 403 } },
    { route: 'POST /api/content/v1/reportschedules/failures/rerun', as: 'admin', req: () => ({ method: 'POST', path: `${RS}/failures/rerun?start=0&end=${END}` }), entry: { type: 'REPORT_SCHEDULE', action: 'SENT', id: fixed(MISCONFIGURED), name: fixed('Misconfigured Report'), says: '(rerun run ' } },
    { route: 'POST /api/content/v1/reportschedules/card-email-data', as: 'editor', req: () => ({ method: 'POST', path: `${RS}/card-email-data`, body: [CARD] }), entry: none('a read (card data for an email)') },
    { route: 'POST /api/content/v1/reportschedules/history/search', as: 'editor', req: () => ({ method: 'POST', path: `${RS}/history/search`, body: {} }), entry: none('a read (a history search)') },
    { route: 'DELETE /api/content/v1/reportschedules', as: 'admin', before: async () => void (w.rsPage = (await as('admin', 'POST', RS, { title: 'Audit page report', pageId: OPS, schedule: { frequency: 'DAILY' } })).id), req: () => ({ method: 'DELETE', path: `${RS}?pageId=${OPS}` }), entry: { type: 'REPORT_SCHEDULE', action: 'DELETED', id: at('rsPage'), name: fixed('Audit page report') }, refused: { as: 'admin', status: 404, req: () => ({ method: 'DELETE', path: `${RS}?pageId=${OPS_CHILD}` }) } },
    { route: 'DELETE /api/content/v1/reportschedules/:scheduleId', as: 'editor', req: () => ({ method: 'DELETE', path: `${RS}/${w.rs}` }), entry: { type: 'REPORT_SCHEDULE', action: 'DELETED', id: at('rs'), name: fixed('Audit report 2') }, refused: { as: 'part', status: 403 } },
  ],
  Migrations: [
    { route: 'POST /api/query/migration/federated/v1/to/v2/:datasourceId/accounts/:accountId', as: 'admin', req: () => ({ method: 'POST', path: `${MIG}/federated/v1/to/v2/${MYSQL_1}/accounts/1`, body: { catalog: 'sales', schema: 'NULL', table: 'orders' } }), entry: { type: 'DATA_SOURCE', action: 'MIGRATED', id: fixed(MYSQL_1), name: at('mysqlName'), says: 'V1_TO_V2, run MIG-' }, refused: { as: 'priv', status: 403 } },
    { route: 'POST /api/query/migration/federated/v1/to/v2/:datasourceId/reverse', as: 'admin', req: () => ({ method: 'POST', path: `${MIG}/federated/v1/to/v2/${MYSQL_1}/reverse` }), entry: { type: 'DATA_SOURCE', action: 'MIGRATED', id: fixed(MYSQL_1), name: at('mysqlName'), says: 'V2_TO_V1' } },
    { route: 'POST /api/query/migration/federated/to/amplifier/:datasourceId/integrations/:integrationId', as: 'admin', req: () => ({ method: 'POST', path: `${MIG}/federated/to/amplifier/${MYSQL_1}/integrations/${BQ_INTEGRATION}` }), entry: { type: 'DATA_SOURCE', action: 'MIGRATED', id: fixed(MYSQL_1), name: at('mysqlName'), says: 'FEDERATED_TO_CLOUD_AMPLIFIER' }, refused: { as: 'editor', status: 403 } },
    { route: 'POST /api/query/migration/amplifier/to/federated/:datasourceId', as: 'admin', req: () => ({ method: 'POST', path: `${MIG}/amplifier/to/federated/${MYSQL_1}` }), entry: { type: 'DATA_SOURCE', action: 'MIGRATED', id: fixed(MYSQL_1), name: at('mysqlName'), says: 'CLOUD_AMPLIFIER_TO_FEDERATED' } },
  ],
  RemoteDomostats: [
    {
      route: 'PUT /api/executor/v1/applications/:applicationId/jobs/:jobId',
      as: 'priv',
      before: async () => void (w.jobDoc = (await as('priv', 'GET', `/api/executor/v2/applications/${EXEC_APP}/jobs`)).find((j: any) => j.jobId === EXEC_JOB)),
      req: () => ({ method: 'PUT', path: `/api/executor/v1/applications/${EXEC_APP}/jobs/${EXEC_JOB}`, body: { ...job('Audit job'), executionPayload: w.jobDoc.executionPayload } }), entry: { type: 'EXECUTOR_JOB', action: 'UPDATED', id: fixed(EXEC_JOB), name: fixed('Audit job') }, refused: { as: 'editor', status: 403 } },
  ],
};

// ------------------------------------------------------------------------------------------------ running it

beforeAll(async () => {
  for (const n of Object.keys(USERS) as Nick[]) {
    if (!fixtureTokens[n]) {
      const res = await t.call('POST', '/_emulator/tokens', { body: { userId: USERS[n], token: tokenOf(n) }, token: null });
      expect(res.status).toBe(200);
    }
    NAMES[n] = (await t.call('GET', `/api/identity/v1/users/${USERS[n]}`)).json.users[0].displayName;
  }
  // a custom app with a dataset, a workflow and a Code Engine function wired, and the Editor's app session
  const manifest = {
    name: 'Audit app',
    id: AUDIT_APP,
    datasetsMapping: [{ alias: 'sales', dataSetId: SALES, fields: [] }],
    workflowMapping: [{ alias: 'addThem', modelId: ADD }],
    packageMapping: [{ alias: 'add', packageId: PKG, version: '1.0.1', functionName: 'addNumbers', output: { alias: 'sum' } }],
  };
  expect((await t.call('POST', '/_emulator/apps', { body: manifest, token: null })).status).toBe(201);
  SESSIONS.editor = (await t.call('POST', '/_emulator/tokens', { body: { userId: USERS.editor, kind: 'app', appId: AUDIT_APP }, token: null })).json.token;
  w.pkgName = (await t.call('GET', `/api/codeengine/v2/packages/${PKG}`)).json.name;
  w.q2Name = (await t.call('GET', `/api/queues/v1/${Q2}`)).json.name;
  w.mysqlName = t.instance().stores.datasets.byId(MYSQL_1).name;
});

describe('every write of every family is in the activity log, with its object and actor', () => {
  for (const [family, rows] of Object.entries(table)) {
    describe(family, () => {
      for (const row of rows) {
        const recorded = 'none' in row.entry ? `records nothing (${row.entry.none})` : `records ${row.entry.action} ${row.entry.type}`;
        it(`${row.route} as ${row.as} ${recorded}`, async () => {
          if (row.before) await row.before();
          const types = 'none' in row.entry ? allTypes : [row.entry.type];
          if (row.refused) {
            const before = await log(types);
            const res = await send(row.refused.as, (row.refused.req ?? row.req)());
            expectErrorShape(res, row.refused.status);
            expect(await log(types)).toEqual(before);
          }
          const before = await log(types);
          const res = await send(row.as, row.req());
          if (row.status ? res.status !== row.status : res.status >= 300) throw new Error(`${row.route} as ${row.as}: ${res.status} ${res.text.slice(0, 300)}`);
          const after = await log(types);
          const added = after.slice(0, after.length - before.length);
          if ('none' in row.entry) {
            expect(added).toEqual([]);
            return;
          }
          const exp = row.entry;
          const id = exp.id(res.json);
          // (a job of an earlier row may land in this window too: a workflow's Code Engine step, say)
          const mine = added.filter((e) => e.actionType === exp.action && e.objectId === (id === null ? null : String(id)) && (!exp.says || e.additionalComment.includes(exp.says)));
          expect(mine, `new entries: ${JSON.stringify(added)}`).toHaveLength(1);
          check(mine[0], exp, row.as, res.json);
          row.keep?.(res.json);
        });
      }
    });
  }
});

/** A family's write routes, with the /domo/datastores prefix and the v2 document paths mapped to the routes they mirror. */
const canonical = (route: string) => route.replace(' /domo/datastores/', ' /api/datastores/').replace('/datastores/v2/collections/', '/datastores/v1/collections/');

describe('the table covers every write route', () => {
  it('each POST, PUT, PATCH and DELETE route of every family has a row (an entry, or why none)', () => {
    const covered = new Set(Object.values(table).flatMap((rows) => rows.map((r) => canonical(r.route))));
    const writes = new Set(
      families.flatMap((f) =>
        f()
          .routes.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method))
          .map((r) => canonical(`${r.method} ${r.path}`)),
      ),
    );
    expect([...writes].filter((r) => !covered.has(r)).sort()).toEqual([]);
    expect(writes.size).toBeGreaterThan(120);
  });
});

describe('an entry exists exactly when its write does', () => {
  it('a write that fails mid-transaction leaves no entry: a schema change whose values cannot convert', async () => {
    const ds = (await as('editor', 'POST', V2, { dataSourceName: 'Audit convert', schema: { columns: cols } })).id;
    await as('editor', 'POST', `${V3}/${ds}/uploads?values=West,5`);
    const before = await log(['DATA_SOURCE']);
    // 'West' cannot become a LONG: the rewrite of the stored rows fails inside the transaction
    const res = await send('editor', { method: 'POST', path: `${V2}/${ds}/schemas`, body: { schema: { columns: [{ name: 'region', type: 'LONG' }, { name: 'amount', type: 'LONG' }] } } });
    expect(expectErrorShape(res, 400).message).toMatch(/region/);
    expect(await log(['DATA_SOURCE'])).toEqual(before);
    expect((await as('editor', 'GET', `${V2}/${ds}/schemas/latest`)).schema.columns[0].type).toBe('STRING');
  });

  it('a write whose later statement fails leaves neither the write nor its entry', async () => {
    // the group row is inserted, then its owner row fails: the whole write rolls back
    t.instance().sqlite.exec(`CREATE TRIGGER audit_fail_owner BEFORE INSERT ON group_owners BEGIN SELECT RAISE(ABORT, 'owner insert failed'); END`);
    try {
      const before = await log(['GROUP']);
      expectErrorShape(await send('admin', { method: 'POST', path: '/api/content/v2/groups', body: { name: 'Half made', type: 'open' } }), 500);
      expect(await log(['GROUP'])).toEqual(before);
      expect((await as('admin', 'GET', '/api/content/v2/groups?limit=500')).map((g: any) => g.name)).not.toContain('Half made');
    } finally {
      t.instance().sqlite.exec('DROP TRIGGER audit_fail_owner');
    }
  });

  it('an entry that cannot be recorded undoes its write', async () => {
    t.instance().sqlite.exec(`CREATE TRIGGER audit_fail_log BEFORE INSERT ON activity_log WHEN NEW.object_type = 'ROLE' BEGIN SELECT RAISE(ABORT, 'log full'); END`);
    try {
      expectErrorShape(await send('admin', { method: 'POST', path: '/api/authorization/v1/roles', body: { name: 'Unlogged role' } }), 500);
      expect((await as('admin', 'GET', '/api/authorization/v1/roles')).map((r: any) => r.name)).not.toContain('Unlogged role');
    } finally {
      t.instance().sqlite.exec('DROP TRIGGER audit_fail_log');
    }
    // and once the log works again, the same write goes through with its entry
    const role = await as('admin', 'POST', '/api/authorization/v1/roles', { name: 'Unlogged role' });
    expect((await log(['ROLE']))[0]).toMatchObject({ actionType: 'CREATED', objectId: String(role.id), objectName: 'Unlogged role' });
  });

  it('a bulk write is one entry with its count (AppDB: 2,000 documents)', async () => {
    await as('editor', 'POST', C, { name: 'AuditBulk' });
    const before = await log(['MAGNUM_COLLECTION']);
    const res = await as('editor', 'POST', `${C}/AuditBulk/documents/bulk`, Array.from({ length: 2000 }, (_, i) => ({ content: { n: i } })));
    expect(res).toEqual({ Created: 2000 });
    const added = (await log(['MAGNUM_COLLECTION'])).slice(0, -before.length || undefined);
    expect(added).toHaveLength(1);
    expect(added[0].additionalComment).toBe("Bryan Van Kampen updated AppDB collection 'AuditBulk' (created 2000 documents).");
  });
});

describe('reads Domo logs are VIEWED entries', () => {
  it('dataset details, card renders and the activity log itself; other reads are not logged', async () => {
    const views = () => log(['DATA_SOURCE', 'CARD', 'PAGE', 'ACTIVITY_LOG']).then((l) => l.filter((e) => e.actionType === 'VIEWED'));
    const before = (await views()).length;
    await as('part', 'GET', `${V3}/${SALES}`);
    await as('part', 'PUT', `/api/content/v1/cards/kpi/${CARD}/render?parts=summary`);
    // reads Domo does not log
    await as('part', 'GET', `${V3}?limit=5`);
    await as('part', 'GET', `/api/content/v1/datasources/${SALES}/cards`);
    await as('part', 'POST', `/api/query/v1/execute/${SALES}`, { sql: 'SELECT 1' });
    const list = await views();
    // newest first; the first read of the log (above) is the one view of the log among them
    expect(list.slice(0, list.length - before).map((e) => [e.objectType, e.userName])).toEqual([
      ['CARD', 'John Doe'],
      ['DATA_SOURCE', 'John Doe'],
      ['ACTIVITY_LOG', 'Jae Wilson'],
    ]);
    expect(list[0]).toMatchObject({ objectId: String(CARD), additionalComment: "John Doe viewed card 'Trend (audited)'.", eventText: 'Viewed card' });
    expect(list[1]).toMatchObject({ objectId: SALES, objectName: 'Sales Transactions', additionalComment: "John Doe viewed DataSet 'Sales Transactions'.", eventText: 'Viewed DataSet' });
  });

  it('a card view counts in its dataset’s card view count', async () => {
    const views = async () => (await as('admin', 'GET', `${V3}/${SALES}`)).cardInfo.cardViewCount;
    const n = await views();
    await as('editor', 'PUT', `/api/content/v1/cards/kpi/${CARD}/render?parts=title`);
    expect(await views()).toBe(n + 1);
  });
});

describe('scheduled runs record as the owner of the schedule', () => {
  it("a Remote DomoStats job's run (the job changed above runs at once, then hourly) is recorded as the application's owner", async () => {
    await t.call('POST', '/_emulator/clock', { body: { advance: 'PT1H' }, token: null });
    const runs = (await log(['EXECUTOR_JOB'])).filter((e) => e.actionType === 'EXECUTED');
    expect(runs.length).toBeGreaterThanOrEqual(2);
    const app = (await as('admin', 'GET', '/api/executor/v1/applications')).find((a: any) => a.id === EXEC_APP);
    expect(runs[0]).toMatchObject({ objectId: EXEC_JOB, objectName: 'Audit job', userId: String(app.ownerId) });
    expect(runs[0].additionalComment).toMatch(/ran toolkit job 'Audit job' \(\d+ metrics into DataSet /);
  });

  it("a stream's scheduled run is recorded as its dataset's owner; a report schedule's send as the schedule's owner", async () => {
    const daily = (await as('editor', 'POST', RS, { title: 'Audit daily', cardId: CARD, schedule: { frequency: 'DAILY', hourOfDay: 6, timezone: 'UTC', additionalRecipients: [{ type: 'USER', value: String(USERS.part) }] } })).id;
    await t.call('POST', '/_emulator/clock', { body: { advance: 'P1D' }, token: null });
    const sales = (await log(['STREAM'])).filter((e) => e.objectId === '25222' && e.actionType === 'EXECUTED');
    expect(sales.length).toBeGreaterThanOrEqual(1);
    expect(sales[0]).toMatchObject({ userId: String(ADMIN_ID), userName: 'Jae Wilson', objectName: 'Sales Transactions' });
    expect(sales[0].additionalComment).toMatch(/^Jae Wilson ran stream 'Sales Transactions' \(execution \d+, scheduled run\)\.$/);
    const sent = (await log(['REPORT_SCHEDULE'])).filter((e) => e.actionType === 'SENT' && e.objectId === String(daily));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ userName: 'Bryan Van Kampen', objectName: 'Audit daily', time: Date.parse('2026-01-16T06:00:00.000Z') });
    expect(sent[0].additionalComment).toMatch(/^Bryan Van Kampen sent scheduled report 'Audit daily' \(scheduled run \d+ to 1 recipients\)\.$/);
  });
});
