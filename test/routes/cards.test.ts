import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EDITOR_TOKEN, PARTICIPANT_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const SALES = '0dbe6a6a-5588-4a1e-9db4-989ca98762a5';
const FROZEN_MS = Date.parse('2026-01-15T12:00:00.000Z');
const text = (s: string) => ({ text: [{ type: 'TEXT', text: s }] });
const salesCards = async () => (await t.call('GET', `/api/content/v1/datasources/${SALES}/cards`)).json as Array<Record<string, any>>;
const render = (urn: string | number, parts: string, opts: { token?: string; body?: unknown; locale?: string } = {}) =>
  t.call('PUT', `/api/content/v1/cards/kpi/${urn}/render?parts=${parts}${opts.locale ? `&locale=${opts.locale}` : ''}`, { token: opts.token, body: opts.body ?? { queryOverrides: {}, treatLongsAsStrings: true, cardLoadContext: {} } });

describe('PUT /api/content/v1/cards/:cardId/title', () => {
  it('changes what the dataset cards endpoint lists', async () => {
    const title = 'Pivot Table - Change 22 the quick brown fox jumped over the lazy dog';
    const res = await t.call('PUT', '/api/content/v1/cards/100292101/title', { body: { dynamicTitle: text(title), dynamicDescription: text('Regional revenue') } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({});
    const card = (await salesCards()).find((c) => c.id === 100292101)!;
    expect(card).toMatchObject({ title, description: 'Regional revenue', lastModified: FROZEN_MS });
  });

  it('joins the text parts; the description alone may change; the owner may edit', async () => {
    await t.call('PUT', '/api/content/v1/cards/100292102/title', {
      token: EDITOR_TOKEN,
      body: { dynamicTitle: { text: [{ type: 'TEXT', text: 'Monthly ' }, { type: 'TEXT', text: 'Sales' }] } },
    });
    await t.call('PUT', '/api/content/v1/cards/100292103/title', { body: { dynamicDescription: text('Best sellers') } });
    const cards = await salesCards();
    expect(cards.find((c) => c.id === 100292102)!.title).toBe('Monthly Sales');
    expect(cards.find((c) => c.id === 100292103)).toMatchObject({ title: 'Top Products', description: 'Best sellers' });
  });

  it('403 for someone else, 400 for an empty or malformed body, 404 for an unknown card; nothing changes', async () => {
    expectErrorShape(await t.call('PUT', '/api/content/v1/cards/100292101/title', { token: EDITOR_TOKEN, body: { dynamicTitle: text('Mine now') } }), 403);
    expectErrorShape(await t.call('PUT', '/api/content/v1/cards/100292101/title', { body: {} }), 400);
    expect(expectErrorShape(await t.call('PUT', '/api/content/v1/cards/100292101/title', { body: { dynamicTitle: text('  ') } }), 400).details![0].path).toBe(
      'body.dynamicTitle.text',
    );
    expect(expectErrorShape(await t.call('PUT', '/api/content/v1/cards/100292101/title', { body: { dynamicTitle: { text: 'x' } } }), 400).details![0].path).toBe(
      'body.dynamicTitle.text',
    );
    expectErrorShape(await t.call('PUT', '/api/content/v1/cards/42/title', { body: { dynamicTitle: text('x') } }), 404);
    expect((await salesCards()).find((c) => c.id === 100292101)!.title).toBe('Revenue by Region');
  });
});

describe('PUT /api/content/v1/cards/kpi/:urn/render', () => {
  it('renders the reference request (title,imagePDF, with the trailing comma): title + a base64 PDF of the data', async () => {
    const res = await render(100292101, 'title,imagePDF,');
    expect(res.status).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual(['data', 'title']);
    expect(res.json.title).toBe('Revenue by Region');
    expect(res.json.data).toHaveLength(1);
    const pdf = Buffer.from(res.json.data[0], 'base64').toString('latin1');
    expect(pdf.startsWith('%PDF-1.4')).toBe(true);
    expect(pdf).toContain('(Revenue by Region) Tj');
    expect(pdf).toMatch(/\(West: [\d.]+\) Tj/);
    expect(pdf.trimEnd().endsWith('%%EOF')).toBe(true);
  });

  it('computes the data from the dataset: Amount summed by Region', async () => {
    const res = await render(100292101, 'queryResult,summary,dataSource,chartType');
    const q = res.json.queryResult;
    expect(q.columns).toEqual(['Region', 'Total Amount']);
    expect(q.rows.map((r: any[]) => r[0])).toEqual(['Central', 'East', 'South', 'West']);
    const total = q.rows.reduce((s: number, r: any[]) => s + r[1], 0);
    expect(res.json.summary.label).toBe('Total Amount');
    expect(res.json.summary.value).toBeCloseTo(total, 1);
    expect(res.json.dataSource).toEqual({ id: SALES, name: 'Sales Transactions' });
    expect(res.json.chartType).toBe('badge_vert_bar');
    // the same data through SQL on the dataset
    const sql = await t.call('POST', `/api/query/v1/execute/${SALES}`, { body: { sql: "SELECT SUM(`Amount`) AS s FROM t WHERE `Region` = 'West'" } });
    expect(sql.status).toBe(200);
    expect(q.rows[3][1]).toBeCloseTo(Number(sql.json.rows[0][0]), 1);
  });

  it('renders deterministic PNGs in the order asked', async () => {
    const a = await render(100292101, 'image,summaryImage');
    const b = await render(100292101, 'image');
    expect(a.json.data).toHaveLength(2);
    const png = Buffer.from(a.json.data[0], 'base64');
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(320);
    expect(png.readUInt32BE(20)).toBe(160);
    expect(Buffer.from(a.json.data[1], 'base64').readUInt32BE(16)).toBe(160);
    expect(b.json.data[0]).toBe(a.json.data[0]);
  });

  it('follows state: a new title is rendered', async () => {
    await t.call('PUT', '/api/content/v1/cards/100292101/title', { body: { dynamicTitle: text('Revenue (renamed)') } });
    expect((await render(100292101, 'title')).json.title).toBe('Revenue (renamed)');
  });

  it('formats the summary for the locale', async () => {
    const us = (await render(100292101, 'summary', { locale: 'en-US' })).json.summary.formattedValue as string;
    const de = (await render(100292101, 'summary', { locale: 'de-DE' })).json.summary.formattedValue as string;
    expect(us).toContain(',');
    expect(de).toContain('.');
    expect(us).not.toBe(de);
  });

  it('the card owner may render without dataset access; others need read access', async () => {
    // John (participant) owns card 100292101 and is in Sales Team (CAN_VIEW on Sales)
    expect((await render(100292101, 'title', { token: PARTICIPANT_TOKEN })).status).toBe(200);
    // card 93905300 is on the Activity Log dataset, which John cannot read
    expectErrorShape(await render(93905300, 'title', { token: PARTICIPANT_TOKEN }), 403);
  });

  it('400 for missing, unknown or repeated parts; 404 for an unknown card', async () => {
    expect(expectErrorShape(await t.call('PUT', '/api/content/v1/cards/kpi/100292101/render', { body: {} }), 400).details![0].path).toBe('query.parts');
    expectErrorShape(await render(100292101, 'title,hologram'), 400);
    expectErrorShape(await render(100292101, 'title,title'), 400);
    expectErrorShape(await render(100292101, 'title', { locale: 'not_a_locale!!' }), 400);
    expectErrorShape(await render(42, 'title'), 404);
  });
});
