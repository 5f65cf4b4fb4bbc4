import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_ID, EDITOR_ID, EDITOR_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';
import { SALES, advance, createDataset, ds, load, sqlRows, tokenFor } from './datasets-helpers.js';

// SQL DataFlows: datasets in, SELECT transforms, datasets out, run on the scheduler.
let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const BASE = '/api/dataprocessing/v1/dataflows';

/** Two uploaded datasets: orders (region code, amount) and regions (code, name). */
async function world() {
  const orders = await createDataset(t, [{ name: 'code', type: 'STRING' }, { name: 'amount', type: 'DOUBLE' }, { name: 'units', type: 'LONG' }], { name: 'Orders 2026' });
  const regions = await createDataset(t, [{ name: 'code', type: 'STRING' }, { name: 'region', type: 'STRING' }], { name: 'Regions' });
  await load(t, orders, [[1, 'W,10.5,1\nW,4.5,2\nE,7,3\nN,1,1\n']], { action: 'REPLACE' });
  await load(t, regions, [[1, 'W,West\nE,East\nS,South\n']], { action: 'REPLACE' });
  return { orders, regions };
}

/** A JOIN of the two through an intermediate table, one output. */
function joinFlow(w: { orders: string; regions: string }, extra: Record<string, unknown> = {}, inputs: Record<string, unknown> = {}) {
  return {
    name: 'Revenue by region',
    databaseType: 'MYSQL',
    inputs: [
      { dataSourceId: w.orders, ...inputs },
      { dataSourceId: w.regions, ...inputs },
    ],
    actions: [
      { type: 'LoadFromVault', id: 'in-orders', name: 'orders', dataSourceId: w.orders },
      { type: 'LoadFromVault', id: 'in-regions', dataSourceId: w.regions },
      {
        type: 'GenerateTableAction',
        id: 'joined',
        tableName: 'joined',
        dependsOn: ['in-orders', 'in-regions'],
        selectStatement: 'SELECT r.`region`, o.`amount`, o.`units` FROM orders o JOIN regions r ON r.`code` = o.`code`',
      },
      {
        type: 'PublishToVault',
        id: 'out',
        dependsOn: ['joined'],
        dataSource: { name: 'Revenue by region' },
        selectStatement: 'SELECT `region`, SUM(`amount`) AS `revenue`, SUM(`units`) AS `units` FROM joined GROUP BY `region` ORDER BY `region`',
      },
    ],
    ...extra,
  };
}

async function create(body: unknown, token?: string) {
  const res = await t.call('POST', BASE, { body, token });
  expect(res.status, res.text).toBe(200);
  return res.json;
}

/** Runs the due jobs (the test clock is frozen: a job due now runs on the next settle). */
const settle = () => t.instance().jobs.settle();

async function runToEnd(id: number) {
  const started = await t.call('POST', `${BASE}/${id}/executions`);
  expect(started.status, started.text).toBe(200);
  await settle();
  return (await t.call('GET', `${BASE}/${id}/executions/${started.json.id}`)).json;
}

describe('POST /api/dataprocessing/v1/dataflows', () => {
  it('saves a SQL DataFlow: inputs with their names, a LoadFromVault per input, the output dataset created', async () => {
    const w = await world();
    const df = await create(joinFlow(w));
    expect(df).toMatchObject({ name: 'Revenue by region', databaseType: 'MYSQL', responsibleUserId: ADMIN_ID, runState: 'ENABLED', numInputs: 2, numOutputs: 1, lastExecution: null, valid: true });
    expect(df.inputs.map((i: { dataSourceName: string }) => i.dataSourceName)).toEqual(['Orders 2026', 'Regions']);
    const out = df.outputs[0];
    expect(out).toMatchObject({ onboardFlowId: df.id, dataSourceName: 'Revenue by region', versionChainType: 'REPLACE' });
    expect(df.actions.find((a: { type: string }) => a.type === 'PublishToVault').dataSource.guid).toBe(out.dataSourceId);
    // the output exists (no columns until a run gives it its schema), owned by the DataFlow's owner
    const ds = (await t.call('GET', `/api/data/v3/datasources/${out.dataSourceId}`)).json;
    expect(ds).toMatchObject({ name: 'Revenue by region', owner: { id: String(ADMIN_ID) }, columnCount: 0, status: 'IDLE', state: 'IDLE' });
    expect((await t.call('GET', `${BASE}/${df.id}`)).json.actions.map((a: { id: string }) => a.id)).toEqual(['in-orders', 'in-regions', 'joined', 'out']);
    expect((await t.call('GET', BASE)).json.map((d: { id: number }) => d.id)).toContain(df.id);
  });

  it('refuses transforms that write, attach, read files or name tables not in scope (400, nothing saved)', async () => {
    const w = await world();
    const bad = async (sql: string, want: RegExp) => {
      const body = joinFlow(w);
      (body.actions[2] as { selectStatement: string }).selectStatement = sql;
      const err = expectErrorShape(await t.call('POST', BASE, { body }), 400);
      expect(err.message).toMatch(want);
      expect(err.details?.[0].path).toBe('body.actions[2].selectStatement');
    };
    await bad('INSERT INTO orders VALUES (1, 2, 3)', /INSERT is refused/);
    await bad("ATTACH DATABASE '/tmp/x.db' AS x", /ATTACH is refused/);
    await bad("SELECT readfile('/etc/passwd')", /readfile\(\) is not allowed/);
    await bad('SELECT * FROM orders; DROP TABLE orders', /one SQL statement/i);
    await bad('SELECT * FROM sqlite_master', /internal table/);
    await bad('SELECT * FROM users', /Unknown table `users`/);
    await bad("SELECT * FROM orders INTO OUTFILE '/tmp/x'", /INTO is not allowed/);
    expect((await t.call('GET', BASE)).json).toEqual([]);
  });

  it('checks the definition field by field, and MAGIC DataFlows are 501', async () => {
    const w = await world();
    const noOut = expectErrorShape(await t.call('POST', BASE, { body: { name: 'x', inputs: [{ dataSourceId: w.orders }], actions: [] } }), 400);
    expect(noOut.details?.map((d) => d.path)).toEqual(['body.actions']);
    const missing = expectErrorShape(await t.call('POST', BASE, { body: joinFlow({ ...w, regions: 'no-such-dataset' }) }), 400);
    expect(missing.details?.map((d) => d.path)).toContain('body.inputs[1].dataSourceId');
    const self = expectErrorShape(await t.call('POST', BASE, { body: joinFlow(w, { outputs: [{ dataSourceId: w.orders }] }) }), 400);
    expect(self.message).toContain('is an input of this DataFlow');
    const stmt = joinFlow(w);
    stmt.actions.push({ type: 'SqlAction', id: 'alter', selectStatement: 'ALTER TABLE joined ADD x INT' } as never);
    expect(expectErrorShape(await t.call('POST', BASE, { body: stmt }), 400).message).toContain('SELECT transforms only');
    expectErrorShape(await t.call('POST', BASE, { body: joinFlow(w, { databaseType: 'MAGIC' }) }), 501);
  });

  it('refuses DataFlows that would run each other forever when their inputs update', async () => {
    const w = await world();
    const a = await create(joinFlow(w, {}, { executeFlowWhenUpdated: true }));
    const y = a.outputs[0].dataSourceId as string;
    await runToEnd(a.id); // (an output that never ran has no columns: nothing could read it)
    const back = {
      name: 'Back',
      inputs: [{ dataSourceId: y, executeFlowWhenUpdated: true }],
      outputs: [{ dataSourceId: w.orders }],
      actions: [{ type: 'PublishToVault', selectStatement: "SELECT 'W' AS code, 1.0 AS amount, 1 AS units FROM revenue_by_region" }],
    };
    const err = expectErrorShape(await t.call('POST', BASE, { body: back }), 400);
    expect(err.message).toContain('would run each other forever');
    // without the trigger it is fine (it runs only when asked)
    expect((await t.call('POST', BASE, { body: { ...back, inputs: [{ dataSourceId: y }] } })).status).toBe(200);
  });

  it('needs dataflow.manage, and the owner must be able to read the inputs', async () => {
    const w = await world();
    // the Editor role holds dataflow.manage but cannot read the admin's datasets
    const err = expectErrorShape(await t.call('POST', BASE, { body: joinFlow(w), token: EDITOR_TOKEN }), 403);
    expect(err.message).toMatch(/^Missing grant CAN_VIEW on DataSet/);
    const part = await tokenFor(t, 1089963280); // Participant: no dataflow.manage
    expect(expectErrorShape(await t.call('POST', BASE, { body: joinFlow(w), token: part }), 403).message).toContain('Missing authority dataflow.manage');
  });
});

describe('POST /api/dataprocessing/v1/dataflows/:id/executions', () => {
  it('runs a JOIN of two uploaded datasets: CREATED, then SUCCESS; the output is queryable and a card on it renders', async () => {
    const w = await world();
    const df = await create(joinFlow(w));
    const outId = df.outputs[0].dataSourceId as string;
    const started = await t.call('POST', `${BASE}/${df.id}/executions`);
    expect(started.json).toMatchObject({ onboardFlowId: df.id, state: 'CREATED', activationType: 'MANUAL', failed: false, endTime: null, dataFlowVersion: 1 });
    await settle();
    const done = (await t.call('GET', `${BASE}/${df.id}/executions/${started.json.id}`)).json;
    expect(done).toMatchObject({ state: 'SUCCESS', failed: false, totalRowsRead: 7, totalRowsWritten: 2, errors: [] });
    expect(done.actionResults.map((a: { actionId: string; rowsProcessed: number; wasSuccessful: boolean }) => [a.actionId, a.rowsProcessed, a.wasSuccessful])).toEqual([
      ['in-orders', 4, true],
      ['in-regions', 3, true],
      ['joined', 3, true],
      ['out', 2, true],
    ]);
    expect(done.totalBytesRead).toBeGreaterThan(0);
    expect(done.outputs).toEqual([{ dataSourceId: outId, dataVersionId: 1, rows: 2 }]);

    expect(await sqlRows(t, outId, 'SELECT * FROM t ORDER BY `region`')).toEqual([
      ['East', 7, 3],
      ['West', 15, 3],
    ]);
    const schema = (await t.call('GET', `/api/data/v2/datasources/${outId}/schemas/latest`)).json.schema.columns;
    expect(schema.map((c: { name: string; type: string }) => `${c.name}:${c.type}`)).toEqual(['region:STRING', 'revenue:DOUBLE', 'units:LONG']);

    // a card on the output computes from it like on any dataset
    t.instance().stores.cards.seed([{ id: 990001, title: 'Revenue', chartType: 'badge_vert_bar', ownerId: ADMIN_ID, datasourceId: outId, definition: { value: { column: 'revenue', aggregation: 'SUM' }, groupBy: ['region'] } }]);
    const card = (await t.call('PUT', '/api/content/v1/cards/kpi/990001/render?parts=summary,queryResult', { body: {} })).json;
    expect(card.queryResult.rows).toEqual([
      ['East', 7],
      ['West', 15],
    ]);
    expect(card.summary.value).toBe(22);

    const flow = (await t.call('GET', `${BASE}/${df.id}`)).json;
    expect(flow).toMatchObject({ executionCount: 1, executionSuccessCount: 1, lastExecution: { id: started.json.id, state: 'SUCCESS' } });
    const ds = (await t.call('GET', `/api/data/v3/datasources/${outId}`)).json;
    expect(ds).toMatchObject({ status: 'SUCCESS', state: 'SUCCESS', rowCount: 2, columnCount: 3, validConfiguration: true, scheduleActive: false });
  });

  it('after an input changes, a rerun updates the output (a new data version)', async () => {
    const w = await world();
    const df = await create(joinFlow(w));
    const outId = df.outputs[0].dataSourceId as string;
    await runToEnd(df.id);
    await load(t, w.orders, [[1, 'S,100,10\n']], { action: 'APPEND' });
    const second = await runToEnd(df.id);
    expect(second.state).toBe('SUCCESS');
    expect(second.outputs[0].dataVersionId).toBe(2);
    expect(await sqlRows(t, outId, 'SELECT `region`, `revenue` FROM t ORDER BY `region`')).toEqual([
      ['East', 7],
      ['South', 100],
      ['West', 15],
    ]);
    const list = (await t.call('GET', `${BASE}/${df.id}/executions`)).json;
    expect(list.map((e: { id: number }) => e.id)).toEqual([second.id, list[1].id]);
    expect((await t.call('GET', `${BASE}/${df.id}/executions?limit=1&offset=1`)).json.map((e: { id: number }) => e.id)).toEqual([list[1].id]);
  });

  it('a PUT of what GET answered keeps its outputs; an APPEND output accumulates a version per run', async () => {
    const w = await world();
    const df = await create(joinFlow(w));
    const outId = df.outputs[0].dataSourceId as string;
    const before = (await t.call('GET', '/api/data/v3/datasources?limit=1000')).json._metaData.totalCount;
    const got = (await t.call('GET', `${BASE}/${df.id}`)).json;
    const put = await t.call('PUT', `${BASE}/${df.id}`, { body: { ...got, name: 'Renamed', outputs: got.outputs.map((o: object) => ({ ...o, versionChainType: 'APPEND' })) } });
    expect(put.status, put.text).toBe(200);
    expect(put.json).toMatchObject({ name: 'Renamed', documentVersion: 2, outputs: [{ dataSourceId: outId, versionChainType: 'APPEND' }] });
    expect((await t.call('GET', '/api/data/v3/datasources?limit=1000')).json._metaData.totalCount).toBe(before);
    // re-sent without ids, an output named as before writes the same dataset
    const bare = joinFlow(w);
    const again = await t.call('PUT', `${BASE}/${df.id}`, { body: { ...bare, outputs: [{ dataSourceName: 'Revenue by region', versionChainType: 'APPEND' }] } });
    expect(again.json.outputs[0].dataSourceId).toBe(outId);
    expect((await t.call('GET', '/api/data/v3/datasources?limit=1000')).json._metaData.totalCount).toBe(before);
    await runToEnd(df.id);
    await runToEnd(df.id);
    expect(await sqlRows(t, outId, 'SELECT `region`, COUNT(*) FROM t GROUP BY `region` ORDER BY `region`')).toEqual([
      ['East', 2],
      ['West', 2],
    ]);
    expect((await t.call('GET', `/api/data/v2/datasources/${outId}/dataversions`)).json).toHaveLength(2);
  });

  it('runs by itself when an input updates ("run when inputs update"), once for several updates close together', async () => {
    const w = await world();
    const df = await create(joinFlow(w, {}, { executeFlowWhenUpdated: true }));
    const outId = df.outputs[0].dataSourceId as string;
    expect(df.triggeredByInput).toBe(true);
    expect((await t.call('GET', `/api/data/v3/datasources/${outId}`)).json.scheduleActive).toBe(true);
    await load(t, w.orders, [[1, 'S,100,10\n']], { action: 'APPEND' });
    await load(t, w.regions, [[1, 'N,North\n']], { action: 'APPEND' });
    await settle();
    expect((await t.call('GET', `${BASE}/${df.id}/executions`)).json).toEqual([]); // debounced: not yet
    await advance(t, 'PT2S');
    await settle();
    const runs = (await t.call('GET', `${BASE}/${df.id}/executions`)).json;
    expect(runs.map((e: { state: string; activationType: string }) => [e.state, e.activationType])).toEqual([['SUCCESS', 'DATA_CHANGED']]);
    expect(await sqlRows(t, outId, 'SELECT `region`, `revenue` FROM t ORDER BY `region`')).toEqual([
      ['East', 7],
      ['North', 1],
      ['South', 100],
      ['West', 15],
    ]);
    // its own output's commit triggers nothing more
    await advance(t, 'PT5S');
    await settle();
    expect((await t.call('GET', `${BASE}/${df.id}/executions`)).json).toHaveLength(1);
  });

  it('a failing transform: FAILED_DATA_FLOW with the error at its action, the output unchanged, the dataset in ERROR', async () => {
    const w = await world();
    const df = await create(joinFlow(w));
    const outId = df.outputs[0].dataSourceId as string;
    await runToEnd(df.id);
    const broken = joinFlow(w);
    (broken.actions[2] as { selectStatement: string }).selectStatement = 'SELECT `nope` FROM orders';
    const put = await t.call('PUT', `${BASE}/${df.id}`, { body: { ...broken, outputs: [{ dataSourceId: outId }] } });
    expect(put.status, put.text).toBe(200);
    expect(put.json.documentVersion).toBe(2);
    const failed = await runToEnd(df.id);
    expect(failed).toMatchObject({ state: 'FAILED_DATA_FLOW', failed: true, dataFlowVersion: 2, totalRowsWritten: 0 });
    expect(failed.errors).toEqual([{ actionId: 'joined', message: expect.stringContaining('no such column: `nope`') }]);
    expect(failed.actionResults.map((a: { actionId: string; wasSuccessful: boolean }) => [a.actionId, a.wasSuccessful])).toEqual([
      ['in-orders', true],
      ['in-regions', true],
      ['joined', false],
    ]);
    expect(await sqlRows(t, outId, 'SELECT `region`, `revenue` FROM t ORDER BY `region`')).toEqual([
      ['East', 7],
      ['West', 15],
    ]);
    const ds = (await t.call('GET', `/api/data/v3/datasources/${outId}`)).json;
    expect(ds).toMatchObject({ status: 'ERROR', state: 'ERROR' });
    expect((await t.call('GET', `/api/data/v2/datasources/${outId}/dataversions`)).json).toHaveLength(1);
  });

  it('409 while a run is CREATED or RUNNING; 404 for an unknown DataFlow or execution', async () => {
    const w = await world();
    const df = await create(joinFlow(w));
    // (a request settles due jobs first, so the second ask comes straight to the store, before any settle)
    const store = t.instance().stores.dataflows;
    const me = t.instance().as(ADMIN_ID, 'developer');
    expect(store.run(df.id, me)).toMatchObject({ state: 'CREATED' });
    expect(() => store.run(df.id, me)).toThrow(/already running \(execution \d+, CREATED\)/);
    await settle();
    expect((await t.call('POST', `${BASE}/${df.id}/executions`)).status).toBe(200);
    expectErrorShape(await t.call('POST', `${BASE}/999/executions`), 404);
    expectErrorShape(await t.call('GET', `${BASE}/${df.id}/executions/999`), 404);
  });
});

describe('a DataFlow reads as its owner', () => {
  it('PDP filters the owner’s input rows (two filtered inputs in one statement), not the rows of whoever runs it', async () => {
    // Sales Transactions is the admin's (the Editor has CAN_EDIT); a second admin dataset is shared with the Editor
    const codes = await createDataset(t, [{ name: 'Region', type: 'STRING' }, { name: 'code', type: 'STRING' }], { name: 'Region codes' });
    await load(t, codes, [[1, 'West,W\nEast,E\nCentral,C\n']], { action: 'REPLACE' });
    await t.call('POST', ds(codes, '/share'), { body: { permissions: [{ type: 'USER', id: EDITOR_ID, accessLevel: 'CAN_VIEW' }], sendEmail: false } });
    const policy = (id: string, region: string) =>
      t.call('POST', `/api/query/v1/data-control/${id}/filter-groups`, {
        body: { name: `${region} only`, userIds: [EDITOR_ID], parameters: [{ type: 'COLUMN', name: 'Region', values: [region], operator: 'EQUALS', ignoreCase: false }] },
      });
    for (const id of [SALES, codes]) expect((await t.call('PUT', `/api/query/v1/data-control/${id}`, { body: { enabled: true } })).status).toBe(200);
    expect((await policy(SALES, 'West')).status).toBe(200);
    expect((await policy(codes, 'West')).status).toBe(200);
    const body = {
      name: 'Sales by code',
      inputs: [{ dataSourceId: SALES }, { dataSourceId: codes }],
      actions: [
        {
          type: 'PublishToVault',
          dataSource: { name: 'Sales by code' },
          selectStatement: 'SELECT c.`code`, COUNT(*) AS `n` FROM sales_transactions s JOIN region_codes c ON c.`Region` = s.`Region` GROUP BY c.`code` ORDER BY c.`code`',
        },
      ],
    };
    const mine = (await t.call('POST', BASE, { body, token: EDITOR_TOKEN })).json;
    const admins = await create({ ...body, name: 'Sales by code (all)', actions: [{ ...body.actions[0], dataSource: { name: 'Sales by code (all)' } }] });
    // the admin runs the Editor's DataFlow: it still reads as the Editor
    expect((await runToEnd(mine.id)).state).toBe('SUCCESS');
    expect((await runToEnd(admins.id)).state).toBe('SUCCESS');
    const [[westCount]] = await sqlRows(t, SALES, "SELECT COUNT(*) FROM t WHERE `Region` = 'West'");
    const editorRows = await sqlRows(t, mine.outputs[0].dataSourceId, 'SELECT * FROM t', EDITOR_TOKEN);
    expect(editorRows).toEqual([['W', westCount]]);
    const adminRows = await sqlRows(t, admins.outputs[0].dataSourceId, 'SELECT `code` FROM t');
    expect(adminRows.map((r) => r[0])).toEqual(['C', 'E', 'W']);
  });
});

describe('DELETE /api/dataprocessing/v1/dataflows/:id and deleted datasets', () => {
  it('deleting an input marks the DataFlow invalid: it refuses to run until a PUT repairs it', async () => {
    const w = await world();
    const df = await create(joinFlow(w, {}, { executeFlowWhenUpdated: true }));
    const outId = df.outputs[0].dataSourceId as string;
    expect((await t.call('DELETE', `/api/data/v3/datasources/${w.regions}`)).status).toBe(204);
    const flow = (await t.call('GET', `${BASE}/${df.id}`)).json;
    expect(flow).toMatchObject({ valid: false, invalidReason: expect.stringContaining(`input DataSet ${w.regions}`) });
    expect(expectErrorShape(await t.call('POST', `${BASE}/${df.id}/executions`), 409).message).toContain('was deleted');
    expect((await t.call('GET', `/api/data/v3/datasources/${outId}`)).json).toMatchObject({ validConfiguration: false, scheduleActive: false });
    // repaired: one input, its own SQL
    const fixed = await t.call('PUT', `${BASE}/${df.id}`, {
      body: {
        name: 'Orders only',
        inputs: [{ dataSourceId: w.orders }],
        outputs: [{ dataSourceId: outId }],
        actions: [{ type: 'PublishToVault', selectStatement: 'SELECT `code`, SUM(`amount`) AS `revenue` FROM orders_2026 GROUP BY `code`' }],
      },
    });
    expect(fixed.json).toMatchObject({ valid: true, invalidReason: null, name: 'Orders only' });
    expect((await runToEnd(df.id)).state).toBe('SUCCESS');
    expect(await sqlRows(t, outId, 'SELECT * FROM t ORDER BY `code`')).toEqual([
      ['E', 7],
      ['N', 1],
      ['W', 15],
    ]);
  });

  it('DELETE removes the DataFlow and its executions; its output dataset stays', async () => {
    const w = await world();
    const df = await create(joinFlow(w));
    await runToEnd(df.id);
    expect((await t.call('DELETE', `${BASE}/${df.id}`)).status).toBe(204);
    expectErrorShape(await t.call('GET', `${BASE}/${df.id}`), 404);
    expectErrorShape(await t.call('GET', `${BASE}/${df.id}/executions`), 404);
    expect((await t.call('GET', `/api/data/v3/datasources/${df.outputs[0].dataSourceId}`)).status).toBe(200);
  });
});
