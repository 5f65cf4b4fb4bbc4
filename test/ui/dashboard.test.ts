import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/index.js';

// The dashboard (/_emulator/ui) in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core;
// nothing is downloaded) against a real startEmulator() server. DASHBOARD_SCREENSHOTS=<dir> also writes
// PNGs of the panels there (`npm run docs:screenshots` writes docs/screenshots/).
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `test/ui/dashboard.test.ts SKIPPED: no Chromium at ${CHROMIUM}. Install Debian's: apt-get update && apt-get install -y chromium ` +
      '(.ci/run does), or point CHROMIUM_PATH at a Chromium binary.',
  );
}
const shots = process.env.DASHBOARD_SCREENSHOTS;
if (shots) mkdirSync(shots, { recursive: true });
const shoot = async (page: Page, name: string) => {
  if (shots) await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
};

const headers = { 'X-DOMO-Developer-Token': 'domo-emulator-admin-token', 'Content-Type': 'application/json' };
const SALES = '0dbe6a6a-5588-4a1e-9db4-989ca98762a5';
const tmp = mkdtempSync(join(tmpdir(), 'domo-ui-'));
let browser: BrowserContext;
let emu: RunningEmulator;
let page: Page;
const errors: string[] = [];
const origins = new Set<string>();

beforeAll(async () => {
  if (!hasChromium) return;
  emu = await startEmulator({ ids: 'sequential', freezeClock: '2026-01-15T12:00:00Z', logLevel: 'silent' });
  browser = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => {
    if (!r.url().startsWith('blob:')) origins.add(new URL(r.url()).origin);
  });
});

afterAll(async () => {
  await browser?.close();
  await emu?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const rowsOf = (sel: string) =>
  page.$$eval(`${sel} tbody tr`, (trs) => trs.map((tr: any) => Array.from(tr.querySelectorAll('td') as ArrayLike<any>).map((td) => td.textContent as string)));

describe.skipIf(!hasChromium)('the dashboard in Chromium', () => {
  it('opens on the datasets; the SQL console shows the rows and a bar per row', async () => {
    await page.goto(`${emu.url}/_emulator/ui`);
    expect(await page.title()).toBe('domo-emulator dashboard');
    await page.waitForSelector('#datasets tbody tr');
    const names = (await rowsOf('#datasets')).map((r) => r[1]);
    expect(names).toContain('Sales Transactions');
    await page.click(`#datasets tbody tr:has(td:text-is("${SALES}"))`);
    await page.waitForSelector('#schema tbody tr');
    await page.waitForSelector('#preview tbody tr');
    const schema = await rowsOf('#schema');
    const first = schema.find((r) => r[1] === 'STRING')![0];
    const sql = `SELECT \`${first}\`, COUNT(*) AS n FROM t GROUP BY \`${first}\` ORDER BY n DESC, \`${first}\``;
    await page.fill('#sql', sql);
    await page.click('#run-sql');
    await page.waitForSelector('#sql-rows tbody tr');
    const res = await fetch(`${emu.url}/api/query/v1/execute/${SALES}`, { method: 'POST', headers, body: JSON.stringify({ sql }) });
    const expected = ((await res.json()) as { rows: Array<[unknown, number]> }).rows;
    expect(expected.length).toBeGreaterThan(0);
    expect(await rowsOf('#sql-rows')).toEqual(expected.map((r) => [String(r[0] ?? ''), String(r[1])]));
    const bars = await page.$$eval('#sql-chart rect', (rs) => rs.map((r: any) => ({ label: r.getAttribute('data-label'), value: Number(r.getAttribute('data-value')), width: Number(r.getAttribute('width')) })));
    expect(bars.map((b) => b.value)).toEqual(expected.slice(0, 30).map((r) => r[1]));
    expect(bars[0].width).toBe(520); // the biggest bar spans the chart
    expect(bars.every((b, i) => i === 0 || b.width <= bars[i - 1].width)).toBe(true);
    await page.locator('#sql-result').scrollIntoViewIfNeeded();
    await shoot(page, 'datasets-sql');
  });

  it('browses an AppDB collection and queries it', async () => {
    await page.click('nav button[data-tab="AppDB"]');
    await page.waitForSelector('#collections tbody tr');
    await page.click('#collections tbody tr:has(td:text-is("campaigns"))');
    await page.waitForSelector('#documents tbody tr');
    const res = await fetch(`${emu.url}/api/datastores/v1/collections/campaigns/documents`, { headers });
    const docs = (await res.json()) as Array<{ id: string; content: Record<string, unknown> }>;
    expect(docs.length).toBeGreaterThan(0);
    expect((await rowsOf('#documents')).map((r) => r[0])).toEqual(docs.map((d) => d.id));
    await page.click('#documents tbody tr:first-child');
    expect(JSON.parse((await page.textContent('#document'))!)).toMatchObject({ id: docs[0].id, content: docs[0].content });
    // the query box: one field's value from the first document selects the documents with it
    const [field, value] = Object.entries(docs[0].content)[0];
    await page.fill('#appdb-query', JSON.stringify({ [`content.${field}`]: value }));
    await page.click('#run-appdb');
    await page.waitForFunction((n) => (globalThis as any).document.querySelectorAll('#documents tbody tr').length === n, docs.filter((d) => d.content[field] === value).length);
    await shoot(page, 'appdb');
  });

  it('shows a request the test made in the live journal, with its detail', async () => {
    await page.click('nav button[data-tab="Journal"]');
    await page.waitForSelector('#journal-rows');
    const res = await fetch(`${emu.url}/api/identity/v1/users/27`, { headers });
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id')!;
    // the page polls: the new entry appears without a reload
    const row = page.locator(`#journal-rows tbody tr:has(td:text-is("${requestId}"))`);
    await row.waitFor({ timeout: 5000 });
    expect(await row.locator('td').allTextContents()).toEqual([expect.any(String), 'GET', '/api/identity/v1/users/27', '200', expect.any(String), requestId]);
    await page.fill('#j-path', '/users/27');
    await row.click();
    expect(JSON.parse((await page.textContent('#journal-detail'))!)).toMatchObject({ method: 'GET', path: '/api/identity/v1/users/27', status: 200, requestId });
    await shoot(page, 'journal');
  });

  it('shows a sent email, rendered in a sandboxed frame', async () => {
    const send = await fetch(`${emu.url}/api/content/v1/reportschedules/123460/sendnow`, { method: 'POST', headers, body: '[]' });
    expect(send.status).toBe(202);
    await fetch(`${emu.url}/_emulator/clock`, { method: 'POST', headers, body: JSON.stringify({ advance: 'PT2S' }) });
    const mails = (await (await fetch(`${emu.url}/_emulator/outbox`)).json()) as Array<{ subject: string; body: string; recipients: string[] }>;
    expect(mails.length).toBeGreaterThan(0);
    await page.click('nav button[data-tab="Outbox"]');
    await page.waitForSelector('#outbox tbody tr');
    expect((await rowsOf('#outbox')).length).toBe(mails.length);
    await page.click('#outbox tbody tr:first-child');
    const newest = mails[mails.length - 1];
    expect(await page.getAttribute('#mail', 'sandbox')).toBe('');
    const text = await page.frameLocator('#mail').locator('body').textContent();
    expect(text).toContain('Total Amount:');
    expect(await page.textContent('#mail-meta')).toContain(newest.subject);
    await shoot(page, 'outbox');
    expect(errors).toEqual([]);
    expect([...origins]).toEqual([emu.url]);
  });
});
