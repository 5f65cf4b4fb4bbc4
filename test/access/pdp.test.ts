import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EDITOR_ID, EDITOR_TOKEN, PARTICIPANT_ID, PARTICIPANT_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

// Row-level PDP applies to every read of rows, by construction (the row service): the SQL query in every
// format, S3 exports and card data. Sales Transactions is the admin's; Bryan (Editor) has CAN_EDIT,
// John (Participant) CAN_VIEW through the Sales Team group.
const t = testApp();
afterAll(() => t.close());

const SALES = '0dbe6a6a-5588-4a1e-9db4-989ca98762a5';
const JOHNS_CARD = 100292101;
const DC = `/api/query/v1/data-control/${SALES}`;

const count = async (token?: string, where = '') =>
  (await t.call('POST', `/api/query/v1/execute/${SALES}`, { body: { sql: `SELECT COUNT(*) AS n, SUM(\`Amount\`) AS total FROM t ${where}` }, token })).json;
const csvLines = async (token?: string) =>
  (await t.call('POST', `/api/query/v1/execute/${SALES}?format=csv`, { body: { sql: 'SELECT `Region` FROM t' }, token })).text.trim().split('\n');
const cardData = async (token?: string) => (await t.call('POST', '/api/content/v1/reportschedules/card-email-data', { body: [JOHNS_CARD], token })).json[String(JOHNS_CARD)];

const money = (v: number) => (Math.round(v * 100) / 100).toLocaleString('en-US');
let all: { n: number; total: number };
let west: { n: number; total: number };
let east: { n: number; total: number };

beforeAll(async () => {
  const row = (r: { rows: unknown[][] }) => ({ n: Number(r.rows[0][0]), total: Number(r.rows[0][1]) });
  all = row(await count());
  west = row(await count(undefined, "WHERE `Region` = 'West'"));
  east = row(await count(undefined, "WHERE `Region` = 'East'"));
  expect(west.n).toBeGreaterThan(0);
  expect(east.n).toBeGreaterThan(0);
  expect(west.n + east.n).toBeLessThan(all.n);
});

describe('PDP policies', () => {
  it('are managed and read by the dataset’s co-owners and content admins; bad policies are 400s naming the field', async () => {
    expectErrorShape(await t.call('PUT', DC, { body: { enabled: true }, token: PARTICIPANT_TOKEN }), 403);
    const bad = expectErrorShape(
      await t.call('POST', `${DC}/filter-groups`, { body: { name: 'x', userIds: [42], parameters: [{ type: 'COLUMN', name: 'Nope', values: ['a'], operator: 'EQUALS' }] } }),
      400,
    );
    expect(bad.details!.map((d) => d.path)).toEqual(['body.userIds[0]', 'body.parameters[0].name']);
    expect((await t.call('PUT', DC, { body: { enabled: true, external: false } })).json).toEqual({ dataSourceId: SALES, enabled: true, external: false });
    const open = (await t.call('GET', `${DC}/filter-groups?options=load_associations,load_filters,include_open_policy`)).json;
    expect(open).toEqual([expect.objectContaining({ name: 'All Rows', type: 'open', userIds: [], parameters: [] })]);
    expect((await t.call('GET', `${DC}/filter-groups`)).json).toEqual([]);
    // viewers and editors do not see who sees which rows (co-owners do)
    expectErrorShape(await t.call('GET', `${DC}/filter-groups`, { token: PARTICIPANT_TOKEN }), 403);
    expectErrorShape(await t.call('GET', `${DC}/filter-groups`, { token: EDITOR_TOKEN }), 403);
  });

  it('give two users different rows from the same SQL, the same CSV and the same card', async () => {
    const mk = (name: string, userIds: number[], region: string) =>
      t.call('POST', `${DC}/filter-groups`, { body: { name, userIds, parameters: [{ type: 'COLUMN', name: 'Region', values: [region], operator: 'EQUALS', ignoreCase: false }] } });
    const westPolicy = (await mk('West reps', [EDITOR_ID], 'West')).json;
    expect(westPolicy).toMatchObject({ filterGroupId: expect.any(Number), name: 'West reps', dataSourceId: SALES, userIds: [EDITOR_ID] });
    await mk('East reps', [PARTICIPANT_ID], 'East');

    // SQL: numRows and the values follow the policies; the owner (admin) sees everything
    const bryan = await count(EDITOR_TOKEN);
    const john = await count(PARTICIPANT_TOKEN);
    expect(bryan.rows[0]).toEqual([west.n, west.total]);
    expect(john.rows[0]).toEqual([east.n, east.total]);
    expect((await count()).rows[0]).toEqual([all.n, all.total]);
    const rowsBryan = (await t.call('POST', `/api/query/v1/execute/${SALES}`, { body: { sql: 'SELECT * FROM t' }, token: EDITOR_TOKEN })).json;
    expect(rowsBryan.numRows).toBe(west.n);

    // CSV: the same rows
    const csvBryan = await csvLines(EDITOR_TOKEN);
    expect(csvBryan.slice(1).every((l) => l === 'West')).toBe(true);
    expect(csvBryan).toHaveLength(west.n + 1);
    expect((await csvLines(PARTICIPANT_TOKEN)).slice(1).every((l) => l === 'East')).toBe(true);

    // S3 export (Bryan may export): the file has his rows only
    const exp = await t.call('POST', `/api/query/v1/export/${SALES}`, {
      body: { awsAccessKey: 'AKIAEXAMPLE', awsAccessSecret: 'secret', bucket: 'pdp-bucket', path: 'bryan.csv', region: 'us-east-1', queryRequest: { query: { columns: [{ column: 'Region', exprType: 'COLUMN' }] } } },
      token: EDITOR_TOKEN,
    });
    expect(exp.status).toBe(200);
    await t.call('POST', '/_emulator/clock', { body: { advance: 'PT5S' }, token: null });
    const file = readFileSync(join(t.instance().dataDir, 'exports', 'pdp-bucket', 'bryan.csv'), 'utf8').trim().split(/\r?\n/);
    expect(file.slice(1).every((l) => l.replace(/"/g, '') === 'West')).toBe(true);
    expect(file).toHaveLength(west.n + 1);

    // card data through John's card: his rows, not the dataset's
    const card = await cardData(PARTICIPANT_TOKEN);
    expect(card.summaryNumberValue).toBe(money(east.total));
    expect(card.pdpEnabled).toBe(true);
    expect((await cardData()).summaryNumberValue).toBe(money(all.total));
  });

  it('a user no policy names sees no rows; a group policy names its members', async () => {
    // Dana (Privileged: no content.admin, so PDP applies to her), given a share but named by no policy
    const dana = (await t.call('POST', '/_emulator/tokens', { body: { userId: 1249569521 } })).json.token;
    await t.call('POST', `/api/data/v3/datasources/${SALES}/share`, { body: { permissions: [{ type: 'USER', id: 1249569521, accessLevel: 'CAN_VIEW' }], sendEmail: false } });
    expect((await count(dana)).rows[0][0]).toBe(0);
    await t.call('POST', `${DC}/filter-groups`, { body: { name: 'Sales Team sees West', groupIds: [6789456782], parameters: [{ type: 'COLUMN', name: 'Region', values: ['west'], operator: 'EQUALS', ignoreCase: true }] } });
    // John is in Sales Team: East (his own policy) plus West (the group's)
    expect((await count(PARTICIPANT_TOKEN)).rows[0][0]).toBe(east.n + west.n);
  });

  it('turned off, every reader sees everything again', async () => {
    await t.call('PUT', DC, { body: { enabled: false } });
    expect((await count(EDITOR_TOKEN)).rows[0]).toEqual([all.n, all.total]);
    expect((await count(PARTICIPANT_TOKEN)).rows[0]).toEqual([all.n, all.total]);
    expect((await cardData(PARTICIPANT_TOKEN)).summaryNumberValue).toBe(money(all.total));
  });
});
