import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_ID, EDITOR_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const APP = '50e7230f-d2f2-42e2-a208-d94c8ae9f64c';
const JOB = '526906bb-e7e0-4f70-9ca0-3bb4fdf99c82';

describe('GET /api/executor/v1/applications', () => {
  it('lists the applications with their job counts (trailing slash as the reference writes it)', async () => {
    const res = await t.call('GET', '/api/executor/v1/applications/');
    expect(res.status).toBe(200);
    expect(res.json).toEqual([expect.objectContaining({ id: APP, name: 'Remote DomoStats', type: 'REMOTE_DOMOSTATS', jobCount: 2 })]);
  });
});

describe('GET /api/executor/v2/applications/:applicationId/jobs', () => {
  it('lists the jobs with offset paging', async () => {
    const all = (await t.call('GET', `/api/executor/v2/applications/${APP}/jobs?offset=0`)).json;
    expect(all.map((j: { jobId: string }) => j.jobId)).toContain(JOB);
    expect(all).toHaveLength(2);
    expect((await t.call('GET', `/api/executor/v2/applications/${APP}/jobs?offset=1`)).json).toHaveLength(1);
    expectErrorShape(await t.call('GET', '/api/executor/v2/applications/nope/jobs'), 404);
  });
});

describe('PUT /api/executor/v1/applications/:applicationId/jobs/:jobId', () => {
  const job = (changes: Record<string, unknown> = {}) => ({
    jobId: JOB,
    jobName: 'domo-labs-dev2.dev.domo.com',
    executionTimeout: 900,
    executionPayload: { remoteInstance: 'domo-labs-dev.dev.domo.com', subscriberJobId: 'b8ff1dc6-4426-4256-8176-1cb9482e79c0', policies: {}, metricsDatasetId: '2644b5d0-344b-4bc0-b379-d3854923a29c' },
    executionResponse: {},
    accounts: [479],
    resources: { requests: { memory: '512M' }, limits: { memory: '512M' } },
    triggers: [],
    ...changes,
  });

  it('replaces the job and reads back', async () => {
    const res = await t.call('PUT', `/api/executor/v1/applications/${APP}/jobs/${JOB}`, { body: job() });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'OK', code: 200, message: 'Job updated successfully' });
    const read = (await t.call('GET', `/api/executor/v2/applications/${APP}/jobs`)).json.find((j: { jobId: string }) => j.jobId === JOB);
    expect(read).toMatchObject({ executionTimeout: 900, resources: { requests: { memory: '512M' } }, lastUpdatedBy: ADMIN_ID });
  });

  it('refuses bad bodies, a mismatched jobId, unknown jobs and non-admins, changing nothing', async () => {
    const bad = expectErrorShape(await t.call('PUT', `/api/executor/v1/applications/${APP}/jobs/${JOB}`, { body: job({ executionTimeout: -5 }) }), 400);
    expect(bad.details![0].path).toBe('body.executionTimeout');
    expectErrorShape(await t.call('PUT', `/api/executor/v1/applications/${APP}/jobs/${JOB}`, { body: job({ jobId: 'other' }) }), 400);
    expectErrorShape(await t.call('PUT', `/api/executor/v1/applications/${APP}/jobs/nope`, { body: job({ jobId: undefined }) }), 404);
    expectErrorShape(await t.call('PUT', `/api/executor/v1/applications/${APP}/jobs/${JOB}`, { body: job(), token: EDITOR_TOKEN }), 403);
    const read = (await t.call('GET', `/api/executor/v2/applications/${APP}/jobs`)).json.find((j: { jobId: string }) => j.jobId === JOB);
    expect(read.executionTimeout).toBe(720);
  });
});

describe('Remote DomoStats jobs run on the instance clock', () => {
  it('fill their metrics dataset with counts of the instance’s real state, each job its own partition', async () => {
    const METRICS = '2644b5d0-344b-4bc0-b379-d3854923a29c';
    expectErrorShape(await t.call('GET', `/api/data/v3/datasources/${METRICS}`), 404);
    await t.call('POST', '/api/identity/v1/users', { body: { displayName: 'One more', emailAddress: 'one.more@example.com', roleId: 4 } });
    await t.call('POST', '/_emulator/clock', { body: { advance: 'PT1H' }, token: null });
    const users = (await t.call('GET', '/api/identity/v1/users?limit=500')).json.count;
    const q = await t.call('POST', `/api/query/v1/execute/${METRICS}`, { body: { sql: "SELECT `Job`, `Value` FROM t WHERE `Metric` = 'Users' ORDER BY `Job`" } });
    expect(q.status).toBe(200);
    expect(q.json.rows).toEqual([
      ['domo-labs-dev2.dev.domo.com', users],
      ['domo-labs-qa.dev.domo.com', users],
    ]);
    const jobs = (await t.call('GET', '/api/executor/v2/applications/50e7230f-d2f2-42e2-a208-d94c8ae9f64c/jobs')).json;
    expect(jobs[0].executionResponse).toMatchObject({ status: 'SUCCESS', metricsDatasetId: METRICS, rowCount: 12 });
  });
});
