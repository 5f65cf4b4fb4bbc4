import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EDITOR_TOKEN, PARTICIPANT_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';
import { COVID, advance, ds, sqlRows, type App } from './datasets-helpers.js';

let t: App;
beforeAll(() => {
  t = testApp();
});
afterAll(() => t.close());

const createBody = {
  transport: { type: 'CONNECTOR', description: 'com.domo.connector.snowflakeunloadv2', version: '1' },
  configuration: [{ name: 'query', value: 'SELECT * FROM table', type: 'string', category: 'METADATA' }],
  account: { id: 7 }, // the Editor's own account (a stream may use only accounts its creator can read)
  updateMethod: 'APPEND',
  dataProvider: { key: 'snowflake-unload-v2' },
  dataSource: { name: 'hello world', description: 'config works?' },
  advancedScheduleJson: '{"type": "MANUAL", "timezone": "UTC"}',
};

describe('POST/GET/PUT /api/data/v1/streams', () => {
  it('creates a stream and its dataset; get and update read back', async () => {
    const res = await t.call('POST', '/api/data/v1/streams', { body: createBody, token: EDITOR_TOKEN });
    expect(res.status).toBe(200);
    const s = res.json;
    expect(s).toMatchObject({
      valid: true,
      transport: createBody.transport,
      updateMethod: 'APPEND',
      dataProvider: { key: 'snowflake-unload-v2' },
      account: { id: 7, displayName: 'PostgreSQL - Orders DB' },
      dataSource: { name: 'hello world', description: 'config works?', dataProviderType: 'snowflake-unload-v2', transportType: 'CONNECTOR', streamId: s.id },
      advancedScheduleJson: createBody.advancedScheduleJson,
      lastExecution: null,
      currentExecution: null,
      createdBy: 587894148,
      configuration: [{ streamId: s.id, category: 'METADATA', name: 'query', type: 'string', value: 'SELECT * FROM table' }],
    });
    expect((await t.call('GET', ds(s.dataSource.id), { token: EDITOR_TOKEN })).json.streamId).toBe(s.id);

    const upd = await t.call('PUT', `/api/data/v1/streams/${s.id}`, {
      body: { ...createBody, updateMethod: 'replace', account: { id: 7 }, dataSource: { name: 'renamed', description: 'new' } },
      token: EDITOR_TOKEN,
    });
    expect(upd.json).toMatchObject({ updateMethod: 'REPLACE', account: { id: 7 }, dataSource: { name: 'renamed' } });
    expect((await t.call('GET', `/api/data/v1/streams/${s.id}`, { token: EDITOR_TOKEN })).json.dataSource.name).toBe('renamed');
    expectErrorShape(await t.call('GET', `/api/data/v1/streams/${s.id}`, { token: PARTICIPANT_TOKEN }), 403);
  });

  it('rejects a bad body or an unknown account (nothing created) and 404s an unknown stream', async () => {
    const before = (await t.call('GET', '/api/data/v3/datasources?limit=1000')).json._metaData.totalCount;
    expectErrorShape(await t.call('POST', '/api/data/v1/streams', { body: { ...createBody, updateMethod: 'MERGE' } }), 400);
    expectErrorShape(await t.call('POST', '/api/data/v1/streams', { body: { ...createBody, dataSource: {} } }), 400);
    expectErrorShape(await t.call('POST', '/api/data/v1/streams', { body: { ...createBody, advancedScheduleJson: '{nope' } }), 400);
    expectErrorShape(await t.call('POST', '/api/data/v1/streams', { body: { ...createBody, account: { id: 999 } } }), 404);
    expect((await t.call('GET', '/api/data/v3/datasources?limit=1000')).json._metaData.totalCount).toBe(before);
    expectErrorShape(await t.call('GET', '/api/data/v1/streams/123456789'), 404);
    expectErrorShape(await t.call('PUT', '/api/data/v1/streams/123456789', { body: createBody }), 404);
  });
});

describe('POST /api/data/v1/streams/:id/executions', () => {
  it('runs the fixture covid stream: 201 ACTIVE, then SUCCESS on the clock with its source data REPLACEd in', async () => {
    expect(await sqlRows(t, COVID, 'SELECT COUNT(*), MAX(`date`) FROM t')).toEqual([[300, '2022-04-30']]);
    const run = await t.call('POST', '/api/data/v1/streams/371/executions', { body: { runType: 'MANUAL' } });
    expect(run.status).toBe(201);
    expect(run.json).toMatchObject({ streamId: 371, executionId: 1, currentState: 'ACTIVE', runType: 'MANUAL', updateMethod: 'REPLACE', endedAt: null, rowsInserted: 0, startedBy: '1893952720', errors: [] });
    expect(run.json.toe).toMatch(/^[A-Z0-9]{10}-[A-Z0-9]{5}-[A-Z0-9]{5}$/);
    expect((await t.call('GET', '/api/data/v1/streams/371')).json).toMatchObject({ currentExecutionState: 'ACTIVE', currentExecution: { executionId: 1 } });
    expectErrorShape(await t.call('POST', '/api/data/v1/streams/371/executions', { body: { action: 'MANUAL' } }), 409);
    // the old data stays until the run succeeds
    expect(await sqlRows(t, COVID, 'SELECT COUNT(*) FROM t')).toEqual([[300]]);
    await advance(t, 'PT2S');
    const s = (await t.call('GET', '/api/data/v1/streams/371')).json;
    expect(s.currentExecution).toBeNull();
    expect(s.lastExecution).toMatchObject({ executionId: 1, currentState: 'SUCCESS', rowsInserted: 430 });
    expect(s.lastSuccessfulExecution.executionId).toBe(1);
    expect(await sqlRows(t, COVID, 'SELECT COUNT(*), MAX(`date`) FROM t')).toEqual([[430, '2022-05-13']]);

    // the Datasets-section body {"action": "MANUAL"} works too; REPLACE again keeps 430 rows
    const again = await t.call('POST', '/api/data/v1/streams/371/executions', { body: { action: 'MANUAL' } });
    expect(again.status).toBe(201);
    expect(again.json.executionId).toBe(2);
    await advance(t, 'PT2S');
    expect(await sqlRows(t, COVID, 'SELECT COUNT(*) FROM t')).toEqual([[430]]);
    const history = (await t.call('GET', '/api/data/v1/streams/371/history/aggregate')).json;
    expect(history.map((h: any) => [h.executionId, h.currentState, h.rowsInserted, h.updateMethod])).toEqual([
      [2, 'SUCCESS', 430, 'REPLACE'],
      [1, 'SUCCESS', 430, 'REPLACE'],
    ]);
    expect(history[0].endedAt - history[0].startedAt).toBe(1);
  });

  it('a stream without source data fails saying why (never a SUCCESS with nothing); viewers cannot run it', async () => {
    const created = (await t.call('POST', '/api/data/v1/streams', { body: createBody, token: EDITOR_TOKEN })).json;
    expectErrorShape(await t.call('POST', `/api/data/v1/streams/${created.id}/executions`, { body: { runType: 'MANUAL' }, token: PARTICIPANT_TOKEN }), 403);
    const run = await t.call('POST', `/api/data/v1/streams/${created.id}/executions`, { token: EDITOR_TOKEN });
    expect(run.status).toBe(201);
    await advance(t, 'PT2S');
    expect((await t.call('GET', `/api/data/v1/streams/${created.id}/history/aggregate`, { token: EDITOR_TOKEN })).json).toMatchObject([
      { executionId: 1, currentState: 'FAILED', rowsInserted: 0, errors: [{ message: expect.stringContaining('has no data the emulator can read') }] },
    ]);
    expectErrorShape(await t.call('POST', '/api/data/v1/streams/424242/executions', { body: { runType: 'MANUAL' } }), 404);
  });
});

describe('streams run from their sources on the scheduler', () => {
  const SALES = '0dbe6a6a-5588-4a1e-9db4-989ca98762a5';
  const ACTIVITY = '61c4e63d-0627-41f7-b138-74968ebd7634';
  const count = async (id: string) => Number((await t.call('POST', `/api/query/v1/execute/${id}`, { body: { sql: 'SELECT COUNT(*) FROM t' } })).json.rows[0][0]);

  it('a scheduled stream (Sales, daily at 02:00 Denver) appends its source rows when it fires', async () => {
    const before = await count(SALES);
    await advance(t, 'P1D');
    const history = (await t.call('GET', '/api/data/v1/streams/25222/history/aggregate')).json;
    expect(history[0]).toMatchObject({ runType: 'SCHEDULED', currentState: 'SUCCESS', rowsInserted: 24, updateMethod: 'APPEND' });
    expect(await count(SALES)).toBe(before + 24);
  });

  it('a DomoStats stream loads its report from the instance’s real activity log', async () => {
    const events = (await t.call('GET', '/api/audit/v1/user-audits?start=0&end=4102444800000&limit=1000')).json.length;
    const run = await t.call('POST', '/api/data/v1/streams/25775/executions', { body: { runType: 'MANUAL' } });
    expect(run.json.currentState).toBe('ACTIVE');
    await advance(t, 'PT2S');
    const [last] = (await t.call('GET', '/api/data/v1/streams/25775/history/aggregate')).json;
    expect(last).toMatchObject({ currentState: 'SUCCESS', updateMethod: 'REPLACE' });
    expect(last.rowsInserted).toBeGreaterThanOrEqual(events);
    expect(await count(ACTIVITY)).toBe(last.rowsInserted);
  });
});
