import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_ID, EDITOR_ID, EDITOR_TOKEN, PARTICIPANT_ID, PARTICIPANT_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const base = '/api/social/v4/alerts';
const SALES = '0dbe6a6a-5588-4a1e-9db4-989ca98762a5';
const SALES_TEAM = 6789456782;
const DANA = 1249569521;
const outbox = async () => (await t.call('GET', '/_emulator/outbox')).json as Array<{ kind: string; recipients: string[]; subject: string; body: string; meta: any }>;
const subs = async (id: number) => (await t.call('GET', `${base}/${id}`)).json.subscriptions;

describe('GET /api/social/v4/alerts', () => {
  it('lists alert summaries with the default fields, sorted by createdAt', async () => {
    const res = await t.call('GET', `${base}?all=true&limit=5`);
    expect(res.status).toBe(200);
    expect(res.json.map((a: any) => a.id)).toEqual([123, 358, 360, 361]);
    expect(res.json[1]).toEqual({
      id: 358,
      name: "Any row has changes for column(s): 'embedURL, metric, src, filesAPINum, docId, userName, title'",
      description: '',
      type: 'ANY_ROW',
      category: 'DATA',
      resourceType: 'DATASET',
      resourceId: '61c4e63d-0627-41f7-b138-74968ebd7634',
      createdAt: '2024-12-12 23:37:32',
      createdBy: ADMIN_ID,
      modifiedAt: '2024-12-13 18:55:17',
      modifiedBy: ADMIN_ID,
    });
  });

  it('filters by dataset, card, page, owner, disabled, triggered, subscriber and subscription type', async () => {
    const ids = async (q: string, token?: string) => (await t.call('GET', `${base}?${q}`, { token })).json.map((a: any) => a.id);
    expect(await ids(`dataSetId=${SALES}`)).toEqual([123]);
    expect(await ids('cardId=100292101')).toEqual([360]);
    expect(await ids('pageId=456')).toEqual([361]);
    expect(await ids(`ownerId=${PARTICIPANT_ID}`)).toEqual([360]);
    expect(await ids('disabled=true')).toEqual([361]);
    expect(await ids('triggered=true')).toEqual([360]);
    expect(await ids('suggested=true')).toEqual([361]);
    // John is in the Sales Team group, which is subscribed to alert 123
    expect(await ids(`subscriberId=${PARTICIPANT_ID}`)).toEqual([123, 360]);
    expect(await ids('currentUserSubscriptions=true', PARTICIPANT_TOKEN)).toEqual([123, 360]);
    expect(await ids('subscriptionTypes=DAILY,WEEKLY')).toEqual([360]);
  });

  it('pages, sorts and picks fields', async () => {
    expect((await t.call('GET', `${base}?limit=2&offset=1`)).json.map((a: any) => a.id)).toEqual([358, 360]);
    expect((await t.call('GET', `${base}?sort=-id&limit=2`)).json.map((a: any) => a.id)).toEqual([361, 360]);
    expect((await t.call('GET', `${base}?fields=name,owner&limit=1`)).json).toEqual([{ id: 123, name: 'My Favorite Alert', owner: EDITOR_ID }]);
    const all = (await t.call('GET', `${base}?fields=all&limit=1`)).json[0];
    expect(all).toMatchObject({ resourceName: 'Sales Transactions', subscriptions: expect.any(Array), enabled: true });
  });

  it('400s for a bad flag or sort field', async () => {
    expect(expectErrorShape(await t.call('GET', `${base}?disabled=maybe`), 400).details![0].path).toBe('query.disabled');
    expect(expectErrorShape(await t.call('GET', `${base}?sort=color`), 400).details![0].path).toBe('query.sort');
  });
});

describe('GET /api/social/v4/alerts/:alertId', () => {
  it('returns the full alert from real state', async () => {
    const res = await t.call('GET', `${base}/360`, { token: PARTICIPANT_TOKEN });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      id: 360,
      name: 'Revenue by Region tops 1,000,000',
      resourceType: 'CARD',
      resourceId: '100292101',
      resourceName: 'Revenue by Region',
      owner: PARTICIPANT_ID,
      triggered: true,
      enabled: true,
      active: true,
      currentUserSubscribed: true,
      triggerFrequency: 'Often',
      subscriptions: [
        { subscriberId: PARTICIPANT_ID, type: 'USER' },
        { subscriberId: ADMIN_ID, type: 'DAILY' },
      ],
      actions: [],
      configurations: [],
      filterGroups: [],
      error: {},
    });
    expect((await t.call('GET', `${base}/360`, { token: EDITOR_TOKEN })).json.currentUserSubscribed).toBe(false);
  });

  it('picks fields; 404 for an unknown alert or a non-numeric id', async () => {
    expect((await t.call('GET', `${base}/358?fields=name`)).json).toEqual({ id: 358, name: expect.stringContaining('Any row') });
    expectErrorShape(await t.call('GET', `${base}/999`), 404);
    expectErrorShape(await t.call('GET', `${base}/abc`), 404); // no route: a literal segment where the id goes
  });
});

describe('DELETE /api/social/v4/alerts/:alertId', () => {
  it('deletes the alert (its owner may)', async () => {
    const res = await t.call('DELETE', `${base}/123`, { token: EDITOR_TOKEN });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ success: true, alertId: 123 });
    expectErrorShape(await t.call('GET', `${base}/123`), 404);
    expect((await t.call('GET', base)).json.map((a: any) => a.id)).toEqual([358, 360, 361]);
  });

  it('403 for someone else, 404 for an unknown alert; nothing changes', async () => {
    expectErrorShape(await t.call('DELETE', `${base}/358`, { token: EDITOR_TOKEN }), 403);
    expectErrorShape(await t.call('DELETE', `${base}/999`), 404);
    expect((await t.call('GET', base)).json).toHaveLength(4);
  });
});

describe('POST /api/social/v4/alerts/:alertId/subscriptions', () => {
  it('subscribes a user (idempotently)', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await t.call('POST', `${base}/358/subscriptions`, { body: { subscriberId: DANA, type: 'USER' } });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ alertId: 358, subscriberId: DANA, type: 'USER', subscribed: true });
    }
    expect(await subs(358)).toEqual([
      { subscriberId: ADMIN_ID, type: 'USER' },
      { subscriberId: DANA, type: 'USER' },
    ]);
  });

  it('a user may subscribe themselves, not others', async () => {
    expect((await t.call('POST', `${base}/358/subscriptions`, { token: PARTICIPANT_TOKEN, body: { subscriberId: PARTICIPANT_ID, type: 'USER' } })).status).toBe(200);
    expectErrorShape(await t.call('POST', `${base}/358/subscriptions`, { token: PARTICIPANT_TOKEN, body: { subscriberId: DANA, type: 'USER' } }), 403);
    expect((await subs(358)).map((s: any) => s.subscriberId)).toEqual([ADMIN_ID, PARTICIPANT_ID]);
  });

  it('with subscriberId+type in the query and no body, unsubscribes (the reference header says POST)', async () => {
    const res = await t.call('POST', `${base}/123/subscriptions?subscriberId=${SALES_TEAM}&type=GROUP`);
    expect(res.status).toBe(200);
    expect(res.json.subscribed).toBe(false);
    expect(await subs(123)).toEqual([{ subscriberId: EDITOR_ID, type: 'USER' }]);
  });

  it('400 for a bad type or missing body, 404 for an unknown user or alert; nothing changes', async () => {
    expect(expectErrorShape(await t.call('POST', `${base}/358/subscriptions`, { body: { subscriberId: DANA, type: 'SMS' } }), 400).details![0].path).toBe('body.type');
    expectErrorShape(await t.call('POST', `${base}/358/subscriptions`), 400);
    expectErrorShape(await t.call('POST', `${base}/358/subscriptions`, { body: { subscriberId: 42, type: 'USER' } }), 404);
    expectErrorShape(await t.call('POST', `${base}/358/subscriptions`, { body: { subscriberId: 42, type: 'GROUP' } }), 404);
    expectErrorShape(await t.call('POST', `${base}/999/subscriptions`, { body: { subscriberId: DANA, type: 'USER' } }), 404);
    expect(await subs(358)).toEqual([{ subscriberId: ADMIN_ID, type: 'USER' }]);
  });
});

describe('DELETE /api/social/v4/alerts/:alertId/subscriptions', () => {
  it('unsubscribes a subscriber', async () => {
    const res = await t.call('DELETE', `${base}/360/subscriptions?subscriberId=${ADMIN_ID}&type=DAILY`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ alertId: 360, subscriberId: ADMIN_ID, type: 'DAILY', subscribed: false });
    expect(await subs(360)).toEqual([{ subscriberId: PARTICIPANT_ID, type: 'USER' }]);
  });

  it('a user may unsubscribe themselves, not others', async () => {
    expectErrorShape(await t.call('DELETE', `${base}/123/subscriptions?subscriberId=${EDITOR_ID}&type=USER`, { token: PARTICIPANT_TOKEN }), 403);
    expect((await t.call('DELETE', `${base}/360/subscriptions?subscriberId=${PARTICIPANT_ID}&type=USER`, { token: PARTICIPANT_TOKEN })).status).toBe(200);
    expect(await subs(123)).toHaveLength(2);
    expect(await subs(360)).toEqual([{ subscriberId: ADMIN_ID, type: 'DAILY' }]);
  });

  it('400 without the query parameters, 404 when not subscribed; nothing changes', async () => {
    expect(expectErrorShape(await t.call('DELETE', `${base}/360/subscriptions?type=USER`), 400).details![0].path).toBe('query.subscriberId');
    expectErrorShape(await t.call('DELETE', `${base}/360/subscriptions?subscriberId=${DANA}&type=USER`), 404);
    expect(await subs(360)).toHaveLength(2);
  });
});

describe('POST /api/social/v4/alerts/:alertId/share', () => {
  it('subscribes the recipients and sends one notification per user (a group is its members)', async () => {
    const res = await t.call('POST', `${base}/358/share`, {
      body: {
        userMessage: "I think you'll find this alert useful",
        alertSubscriptions: [
          { subscriberId: DANA, type: 'USER' },
          { subscriberId: SALES_TEAM, type: 'GROUP' },
        ],
        sendEmail: true,
        metaData: {},
      },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ success: true, alertId: 358, recipients: [DANA, EDITOR_ID, PARTICIPANT_ID, ADMIN_ID] });
    expect(await subs(358)).toEqual([
      { subscriberId: ADMIN_ID, type: 'USER' },
      { subscriberId: DANA, type: 'USER' },
      { subscriberId: SALES_TEAM, type: 'GROUP' },
    ]);
    const sent = await outbox();
    expect(sent).toHaveLength(4);
    expect(sent[0]).toMatchObject({ kind: 'email', recipients: ['dana.ortiz@example.com'], subject: expect.stringContaining('Jae Wilson shared the alert') });
    expect(sent[0].body).toContain("I think you'll find this alert useful");
    expect(sent[0].meta).toMatchObject({ alertId: 358, userId: DANA, subscriptionType: 'USER' });
    expect(sent.map((m) => m.recipients[0])).toContain('john.doe@example.com');
  });

  it('without sendEmail the messages are in-app notifications', async () => {
    await t.call('POST', `${base}/123/share`, { token: EDITOR_TOKEN, body: { userMessage: 'fyi', alertSubscriptions: [{ subscriberId: DANA, type: 'USER' }] } });
    expect((await outbox()).map((m) => m.kind)).toEqual(['notification']);
  });

  it('validates the body, 404 for an unknown recipient, 403 for a stranger; nothing changes or is sent', async () => {
    expect(expectErrorShape(await t.call('POST', `${base}/358/share`, { body: { alertSubscriptions: [{ subscriberId: DANA, type: 'USER' }] } }), 400).details![0].path).toBe(
      'body.userMessage',
    );
    expectErrorShape(await t.call('POST', `${base}/358/share`, { body: { userMessage: 'x', alertSubscriptions: [] } }), 400);
    expectErrorShape(
      await t.call('POST', `${base}/358/share`, {
        body: {
          userMessage: 'x',
          alertSubscriptions: [
            { subscriberId: DANA, type: 'USER' },
            { subscriberId: 42, type: 'USER' },
          ],
        },
      }),
      404,
    );
    expectErrorShape(await t.call('POST', `${base}/358/share`, { token: EDITOR_TOKEN, body: { userMessage: 'x', alertSubscriptions: [{ subscriberId: DANA, type: 'USER' }] } }), 403);
    expect(await subs(358)).toEqual([{ subscriberId: ADMIN_ID, type: 'USER' }]);
    expect(await outbox()).toEqual([]);
  });
});
