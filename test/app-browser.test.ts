import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppServer, type RunningApp } from '../src/app-server.js';

// Custom apps in a real browser: headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core;
// nothing is downloaded) loads pages served by `domo-emulator app`: the example app (its table and chart
// fill from the Data API), and a page running the real ryuu.js bundle.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `test/app-browser.test.ts SKIPPED: no Chromium at ${CHROMIUM}. Install Debian's: apt-get update && apt-get install -y chromium ` +
      '(.ci/run does), or point CHROMIUM_PATH at a Chromium binary.',
  );
}

const root = join(import.meta.dirname, '..');
const example = join(root, 'examples', 'sales-dashboard');
const tmp = mkdtempSync(join(tmpdir(), 'domo-browser-'));
let browser: BrowserContext;

beforeAll(async () => {
  if (!hasChromium) return;
  // a fresh profile (--user-data-dir, which playwright passes for a persistent context)
  browser = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(!hasChromium)('the example app in Chromium', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startAppServer({ dir: example, port: 0, data: { sales: join(example, 'sales.csv') }, logLevel: 'silent' });
  });
  afterAll(() => app?.close());

  it('loads its data: the table has a row and the chart a bar per region, biggest first', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // offline: every request the page makes goes to the app server
    const origins = new Set<string>();
    page.on('request', (r) => origins.add(new URL(r.url()).origin));
    await page.goto(app.url);
    await page.waitForSelector('#chart rect');
    const cells = await page.$$eval('#table tbody tr', (trs) => trs.map((tr: any) => Array.from(tr.querySelectorAll('td') as ArrayLike<any>).map((td) => td.textContent as string)));
    const bars = await page.$$eval('#chart rect', (rs) => rs.map((r: any) => ({ region: r.getAttribute('data-region'), width: Number(r.getAttribute('width')) })));
    // the dataset's own numbers, read back through the product API
    const sql = await fetch(`${app.origin}/api/query/v1/execute/5168da8d-1c72-4e31-ba74-f609f73071dd`, {
      method: 'POST',
      headers: { 'X-DOMO-Developer-Token': app.adminTokens[0], 'Content-Type': 'application/json' },
      body: JSON.stringify({ sql: 'SELECT `Region`, SUM(`Amount`) AS total, COUNT(DISTINCT `Sales Rep`) AS reps FROM t GROUP BY `Region` ORDER BY total DESC' }),
    });
    const expected = ((await sql.json()) as { rows: Array<[string, number, number]> }).rows;
    const money = (v: number) => v.toLocaleString('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
    expect(expected.length).toBeGreaterThan(1);
    expect(cells).toEqual(expected.map(([region, total, reps]) => [region, money(total), String(reps)]));
    expect(bars.map((b) => b.region)).toEqual(expected.map((r) => r[0]));
    expect(bars[0].width).toBe(300);
    expect(bars.every((b, i) => i === 0 || b.width <= bars[i - 1].width)).toBe(true);
    if (process.env.APP_SCREENSHOT) await page.screenshot({ path: process.env.APP_SCREENSHOT });
    expect(await page.textContent('#who')).toBe('Signed in as Bryan Van Kampen (default)');
    expect(await page.textContent('#status')).toBe(`${expected.length} regions`);
    expect(errors).toEqual([]);
    expect([...origins]).toEqual([app.origin]);
    await page.close();
  });
});

describe.skipIf(!hasChromium)('ryuu.js in Chromium', () => {
  let app: RunningApp;
  beforeAll(async () => {
    const dir = join(tmp, 'ryuu-app');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    // the SDK is loaded from the installed package (never copied into the repository)
    copyFileSync(join(root, 'node_modules', 'ryuu.js', 'dist', 'domo.js'), join(dir, 'domo.js'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(example, 'manifest.json'), 'utf8')), name: 'Ryuu browser app', collections: [{ name: 'Notes' }] }));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><script src="domo.js"></script></head><body>ready</body></html>');
    app = await startAppServer({ dir, port: 0, data: { sales: join(example, 'sales.csv') }, logLevel: 'silent' });
  });
  afterAll(() => app?.close());

  it('domo.get answers the grouped rows in the four formats; domo.post stores AppDB documents', async () => {
    const page = await browser.newPage();
    await page.goto(app.url);
    const got = await page.evaluate(async () => {
      const w = globalThis as any; // the page's window
      const domo = w.domo;
      const url = '/data/v1/sales?fields=region,amount&groupby=region&orderby=region';
      const blob: Blob = await domo.get(url, { format: 'excel', responseType: 'blob' });
      return {
        env: domo.env,
        session: w.__RYUU_SID__,
        objects: await domo.get(url),
        arrays: await domo.get(url, { format: 'array-of-arrays' }),
        csv: await domo.get(url, { format: 'csv' }),
        excel: Array.from(new Uint8Array(await blob.arrayBuffer())),
        who: await domo.get('/domo/environment/v1/'),
        created: await domo.post('/domo/datastores/v1/collections/Notes/documents/', { content: { note: 'from the browser' } }),
      };
    });
    expect(got.session).toBe(app.session);
    expect(got.env).toMatchObject({ userId: String(app.userId), customer: 'default', platform: 'desktop' });
    expect(got.objects.map((r: any) => r.region)).toEqual(['Central', 'East', 'South', 'West']);
    expect(Object.keys(got.objects[0])).toEqual(['region', 'amount']);
    expect(got.arrays).toMatchObject({ columns: ['region', 'amount'], numRows: 4 });
    expect(got.arrays.rows.map((r: unknown[]) => r[1])).toEqual(got.objects.map((r: any) => r.amount));
    expect(got.csv.trim().split(/\r?\n/)).toEqual(['region,amount', ...got.objects.map((r: any) => `${r.region},${r.amount}`)]);
    const sheet = strFromU8(unzipSync(new Uint8Array(got.excel))['xl/worksheets/sheet1.xml']);
    expect(sheet).toContain(`<c r="B2"><v>${got.objects[0].amount}</v></c>`);
    expect(got.who).toMatchObject({ userId: String(app.userId), userName: 'Bryan Van Kampen' });
    expect(got.created).toMatchObject({ owner: app.userId, content: { note: 'from the browser' } });
    const docs = await fetch(`${app.origin}/api/datastores/v1/collections/Notes/documents`, { headers: { 'X-DOMO-Developer-Token': app.adminTokens[0] } });
    expect(((await docs.json()) as Array<{ content: unknown }>).map((d) => d.content)).toEqual([{ note: 'from the browser' }]);
    await page.close();
  });
});
