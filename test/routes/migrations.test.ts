import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EDITOR_TOKEN, FROZEN_AT, expectErrorShape, testApp } from '../helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const V1 = '/api/query/migration/federated/v1/to/v2';
const MYSQL_1 = '495e28ec-6c07-41fc-99ed-b2dce9a5f569';
const BQ = '8c487fef-b62d-486f-af7a-90c7d6ee0347';
const BQ_INTEGRATION = '31e0307a-cb31-4018-b824-eb04b15827e1';
const stamp = FROZEN_AT.replace('Z', '+00:00');
/** A migration ends 2 s after it starts: the stamp of its end. */
const ended = new Date(Date.parse(FROZEN_AT) + 2000).toISOString().replace('Z', '+00:00');
const advance = (d: string) => t.call('POST', '/_emulator/clock', { body: { advance: d }, token: null });
/** With the test's frozen clock a migration call answers IN_PROGRESS; the clock moves it to its end. */
async function finished(res: { json: { toe: string; state: string } }) {
  if (res.json.state !== 'IN_PROGRESS') return res.json;
  await advance('PT3S');
  return (await t.call('GET', `/api/query/migration/runs/${res.json.toe}`)).json;
}

describe('GET /api/query/migration/federated/v1/to/v2/types', () => {
  it('lists the federated types in use', async () => {
    const res = await t.call('GET', `${V1}/types`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual(['bigquery-federated', 'mysql-federated', 'snowflake-federated']);
  });
});

describe('GET /api/query/migration/federated/v1/to/v2/accounts/:integrationType', () => {
  it('lists the V2 accounts of a type the caller can use', async () => {
    expect((await t.call('GET', `${V1}/accounts/mysql-federated`)).json).toEqual([
      { id: '1', type: 'mysql-federated', name: 'mysql v2' },
      { id: '2', type: 'mysql-federated', name: 'mysql v2 agent' },
    ]);
    expect((await t.call('GET', `${V1}/accounts/mysql-federated`, { token: EDITOR_TOKEN })).json).toEqual([]);
    expect((await t.call('GET', `${V1}/accounts/oracle-federated`)).json).toEqual([]);
  });
});

describe('POST /api/query/migration/federated/v1/to/v2/:datasourceId/accounts/:accountId', () => {
  it('migrates a V1 datasource when the table matches, and the candidates list shows it', async () => {
    const before = (await t.call('GET', `${V1}/candidates/1`)).json;
    expect(before).toContainEqual({ id: MYSQL_1, name: 'MySQL Table 1', migrated: false, migrationDate: null });
    const dataset = async () => (await t.call('GET', `/api/data/v3/datasources/${MYSQL_1}`)).json;
    expect(await dataset()).toMatchObject({ id: MYSQL_1, dataProviderType: 'mysql-federated', transportType: 'FEDERATED', properties: { federation: { version: 'V1' }, accountId: null } });
    const res = await t.call('POST', `${V1}/${MYSQL_1}/accounts/1`, { body: { catalog: 'sales', schema: 'NULL', table: 'orders' } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ datasourceId: MYSQL_1, direction: 'V1_TO_V2', state: 'IN_PROGRESS', progress: 0, errorMessage: null, startTime: stamp, endTime: null });
    expect(typeof res.json.toe).toBe('string');
    await advance('PT1S');
    expect((await t.call('GET', `/api/query/migration/runs/${res.json.toe}`)).json).toMatchObject({ state: 'IN_PROGRESS', progress: 50 });
    expect((await dataset()).properties.federation.version).toBe('V1'); // nothing changes before the end
    expect(await finished(res)).toMatchObject({ state: 'COMPLETE', progress: 100, errorMessage: null, endTime: ended });
    const after = (await t.call('GET', `${V1}/candidates/1`)).json;
    expect(after).toContainEqual({ id: MYSQL_1, name: 'MySQL Table 1', migrated: true, migrationDate: ended });
    // the Datasets API shows the datasource on its V2 account
    expect(await dataset()).toMatchObject({ properties: { federation: { version: 'V2' }, accountId: '1' } });
    expect((await t.call('GET', `/api/query/migration/runs?datasourceId=${MYSQL_1}`)).json.map((r: { state: string }) => r.state)).toEqual(['COMPLETE']);
    // a second attempt is aborted at once: it is V2 now
    const again = await t.call('POST', `${V1}/${MYSQL_1}/accounts/1`, { body: { catalog: 'sales', schema: 'NULL', table: 'orders' } });
    expect(again.json).toMatchObject({ state: 'ABORTED' });
    expect(again.json.errorMessage).toMatch(/not a Federated V1 datasource/);
  });

  it('aborts, changing nothing, when the table names differ (case-sensitive) or the account type differs', async () => {
    const wrongCase = await t.call('POST', `${V1}/${MYSQL_1}/accounts/1`, { body: { catalog: 'Sales', schema: 'NULL', table: 'orders' } });
    expect(wrongCase.json).toMatchObject({ state: 'ABORTED' });
    expect(wrongCase.json.errorMessage).toMatch(/case-sensitive/);
    const wrongType = await t.call('POST', `${V1}/${MYSQL_1}/accounts/3`, { body: { catalog: 'sales', schema: 'NULL', table: 'orders' } });
    expect(wrongType.json.errorMessage).toMatch(/snowflake-federated account/);
    expect((await t.call('GET', `${V1}/candidates/1`)).json).toContainEqual({ id: MYSQL_1, name: 'MySQL Table 1', migrated: false, migrationDate: null });
  });

  it('validates the body, 404s unknown objects and 403s non-admins', async () => {
    const bad = expectErrorShape(await t.call('POST', `${V1}/${MYSQL_1}/accounts/1`, { body: { catalog: 'sales' } }), 400);
    expect(bad.details!.map((d) => d.path)).toEqual(['body.schema', 'body.table']);
    expectErrorShape(await t.call('POST', `${V1}/nope/accounts/1`, { body: { catalog: 'a', schema: 'b', table: 'c' } }), 404);
    expectErrorShape(await t.call('POST', `${V1}/${MYSQL_1}/accounts/99`, { body: { catalog: 'a', schema: 'b', table: 'c' } }), 404);
    expectErrorShape(await t.call('GET', `${V1}/candidates/99`), 404);
    expectErrorShape(await t.call('POST', `${V1}/${MYSQL_1}/accounts/1`, { body: { catalog: 'sales', schema: 'NULL', table: 'orders' }, token: EDITOR_TOKEN }), 403);
    expect((await t.call('GET', `${V1}/candidates/1`)).json.every((c: { migrated: boolean }) => !c.migrated)).toBe(true);
  });
});

describe('POST /api/query/migration/federated/v1/to/v2/:datasourceId/reverse', () => {
  it('reverses a migration, and aborts for a datasource that was never migrated', async () => {
    await finished(await t.call('POST', `${V1}/${MYSQL_1}/accounts/2`, { body: { catalog: 'sales', schema: 'NULL', table: 'orders' } }));
    const res = await finished(await t.call('POST', `${V1}/${MYSQL_1}/reverse`));
    expect(res).toMatchObject({ datasourceId: MYSQL_1, direction: 'V2_TO_V1', state: 'COMPLETE' });
    expect((await t.call('GET', `${V1}/candidates/2`)).json).toContainEqual({ id: MYSQL_1, name: 'MySQL Table 1', migrated: false, migrationDate: null });
    expect((await t.call('POST', `${V1}/${MYSQL_1}/reverse`)).json).toMatchObject({ state: 'ABORTED' });
  });
});

describe('GET /api/query/migration/integrations/types and /:integrationType', () => {
  it('lists types, then integrations of a type (case-insensitive)', async () => {
    expect((await t.call('GET', '/api/query/migration/integrations/types')).json).toEqual(['BIGQUERY', 'SNOWFLAKE']);
    expect((await t.call('GET', '/api/query/migration/integrations/bigquery')).json).toEqual([
      { id: BQ_INTEGRATION, name: 'My BigQuery Amplifier Integration', type: 'BIGQUERY', authMethod: 'SERVICE_ACCOUNT' },
    ]);
  });
});

describe('Federated V2 <-> Cloud Amplifier', () => {
  it('lists candidates, migrates, lists reverse candidates, reverses', async () => {
    const candidates = (await t.call('GET', `/api/query/migration/candidates/federated/to/amplifier/integrations/${BQ_INTEGRATION}`)).json;
    expect(candidates.map((c: { id: string }) => c.id)).toContain(BQ);
    expect(candidates.find((c: { id: string }) => c.id === BQ)).toMatchObject({ type: 'bigquery-federated', catalogName: 'my-project', schemaName: 'my-schema', tableName: 'fifty_row_table', collision: false, migrated: false, migrationDate: null });
    const res = await finished(await t.call('POST', `/api/query/migration/federated/to/amplifier/${BQ}/integrations/${BQ_INTEGRATION}`));
    expect(res).toMatchObject({ datasourceId: BQ, direction: 'FEDERATED_TO_CLOUD_AMPLIFIER', state: 'COMPLETE' });
    const reverse = (await t.call('GET', `/api/query/migration/candidates/amplifier/to/federated/integrations/${BQ_INTEGRATION}`)).json;
    expect(reverse).toEqual([expect.objectContaining({ id: BQ, migrated: true, migrationDate: ended })]);
    expect((await t.call('GET', `/api/data/v3/datasources/${BQ}`)).json).toMatchObject({ dataProviderType: 'bigquery-cloud-amplifier', cloudId: BQ_INTEGRATION, cloudName: 'My BigQuery Amplifier Integration' });
    const back = await finished(await t.call('POST', `/api/query/migration/amplifier/to/federated/${BQ}`));
    expect(back).toMatchObject({ direction: 'CLOUD_AMPLIFIER_TO_FEDERATED', state: 'COMPLETE' });
    expect((await t.call('GET', `/api/data/v3/datasources/${BQ}`)).json).toMatchObject({ dataProviderType: 'bigquery-federated', cloudId: 'domo' });
    expect((await t.call('GET', `/api/query/migration/candidates/amplifier/to/federated/integrations/${BQ_INTEGRATION}`)).json).toEqual([]);
  });

  it('aborts a migration into an integration of another type, and 404s unknown ids', async () => {
    const res = await t.call('POST', `/api/query/migration/federated/to/amplifier/${BQ}/integrations/5b2a7c11-6f0e-4c55-9d1b-2f8e3c4a9d10`);
    expect(res.json).toMatchObject({ state: 'ABORTED' });
    expect(res.json.errorMessage).toMatch(/SNOWFLAKE/);
    expectErrorShape(await t.call('GET', '/api/query/migration/candidates/federated/to/amplifier/integrations/nope'), 404);
    expectErrorShape(await t.call('POST', '/api/query/migration/amplifier/to/federated/nope'), 404);
    expect((await t.call('POST', `/api/query/migration/amplifier/to/federated/${BQ}`)).json).toMatchObject({ state: 'ABORTED' });
  });
});

describe('a migration while the clock runs in real time', () => {
  it('blocks until it ends, as Domo’s call does, and answers COMPLETE', async () => {
    const live = testApp({ freezeClock: undefined });
    try {
      const started = Date.now();
      const res = await live.call('POST', `${V1}/${MYSQL_1}/accounts/1`, { body: { catalog: 'sales', schema: 'NULL', table: 'orders' } });
      expect(res.json).toMatchObject({ state: 'COMPLETE', progress: 100 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    } finally {
      live.close();
    }
  });
});
