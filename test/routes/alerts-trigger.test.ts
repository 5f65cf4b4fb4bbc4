import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_ID, EDITOR_ID } from '../helpers/app.js';
import { testApp } from '../helpers/app.js';
import { SALES, advance, createDataset, load } from './datasets-helpers.js';

// Alerts are checked on the scheduler after every change of their dataset (and hourly): the rule is
// evaluated on the real rows; the alert triggers on the change that makes it true, notifies its
// subscribers through the outbox, and re-arms when the rule no longer holds.
let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const alert = async (id: number) => (await t.call('GET', `/api/social/v4/alerts/${id}?fields=all`)).json;
const alertMail = async (id: number) => ((await t.call('GET', '/_emulator/outbox?kind=alert', { token: null })).json as Array<{ recipients: string[]; meta: { alertId: number; value: number | null } }>).filter((m) => m.meta.alertId === id);

describe('a threshold alert on a dataset', () => {
  it('triggers on the upload that satisfies it and not before, then re-arms when it no longer holds', async () => {
    const id = await createDataset(t, [
      { name: 'region', type: 'STRING' },
      { name: 'total', type: 'LONG' },
    ]);
    t.instance().stores.alerts.seed([
      { id: 9001, name: 'Totals pass 100', type: 'CARD_VALUE', category: 'DATA', resourceType: 'DATASET', resourceId: id, rule: 'total is greater than 100', owner: ADMIN_ID, createdAt: '2026-01-15 12:00:00', subscriptions: [{ subscriberId: EDITOR_ID, type: 'USER' }] },
    ]);
    await load(t, id, [[1, 'East,50\n']], { action: 'REPLACE', index: true });
    await advance(t, 'PT1S');
    expect(await alert(9001)).toMatchObject({ triggered: false, error: {} });
    expect(await alertMail(9001)).toEqual([]);

    await load(t, id, [[1, 'West,60\n']], { action: 'APPEND', index: true });
    await advance(t, 'PT1S');
    expect((await alert(9001)).triggered).toBe(true);
    const mail = await alertMail(9001);
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({ recipients: ['bryan.vankampen@example.com'], meta: { value: 110 } });

    // still true on the next change: no second notification
    await load(t, id, [[1, 'North,1\n']], { action: 'APPEND', index: true });
    await advance(t, 'PT1S');
    expect(await alertMail(9001)).toHaveLength(1);

    // false again: re-armed, and the next crossing notifies again
    await load(t, id, [[1, 'East,10\n']], { action: 'REPLACE', index: true });
    await advance(t, 'PT1S');
    expect((await alert(9001)).triggered).toBe(false);
    await load(t, id, [[1, 'East,500\n']], { action: 'REPLACE', index: true });
    await advance(t, 'PT1S');
    expect(await alertMail(9001)).toHaveLength(2);
  });

  it('an alert whose rule the emulator cannot read shows why', async () => {
    t.instance().stores.alerts.seed([
      { id: 9002, name: 'Odd', type: 'CARD_VALUE', category: 'DATA', resourceType: 'DATASET', resourceId: SALES, rule: 'Amount feels high', owner: ADMIN_ID, createdAt: '2026-01-15 12:00:00' },
    ]);
    await advance(t, 'PT1H1M');
    expect((await alert(9002)).error).toEqual({ message: "The emulator cannot evaluate the rule 'Amount feels high'" });
  });
});

describe('an any-row alert (fixture alert 123 on Sales Transactions)', () => {
  it('triggers when an append changes the watched column, notifying users and group members', async () => {
    await advance(t, 'PT1S'); // the first check sets the baseline
    expect((await alert(123)).triggered).toBe(false);
    await load(t, SALES, [[1, '300001,2026-01-20,West,Tom Becker,Initech,Laptop Pro 14,Hardware,1,1299.00,0.00,1299.00\n']], { action: 'APPEND', index: true });
    await advance(t, 'PT1S');
    expect((await alert(123)).triggered).toBe(true);
    const [mail] = await alertMail(123);
    // Bryan, plus the Sales Team's members (John, Bryan, Jae), once each
    expect([...mail.recipients].sort()).toEqual(['bryan.vankampen@example.com', 'jae.wilson@example.com', 'john.doe@example.com']);
    // an hour later nothing changed: the hourly check re-arms it
    await advance(t, 'PT1H');
    expect((await alert(123)).triggered).toBe(false);
  });
});
