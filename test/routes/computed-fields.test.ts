import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { ADMIN_ID, EDITOR_TOKEN, PARTICIPANT_TOKEN, testApp } from '../helpers/app.js';
import { COVID, SALES, advance, createDataset, ds, load, sqlRows } from './datasets-helpers.js';

// Fields Domo computes, computed here from what happened: a dataset's status and state from its loads,
// a stream run's figures from the run, a card's access from the access policy.
let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const dataset = async (id: string, token?: string) => (await t.call('GET', ds(id), { token })).json;
const status = async (id: string) => {
  const d = await dataset(id);
  return { status: d.status, state: d.state, validConfiguration: d.validConfiguration, scheduleActive: d.scheduleActive };
};
const lastRun = async (streamId: number) => (await t.call('GET', `/api/data/v1/streams/${streamId}`)).json.lastExecution;

describe('dataset status and state', () => {
  it('IDLE until data arrives, SUCCESS after an upload; an API dataset has no schedule', async () => {
    const id = await createDataset(t, [{ name: 'a', type: 'LONG' }]);
    expect(await status(id)).toEqual({ status: 'IDLE', state: 'IDLE', validConfiguration: true, scheduleActive: false });
    await load(t, id, [[1, '1\n2\n']], { action: 'REPLACE' });
    expect(await status(id)).toEqual({ status: 'SUCCESS', state: 'SUCCESS', validConfiguration: true, scheduleActive: false });
  });

  it('RUNNING while its stream runs, then the run’s outcome; a failed run is an ERROR until a later load succeeds', async () => {
    expect(await status(COVID)).toMatchObject({ status: 'SUCCESS', state: 'SUCCESS', scheduleActive: true });
    await t.call('POST', '/api/data/v1/streams/371/executions', { body: { runType: 'MANUAL' } });
    expect(await status(COVID)).toMatchObject({ status: 'SUCCESS', state: 'RUNNING' });
    await advance(t, 'PT2S');
    expect(await status(COVID)).toMatchObject({ status: 'SUCCESS', state: 'SUCCESS' });

    // a stream with nothing to read fails; its dataset shows it
    const created = (
      await t.call('POST', '/api/data/v1/streams', {
        token: EDITOR_TOKEN,
        body: {
          transport: { type: 'CONNECTOR', description: 'com.domo.connector.snowflake', version: '1' },
          account: { id: 7 },
          updateMethod: 'REPLACE',
          dataProvider: { key: 'snowflake' },
          dataSource: { name: 'Nothing to read', schema: { columns: [{ name: 'a', type: 'LONG' }] } },
        },
      })
    ).json;
    const dsId = created.dataSource.id as string;
    await t.call('POST', `/api/data/v1/streams/${created.id}/executions`, { token: EDITOR_TOKEN });
    await advance(t, 'PT2S');
    expect((await dataset(dsId, EDITOR_TOKEN)).status).toBe('ERROR');
    expect((await dataset(dsId, EDITOR_TOKEN)).state).toBe('ERROR');
    await advance(t, 'PT1S');
    await load(t, dsId, [[1, '7\n']], { action: 'REPLACE' });
    expect((await dataset(dsId, EDITOR_TOKEN)).status).toBe('SUCCESS');
  });

  it('scheduleActive follows the stream’s schedule', async () => {
    expect((await status(SALES)).scheduleActive).toBe(true); // daily at 02:00
    const streamBody = {
      transport: { type: 'CONNECTOR', description: 'com.domo.connector.snowflake', version: '1' },
      account: { id: 7 },
      updateMethod: 'REPLACE',
      dataProvider: { key: 'snowflake' },
      dataSource: { name: 'Manual' },
      advancedScheduleJson: '{"type":"MANUAL","timezone":"UTC"}',
    };
    const s = (await t.call('POST', '/api/data/v1/streams', { body: streamBody })).json;
    expect((await status(s.dataSource.id)).scheduleActive).toBe(false);
    await t.call('PUT', `/api/data/v1/streams/${s.id}`, { body: { ...streamBody, advancedScheduleJson: '{"type":"DAY","timezone":"UTC","at":"03:00"}' } });
    expect((await status(s.dataSource.id)).scheduleActive).toBe(true);
  });
});

describe('stream execution figures', () => {
  it('come from the run: its rows, the source bytes, what it held in memory and what it wrote to the database', async () => {
    await t.call('POST', '/api/data/v1/streams/371/executions', { body: { runType: 'MANUAL' } });
    expect(await lastRun(371)).toMatchObject({ currentState: 'ACTIVE', rowsInserted: 0, peakMemoryUsedBytes: null, peakMemoryCommittedBytes: null });
    await advance(t, 'PT2S');
    const covid = await lastRun(371);
    const source = readFileSync(join(packageRoot, 'fixtures/datasets/covid-source.csv'));
    expect(covid.rowsInserted).toBe(Number((await sqlRows(t, COVID, 'SELECT COUNT(*) FROM t'))[0][0]));
    expect(covid.bytesInserted).toBe(source.length);
    // held: the source text and the rows parsed from it (more than the text alone)
    expect(covid.peakMemoryUsedBytes).toBeGreaterThan(source.length + covid.rowsInserted * 16);
    // committed: whole database pages of the version's table, a figure of its own
    expect(covid.peakMemoryCommittedBytes % 4096).toBe(0);
    expect(covid.peakMemoryCommittedBytes).toBeGreaterThan(0);
    expect(covid.peakMemoryCommittedBytes).not.toBe(covid.bytesInserted);

    // a smaller run holds and writes less
    await advance(t, 'P1D'); // Sales' daily run appends 24 rows
    const sales = (await t.call('GET', '/api/data/v1/streams/25222/history/aggregate')).json[0];
    const salesRun = (await t.call('GET', '/api/data/v1/streams/25222')).json.lastExecution;
    expect(sales.rowsInserted).toBe(24);
    expect(salesRun.peakMemoryUsedBytes).toBeLessThan(covid.peakMemoryUsedBytes);
    expect(salesRun.peakMemoryCommittedBytes).toBeLessThanOrEqual(covid.peakMemoryCommittedBytes);
  });
});

describe('card access', () => {
  it('is the access policy’s answer for the caller', async () => {
    const id = await createDataset(t, [{ name: 'a', type: 'LONG' }]);
    await t.call('POST', ds(id, '/share'), { body: { permissions: [{ type: 'USER', id: 1089963280, accessLevel: 'CAN_VIEW' }], sendEmail: false } });
    t.instance().stores.cards.seed([{ id: 990002, title: 'A', chartType: 'badge_vert_bar', ownerId: ADMIN_ID, datasourceId: id }]);
    const cards = async (token?: string) => (await t.call('GET', `/api/content/v1/datasources/${id}/cards`, { token })).json.map((c: { id: number; access: boolean }) => [c.id, c.access]);
    expect(await cards()).toEqual([[990002, true]]);
    expect(await cards(PARTICIPANT_TOKEN)).toEqual([[990002, true]]);
    // a Participant role that may read datasets but not see cards
    expect((await t.call('PATCH', '/api/authorization/v1/roles/4/authorities', { body: ['dataset.view'] })).status).toBe(200);
    expect(await cards(PARTICIPANT_TOKEN)).toEqual([[990002, false]]);
  });
});
