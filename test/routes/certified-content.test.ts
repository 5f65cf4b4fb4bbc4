import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_ID, EDITOR_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const SALES = '0dbe6a6a-5588-4a1e-9db4-989ca98762a5';
const COVID = 'dcad2f50-e65e-4259-a9e8-214a3d1e18a7';
const FROZEN_MS = Date.parse('2026-01-15T12:00:00.000Z');
const path = (type: string, id: string | number) => `/api/tags/v3/${type}/${id}/system/CERTIFIED/state`;
const state = async (type: string, id: string | number) => (await t.call('GET', path(type, id))).json;
const uncertified = { tag: 'CERTIFIED', state: null, metadata: null, updated: null };

describe('GET /api/tags/v3/:entityType/:entityId/system/CERTIFIED/state', () => {
  it('answers null state for uncertified content and ACTIVE for certified content', async () => {
    const res = await t.call('GET', path('DATA_SOURCE', COVID));
    expect(res.status).toBe(200);
    expect(res.json).toEqual(uncertified);
    expect(await state('DATA_SOURCE', SALES)).toEqual({
      tag: 'CERTIFIED',
      state: 'ACTIVE',
      metadata: { certifiedBy: ADMIN_ID, certifiedByName: 'Jae Wilson', entityType: 'DATA_SOURCE', entityId: SALES },
      updated: FROZEN_MS,
    });
    expect((await state('CARD', 100292101)).state).toBe('ACTIVE');
    expect((await state('card', 100292102)).state).toBeNull();
    expect((await state('PAGE', 12345)).state).toBeNull();
  });

  it('404 for an unknown entity, 400 for an unknown entity type', async () => {
    expectErrorShape(await t.call('GET', path('CARD', 42)), 404);
    expectErrorShape(await t.call('GET', path('CARD', 'abc')), 404);
    expectErrorShape(await t.call('GET', path('DATA_SOURCE', 'no-such-dataset')), 404);
    expectErrorShape(await t.call('GET', path('PAGE', 42)), 404);
    expect(expectErrorShape(await t.call('GET', path('WIDGET', 1)), 400).details![0].path).toBe('path.entityType');
  });
});

describe('PUT /api/tags/v3/:entityType/:entityId/system/CERTIFIED/state/ACTIVE', () => {
  it('certifies a dataset, a card and a page (idempotently)', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await t.call('PUT', `${path('DATA_SOURCE', COVID)}/ACTIVE`);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ tag: 'CERTIFIED', state: 'ACTIVE', updated: FROZEN_MS });
    }
    expect((await state('DATA_SOURCE', COVID)).metadata.certifiedBy).toBe(ADMIN_ID);
    expect((await t.call('PUT', `${path('CARD', 100292102)}/ACTIVE`)).status).toBe(200);
    expect((await t.call('PUT', `${path('PAGE', 12345)}/ACTIVE`)).status).toBe(200);
    expect((await state('CARD', 100292102)).state).toBe('ACTIVE');
    expect((await state('PAGE', 12345)).state).toBe('ACTIVE');
  });

  it('only admins certify; 404 for an unknown entity; nothing changes', async () => {
    expectErrorShape(await t.call('PUT', `${path('DATA_SOURCE', COVID)}/ACTIVE`, { token: EDITOR_TOKEN }), 403);
    expectErrorShape(await t.call('PUT', `${path('CARD', 42)}/ACTIVE`), 404);
    expect(await state('DATA_SOURCE', COVID)).toEqual(uncertified);
  });
});

describe('DELETE /api/tags/v3/:entityType/:entityId/system/CERTIFIED/state', () => {
  it('removes the certification with 204 (idempotently)', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await t.call('DELETE', path('DATA_SOURCE', SALES));
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
    }
    expect(await state('DATA_SOURCE', SALES)).toEqual(uncertified);
  });

  it('only admins remove; 404 for an unknown entity; nothing changes', async () => {
    expectErrorShape(await t.call('DELETE', path('CARD', 100292101), { token: EDITOR_TOKEN }), 403);
    expectErrorShape(await t.call('DELETE', path('CARD', 42)), 404);
    expect((await state('CARD', 100292101)).state).toBe('ACTIVE');
  });
});
