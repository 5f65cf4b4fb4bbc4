import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, FROZEN_AT, expectErrorShape, testApp } from '../helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp({ journalSize: 5 });
});
afterEach(() => t.close());

describe('GET /_emulator/health', () => {
  it('answers ok without a token, for the instance asked', async () => {
    const res = await t.call('GET', '/_emulator/health', { token: null, instance: 'acme' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'ok', instance: 'acme', now: FROZEN_AT });
  });
});

describe('POST /_emulator/reset', () => {
  it('puts this instance back to its fixtures and leaves others alone', async () => {
    await t.call('POST', '/api/identity/v1/users', { body: { displayName: 'A', emailAddress: 'a@example.com', roleId: 4 }, instance: 'one' });
    await t.call('POST', '/api/identity/v1/users', { body: { displayName: 'B', emailAddress: 'b@example.com', roleId: 4 }, instance: 'two' });
    await t.call('DELETE', '/api/identity/v1/users/587894148', { instance: 'one' });
    const res = await t.call('POST', '/_emulator/reset', { token: null, instance: 'one' });
    expect(res.json).toEqual({ status: 'reset', instance: 'one' });
    const one = (await t.call('GET', '/api/identity/v1/users', { instance: 'one' })).json.users.map((u: { emailAddress: string }) => u.emailAddress);
    expect(one).not.toContain('a@example.com');
    expect(one).toContain('bryan.vankampen@example.com');
    const two = (await t.call('GET', '/api/identity/v1/users', { instance: 'two' })).json.users.map((u: { emailAddress: string }) => u.emailAddress);
    expect(two).toContain('b@example.com');
  });
});

describe('/_emulator/clock', () => {
  it('reads, advances by ISO durations, freezes and resumes', async () => {
    expect((await t.call('GET', '/_emulator/clock', { token: null })).json).toEqual({ now: FROZEN_AT, frozen: true });
    const adv = await t.call('POST', '/_emulator/clock', { body: { advance: 'PT1H' }, token: null });
    expect(adv.json).toEqual({ now: '2026-01-15T13:00:00.000Z', frozen: true });
    expect((await t.call('POST', '/_emulator/clock', { body: { advance: 'P8D' }, token: null })).json.now).toBe('2026-01-23T13:00:00.000Z');
    expect((await t.call('POST', '/_emulator/clock', { body: { freeze: '2030-05-01T00:00:00Z' }, token: null })).json.now).toBe('2030-05-01T00:00:00.000Z');
    const resumed = await t.call('POST', '/_emulator/clock', { body: { resume: true }, token: null });
    expect(resumed.json.frozen).toBe(false);
    expect(Date.parse(resumed.json.now)).toBeGreaterThanOrEqual(Date.parse('2030-05-01T00:00:00Z'));
  });

  it('timestamps written by stores come from the instance clock', async () => {
    await t.call('POST', '/_emulator/clock', { body: { freeze: '2031-02-03T04:05:06Z' }, token: null });
    const created = (await t.call('POST', '/api/authorization/v1/roles', { body: { name: 'Later', description: '', fromRoleId: 5 } })).json;
    expect(created.created).toBe(Date.parse('2031-02-03T04:05:06Z'));
  });

  it('rejects a bad duration or body with 400', async () => {
    expect(expectErrorShape(await t.call('POST', '/_emulator/clock', { body: { advance: 'one hour' }, token: null }), 400).details![0].path).toBe('body.advance');
    expectErrorShape(await t.call('POST', '/_emulator/clock', { body: { freeze: 'yesterday' }, token: null }), 400);
    expectErrorShape(await t.call('POST', '/_emulator/clock', { body: {}, token: null }), 400);
    expect((await t.call('GET', '/_emulator/clock', { token: null })).json.now).toBe(FROZEN_AT);
  });
});

describe('GET /_emulator/requests', () => {
  it('records method, path, status, ms and instance, bounded', async () => {
    await t.call('GET', '/api/identity/v1/users/587894148');
    await t.call('GET', '/api/identity/v1/users/42');
    const res = await t.call('GET', '/_emulator/requests', { token: null });
    const last = res.json.at(-1);
    expect(last).toMatchObject({ method: 'GET', path: '/api/identity/v1/users/42', status: 404, instance: 'default' });
    expect(typeof last.ms).toBe('number');
    for (let i = 0; i < 10; i++) await t.call('GET', '/_emulator/health', { token: null });
    expect((await t.call('GET', '/_emulator/requests', { token: null })).json).toHaveLength(5);
    expect((await t.call('GET', '/_emulator/requests?limit=2', { token: null })).json).toHaveLength(2);
  });
});

describe('GET /_emulator/outbox', () => {
  it('lists what the instance sent, filters by kind/to/since, and is emptied by reset', async () => {
    const outbox = t.instance().stores.outbox;
    outbox.send({ kind: 'email', to: ['jae.wilson@example.com'], subject: 'Hello', body: 'First' });
    await t.call('POST', '/_emulator/clock', { body: { advance: 'PT1H' }, token: null });
    outbox.send({ kind: 'notification', to: ['john.doe@example.com', 'Jae.Wilson@example.com'], subject: 'Shared', body: 'Second' });
    const all = (await t.call('GET', '/_emulator/outbox', { token: null })).json;
    expect(all).toHaveLength(2);
    expect(all[0]).toMatchObject({ kind: 'email', recipients: ['jae.wilson@example.com'], subject: 'Hello', body: 'First', time: FROZEN_AT });
    expect((await t.call('GET', '/_emulator/outbox?kind=notification', { token: null })).json).toHaveLength(1);
    expect((await t.call('GET', '/_emulator/outbox?to=jae.wilson@example.com', { token: null })).json).toHaveLength(2);
    expect((await t.call('GET', '/_emulator/outbox?to=john.doe@example.com', { token: null })).json).toHaveLength(1);
    expect((await t.call('GET', '/_emulator/outbox?since=2026-01-15T12:30:00Z', { token: null })).json.map((m: { subject: string }) => m.subject)).toEqual(['Shared']);
    await t.call('POST', '/_emulator/reset', { token: null });
    expect((await t.call('GET', '/_emulator/outbox', { token: null })).json).toEqual([]);
  });
});

describe('POST /_emulator/tokens', () => {
  it('issues a token that acts as that user', async () => {
    const res = await t.call('POST', '/_emulator/tokens', { body: { userId: 112321221 }, token: null });
    expect(res.status).toBe(200);
    // Sam may change his own profile, and is refused what his role (Participant) lacks
    const own = await t.call('PATCH', '/api/identity/v1/users/112321221', { body: { title: 'Field rep' }, token: res.json.token });
    expect(own.status).toBe(200);
    expect((await t.call('GET', '/api/identity/v1/users/112321221?parts=DETAILED')).json.users[0].title).toBe('Field rep');
    const refused = expectErrorShape(await t.call('POST', '/api/content/v2/groups', { body: { name: 'Sam group', type: 'open' }, token: res.json.token }), 403);
    expect(refused.message).toContain('group.manage');
    expectErrorShape(await t.call('POST', '/_emulator/tokens', { body: { userId: 42 }, token: null }), 404);
  });

  it('is not needed for admin routes, but the admin token still works there', async () => {
    expect((await t.call('GET', '/_emulator/health', { token: ADMIN_TOKEN })).status).toBe(200);
  });
});
