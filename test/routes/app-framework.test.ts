import { unzipSync, strFromU8 } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ID, EDITOR_ID, EDITOR_TOKEN, FROZEN_AT, PARTICIPANT_ID, expectErrorShape, testApp } from '../helpers/app.js';

// The App Framework routes an app calls with its app session (X-DOMO-Ryuu-Session): /data/v1 and /sql/v1
// through the manifest's aliases, the environment, users and groups. A small sales dataset owned by the
// admin, viewable by Bryan (Editor); John (Participant) has no share.
const t = testApp();
afterAll(() => t.close());

const SALES = 'aaaaaaaa-0000-4000-8000-000000000001';
const APP = 'bbbbbbbb-0000-4000-8000-000000000002';
const rows: Array<[string, string, number, string]> = [
  ['West', 'Ann', 100, '2026-01-10'],
  ['West', 'Bob', 50.5, '2025-12-20'],
  ['East', 'Cy', 70, '2026-01-02'],
  ['East', 'Di', 30, '2025-10-05'],
  ['North', 'Ed', 5, '2025-07-01'],
];
const manifest = {
  name: 'Sales dashboard',
  version: '1.0.0',
  id: APP,
  proxyId: 'cccccccc-0000-4000-8000-000000000003',
  datasetsMapping: [
    {
      alias: 'sales',
      dataSetId: SALES,
      fields: [
        { alias: 'region', columnName: 'Region' },
        { alias: 'rep', columnName: 'Sales Rep' },
        { alias: 'amount', columnName: 'Amount' },
        { alias: 'date', columnName: 'Order Date' },
      ],
    },
  ],
};

let session = '';
const ryuu = (path: string, opts: { accept?: string; token?: string; method?: string; body?: string; contentType?: string } = {}) =>
  t.call(opts.method ?? 'GET', path, {
    token: null,
    raw: opts.body,
    headers: {
      'X-DOMO-Ryuu-Session': opts.token ?? session,
      ...(opts.accept ? { Accept: opts.accept } : {}),
      ...(opts.contentType ? { 'Content-Type': opts.contentType } : {}),
    },
  });

beforeAll(async () => {
  t.instance().stores.datasets.seed([
    {
      id: SALES,
      name: 'Sales',
      ownerId: ADMIN_ID,
      columns: [
        { name: 'Region', type: 'STRING' },
        { name: 'Sales Rep', type: 'STRING' },
        { name: 'Amount', type: 'DOUBLE' },
        { name: 'Order Date', type: 'DATE' },
      ],
      permissions: [{ type: 'USER', id: EDITOR_ID, accessLevel: 'CAN_VIEW' }],
      versions: [{ action: 'REPLACE', rows }],
    },
  ]);
  expect((await t.call('POST', '/_emulator/apps', { body: manifest, token: null })).status).toBe(201);
  const minted = await t.call('POST', '/_emulator/tokens', { body: { userId: EDITOR_ID, kind: 'app', appId: APP }, token: null });
  expect(minted.json).toMatchObject({ userId: EDITOR_ID, kind: 'app', appId: APP });
  session = minted.json.token;
});

describe('app sessions', () => {
  it('are taken from X-DOMO-Ryuu-Session, the ryuu_sid query parameter and the ryuu_sid cookie', async () => {
    expect((await ryuu('/domo/environment/v1/')).json.userId).toBe(String(EDITOR_ID));
    const q = await t.call('GET', `/domo/environment/v1?ryuu_sid=${session}`, { token: null });
    expect(q.json.userName).toBe('Bryan Van Kampen');
    const cookie = await t.call('GET', '/domo/environment/v1', { token: null, headers: { Cookie: `other=1; ryuu_sid=${session}` } });
    expect(cookie.json).toMatchObject({ userId: String(EDITOR_ID), userEmail: 'bryan.vankampen@example.com', customer: 'default', appId: APP });
    expectErrorShape(await t.call('GET', '/domo/environment/v1', { token: null }), 401);
    expectErrorShape(await ryuu('/domo/environment/v1', { token: 'no-such-session' }), 401);
    // a developer token is not an app session
    expect(expectErrorShape(await ryuu('/domo/environment/v1', { token: EDITOR_TOKEN }), 401).message).toMatch(/Not an app session/);
    // ... but it still calls the app routes as itself
    expect((await t.call('GET', '/domo/environment/v1', { token: EDITOR_TOKEN })).json).not.toHaveProperty('appId');
  });

  it('POST /_emulator/tokens checks the user, the kind and the app', async () => {
    expectErrorShape(await t.call('POST', '/_emulator/tokens', { body: { userId: EDITOR_ID, kind: 'robot' }, token: null }), 400);
    expectErrorShape(await t.call('POST', '/_emulator/tokens', { body: { userId: EDITOR_ID, appId: APP }, token: null }), 400);
    expectErrorShape(await t.call('POST', '/_emulator/tokens', { body: { userId: EDITOR_ID, kind: 'app', appId: 'nope' }, token: null }), 404);
    expectErrorShape(await t.call('POST', '/_emulator/tokens', { body: { userId: 42, kind: 'app' }, token: null }), 404);
    const anyApp = (await t.call('POST', '/_emulator/tokens', { body: { userId: PARTICIPANT_ID, kind: 'app' }, token: null })).json.token;
    expect(anyApp).toMatch(/^app-/);
    expect((await ryuu('/domo/environment/v1', { token: anyApp })).json.userName).toBe('John Doe');
  });
});

describe('GET /data/v1/:alias', () => {
  it('answers the manifest’s field aliases as an array of objects (ryuu.js default)', async () => {
    const res = await ryuu('/data/v1/sales', { accept: 'application/array-of-objects' });
    expect(res.status).toBe(200);
    expect(res.json).toHaveLength(5);
    expect(res.json[0]).toEqual({ region: 'West', rep: 'Ann', amount: 100, date: '2026-01-10' });
  });

  it('groups: numbers summed, other fields counted; in the four formats', async () => {
    const path = '/data/v1/sales?fields=region,amount,rep&groupby=region&orderby=amount descending';
    expect((await ryuu(path)).json).toEqual([
      { region: 'West', amount: 150.5, rep: 2 },
      { region: 'East', amount: 100, rep: 2 },
      { region: 'North', amount: 5, rep: 1 },
    ]);
    const detailed = (await ryuu(path, { accept: 'application/json' })).json;
    expect(detailed).toMatchObject({ datasource: SALES, columns: ['region', 'amount', 'rep'], numRows: 3, numColumns: 3, rows: [['West', 150.5, 2], ['East', 100, 2], ['North', 5, 1]] });
    expect(detailed.metadata.map((m: { type: string }) => m.type)).toEqual(['STRING', 'DOUBLE', 'LONG']);
    const csv = await ryuu(path, { accept: 'text/csv' });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.text.trim().split(/\r?\n/)).toEqual(['region,amount,rep', 'West,150.5,2', 'East,100,2', 'North,5,1']);
    const xl = await t.app.request(path, { headers: { 'X-DOMO-Ryuu-Session': session, Accept: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } });
    expect(xl.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const files = unzipSync(new Uint8Array(await xl.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual(['[Content_Types].xml', '_rels/.rels', 'xl/_rels/workbook.xml.rels', 'xl/styles.xml', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml']);
    const sheet = strFromU8(files['xl/worksheets/sheet1.xml']);
    expect(sheet).toContain('<c r="A1" t="inlineStr"><is><t xml:space="preserve">region</t></is></c>');
    expect(sheet).toContain('<c r="B2"><v>150.5</v></c>');
    expect(sheet).toContain('<c r="C4"><v>1</v></c>');
    expect(strFromU8(files['xl/workbook.xml'])).toContain('<sheet name="sales"');
  });

  it('filters, aggregations, limit and offset', async () => {
    expect((await ryuu("/data/v1/sales?fields=rep&filter=amount > 40, region != 'North'&orderby=rep")).json).toEqual([{ rep: 'Ann' }, { rep: 'Bob' }, { rep: 'Cy' }]);
    expect((await ryuu('/data/v1/sales?fields=rep&filter=rep ~ n, region in ["West", "North"]&orderby=rep')).json).toEqual([{ rep: 'Ann' }]);
    expect((await ryuu('/data/v1/sales?fields=rep&filter=region !in [West]&orderby=rep desc&limit=2&offset=1')).json).toEqual([{ rep: 'Di' }, { rep: 'Cy' }]);
    expect((await ryuu('/data/v1/sales?fields=rep&filter=rep !contains d,region == East')).json).toEqual([{ rep: 'Cy' }]);
    // the clock is frozen at 2026-01-15: "last 1 month" is 2025-12-15 .. 2026-01-15, "todate year" 2026-01-01 ..
    expect(FROZEN_AT.startsWith('2026-01-15')).toBe(true);
    expect((await ryuu('/data/v1/sales?fields=rep&filter=date last 1 month&orderby=rep')).json).toEqual([{ rep: 'Ann' }, { rep: 'Bob' }, { rep: 'Cy' }]);
    expect((await ryuu('/data/v1/sales?fields=rep&filter=date todate year&orderby=rep')).json).toEqual([{ rep: 'Ann' }, { rep: 'Cy' }]);
    // aggregations alone: one row of them
    expect((await ryuu('/data/v1/sales?sum=amount&max=date&unique=region')).json).toEqual([{ amount: 255.5, date: '2026-01-10', region: 3 }]);
    expect((await ryuu('/data/v1/sales?fields=region,amount&groupby=region&avg=amount&orderby=region')).json).toEqual([
      { region: 'East', amount: 50 },
      { region: 'North', amount: 5 },
      { region: 'West', amount: 75.25 },
    ]);
    // a column name works as well as its alias
    expect((await ryuu('/data/v1/sales?fields=Sales Rep&filter=Sales Rep = Di')).json).toEqual([{ rep: 'Di' }]);
  });

  it('dategrain groups by a date grain, returned under Domo’s names', async () => {
    expect((await ryuu('/data/v1/sales?fields=date,amount&dategrain=date by month&orderby=date')).json).toEqual([
      { CalendarMonth: '2025-07-01', amount: 5 },
      { CalendarMonth: '2025-10-01', amount: 30 },
      { CalendarMonth: '2025-12-01', amount: 50.5 },
      { CalendarMonth: '2026-01-01', amount: 170 },
    ]);
    expect((await ryuu('/data/v1/sales?fields=date,amount&dategrain=date by quarter&calendar=fiscal&orderby=date')).json).toEqual([
      { CalendarQuarter: '2025-07-01', amount: 5 },
      { CalendarQuarter: '2025-10-01', amount: 80.5 },
      { CalendarQuarter: '2026-01-01', amount: 170 },
    ]);
    expect((await ryuu('/data/v1/sales?fields=date,amount&dategrain=date by year&orderby=date')).json).toEqual([
      { Year: 2025, amount: 85.5 },
      { Year: 2026, amount: 170 },
    ]);
    // 2026-01-10 is a Saturday: its week starts on Sunday 2026-01-04
    expect((await ryuu('/data/v1/sales?fields=date,rep&dategrain=date by week&filter=rep = Ann')).json).toEqual([{ CalendarWeek: '2026-01-04', rep: 1 }]);
    expect((await ryuu('/data/v1/sales?fields=region,date,amount&groupby=region&dategrain=date by day&filter=region = West&orderby=date')).json).toEqual([
      { region: 'West', Date: '2025-12-20', amount: 50.5 },
      { region: 'West', Date: '2026-01-10', amount: 100 },
    ]);
  });

  it('bad parameters are 400s naming the parameter; unknown aliases 404', async () => {
    expect(expectErrorShape(await ryuu('/data/v1/sales?fields=nope'), 400).details![0].path).toBe('query.fields');
    expect(expectErrorShape(await ryuu('/data/v1/sales?filter=amount > lots'), 400).details![0].path).toBe('query.filter');
    expect(expectErrorShape(await ryuu('/data/v1/sales?filter=amount between 1'), 400).details![0].path).toBe('query.filter');
    expect(expectErrorShape(await ryuu('/data/v1/sales?dategrain=region by month'), 400).details![0].path).toBe('query.dategrain');
    expect(expectErrorShape(await ryuu('/data/v1/sales?dategrain=date by decade'), 400).details![0].path).toBe('query.dategrain');
    expect(expectErrorShape(await ryuu('/data/v1/sales?calendar=lunar'), 400).details![0].path).toBe('query.calendar');
    expect(expectErrorShape(await ryuu('/data/v1/sales?limit=-1'), 400).details![0].path).toBe('query.limit');
    expect(expectErrorShape(await ryuu('/data/v1/sales?fields=region&groupby=region&orderby=amount'), 400).details![0].path).toBe('query.orderby');
    expect(expectErrorShape(await ryuu('/data/v1/orders'), 404).message).toMatch(/maps no dataset alias 'orders' \(its aliases: sales\)/);
  });

  it('reads as the session’s user: no share, no rows; PDP filters them', async () => {
    const john = (await t.call('POST', '/_emulator/tokens', { body: { userId: PARTICIPANT_ID, kind: 'app', appId: APP }, token: null })).json.token;
    expectErrorShape(await ryuu('/data/v1/sales', { token: john }), 403);
    const dc = `/api/query/v1/data-control/${SALES}`;
    expect((await t.call('PUT', dc, { body: { enabled: true } })).status).toBe(200);
    const policy = await t.call('POST', `${dc}/filter-groups`, {
      body: { name: 'East only', userIds: [EDITOR_ID], parameters: [{ type: 'COLUMN', name: 'Region', values: ['East'], operator: 'EQUALS' }] },
    });
    expect(policy.status).toBe(200);
    expect((await ryuu('/data/v1/sales?fields=region,amount&groupby=region')).json).toEqual([{ region: 'East', amount: 100 }]);
    expect((await ryuu('/sql/v1/sales', { method: 'POST', body: 'SELECT COUNT(*) AS n FROM sales', contentType: 'text/plain' })).json.rows).toEqual([[2]]);
    expect((await t.call('PUT', dc, { body: { enabled: false } })).status).toBe(200);
    expect((await ryuu('/data/v1/sales?fields=region&groupby=region')).json).toHaveLength(3);
  });

  it('without an app the alias is a dataset id, with its own column names', async () => {
    const res = await t.call('GET', `/data/v1/${SALES}?fields=Region,Amount&groupby=Region&orderby=Region`, { token: EDITOR_TOKEN });
    expect(res.json).toEqual([
      { Region: 'East', Amount: 100 },
      { Region: 'North', Amount: 5 },
      { Region: 'West', Amount: 150.5 },
    ]);
    expectErrorShape(await t.call('GET', '/data/v1/sales', { token: EDITOR_TOKEN }), 404);
  });

  it('a manifest field naming a missing column is a 409', async () => {
    const broken = { ...manifest, id: 'broken-app', datasetsMapping: [{ ...manifest.datasetsMapping[0], fields: [{ alias: 'x', columnName: 'Nope' }] }] };
    expect((await t.call('POST', '/_emulator/apps', { body: broken, token: null })).status).toBe(201);
    const tok = (await t.call('POST', '/_emulator/tokens', { body: { userId: EDITOR_ID, kind: 'app', appId: 'broken-app' }, token: null })).json.token;
    expect(expectErrorShape(await ryuu('/data/v1/sales', { token: tok }), 409).message).toMatch(/column 'Nope'/);
  });
});

describe('POST /sql/v1/:alias', () => {
  it('runs the SQL body over the aliased dataset, in the formats the Accept header asks for', async () => {
    const sql = 'SELECT `Region`, SUM(`Amount`) AS total FROM sales GROUP BY `Region` ORDER BY total DESC';
    const detailed = await ryuu('/sql/v1/sales', { method: 'POST', body: sql, contentType: 'text/plain' });
    expect(detailed.json).toMatchObject({ columns: ['Region', 'total'], rows: [['West', 150.5], ['East', 100], ['North', 5]], numRows: 3 });
    const objects = await ryuu('/sql/v1/sales', { method: 'POST', body: sql, contentType: 'text/plain', accept: 'application/array-of-objects' });
    expect(objects.json[0]).toEqual({ Region: 'West', total: 150.5 });
    const csv = await ryuu('/sql/v1/sales', { method: 'POST', body: sql, contentType: 'text/plain', accept: 'text/csv' });
    expect(csv.text.trim().split(/\r?\n/)[1]).toBe('West,150.5');
    expectErrorShape(await ryuu('/sql/v1/sales', { method: 'POST', body: 'DELETE FROM sales', contentType: 'text/plain' }), 400);
    expectErrorShape(await ryuu('/sql/v1/sales', { method: 'POST', body: '', contentType: 'text/plain' }), 400);
  });
});

describe('users, groups and environments', () => {
  it('GET /domo/users/v1 lists users (details on request); /domo/users/v1/:id one', async () => {
    const list = (await ryuu('/domo/users/v1?includeDetails=true&limit=3')).json;
    expect(list).toHaveLength(3);
    expect(list[0]).toMatchObject({ id: expect.any(Number), displayName: expect.any(String), detail: { email: expect.stringContaining('@') } });
    const one = (await ryuu(`/domo/users/v1/${EDITOR_ID}`)).json;
    expect(one).toMatchObject({ id: EDITOR_ID, displayName: 'Bryan Van Kampen', role: 'Editor', roleId: 3 });
    expect(one).not.toHaveProperty('detail');
    expectErrorShape(await ryuu('/domo/users/v1/42'), 404);
  });

  it('GET /domo/groups/v1 lists groups', async () => {
    const groups = (await ryuu('/domo/groups/v1')).json;
    expect(groups.length).toBeGreaterThan(0);
    expect(groups[0]).toMatchObject({ id: expect.any(Number), name: expect.any(String) });
    expect((await ryuu(`/domo/groups/v1/${groups[0].id}`)).json.name).toBe(groups[0].name);
  });

  it('GET /api/content/v1/mobile/environment answers ryuu-client', async () => {
    const env = await t.call('GET', '/api/content/v1/mobile/environment', { headers: { Host: '127.0.0.1:8080' } });
    expect(env.json).toMatchObject({ domoappsDomain: 'domoapps.localhost:8080', customer: 'default' });
  });
});

describe('AI aliases', () => {
  it('POST /domo/ai/v1/text/generation and /text/sql answer in the App Framework shape', async () => {
    const gen = (await ryuu('/domo/ai/v1/text/generation', { method: 'POST', body: JSON.stringify({ input: 'Tell me about sales' }), contentType: 'application/json' })).json;
    expect(gen).toMatchObject({ prompt: 'Tell me about sales', choices: [{ output: expect.stringContaining('sales') }], isCustomerModel: false });
    const body = { input: 'total amount by region', dataSourceSchemas: [{ dataSourceName: 'Sales', columns: [{ name: 'region', type: 'string' }, { name: 'amount', type: 'number' }] }] };
    const sql = (await ryuu('/domo/ai/v1/text/sql', { method: 'POST', body: JSON.stringify(body), contentType: 'application/json' })).json;
    expect(sql.choices[0].output).toMatch(/^SELECT/);
    expectErrorShape(await ryuu('/domo/ai/v1/text/sql', { method: 'POST', body: JSON.stringify({ input: 'x' }), contentType: 'application/json' }), 400);
  });
});

describe('workflow and Code Engine aliases', () => {
  const ADD = 'a8afdc89-9491-4ee4-b7c3-b9e9b86c0138';
  const PKG = '756f0b19-5125-44f6-b541-058980ff6a94';
  let wired = '';
  beforeAll(async () => {
    const m = {
      name: 'Wired app',
      id: 'wired-app',
      workflowMapping: [{ alias: 'addThem', modelId: ADD }, { alias: 'unwired' }],
      packageMapping: [{ alias: 'add', packageId: PKG, version: '1.0.1', functionName: 'addNumbers', output: { alias: 'sum' } }],
    };
    expect((await t.call('POST', '/_emulator/apps', { body: m, token: null })).status).toBe(201);
    wired = (await t.call('POST', '/_emulator/tokens', { body: { userId: EDITOR_ID, kind: 'app', appId: 'wired-app' }, token: null })).json.token;
  });
  const post = (path: string, body: unknown, token = wired) => ryuu(path, { method: 'POST', body: JSON.stringify(body), contentType: 'application/json', token });

  it('POST /domo/workflow/v1/models/:alias/start starts the wired model (newest version) as the session user', async () => {
    const res = await post('/domo/workflow/v1/models/addThem/start', { parameter1: 2, parameter2: 3 });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ modelId: ADD, modelName: 'AddTwoNumbers', createdBy: String(EDITOR_ID), status: null });
    const back = await t.call('GET', `/api/workflow/v1/instances/${res.json.id}`, { token: EDITOR_TOKEN });
    expect(back.json.variables).toMatchObject({ parameter1: 2, parameter2: 3 });
    expect(expectErrorShape(await post('/domo/workflow/v1/models/addThem/start', { parameter1: 'x' }), 400).details!.length).toBeGreaterThan(0);
    expectErrorShape(await post('/domo/workflow/v1/models/unwired/start', {}), 400);
    expectErrorShape(await post('/domo/workflow/v1/models/nope/start', {}), 404);
  });

  it('POST /domo/codeengine/v2/packages/:alias runs the wired function and answers its output alias', async () => {
    expect((await post('/domo/codeengine/v2/packages/add', { a: 4, b: 1 })).json).toEqual({ sum: 5 });
    const runs = t.instance().sqlite.prepare('select started_by from code_engine_executions order by rowid desc limit 1').pluck().get();
    expect(Number(runs)).toBe(EDITOR_ID);
    expectErrorShape(await post('/domo/codeengine/v2/packages/nope', {}), 404);
    expectErrorShape(await post('/domo/codeengine/v2/packages/add', { a: 4, b: 1 }, session), 404);
  });
});
