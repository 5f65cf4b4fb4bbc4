import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_APP_USER, injectSession, inferType, startAppServer, type RunningApp } from '../src/app-server.js';
import { ADMIN_TOKEN, PARTICIPANT_ID } from './helpers/app.js';

// `domo-emulator app` in-process, driven by the real ryuu.js (domo.get / domo.post) in Node: its UMD bundle
// needs a window, a document and a MutationObserver at load (a shim below), and resolves URLs against the
// page's origin (fetch is wrapped to do the same).
const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'domo-app-'));
const outside = mkdtempSync(join(tmpdir(), 'domo-app-outside-'));
afterAll(() => [dir, outside].forEach((d) => rmSync(d, { recursive: true, force: true })));

const SALES = '11111111-2222-4333-8444-555555555555';
writeFileSync(
  join(dir, 'manifest.json'),
  JSON.stringify({
    name: 'Ryuu test app',
    version: '0.0.1',
    id: 'ryuu-test-app',
    datasetsMapping: [{ alias: 'sales', dataSetId: SALES, fields: [{ alias: 'region', columnName: 'Region' }, { alias: 'amount', columnName: 'Amount' }, { alias: 'day', columnName: 'Day' }] }],
    collections: [{ name: 'Comments', schema: { columns: [{ name: 'text', type: 'STRING' }] }, syncEnabled: false }],
  }),
);
writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><title>t</title></head><body><script src="app.js"></script></body></html>');
writeFileSync(join(dir, 'app.js'), 'console.log("hi")');
mkdirSync(join(dir, 'assets'));
writeFileSync(join(dir, 'assets', 'index.html'), '<p>no head</p>');
writeFileSync(join(outside, 'secret.txt'), 'secret');
symlinkSync(join(outside, 'secret.txt'), join(dir, 'leak.txt'));
const csv = join(outside, 'sales.csv');
writeFileSync(csv, 'Region,Amount,Day\nWest,10,2026-01-01\nEast,5.5,2026-01-02\nWest,2,2026-01-03\n');

let app: RunningApp;
let domo: any;
const realFetch = globalThis.fetch;

beforeAll(async () => {
  app = await startAppServer({ dir, port: 0, db: ':memory:', data: { sales: csv }, logLevel: 'silent' });
  const g = globalThis as any;
  g.self = g;
  g.window = g;
  g.__RYUU_SID__ = app.session;
  g.location = new URL(app.url);
  g.document = { documentElement: {}, head: {}, location: g.location };
  g.MutationObserver = class {
    observe() {}
  };
  g.HTMLElement = class {};
  globalThis.fetch = (input: any, init?: RequestInit) => realFetch(typeof input === 'string' ? new URL(input, app.origin) : input, init);
  domo = createRequire(import.meta.url)(join(root, 'node_modules', 'ryuu.js'));
});

afterAll(async () => {
  globalThis.fetch = realFetch;
  await app?.close();
});

const GROUPED = '/data/v1/sales?fields=region,amount&groupby=region';

describe('domo-emulator app with ryuu.js', () => {
  it('starts as the default user with the manifest’s dataset and collection created', () => {
    expect(app.userId).toBe(DEFAULT_APP_USER);
    expect(app.appId).toBe('ryuu-test-app');
    expect(app.notes).toEqual([`dataset ${SALES} (sales) created from ${csv}: 3 rows, 3 columns`, 'AppDB collection Comments created']);
    expect(app.url).toBe(`${app.origin}/?userId=${DEFAULT_APP_USER}&customer=default&locale=en-US&environment=emulator&platform=desktop`);
    expect(domo.env.userId).toBe(String(DEFAULT_APP_USER));
  });

  it('domo.get of the grouped query answers each of the four formats', async () => {
    const rows = await domo.get(GROUPED);
    expect(rows.sort((a: any, b: any) => a.region.localeCompare(b.region))).toEqual([
      { region: 'East', amount: 5.5 },
      { region: 'West', amount: 12 },
    ]);
    const aoa = await domo.get(`${GROUPED}&orderby=region`, { format: 'array-of-arrays' });
    expect(aoa).toMatchObject({ columns: ['region', 'amount'], rows: [['East', 5.5], ['West', 12]], numRows: 2, datasource: SALES });
    expect(aoa.metadata.map((m: any) => m.type)).toEqual(['STRING', 'DOUBLE']);
    const text = await domo.get(`${GROUPED}&orderby=region`, { format: 'csv' });
    expect(text.trim().split(/\r?\n/)).toEqual(['region,amount', 'East,5.5', 'West,12']);
    const blob: Blob = await domo.get(`${GROUPED}&orderby=region`, { format: 'excel', responseType: 'blob' });
    expect(blob.type).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const sheet = strFromU8(unzipSync(new Uint8Array(await blob.arrayBuffer()))['xl/worksheets/sheet1.xml']);
    expect(sheet).toContain('<c r="A2" t="inlineStr"><is><t xml:space="preserve">East</t></is></c><c r="B2"><v>5.5</v></c>');
    expect(sheet).toContain('<c r="B3"><v>12</v></c>');
  });

  it('domo.post of SQL as text/plain', async () => {
    const res = await domo.post('/sql/v1/sales', 'SELECT COUNT(*) AS n FROM sales', { contentType: 'text/plain' });
    expect(res).toMatchObject({ columns: ['n'], rows: [[3]] });
  });

  it('/domo/environment/v1/ names the session’s user', async () => {
    expect(await domo.get('/domo/environment/v1/')).toMatchObject({ userId: String(DEFAULT_APP_USER), userName: 'Bryan Van Kampen', customer: 'default', appId: 'ryuu-test-app' });
  });

  it('domo.post to an AppDB collection stores documents the product API reads back', async () => {
    const created = await domo.post('/domo/datastores/v1/collections/Comments/documents/', { content: { text: 'Looks good' } });
    expect(created).toMatchObject({ id: expect.any(String), owner: DEFAULT_APP_USER, content: { text: 'Looks good' } });
    await domo.post('/domo/datastores/v1/collections/Comments/documents/bulk', [{ content: { text: 'Second' } }]);
    const viaProduct = await realFetch(`${app.origin}/api/datastores/v1/collections/Comments/documents`, { headers: { 'X-DOMO-Developer-Token': ADMIN_TOKEN } });
    expect(viaProduct.status).toBe(200);
    const docs = (await viaProduct.json()) as Array<{ content: { text: string }; owner: number }>;
    expect(docs.map((d) => d.content.text).sort()).toEqual(['Looks good', 'Second']);
    expect(docs.every((d) => d.owner === DEFAULT_APP_USER)).toBe(true);
    const queried = await domo.post('/domo/datastores/v1/collections/Comments/documents/query', { 'content.text': { $eq: 'Second' } });
    expect(queried).toHaveLength(1);
  });

  it('refusals reach ryuu.js as errors with Domo’s error body', async () => {
    const err = await domo.get('/data/v1/nope').catch((e: any) => e);
    expect(err.status).toBe(404);
    expect(JSON.parse(err.body)).toMatchObject({ status: 404, message: expect.stringContaining("maps no dataset alias 'nope'") });
  });
});

describe('the app server’s files', () => {
  it('serves index.html with the session injected and the ryuu_sid cookie; assets as they are', async () => {
    const page = await realFetch(`${app.origin}/`);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('set-cookie')).toBe(`ryuu_sid=${app.session}; Path=/; HttpOnly; SameSite=Lax`);
    expect(await page.text()).toBe(`<!doctype html><html><head><script>window.__RYUU_SID__ = "${app.session}";</script><title>t</title></head><body><script src="app.js"></script></body></html>`);
    expect(await (await realFetch(`${app.origin}/assets/`)).text()).toBe(`<script>window.__RYUU_SID__ = "${app.session}";</script><p>no head</p>`);
    const js = await realFetch(`${app.origin}/app.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('console.log("hi")');
    expect(JSON.parse(await (await realFetch(`${app.origin}/manifest.json`)).text()).name).toBe('Ryuu test app');
  });

  it('never serves a file outside the app directory; only GET and HEAD', async () => {
    for (const p of ['/leak.txt', '/..%2f' + 'secret.txt', '/%2e%2e/%2e%2e/etc/passwd', '/nope.js']) expect((await realFetch(`${app.origin}${p}`)).status).toBe(404);
    expect((await realFetch(`${app.origin}/app.js`, { method: 'POST' })).status).toBe(405);
    expect((await realFetch(`${app.origin}/app.js`, { method: 'HEAD' })).status).toBe(200);
  });

  it('the cookie alone is an app session; the product API takes developer tokens on the same port', async () => {
    const env = await realFetch(`${app.origin}/domo/environment/v1`, { headers: { Cookie: `ryuu_sid=${app.session}` } });
    expect(((await env.json()) as { userName: string }).userName).toBe('Bryan Van Kampen');
    const ds = await realFetch(`${app.origin}/api/data/v3/datasources/${SALES}`, { headers: { 'X-DOMO-Developer-Token': ADMIN_TOKEN } });
    expect(((await ds.json()) as { rowCount: number; name: string })).toMatchObject({ rowCount: 3, name: "sales" });
    expect((await realFetch(`${app.origin}/api/data/v3/datasources/${SALES}`)).status).toBe(401);
  });
});

describe('startAppServer checks its inputs', () => {
  it('an unknown --as user, a --data alias the manifest lacks, a missing manifest', async () => {
    await expect(startAppServer({ dir, port: 0, as: 42, logLevel: 'silent' })).rejects.toThrow(/--as 42: no such user/);
    await expect(startAppServer({ dir, port: 0, data: { orders: csv }, logLevel: 'silent' })).rejects.toThrow(/maps no dataset alias 'orders'/);
    await expect(startAppServer({ dir: outside, port: 0, logLevel: 'silent' })).rejects.toThrow(/manifest.json not found/);
  });

  it('--as picks the session’s user; a missing mapped dataset is a warning', async () => {
    const other = await startAppServer({ dir, port: 0, as: PARTICIPANT_ID, logLevel: 'silent' });
    try {
      expect(other.notes).toEqual([`warning: alias 'sales' maps dataset ${SALES}, which does not exist (give --data sales=file.csv)`, 'AppDB collection Comments created']);
      const env = await realFetch(`${other.origin}/domo/environment/v1`, { headers: { 'X-DOMO-Ryuu-Session': other.session } });
      expect(((await env.json()) as { userName: string }).userName).toBe('John Doe');
    } finally {
      await other.close();
    }
  });
});

describe('helpers', () => {
  it('inferType and injectSession', () => {
    expect(inferType(['1', '', '-3'])).toBe('LONG');
    expect(inferType(['1', '2.5'])).toBe('DOUBLE');
    expect(inferType(['2026-01-02'])).toBe('DATE');
    expect(inferType(['2026-01-02T10:00:00Z'])).toBe('DATETIME');
    expect(inferType(['x', '1'])).toBe('STRING');
    expect(injectSession('<!DOCTYPE html><p>x', 's')).toBe('<!DOCTYPE html><script>window.__RYUU_SID__ = "s";</script><p>x');
  });
});
