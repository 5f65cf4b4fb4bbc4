import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_ID, EDITOR_ID, EDITOR_TOKEN, PARTICIPANT_ID, PARTICIPANT_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

/** Pages have no documented read endpoint: state is read back from the store. */
const page = (id: number) => t.instance().stores.pages.get(id) as Record<string, any>;
const DANA = 1249569521;

describe('POST /api/content/v1/pages', () => {
  it('creates a subpage owned by the caller under the parent', async () => {
    const res = await t.call('POST', '/api/content/v1/pages', { body: { parentPageId: '12345', title: 'New Subpage Title', hasLayout: true } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      parentPageId: 12345,
      ownerId: ADMIN_ID,
      owners: [{ id: ADMIN_ID, type: 'USER', displayName: 'Jae Wilson' }],
      type: 'page',
      title: 'New Subpage Title',
      pageName: 'New Subpage Title',
      locked: false,
      mobileEnabled: true,
      sharedViewPage: true,
      virtualPage: false,
      hasLayout: true,
      cardIds: [],
    });
    expect(JSON.parse(res.json.metadata)).toEqual({ pageTitle: 'New Subpage Title', title: 'New Subpage Title', type: 'page' });
    expect(page(12345).childPageIds).toEqual([123, res.json.pageId]);
    expect(page(res.json.pageId).title).toBe('New Subpage Title');
  });

  it('hasLayout defaults to true; a user the parent is shared with may create', async () => {
    const res = await t.call('POST', '/api/content/v1/pages', { token: EDITOR_TOKEN, body: { parentPageId: 12345, title: 'Editor Notes' } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ ownerId: EDITOR_ID, hasLayout: true });
  });

  it('409 for a duplicate title under the same parent; 404 for an unknown parent; 400 for a bad body; nothing is created', async () => {
    expectErrorShape(await t.call('POST', '/api/content/v1/pages', { body: { parentPageId: '12345', title: 'q4 review' } }), 409);
    expectErrorShape(await t.call('POST', '/api/content/v1/pages', { body: { parentPageId: '42', title: 'Orphan' } }), 404);
    expect(expectErrorShape(await t.call('POST', '/api/content/v1/pages', { body: { parentPageId: '12345' } }), 400).details![0].path).toBe('body.title');
    expect(expectErrorShape(await t.call('POST', '/api/content/v1/pages', { body: { parentPageId: 'abc', title: 'X' } }), 400).details![0].path).toBe('body.parentPageId');
    expect(page(12345).childPageIds).toEqual([123]);
  });

  it('403 for a participant, for a user without access, and under a locked page that is not theirs', async () => {
    expectErrorShape(await t.call('POST', '/api/content/v1/pages', { token: PARTICIPANT_TOKEN, body: { parentPageId: 12345, title: 'Mine' } }), 403);
    // Dana (Privileged) has no access to page 12345
    const dana = (await t.call('POST', '/_emulator/tokens', { body: { userId: DANA } })).json.token as string;
    expectErrorShape(await t.call('POST', '/api/content/v1/pages', { token: dana, body: { parentPageId: 12345, title: 'Dana Page' } }), 403);
    expect((await t.call('POST', '/api/content/v1/pages', { token: dana, body: { parentPageId: 2222222, title: 'Dana Page' } })).status).toBe(200);
    // 456 is Alexis's, locked, shared with Bryan
    expectErrorShape(await t.call('POST', '/api/content/v1/pages', { token: EDITOR_TOKEN, body: { parentPageId: 456, title: 'Nope' } }), 403);
    expect(page(456).childPageIds).toEqual([]);
    expect(page(12345).childPageIds).toEqual([123]);
  });
});

describe('PUT /api/content/v1/pages/bulk/move', () => {
  it('moves pages under a new parent (pages and their cards move together)', async () => {
    const res = await t.call('PUT', '/api/content/v1/pages/bulk/move', { body: { pageIds: [123, 456], parentPageId: 789, pagePermission: 'ORIGINAL' } });
    expect(res.status).toBe(200);
    expect(res.json.map((p: any) => [p.pageId, p.parentPageId])).toEqual([
      [123, 789],
      [456, 789],
    ]);
    expect(page(789).childPageIds).toEqual([123, 456]);
    expect(page(12345).childPageIds).toEqual([]);
    expect(page(456).cardIds).toEqual([100292110]);
  });

  it('409 for a cycle or a title clash; 404 for an unknown page; 400 for a bad permission; nothing moves', async () => {
    expectErrorShape(await t.call('PUT', '/api/content/v1/pages/bulk/move', { body: { pageIds: [12345], parentPageId: 123, pagePermission: 'ORIGINAL' } }), 409);
    expectErrorShape(await t.call('PUT', '/api/content/v1/pages/bulk/move', { body: { pageIds: [789], parentPageId: 789, pagePermission: 'ORIGINAL' } }), 409);
    await t.call('POST', '/api/content/v1/pages', { body: { parentPageId: 789, title: 'Q4 Review' } });
    expectErrorShape(await t.call('PUT', '/api/content/v1/pages/bulk/move', { body: { pageIds: [456, 123], parentPageId: 789, pagePermission: 'ORIGINAL' } }), 409);
    expectErrorShape(await t.call('PUT', '/api/content/v1/pages/bulk/move', { body: { pageIds: [456, 42], parentPageId: 789, pagePermission: 'ORIGINAL' } }), 404);
    const bad = expectErrorShape(await t.call('PUT', '/api/content/v1/pages/bulk/move', { body: { pageIds: [456], parentPageId: 789, pagePermission: 'COPY' } }), 400);
    expect(bad.details![0].path).toBe('body.pagePermission');
    expect(page(456).parentPageId).toBeNull();
    expect(page(123).parentPageId).toBe(12345);
  });

  it('only the owner of every page (or an admin) may move them; participants may not', async () => {
    expectErrorShape(await t.call('PUT', '/api/content/v1/pages/bulk/move', { token: EDITOR_TOKEN, body: { pageIds: [11111111, 123], parentPageId: 789, pagePermission: 'ORIGINAL' } }), 403);
    expectErrorShape(await t.call('PUT', '/api/content/v1/pages/bulk/move', { token: PARTICIPANT_TOKEN, body: { pageIds: [11111111], parentPageId: 789, pagePermission: 'ORIGINAL' } }), 403);
    expect(page(11111111).parentPageId).toBe(2222222);
    const ok = await t.call('PUT', '/api/content/v1/pages/bulk/move', { token: EDITOR_TOKEN, body: { pageIds: [11111111], parentPageId: 789, pagePermission: 'ORIGINAL' } });
    expect(ok.status).toBe(200);
    expect(page(11111111).parentPageId).toBe(789);
  });
});

describe('DELETE /api/content/v1/share/page/:pageId/user/:personId', () => {
  it('revokes a user\'s access', async () => {
    const res = await t.call('DELETE', `/api/content/v1/share/page/12345/user/${PARTICIPANT_ID}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({});
    expect(page(12345).sharedWith).toEqual([EDITOR_ID]);
  });

  it('a user may remove their own access; the owner may remove anyone\'s', async () => {
    expect((await t.call('DELETE', `/api/content/v1/share/page/456/user/${PARTICIPANT_ID}`, { token: PARTICIPANT_TOKEN })).status).toBe(200);
    expect((await t.call('DELETE', `/api/content/v1/share/page/2222222/user/${DANA}`, { token: EDITOR_TOKEN })).status).toBe(200);
    expect(page(456).sharedWith).toEqual([EDITOR_ID]);
    expect(page(2222222).sharedWith).toEqual([]);
  });

  it('403 for someone else, 409 for the owner or a user without access, 404 for unknown ids; nothing changes', async () => {
    expectErrorShape(await t.call('DELETE', `/api/content/v1/share/page/12345/user/${EDITOR_ID}`, { token: PARTICIPANT_TOKEN }), 403);
    expectErrorShape(await t.call('DELETE', `/api/content/v1/share/page/12345/user/${ADMIN_ID}`), 409);
    expectErrorShape(await t.call('DELETE', `/api/content/v1/share/page/12345/user/${DANA}`), 409);
    expectErrorShape(await t.call('DELETE', '/api/content/v1/share/page/12345/user/67890'), 404);
    expectErrorShape(await t.call('DELETE', `/api/content/v1/share/page/42/user/${EDITOR_ID}`), 404);
    expect(page(12345).sharedWith).toEqual([EDITOR_ID, PARTICIPANT_ID]);
  });
});
