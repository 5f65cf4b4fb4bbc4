import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EDITOR_TOKEN, PARTICIPANT_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';
import type { App } from './datasets-helpers.js';

let t: App;
beforeAll(() => {
  t = testApp();
});
afterAll(() => t.close());

describe('/api/data/v1/accounts', () => {
  it('lists accounts (admins: all; others: their own), with or without the trailing slash', async () => {
    const all = await t.call('GET', '/api/data/v1/accounts/');
    expect(all.json.map((a: any) => [a.accountId, a.displayName])).toEqual([
      [1, 'DomoStats'],
      [3, 'Snowflake - Analytics Warehouse'],
      [7, 'PostgreSQL - Orders DB'],
      [25, 'COVID-19 Data Feed'],
    ]);
    expect((await t.call('GET', '/api/data/v1/accounts', { token: EDITOR_TOKEN })).json.map((a: any) => a.accountId)).toEqual([7]);
  });

  it('gets one account; 404 unknown, 403 for someone else\'s', async () => {
    expect((await t.call('GET', '/api/data/v1/accounts/3')).json).toMatchObject({ accountId: 3, displayName: 'Snowflake - Analytics Warehouse', status: 'Active' });
    expectErrorShape(await t.call('GET', '/api/data/v1/accounts/99'), 404);
    expectErrorShape(await t.call('GET', '/api/data/v1/accounts/3', { token: EDITOR_TOKEN }), 403);
    expectErrorShape(await t.call('GET', '/api/data/v1/accounts/abc'), 404);
  });

  it('creates an account owned by the caller; a bad body changes nothing', async () => {
    const before = (await t.call('GET', '/api/data/v1/accounts')).json.length;
    expectErrorShape(await t.call('POST', '/api/data/v1/accounts', { body: { displayName: 'x' } }), 400);
    expectErrorShape(await t.call('POST', '/api/data/v1/accounts', { body: { displayName: '', accountType: 'Standard' } }), 400);
    expect((await t.call('GET', '/api/data/v1/accounts')).json.length).toBe(before);
    // a Participant holds neither account.manage nor dataset.create
    const refused = expectErrorShape(await t.call('POST', '/api/data/v1/accounts', { body: { displayName: 'New Account', accountType: 'Standard' }, token: PARTICIPANT_TOKEN }), 403);
    expect(refused.message).toContain('Missing authority account.manage or dataset.create');
    expect((await t.call('GET', '/api/data/v1/accounts')).json.length).toBe(before);
    const res = await t.call('POST', '/api/data/v1/accounts', { body: { displayName: 'New Account', accountType: 'Standard' }, token: EDITOR_TOKEN });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ displayName: 'New Account', status: 'Active', accountType: 'Standard', ownerId: 587894148 });
    const got = await t.call('GET', `/api/data/v1/accounts/${res.json.accountId}`, { token: EDITOR_TOKEN });
    expect(got.json.displayName).toBe('New Account');
    expect((await t.call('GET', '/api/data/v1/accounts')).json.length).toBe(before + 1);
  });
});
