import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, PARTICIPANT_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

// --authz off: every known token acts with every right. Each call below is refused (403) to the Participant
// with --authz enforce, and succeeds with --authz off; the state read back shows it took effect.
const enforce = testApp();
const off = testApp({ authz: 'off' });
afterAll(() => {
  enforce.close();
  off.close();
});

const SALES = '0dbe6a6a-5588-4a1e-9db4-989ca98762a5'; // the admin's dataset; the Participant may only view it
const PEOPLE = '94a4edfa-5926-4f0c-ad1e-a341f53f6113'; // the admin's, shared with nobody
const COVID_PAGE = 456; // editor2's locked page
const ARCHIVE_PAGE = 789; // the admin's page

type App = ReturnType<typeof testApp>;
interface Step {
  family: string;
  does: string;
  /** Builds what the call needs (as the admin), returns values for the call. */
  before?: (t: App) => Promise<Record<string, string | number>>;
  call: (v: Record<string, string | number>) => { method: string; path: string; body?: unknown; raw?: string; type?: string };
  /** With --authz off: what the state shows afterwards. */
  after: (t: App, v: Record<string, string | number>, json: any) => Promise<void>;
}

const steps: Step[] = [
  {
    family: 'Datasets',
    does: 'creates a dataset without dataset.create',
    call: () => ({ method: 'POST', path: '/api/data/v2/datasources', body: { dataSourceName: 'Participant made', schema: { columns: [{ name: 'a', type: 'STRING' }] } } }),
    after: async (t, _v, json) => expect((await t.call('GET', `/api/data/v3/datasources/${json.id}`)).json.owner.id).toBe('1089963280'),
  },
  {
    family: 'Datasets',
    does: 'reads and deletes the admin’s dataset',
    call: () => ({ method: 'DELETE', path: `/api/data/v3/datasources/${PEOPLE}` }),
    after: async (t) => {
      expectErrorShape(await t.call('GET', `/api/data/v3/datasources/${PEOPLE}`), 404);
    },
  },
  {
    family: 'Datasets',
    does: 'manages PDP on a dataset it only views',
    call: () => ({ method: 'PUT', path: `/api/query/v1/data-control/${SALES}`, body: { enabled: true } }),
    after: async (t) => expect((await t.call('GET', `/api/query/v1/data-control/${SALES}`)).json.enabled).toBe(true),
  },
  {
    family: 'AppDB',
    does: 'creates a collection without appdb.manage',
    call: () => ({ method: 'POST', path: '/api/datastores/v1/collections', body: { name: 'ParticipantCol' } }),
    after: async (t) => expect((await t.call('GET', '/api/datastores/v1/collections/ParticipantCol')).json.owner).toBe(1089963280),
  },
  {
    family: 'AppDB',
    does: 'deletes a collection it holds no permission on',
    before: async (t) => {
      await t.call('POST', '/api/datastores/v1/collections', { body: { name: 'AdminOnly' } });
      await t.call('PUT', '/api/datastores/v1/collections/AdminOnly/permission/USER/1893952720?permissions=read');
      return {};
    },
    call: () => ({ method: 'DELETE', path: '/api/datastores/v1/collections/AdminOnly' }),
    after: async (t) => expect((await t.call('GET', '/api/datastores/v1/collections/AdminOnly')).status).toBe(404),
  },
  {
    family: 'Files',
    does: 'deletes the admin’s private file',
    before: async (t) => {
      const res = await t.app.request('/api/data/v1/data-files?name=secret.txt&public=false', { method: 'POST', headers: { 'X-DOMO-Developer-Token': ADMIN_TOKEN, 'Content-Type': 'text/plain' }, body: 'secret' });
      return { f: ((await res.json()) as { dataFileId: number }).dataFileId };
    },
    call: (v) => ({ method: 'DELETE', path: `/api/data/v1/data-files/${v.f}` }),
    after: async (t, v) => expect((await t.call('GET', `/api/data/v1/data-files/${v.f}/details`)).status).toBe(404),
  },
  {
    family: 'Pages',
    does: 'adds a subpage under a locked page it does not own',
    call: () => ({ method: 'POST', path: '/api/content/v1/pages', body: { parentPageId: COVID_PAGE, title: 'Participant subpage' } }),
    after: async (t, _v, json) => expect(t.instance().stores.pages.get(json.pageId)).toMatchObject({ parentPageId: COVID_PAGE, ownerId: 1089963280 }),
  },
  {
    family: 'Pages',
    does: 'moves the admin’s page',
    call: () => ({ method: 'PUT', path: '/api/content/v1/pages/bulk/move', body: { pageIds: [ARCHIVE_PAGE], parentPageId: COVID_PAGE, pagePermission: 'ORIGINAL' } }),
    after: async (t) => expect(t.instance().stores.pages.get(ARCHIVE_PAGE).parentPageId).toBe(COVID_PAGE),
  },
  {
    family: 'ActivityLog',
    does: 'reads the activity log without audit.view',
    call: () => ({ method: 'GET', path: '/api/audit/v1/user-audits?start=0&end=9999999999999&limit=5' }),
    after: async (_t, _v, json) => expect(Array.isArray(json)).toBe(true),
  },
  {
    family: 'Users',
    does: 'makes itself an admin',
    call: () => ({ method: 'PATCH', path: '/api/identity/v1/users/1089963280', body: { roleId: 1 } }),
    after: async (t) => expect((await t.call('GET', '/api/identity/v1/users/1089963280')).json.users[0].roleId).toBe(1),
  },
];

describe('--authz off restores permissive behaviour', () => {
  for (const s of steps) {
    it(`${s.family}: a Participant ${s.does}`, async () => {
      const ve = s.before ? await s.before(enforce) : {};
      const c = s.call(ve);
      const refused = await enforce.call(c.method, c.path, { body: c.body, token: PARTICIPANT_TOKEN });
      expect(expectErrorShape(refused, 403).message).toMatch(/^Missing (authority|grant) /);

      const vo = s.before ? await s.before(off) : {};
      const co = s.call(vo);
      const res = await off.call(co.method, co.path, { body: co.body, token: PARTICIPANT_TOKEN });
      expect(res.status, res.text).toBeLessThan(300);
      // the journal still records the decisions, allowed because authz is off
      const last = (await off.call('GET', '/_emulator/requests?limit=1', { token: null })).json[0];
      expect(last.auth.decisions.length).toBeGreaterThan(0);
      expect(last.auth.decisions.every((d: { allowed: boolean; reason: string }) => d.allowed && d.reason === 'authz off')).toBe(true);
      await s.after(off, vo, res.json);
    });
  }

  it('unknown tokens are still refused (401)', async () => {
    expectErrorShape(await off.call('GET', '/api/data/v3/datasources', { token: 'not-a-token-at-all' }), 401);
  });
});
