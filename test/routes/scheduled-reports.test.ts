import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_ID, EDITOR_ID, EDITOR_TOKEN, PARTICIPANT_ID, PARTICIPANT_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const B = '/api/content/v1/reportschedules';
const MONTHLY = 123456; // Priya's page report (reference example)
const WEEKLY = 123460; // admin's card report
const BROKEN = 123461; // admin's report on a card that does not exist
const PRIYA = 901234;
const REVENUE_CARD = 100292101;

async function tokenFor(userId: number): Promise<string> {
  return (await t.call('POST', '/_emulator/tokens', { body: { userId } })).json.token;
}
const advance = (d = 'PT2S') => t.call('POST', '/_emulator/clock', { body: { advance: d } });
const outbox = async (kind = 'scheduled-report') => (await t.call('GET', `/_emulator/outbox?kind=${kind}`)).json as Array<{ recipients: string[]; subject: string; body: string; meta: any }>;
const allHistory = async () => (await t.call('GET', `${B}/history?filter=ALL`)).json as any[];

const weeklyBody = {
  title: 'Weekly Performance Report',
  pageId: 345678,
  viewId: 789099,
  schedule: { frequency: 'WEEKLY', daysToRun: 'MON', hourOfDay: 8, minOfHour: 0, timezone: 'America/New_York', enabled: true, additionalRecipients: [{ type: 'EMAIL', value: 'user@example.com' }] },
  attachmentInclude: true,
};

describe('GET /api/content/v1/reportschedules', () => {
  it('lists the caller own schedules (filter USER) with the documented fields', async () => {
    const res = await t.call('GET', B);
    expect(res.status).toBe(200);
    expect(res.json.map((s: any) => s.id).sort()).toEqual([WEEKLY, BROKEN]);
    const w = res.json.find((s: any) => s.id === WEEKLY);
    expect(w).toMatchObject({ reportViewId: 789020, title: 'Weekly Revenue by Region', type: 'RECURRING', ownerId: ADMIN_ID, owner: true, cardId: REVENUE_CARD, cardCount: 1, recipientCount: 3, resourceType: 'CARD' });
    expect(w.schedule).toMatchObject({ frequency: 'WEEKLY', daysToRun: 'MON', hourOfDay: 8, minOfHour: 0, timezone: 'America/New_York', enabled: true });
    // Monday 2026-01-19 08:00 New York = 13:00 UTC
    expect(w.schedule.nextRunDate).toBe(Date.parse('2026-01-19T13:00:00Z'));
  });

  it('filter=ALL shows every schedule to an admin, sorts by title, pages, and is 403 for a non-admin', async () => {
    const res = await t.call('GET', `${B}?filter=ALL&orderBy=title&isAscending=true&limit=2`);
    expect(res.json.map((s: any) => s.title)).toEqual(['Misconfigured Report', 'Monthly Sales Report']);
    expect(res.json[1]).toMatchObject({ id: MONTHLY, pageId: 345678, viewName: 'Sales Dashboard', embedViewId: 567890, owner: false, cardCount: 5 });
    expectErrorShape(await t.call('GET', `${B}?filter=ALL`, { token: EDITOR_TOKEN }), 403);
    expectErrorShape(await t.call('GET', `${B}?orderBy=owner`), 400);
  });
});

describe('POST /api/content/v1/reportschedules', () => {
  it('creates a schedule on a page (the reference body) with nextRunDate, readable back', async () => {
    const res = await t.call('POST', B, { body: weeklyBody });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ reportViewId: 789099, pageId: 345678, title: 'Weekly Performance Report', ownerId: ADMIN_ID, resourceType: 'PAGE', resourceId: 345678, attachmentInclude: true, recipientCount: 1 });
    expect(res.json.schedule).toMatchObject({ frequency: 'WEEKLY', daysToRun: 'MON', enabled: true, nextRunDate: Date.parse('2026-01-19T13:00:00Z') });
    const back = await t.call('GET', `${B}/${res.json.id}`);
    expect(back.json.title).toBe('Weekly Performance Report');
  });

  it('creates on a card and on a dataset, taking their names', async () => {
    const card = await t.call('POST', B, { body: { title: 'Card report', cardId: REVENUE_CARD, schedule: { frequency: 'DAILY', hourOfDay: 6 } } });
    expect(card.json).toMatchObject({ resourceType: 'CARD', cardId: REVENUE_CARD, resourceName: 'Revenue by Region', viewName: 'Revenue by Region' });
    expect(card.json.schedule.nextRunDate).toBe(Date.parse('2026-01-16T06:00:00Z'));
    const ds = await t.call('POST', B, { body: { title: 'DS report', resourceType: 'DATASET', resourceId: '0dbe6a6a-5588-4a1e-9db4-989ca98762a5', schedule: { frequency: 'MONTHLY', daysToRun: '1,15' } } });
    expect(ds.json).toMatchObject({ resourceType: 'DATASET', resourceId: '0dbe6a6a-5588-4a1e-9db4-989ca98762a5', resourceName: 'Sales Transactions', cardCount: 3 });
  });

  it('rejects bad input (400 naming the field), unknown resources (404), a taken view (409) and creates nothing', async () => {
    const before = (await t.call('GET', `${B}?filter=ALL`)).json.length;
    const bad = expectErrorShape(await t.call('POST', B, { body: { ...weeklyBody, schedule: { ...weeklyBody.schedule, daysToRun: 'MOON' } } }), 400);
    expect(bad.details![0].path).toBe('body.schedule.daysToRun');
    expect(expectErrorShape(await t.call('POST', B, { body: { ...weeklyBody, schedule: { ...weeklyBody.schedule, timezone: 'Mars/Base' } } }), 400).details![0].path).toBe('body.schedule.timezone');
    expect(expectErrorShape(await t.call('POST', B, { body: { ...weeklyBody, schedule: { ...weeklyBody.schedule, additionalRecipients: [{ type: 'USER', value: '42' }] } } }), 400).message).toMatch(/user 42/);
    expectErrorShape(await t.call('POST', B, { body: { title: 'x', cardId: 999, schedule: { frequency: 'DAILY' } } }), 404);
    expectErrorShape(await t.call('POST', B, { body: { ...weeklyBody, viewId: 789012 } }), 409);
    expectErrorShape(await t.call('POST', B, { body: { title: 'no resource', schedule: { frequency: 'DAILY' } } }), 400);
    expect((await t.call('GET', `${B}?filter=ALL`)).json).toHaveLength(before);
  });
});

describe('DELETE /api/content/v1/reportschedules', () => {
  it('deletes the schedules of a page', async () => {
    const res = await t.call('DELETE', `${B}?pageId=345678`);
    expect(res.status).toBe(200);
    expectErrorShape(await t.call('GET', `${B}/${MONTHLY}`), 404);
  });

  it('403 for a non-owner, 404 for a page without reports, 400 without pageId; nothing deleted', async () => {
    expectErrorShape(await t.call('DELETE', `${B}?pageId=345678`, { token: EDITOR_TOKEN }), 403);
    expectErrorShape(await t.call('DELETE', `${B}?pageId=1`), 404);
    expectErrorShape(await t.call('DELETE', B), 400);
    expect((await t.call('GET', `${B}/${MONTHLY}`)).status).toBe(200);
  });
});

describe('GET /api/content/v1/reportschedules/:scheduleId', () => {
  it('returns the schedule to its owner, an admin and a recipient; 403 to others; 404 unknown', async () => {
    const priya = await tokenFor(PRIYA);
    expect((await t.call('GET', `${B}/${MONTHLY}`, { token: priya })).json).toMatchObject({ id: MONTHLY, owner: true, recipientCount: 3 });
    expect((await t.call('GET', `${B}/${MONTHLY}`)).json.owner).toBe(false);
    expect((await t.call('GET', `${B}/${MONTHLY}`, { token: PARTICIPANT_TOKEN })).status).toBe(200); // John is a recipient
    expectErrorShape(await t.call('GET', `${B}/${MONTHLY}`, { token: EDITOR_TOKEN }), 403);
    expectErrorShape(await t.call('GET', `${B}/5`), 404);
  });
});

describe('PUT /api/content/v1/reportschedules/:scheduleId', () => {
  it('updates title and schedule (merged) and recomputes nextRunDate', async () => {
    const res = await t.call('PUT', `${B}/${MONTHLY}`, { body: { title: 'Updated Monthly Sales Report', schedule: { daysToRun: '15', hourOfDay: 10, minOfHour: 30 } } });
    expect(res.status).toBe(200);
    expect(res.json.title).toBe('Updated Monthly Sales Report');
    expect(res.json.schedule).toMatchObject({ frequency: 'MONTHLY', daysToRun: '15', hourOfDay: 10, minOfHour: 30, timezone: 'America/New_York', enabled: true });
    expect(res.json.schedule.nextRunDate).toBe(Date.parse('2026-01-15T15:30:00Z')); // 10:30 New York today, still ahead of 07:00
    expect((await t.call('GET', `${B}/${MONTHLY}`)).json.title).toBe('Updated Monthly Sales Report');
  });

  it('403 for a non-owner, 400 for bad fields; nothing changes', async () => {
    expectErrorShape(await t.call('PUT', `${B}/${MONTHLY}`, { token: PARTICIPANT_TOKEN, body: { title: 'Mine' } }), 403);
    expectErrorShape(await t.call('PUT', `${B}/${MONTHLY}`, { body: { schedule: { hourOfDay: 25 } } }), 400);
    expectErrorShape(await t.call('PUT', `${B}/${MONTHLY}`, { body: { schedule: { frequency: 'WEEKLY', daysToRun: '15' } } }), 400);
    expect((await t.call('GET', `${B}/${MONTHLY}`)).json).toMatchObject({ title: 'Monthly Sales Report', schedule: { frequency: 'MONTHLY', hourOfDay: 9 } });
  });
});

describe('DELETE /api/content/v1/reportschedules/:scheduleId', () => {
  it('deletes for the owner; 403 for others; 404 after', async () => {
    expectErrorShape(await t.call('DELETE', `${B}/${WEEKLY}`, { token: EDITOR_TOKEN }), 403);
    expect((await t.call('GET', `${B}/${WEEKLY}`)).status).toBe(200);
    expect((await t.call('DELETE', `${B}/${WEEKLY}`)).status).toBe(200);
    expectErrorShape(await t.call('GET', `${B}/${WEEKLY}`), 404);
    expectErrorShape(await t.call('DELETE', `${B}/${WEEKLY}`), 404);
  });
});

describe('PUT /api/content/v1/reportschedules/:scheduleId/enabled', () => {
  it('takes a bare boolean', async () => {
    expect((await t.call('PUT', `${B}/${WEEKLY}/enabled`, { raw: 'false', headers: { 'Content-Type': 'application/json' } })).status).toBe(200);
    const s = (await t.call('GET', `${B}/${WEEKLY}`)).json.schedule;
    expect(s).toMatchObject({ enabled: false, nextRunDate: null });
    expectErrorShape(await t.call('PUT', `${B}/${WEEKLY}/enabled`, { body: 'yes' }), 400);
    expectErrorShape(await t.call('PUT', `${B}/${WEEKLY}/enabled`, { body: true, token: EDITOR_TOKEN }), 403);
    expect((await t.call('GET', `${B}/${WEEKLY}`)).json.schedule.enabled).toBe(false);
  });
});

describe('GET /api/content/v1/reportschedules/:scheduleId/history', () => {
  it('lists the runs of one schedule, newest first', async () => {
    const res = await t.call('GET', `${B}/${MONTHLY}/history`);
    expect(res.status).toBe(200);
    expect(res.json).toHaveLength(1);
    expect(res.json[0]).toMatchObject({ id: 789012, reportId: MONTHLY, reportTitle: 'Monthly Sales Report', reportSubject: 'Sales Report for November 2024', startTime: '2024-11-01T09:00:00.000Z', status: 'success', attachmentCount: 2 });
    expect(res.json[0].recipients).toEqual([{ userId: PRIYA, displayName: 'Priya Shah', emailAddress: 'priya.shah@example.com' }]);
    expectErrorShape(await t.call('GET', `${B}/${MONTHLY}/history`, { token: PARTICIPANT_TOKEN }), 403);
  });
});

describe('POST /api/content/v1/reportschedules/:scheduleId/sendnow', () => {
  it('202, then a job: queued -> running -> success, one email per recipient', async () => {
    const res = await t.call('POST', `${B}/${WEEKLY}/sendnow`, { body: [] });
    expect(res.status).toBe(202);
    let h = (await t.call('GET', `${B}/${WEEKLY}/history`)).json[0];
    expect(h).toMatchObject({ status: 'queued', automated: false, endTime: null });
    expect(await outbox()).toHaveLength(0);
    await advance('PT0.6S');
    expect((await t.call('GET', `${B}/${WEEKLY}/history`)).json[0].status).toBe('running');
    await advance('PT1S');
    h = (await t.call('GET', `${B}/${WEEKLY}/history`)).json[0];
    expect(h).toMatchObject({ status: 'success', endTime: '2026-01-15T12:00:01.500Z' });
    expect(h.recipients.map((r: any) => r.userId)).toEqual([EDITOR_ID, PARTICIPANT_ID, ADMIN_ID]);
    const mails = await outbox();
    expect(mails.map((m) => m.recipients[0])).toEqual(['bryan.vankampen@example.com', 'john.doe@example.com', 'jae.wilson@example.com']);
    expect(mails[0].body).toContain('Total Amount:');
    expect(mails[0].meta).toMatchObject({ scheduleId: WEEKLY, historyId: h.id });
  });

  it('sends to the body recipients when given; 400 for an unknown user; 403 for a non-owner; nothing queued', async () => {
    const before = (await allHistory()).length;
    expectErrorShape(await t.call('POST', `${B}/${WEEKLY}/sendnow`, { body: [{ type: 'USER', value: '42' }] }), 400);
    expectErrorShape(await t.call('POST', `${B}/${WEEKLY}/sendnow`, { body: [], token: EDITOR_TOKEN }), 403);
    expectErrorShape(await t.call('POST', `${B}/${WEEKLY}/sendnow`, { body: [{ type: 'EMAIL', value: 'nope' }] }), 400);
    expect(await allHistory()).toHaveLength(before);
    expect((await t.call('POST', `${B}/${WEEKLY}/sendnow`, { body: [{ type: 'EMAIL', value: 'boss@example.com' }] })).status).toBe(202);
    await advance();
    expect((await outbox()).map((m) => m.recipients)).toEqual([['boss@example.com']]);
  });
});

describe('POST /api/content/v1/reportschedules/:scheduleId/queue', () => {
  it('queues a run that completes on the clock', async () => {
    expect((await t.call('POST', `${B}/${WEEKLY}/queue`, { body: [{ type: 'EMAIL', value: 'john.doe@example.com' }] })).status).toBe(202);
    await advance();
    const h = (await t.call('GET', `${B}/${WEEKLY}/history`)).json[0];
    expect(h.recipients).toEqual([{ userId: PARTICIPANT_ID, displayName: 'John Doe', emailAddress: 'john.doe@example.com' }]);
    expect(await outbox()).toHaveLength(1);
  });
});

describe('POST /api/content/v1/reportschedules/:scheduleId/notifications', () => {
  it('emails the given ReportRecipients', async () => {
    const body = [{ userId: 901234, displayName: 'John Doe', emailAddress: 'john.doe@example.com' }];
    expect((await t.call('POST', `${B}/${MONTHLY}/notifications`, { body })).status).toBe(202);
    await advance();
    expect((await outbox()).map((m) => m.recipients[0])).toEqual(['john.doe@example.com']);
    expectErrorShape(await t.call('POST', `${B}/${MONTHLY}/notifications`, { body: [] }), 400);
  });
});

describe('POST /api/content/v1/reportschedules/:scheduleId/notifications/queue', () => {
  it('queues the same build-and-email', async () => {
    expect((await t.call('POST', `${B}/${MONTHLY}/notifications/queue`, { body: [{ emailAddress: 'ext@example.com' }] })).status).toBe(202);
    await advance();
    expect((await outbox()).map((m) => m.recipients[0])).toEqual(['ext@example.com']);
  });
});

describe('PUT /api/content/v1/reportschedules/emails/enabled', () => {
  it('admin-only switch; while off runs complete as skipped and send nothing', async () => {
    expectErrorShape(await t.call('PUT', `${B}/emails/enabled`, { body: false, token: EDITOR_TOKEN }), 403);
    expect((await t.call('PUT', `${B}/emails/enabled`, { body: false })).status).toBe(200);
    await t.call('POST', `${B}/${WEEKLY}/sendnow`, { body: [] });
    await advance();
    expect((await t.call('GET', `${B}/${WEEKLY}/history`)).json[0]).toMatchObject({ status: 'skipped', recipients: [] });
    expect(await outbox()).toHaveLength(0);
    await t.call('PUT', `${B}/emails/enabled`, { body: true });
    await t.call('POST', `${B}/${WEEKLY}/sendnow`, { body: [] });
    await advance();
    expect(await outbox()).toHaveLength(3);
  });
});

describe('POST /api/content/v1/reportschedules/:scheduleId/unsubscribe', () => {
  it('the caller stops receiving the report', async () => {
    expect((await t.call('POST', `${B}/${WEEKLY}/unsubscribe`, { token: PARTICIPANT_TOKEN })).status).toBe(200);
    expect((await t.call('GET', `${B}/${WEEKLY}`)).json.unsubscribed).toEqual(['john.doe@example.com']);
    await t.call('POST', `${B}/${WEEKLY}/sendnow`, { body: [] });
    await advance();
    expect((await outbox()).map((m) => m.recipients[0])).toEqual(['bryan.vankampen@example.com', 'jae.wilson@example.com']);
  });

  it('403 for someone who cannot see the schedule', async () => {
    expectErrorShape(await t.call('POST', `${B}/${MONTHLY}/unsubscribe`, { token: EDITOR_TOKEN }), 403);
    expect((await t.call('GET', `${B}/${MONTHLY}`)).json.unsubscribed).toEqual([]);
  });
});

describe('POST /api/content/v1/reportschedules/:scheduleId/resubscribe', () => {
  it('resubscribes the caller or (owner/admin) a named recipient', async () => {
    await t.call('POST', `${B}/${WEEKLY}/unsubscribe`, { token: PARTICIPANT_TOKEN });
    await t.call('POST', `${B}/${WEEKLY}/unsubscribe`, { token: EDITOR_TOKEN });
    expect((await t.call('POST', `${B}/${WEEKLY}/resubscribe`, { token: PARTICIPANT_TOKEN })).status).toBe(200);
    expectErrorShape(await t.call('POST', `${B}/${WEEKLY}/resubscribe?userId=${EDITOR_ID}`, { token: PARTICIPANT_TOKEN }), 403);
    expect((await t.call('GET', `${B}/${WEEKLY}`)).json.unsubscribed).toEqual(['bryan.vankampen@example.com']);
    expect((await t.call('POST', `${B}/${WEEKLY}/resubscribe?emailId=bryan.vankampen@example.com`)).status).toBe(200);
    expect((await t.call('GET', `${B}/${WEEKLY}`)).json.unsubscribed).toEqual([]);
  });
});

describe('POST /api/content/v1/reportschedules/:scheduleId/sendResubscribe', () => {
  it('emails a resubscribe link to named recipients who unsubscribed', async () => {
    await t.call('POST', `${B}/${WEEKLY}/unsubscribe`, { token: PARTICIPANT_TOKEN });
    const res = await t.call('POST', `${B}/${WEEKLY}/sendResubscribe`, { body: [{ type: 'EMAIL', value: 'john.doe@example.com' }, { type: 'USER', value: String(EDITOR_ID) }] });
    expect(res.status).toBe(202);
    const mails = await outbox('report-resubscribe');
    expect(mails.map((m) => m.recipients[0])).toEqual(['john.doe@example.com']);
    expect(mails[0].body).toContain(`/reportschedules/${WEEKLY}/resubscribe`);
    expectErrorShape(await t.call('POST', `${B}/${WEEKLY}/sendResubscribe`, { body: [] }), 400);
  });
});

describe('DELETE /api/content/v1/reportschedules/:scheduleId/unsubscribe/recipient', () => {
  it('removes an unsubscribed recipient from the list and from the schedule', async () => {
    await t.call('POST', `${B}/${WEEKLY}/unsubscribe`, { token: EDITOR_TOKEN });
    expectErrorShape(await t.call('DELETE', `${B}/${WEEKLY}/unsubscribe/recipient?userId=${PARTICIPANT_ID}`), 404);
    expectErrorShape(await t.call('DELETE', `${B}/${WEEKLY}/unsubscribe/recipient?userId=${EDITOR_ID}`, { token: EDITOR_TOKEN }), 403);
    expect((await t.call('GET', `${B}/${WEEKLY}`)).json.unsubscribed).toEqual(['bryan.vankampen@example.com']);
    expect((await t.call('DELETE', `${B}/${WEEKLY}/unsubscribe/recipient?userId=${EDITOR_ID}`)).status).toBe(200);
    const s = (await t.call('GET', `${B}/${WEEKLY}`)).json;
    expect(s.unsubscribed).toEqual([]);
    expect(s.schedule.additionalRecipients).toEqual([{ type: 'GROUP', value: '6789456782' }]);
  });
});

describe('POST /api/content/v1/reportschedules/card-email-data', () => {
  it('renders each card from its dataset, keyed by card id, deterministically', async () => {
    const res = await t.call('POST', `${B}/card-email-data`, { body: [REVENUE_CARD] });
    expect(res.status).toBe(200);
    const c = res.json[String(REVENUE_CARD)];
    expect(c).toMatchObject({ title: 'Revenue by Region', cardType: 'kpi', summaryNumberLabel: 'Total Amount', cardLink: `/cards/${REVENUE_CARD}`, certified: true }); // the fixtures certify this card
    expect(c.htmlContent).toContain('<th>Region</th>');
    expect(Buffer.from(c.encodedImage, 'base64').toString()).toBe(c.htmlContent);
    expect((await t.call('POST', `${B}/card-email-data`, { body: [REVENUE_CARD] })).json).toEqual(res.json);
    expectErrorShape(await t.call('POST', `${B}/card-email-data`, { body: [123, 456, 789] }), 404);
    expectErrorShape(await t.call('POST', `${B}/card-email-data`, { body: ['x'] }), 400);
  });
});

describe('GET /api/content/v1/reportschedules/created', () => {
  it('lists recently created schedules', async () => {
    const created = await t.call('POST', B, { body: weeklyBody });
    await advance('P20D');
    const res = await t.call('GET', `${B}/created?days=30&filter=ALL`);
    expect(res.status).toBe(200);
    expect(res.json).toHaveLength(4);
    expect((await t.call('GET', `${B}/created`)).json).toEqual([]);
    await t.call('POST', B, { body: { ...weeklyBody, viewId: 1 } });
    const recent = (await t.call('GET', `${B}/created`)).json;
    expect(recent).toHaveLength(1);
    expect(recent[0]).toMatchObject({ reportTitle: 'Weekly Performance Report', ownerId: ADMIN_ID, resourceType: 'PAGE', resourceId: 345678, created: '2026-02-04T12:00:00.000Z' });
    expect(recent[0].reportId).not.toBe(created.json.id);
  });
});

describe('GET /api/content/v1/reportschedules/extendedHistory', () => {
  it('adds owner and resource to the history entries of the last days', async () => {
    const res = await t.call('GET', `${B}/extendedHistory?filter=ALL`);
    expect(res.status).toBe(200);
    expect(res.json.map((h: any) => h.id)).toEqual([789014, 789013]);
    expect(res.json[1]).toMatchObject({ ownerId: ADMIN_ID, recipientCount: 1, resourceType: 'CARD', resourceId: REVENUE_CARD, resourceName: 'Revenue by Region' });
    expect((await t.call('GET', `${B}/extendedHistory?filter=ALL&days=1000`)).json).toHaveLength(3);
  });
});

describe('POST /api/content/v1/reportschedules/failures/rerun', () => {
  it('reruns failed runs in the window (they fail again while the card is missing)', async () => {
    const start = Date.parse('2026-01-14T00:00:00Z');
    const res = await t.call('POST', `${B}/failures/rerun?start=${start}&end=${start + 86_400_000}`);
    expect(res.status).toBe(200);
    await advance();
    const h = (await t.call('GET', `${B}/${BROKEN}/history`)).json;
    expect(h).toHaveLength(2);
    expect(h[0]).toMatchObject({ status: 'failed', message: 'resource CARD 234567 no longer exists' });
    expectErrorShape(await t.call('POST', `${B}/failures/rerun?start=0`), 400);
  });
});

describe('GET /api/content/v1/reportschedules/history', () => {
  it('lists history of the caller schedules, ordered and paged', async () => {
    const res = await t.call('GET', `${B}/history`);
    expect(res.status).toBe(200);
    expect(res.json.map((h: any) => h.id)).toEqual([789014, 789013]);
    expect((await t.call('GET', `${B}/history?filter=ALL&orderBy=reportTitle&isAscending=true&limit=1`)).json[0].reportTitle).toBe('Misconfigured Report');
    expectErrorShape(await t.call('GET', `${B}/history?orderBy=bogus`), 400);
  });
});

describe('GET /api/content/v1/reportschedules/history/:historyId', () => {
  it('returns one entry; 403 for a non-owner; 404 unknown', async () => {
    const res = await t.call('GET', `${B}/history/789012`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: 789012, reportTitle: 'Monthly Sales Report', startTime: '2024-11-01T09:00:00.000Z', endTime: '2024-11-01T09:05:00.000Z', status: 'success', resourceName: 'Sales Dashboard' });
    expectErrorShape(await t.call('GET', `${B}/history/789012`, { token: EDITOR_TOKEN }), 403);
    expectErrorShape(await t.call('GET', `${B}/history/1`), 404);
  });
});

describe('POST /api/content/v1/reportschedules/history/search', () => {
  it('applies only the enabled clauses', async () => {
    const res = await t.call('POST', `${B}/history/search?filter=ALL`, { body: { includeTitleClause: true, titleSearchText: 'Sales', includeStatusClause: true, status: 'success', includeTypeClause: true, isAutomated: true, includeScheduleIdClause: false } });
    expect(res.status).toBe(200);
    expect(res.json.map((h: any) => h.id)).toEqual([789012]);
    const failed = await t.call('POST', `${B}/history/search?filter=ALL`, { body: { includeStatusClause: true, status: 'failed' } });
    expect(failed.json.map((h: any) => h.id)).toEqual([789014]);
    expectErrorShape(await t.call('POST', `${B}/history/search`, { body: { includeTitleClause: 'yes' } }), 400);
  });
});

describe('GET /api/content/v1/reportschedules/misconfigured', () => {
  it('lists schedules whose resource or recipients no longer exist, with the reasons', async () => {
    const res = await t.call('GET', `${B}/misconfigured`);
    expect(res.status).toBe(200);
    expect(res.json).toHaveLength(1);
    expect(res.json[0]).toMatchObject({ id: BROKEN, title: 'Misconfigured Report', active: false, schedule: { frequency: 'MONTHLY', enabled: false } });
    expect(res.json[0].problems).toContain('resource CARD 234567 no longer exists');
    expect(res.json[0].problems).toContain('recipient USER 444444 no longer exists');
    // deleting a recipient user makes a working schedule misconfigured
    await t.call('DELETE', `/api/identity/v1/users/${EDITOR_ID}`);
    const after = (await t.call('GET', `${B}/misconfigured`)).json.map((s: any) => s.id);
    expect(after).toEqual([WEEKLY, BROKEN]);
  });
});

describe('GET /api/content/v1/reportschedules/resources', () => {
  it('lists resources that have reports, filtered by title', async () => {
    const res = await t.call('GET', `${B}/resources`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual([
      { resourceId: 345678, title: 'Sales Dashboard', type: 'PAGE', reportCount: 1 },
      { resourceId: REVENUE_CARD, title: 'Revenue by Region', type: 'CARD', reportCount: 1 },
      { resourceId: 234567, title: 'Retired KPI', type: 'CARD', reportCount: 1 },
    ]);
    expect((await t.call('GET', `${B}/resources?title=revenue`)).json).toHaveLength(1);
    expect((await t.call('GET', `${B}/resources`, { token: EDITOR_TOKEN })).json.map((r: any) => r.resourceId)).toEqual([REVENUE_CARD]);
  });
});

describe('GET /api/content/v1/reportschedules/resources/:resourceType/:resourceId', () => {
  it('lists the schedules of one resource (own, or all visible with showAll)', async () => {
    expect((await t.call('GET', `${B}/resources/CARD/${REVENUE_CARD}`)).json.map((s: any) => s.id)).toEqual([WEEKLY]);
    expect((await t.call('GET', `${B}/resources/PAGE/345678`)).json).toEqual([]);
    const all = await t.call('GET', `${B}/resources/page/345678?showAll=true`);
    expect(all.json.map((s: any) => s.id)).toEqual([MONTHLY]);
    expectErrorShape(await t.call('GET', `${B}/resources/WIDGET/1`), 400);
  });
});

describe('GET /api/content/v1/reportschedules/sortby', () => {
  it('lists schedules sorted by nextRunDate', async () => {
    const res = await t.call('GET', `${B}/sortby?filter=ALL&orderBy=nextRunDate&isAscending=true`);
    expect(res.status).toBe(200);
    expect(res.json.map((s: any) => s.id)).toEqual([WEEKLY, MONTHLY, BROKEN]);
  });
});

describe('GET /api/content/v1/reportschedules/views/:viewId', () => {
  it('finds the schedule of a view', async () => {
    const res = await t.call('GET', `${B}/views/789012`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: MONTHLY, title: 'Monthly Sales Report', schedule: { frequency: 'MONTHLY', enabled: true } });
    expectErrorShape(await t.call('GET', `${B}/views/1`), 404);
  });
});

describe('POST /api/content/v1/reportschedules/views/:viewId/sendNow', () => {
  it('sends the schedule of a view', async () => {
    expect((await t.call('POST', `${B}/views/789020/sendNow?attachmentInclude=true`, { body: [{ type: 'EMAIL', value: 'user@example.com' }] })).status).toBe(202);
    await advance();
    const h = (await t.call('GET', `${B}/${WEEKLY}/history`)).json[0];
    expect(h).toMatchObject({ status: 'success', attachmentCount: 1 });
    expect((await outbox()).map((m) => m.recipients[0])).toEqual(['user@example.com']);
    expectErrorShape(await t.call('POST', `${B}/views/1/sendNow`, { body: [] }), 404);
  });
});

describe('POST /api/content/v1/reportschedules/views/:viewId/sendNowWithParams', () => {
  it('sends with email parameters', async () => {
    const res = await t.call('POST', `${B}/views/789020/sendNowWithParams`, { body: { recipients: [{ type: 'EMAIL', value: 'user@example.com' }], alertActionId: 789012, emailParams: { param1: 'value1' } } });
    expect(res.status).toBe(202);
    await advance();
    const mails = await outbox();
    expect(mails).toHaveLength(1);
    expect(mails[0].body).toContain('"param1":"value1"');
    expectErrorShape(await t.call('POST', `${B}/views/789020/sendNowWithParams`, { body: { recipients: 'x' } }), 400);
  });
});

describe('schedules fire on the instance clock', () => {
  const daily = {
    title: 'Daily numbers',
    cardId: REVENUE_CARD,
    schedule: { frequency: 'DAILY', hourOfDay: 8, minOfHour: 0, timezone: 'America/New_York', enabled: true, additionalRecipients: [{ type: 'USER', value: String(EDITOR_ID) }, { type: 'EMAIL', value: 'ext@example.com' }] },
  };
  const mine = async (id: number) => (await outbox()).filter((m) => m.meta.scheduleId === id);

  it('fires exactly once per period across a DST change, with history and the next run advancing', async () => {
    await t.call('POST', '/_emulator/clock', { body: { freeze: '2026-03-07T12:00:00Z' } });
    const s = (await t.call('POST', B, { body: daily })).json;
    expect(s.schedule.nextRunDate).toBe(Date.parse('2026-03-07T13:00:00Z')); // 08:00 EST
    await advance('P3DT10S'); // the 4th run starts at P3D and is sent 1.5 s later
    const sent = await mine(s.id);
    // two recipients per run; 08:00 New York is 13:00Z before the change and 12:00Z after it
    expect(sent).toHaveLength(8);
    const history = (await t.call('GET', `${B}/${s.id}/history`)).json as Array<{ startTime: string; status: string }>;
    expect(history.map((h) => h.startTime).sort()).toEqual(['2026-03-07T13:00:00.000Z', '2026-03-08T12:00:00.000Z', '2026-03-09T12:00:00.000Z', '2026-03-10T12:00:00.000Z']);
    expect(history.every((h) => h.status === 'success')).toBe(true);
    expect((await t.call('GET', `${B}/${s.id}`)).json.schedule.nextRunDate).toBe(Date.parse('2026-03-11T12:00:00Z'));
    await advance('PT1H');
    expect(await mine(s.id)).toHaveLength(8); // nothing fires twice
  });

  it('a disabled schedule sends nothing; an unsubscribed recipient gets nothing', async () => {
    const s = (await t.call('POST', B, { body: daily })).json;
    const off = (await t.call('POST', B, { body: { ...daily, title: 'Off', schedule: { ...daily.schedule, enabled: false } } })).json;
    expect(off.schedule.nextRunDate).toBeNull();
    await t.call('POST', `${B}/${s.id}/unsubscribe`, { token: EDITOR_TOKEN });
    await advance('P1D');
    expect(await mine(off.id)).toEqual([]);
    expect((await mine(s.id)).map((m) => m.recipients[0])).toEqual(['ext@example.com']);
  });

  it('a schedule on a page that does not exist is refused', async () => {
    expectErrorShape(await t.call('POST', B, { body: { ...weeklyBody, pageId: 999999, viewId: 1 } }), 404);
  });
});
