import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EDITOR_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

// The families see each other: beast modes compute in SQL and cards, cards compute from their own
// definitions, certification shows where Domo shows it, and deleting a dataset cascades.
let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const SALES = '0dbe6a6a-5588-4a1e-9db4-989ca98762a5';
const REVENUE = 100292101; // SUM(Amount) by Region
const TOP_PRODUCTS = 100292103; // SUM(Units) by Product, top 5 by value
const DISCOUNTED = 502; // `Units` * `Unit Price` * (1 - `Discount`), on Sales
const AVG_ORDER = 501; // SUM(`Amount`) / COUNT(DISTINCT `Order ID`), on Sales

const sql = async (q: string) => (await t.call('POST', `/api/query/v1/execute/${SALES}`, { body: { sql: q } })).json;
const render = async (card: number, body: unknown = {}) => (await t.call('PUT', `/api/content/v1/cards/kpi/${card}/render?parts=summary,queryResult`, { body })).json;

describe('beast modes compute', () => {
  it('a beast mode is usable by name in SQL, aggregated ones in SELECT and HAVING', async () => {
    const byName = await sql('SELECT ROUND(SUM(`Discounted Amount`), 2) AS d FROM t');
    const spelled = await sql('SELECT ROUND(SUM(`Units` * `Unit Price` * (1 - `Discount`)), 2) AS d FROM t');
    expect(byName.rows).toEqual(spelled.rows);
    const avg = await sql('SELECT `Region`, ROUND(`Average Order Value`, 2) AS aov FROM t GROUP BY `Region` ORDER BY `Region`');
    const manual = await sql('SELECT `Region`, ROUND(SUM(`Amount`) / COUNT(DISTINCT `Order ID`), 2) AS aov FROM t GROUP BY `Region` ORDER BY `Region`');
    expect(avg.rows).toEqual(manual.rows);
    expect(avg.columns).toEqual(['Region', 'aov']);
    const bare = await sql('SELECT `Average Order Value` FROM t');
    expect(bare.columns).toEqual(['Average Order Value']);
  });

  it('the dataset lists its beast modes in properties.formulas', async () => {
    const ds = (await t.call('GET', `/api/data/v3/datasources/${SALES}`)).json;
    const names = Object.values(ds.properties.formulas.formulas as Record<string, { name: string; templateId: number }>).map((f) => f.templateId);
    expect(names).toEqual(expect.arrayContaining([AVG_ORDER, DISCOUNTED]));
  });

  it('editing a beast mode changes a SQL result and the render of a card that uses it', async () => {
    await t.call('PUT', `/api/content/v1/cards/${REVENUE}/definition`, { body: { value: { column: 'Discounted Amount', aggregation: 'SUM' }, groupBy: ['Region'] } });
    const before = await render(REVENUE);
    const [[sqlBefore]] = (await sql('SELECT ROUND(SUM(`Discounted Amount`), 2) FROM t')).rows;
    expect(before.summary.value).toBeCloseTo(Number(sqlBefore), 1);
    const edit = await t.call('PUT', `/api/query/v1/functions/template/${DISCOUNTED}`, { body: { expression: '`Units` * `Unit Price`' }, token: EDITOR_TOKEN });
    expect(edit.status).toBe(200);
    const [[sqlAfter]] = (await sql('SELECT ROUND(SUM(`Discounted Amount`), 2) FROM t')).rows;
    const [[gross]] = (await sql('SELECT ROUND(SUM(`Units` * `Unit Price`), 2) FROM t')).rows;
    expect(sqlAfter).toEqual(gross);
    expect(sqlAfter).not.toEqual(sqlBefore);
    expect((await render(REVENUE)).summary.value).toBeCloseTo(Number(gross), 1);
  });
});

describe('cards compute from their definitions', () => {
  it('two cards on one dataset render different, correct numbers', async () => {
    const revenue = await render(REVENUE);
    const top = await render(TOP_PRODUCTS);
    const byRegion = await sql('SELECT `Region`, ROUND(SUM(`Amount`), 2) FROM t GROUP BY `Region` ORDER BY `Region`');
    expect(revenue.queryResult.rows).toEqual(byRegion.rows);
    const topUnits = await sql('SELECT `Product`, SUM(`Units`) AS u FROM t GROUP BY `Product` ORDER BY u DESC LIMIT 5');
    expect(top.queryResult.columns).toEqual(['Product', 'Units Sold']);
    expect(top.queryResult.rows).toEqual(topUnits.rows);
    expect(top.summary.value).not.toBe(revenue.summary.value);
  });

  it('honours queryOverrides (filters) and the card email uses the same summary', async () => {
    const west = await render(REVENUE, { queryOverrides: { filters: [{ column: 'Region', operand: 'IN', values: ['West'] }] } });
    const [[westTotal]] = (await sql("SELECT ROUND(SUM(`Amount`), 2) FROM t WHERE `Region` = 'West'")).rows;
    expect(west.queryResult.rows).toEqual([['West', westTotal]]);
    expect(west.summary.value).toBeCloseTo(Number(westTotal), 1);
    const email = (await t.call('POST', '/api/content/v1/reportschedules/card-email-data', { body: [REVENUE] })).json[String(REVENUE)];
    expect(email.summaryNumberLabel).toBe((await render(REVENUE)).summary.label);
    expect(email.summaryNumberValue).toBe((await render(REVENUE)).summary.value.toLocaleString('en-US'));
  });

  it('a definition naming a column the dataset lacks is refused when rendering (409 saying why)', async () => {
    await t.call('PUT', `/api/content/v1/cards/${REVENUE}/definition`, { body: { value: { column: 'Nope', aggregation: 'SUM' } } });
    const res = expectErrorShape(await t.call('PUT', `/api/content/v1/cards/kpi/${REVENUE}/render?parts=summary`, { body: {} }), 409);
    expect(res.message).toContain('Nope');
    expectErrorShape(await t.call('PUT', `/api/content/v1/cards/${REVENUE}/definition`, { body: { value: { aggregation: 'MEDIANISH' } } }), 400);
  });
});

describe('certification shows', () => {
  it('on the dataset, its cards’ listing and the card email once certified', async () => {
    // the fixtures certify Sales Transactions and Revenue by Region: start from neither
    await t.call('DELETE', `/api/tags/v3/DATA_SOURCE/${SALES}/system/CERTIFIED/state`);
    await t.call('DELETE', `/api/tags/v3/CARD/${REVENUE}/system/CERTIFIED/state`);
    expect((await t.call('GET', `/api/data/v3/datasources/${SALES}`)).json.certification).toBeNull();
    expect((await t.call('POST', '/api/content/v1/reportschedules/card-email-data', { body: [REVENUE] })).json[String(REVENUE)].certified).toBe(false);
    expect((await t.call('PUT', `/api/tags/v3/DATA_SOURCE/${SALES}/system/CERTIFIED/state/ACTIVE`)).status).toBe(200);
    expect((await t.call('PUT', `/api/tags/v3/CARD/${REVENUE}/system/CERTIFIED/state/ACTIVE`)).status).toBe(200);
    expect((await t.call('GET', `/api/data/v3/datasources/${SALES}`)).json.certification).toMatchObject({ state: 'CERTIFIED', adminCertified: true });
    const cards = (await t.call('GET', `/api/content/v1/datasources/${SALES}/cards`)).json;
    expect(cards.find((c: { id: number }) => c.id === REVENUE).certification).toMatchObject({ state: 'CERTIFIED' });
    expect(cards.find((c: { id: number }) => c.id === TOP_PRODUCTS).certification).toBeNull();
    const email = (await t.call('POST', '/api/content/v1/reportschedules/card-email-data', { body: [REVENUE, TOP_PRODUCTS] })).json;
    expect([email[String(REVENUE)].certified, email[String(TOP_PRODUCTS)].certified]).toEqual([true, false]);
  });
});

describe('deleting a dataset cascades', () => {
  it('its cards, their alerts and page slots, its alerts, beast mode links and certifications go', async () => {
    await t.call('PUT', `/api/tags/v3/CARD/${REVENUE}/system/CERTIFIED/state/ACTIVE`);
    expect((await t.call('DELETE', `/api/data/v3/datasources/${SALES}`)).status).toBeLessThan(300);
    expectErrorShape(await t.call('PUT', `/api/content/v1/cards/kpi/${REVENUE}/render?parts=summary`, { body: {} }), 404);
    expectErrorShape(await t.call('GET', '/api/social/v4/alerts/123'), 404); // on the dataset
    expectErrorShape(await t.call('GET', '/api/social/v4/alerts/360'), 404); // on card 100292101
    const links = (await t.call('GET', `/api/query/v1/functions/template/${AVG_ORDER}`)).json.links;
    expect(links).toEqual([]);
    expect(t.instance().stores.pages.get(12345).cardIds).toEqual([]);
    expectErrorShape(await t.call('GET', `/api/tags/v3/CARD/${REVENUE}/system/CERTIFIED/state`), 404);
  });
});
