import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_ID, EDITOR_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const ALL = 'start=0&end=4102444800000';

describe('GET /api/audit/v1/user-audits', () => {
  it('returns fixture entries newest first in the documented shape', async () => {
    const res = await t.call('GET', `/api/audit/v1/user-audits?${ALL}`);
    expect(res.status).toBe(200);
    expect(res.json.map((e: any) => e.time)).toEqual([...res.json.map((e: any) => e.time)].sort((a: number, b: number) => b - a));
    const viewed = res.json.find((e: any) => e.objectType === 'ACTIVITY_LOG');
    expect(viewed).toEqual(expect.objectContaining({ userName: 'Jae Wilson', userId: String(ADMIN_ID), userType: 'USER', actionType: 'VIEWED', additionalComment: 'Jae Wilson viewed the activity log.', time: 1654205894927, eventText: 'Viewed activity log' }));
  });

  it('filters by time window and objectType, and pages', async () => {
    expect((await t.call('GET', '/api/audit/v1/user-audits?start=1654189333186&end=1654205894927')).json.map((e: any) => e.objectType)).toEqual(['ACTIVITY_LOG', 'PAGE']);
    expect((await t.call('GET', `/api/audit/v1/user-audits?${ALL}&objectType=DATA_SOURCE,ACCOUNT`)).json.map((e: any) => e.objectType)).toEqual(['ACCOUNT', 'DATA_SOURCE']);
    expect((await t.call('GET', `/api/audit/v1/user-audits?${ALL}&objectType=DATA_SOURCE,ACCOUNT&limit=1&offset=1`)).json.map((e: any) => e.objectType)).toEqual(['DATA_SOURCE']);
  });

  it("records other families' successful writes, not failed ones or reads", async () => {
    const groupsLog = `/api/audit/v1/user-audits?${ALL}&objectType=GROUP`;
    const before = (await t.call('GET', groupsLog)).json.length;
    const g = await t.call('POST', '/api/content/v2/groups', { body: { name: 'Audited', type: 'open' } });
    expect(g.status).toBe(200);
    await t.call('POST', '/api/content/v2/groups', { body: { name: 'Audited', type: 'open' } }); // 409
    await t.call('GET', '/api/content/v2/groups');
    const after = (await t.call('GET', groupsLog)).json;
    expect(after.length).toBe(before + 1);
    expect(after[0]).toMatchObject({ actionType: 'CREATED', objectType: 'GROUP', objectId: String(g.json.id), objectName: 'Audited', userId: String(ADMIN_ID), time: Date.parse('2026-01-15T12:00:00.000Z') });
    expect(after[0].additionalComment).toBe("Jae Wilson created group 'Audited'.");
    expect(after[0].eventText).toBe('Created group');
  });

  it('reading the log is logged (VIEWED ACTIVITY_LOG), after the read: an answer never contains its own view', async () => {
    const views = `/api/audit/v1/user-audits?start=${Date.parse('2026-01-01')}&end=${Date.parse('2027-01-01')}&objectType=ACTIVITY_LOG`;
    expect((await t.call('GET', views)).json).toEqual([]);
    const [view] = (await t.call('GET', views)).json;
    expect(view).toEqual({
      userName: 'Jae Wilson',
      userId: String(ADMIN_ID),
      userType: 'USER',
      actionType: 'VIEWED',
      objectType: 'ACTIVITY_LOG',
      objectId: null,
      objectName: null,
      additionalComment: 'Jae Wilson viewed the activity log.',
      time: Date.parse('2026-01-15T12:00:00.000Z'),
      eventText: 'Viewed activity log',
    });
    // a refused read is no view
    await t.call('GET', views, { token: EDITOR_TOKEN });
    expect((await t.call('GET', views)).json).toHaveLength(2);
  });

  it('400 without start/end or with end before start; 403 for non-admins', async () => {
    expect(expectErrorShape(await t.call('GET', '/api/audit/v1/user-audits?end=5'), 400).details![0].path).toBe('query.start');
    expectErrorShape(await t.call('GET', '/api/audit/v1/user-audits?start=10&end=5'), 400);
    expectErrorShape(await t.call('GET', `/api/audit/v1/user-audits?${ALL}`, { token: EDITOR_TOKEN }), 403);
  });
});

describe('GET /api/audit/v1/user-audits/objectTypes', () => {
  it('lists the object types usable in the filter', async () => {
    const res = await t.call('GET', '/api/audit/v1/user-audits/objectTypes');
    expect(res.status).toBe(200);
    expect(res.json).toEqual(expect.arrayContaining(['ACCOUNT', 'DATAFLOW_TYPE', 'DATA_SOURCE', 'HOPPER_TASK', 'WORKFLOW_MODEL', 'BEAST_MODE_FORMULA', 'MAGNUM_COLLECTION']));
    expectErrorShape(await t.call('GET', '/api/audit/v1/user-audits/objectTypes', { token: EDITOR_TOKEN }), 403);
  });
});
