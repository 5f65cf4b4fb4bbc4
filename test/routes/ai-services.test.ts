import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectErrorShape, testApp } from '../helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const storeSales = {
  dataSourceName: 'Store Sales',
  description: '',
  columns: [
    { type: 'STRING', name: 'product', description: '' },
    { type: 'LONG', name: 'store', description: '' },
    { type: 'LONG', name: 'amount', description: '' },
    { type: 'DATETIME', name: "timestamp'", description: '' },
    { type: 'STRING', name: 'region', description: '' },
  ],
};
const sf =
  'San Francisco, officially the City and County of San Francisco, is a commercial, financial, and cultural center in Northern California. With a population of 808,437 residents as of 2022, San Francisco is the fourth most populous city in the U.S. state of California. The city covers a land area of 46.9 square miles (121 square kilometers) at the end of the San Francisco Peninsula, making it the second-most densely populated large U.S. city after New York City and the fifth-most densely populated U.S. county, behind only four New York City boroughs. Among the 92 U.S. cities proper with over 250,000 residents, San Francisco is ranked first by per capita income and sixth by aggregate income as of 2022.';

describe('POST /api/ai/v1/text/generation', () => {
  it('answers deterministically with the default model; fills the prompt template', async () => {
    const a = await t.call('POST', '/api/ai/v1/text/generation', { body: { input: 'Why is the sky blue?' } });
    expect(a.status).toBe(200);
    expect(a.json.modelId).toBe('domo.domo_ai.domogpt-chat-small-v1:anthropic');
    expect(a.json.output).toContain('Why is the sky blue?');
    expect((await t.call('POST', '/api/ai/v1/text/generation', { body: { input: 'Why is the sky blue?' } })).json).toEqual(a.json);
    const tpl = await t.call('POST', '/api/ai/v1/text/generation', {
      body: { input: 'Why is the sky blue?', promptTemplate: { template: 'Respond to the following in ${language}: ${input}' }, parameters: { language: 'Japanese' }, model: 'domo.domo_ai.domogpt-chat-small-v1:anthropic' },
    });
    expect(tpl.json.output).toContain('Respond to the following in Japanese: Why is the sky blue?');
  });

  it('400 without input or with an unknown model', async () => {
    expect(expectErrorShape(await t.call('POST', '/api/ai/v1/text/generation', { body: {} }), 400).details![0].path).toBe('body.input');
    expect(expectErrorShape(await t.call('POST', '/api/ai/v1/text/generation', { body: { input: 'x', model: 'gpt-9' } }), 400).details![0].path).toBe('body.model');
  });
});

describe('POST /api/ai/v1/text/sql', () => {
  it('builds a SELECT from the given schema', async () => {
    const res = await t.call('POST', '/api/ai/v1/text/sql', { body: { input: 'What are my total sales by region?', dataSourceSchemas: [storeSales] } });
    expect(res.status).toBe(200);
    const sql = 'SELECT region, SUM(amount) AS total_sales FROM `Store Sales` GROUP BY region';
    expect(res.json).toEqual({ output: sql, modelId: 'domo.domo_ai.domogpt-sql-v1:anthropic', choices: [{ output: sql }] });
    expect((await t.call('POST', '/api/ai/v1/text/sql', { body: { input: 'average amount per store', dataSourceSchemas: [storeSales] } })).json.output).toBe(
      'SELECT store, AVG(amount) AS avg_amount FROM `Store Sales` GROUP BY store',
    );
    expect((await t.call('POST', '/api/ai/v1/text/sql', { body: { input: 'show product and region', dataSourceSchemas: [storeSales] } })).json.output).toBe('SELECT product, region FROM `Store Sales`');
  });

  it('400 without dataSourceSchemas', async () => {
    expect(expectErrorShape(await t.call('POST', '/api/ai/v1/text/sql', { body: { input: 'x' } }), 400).details![0].path).toBe('body.dataSourceSchemas');
    expectErrorShape(await t.call('POST', '/api/ai/v1/text/sql', { body: { input: 'x', dataSourceSchemas: [] } }), 400);
  });
});

describe('POST /api/ai/v1/text/summarize', () => {
  it('extracts sentences; honours style and word length', async () => {
    const res = await t.call('POST', '/api/ai/v1/text/summarize', { body: { input: sf } });
    expect(res.status).toBe(200);
    expect(res.json.modelId).toBe('domo.domo_ai.domogpt-summarize-v1:anthropic');
    expect(sf).toContain(res.json.output.split('. ')[0]);
    expect(res.json.output.length).toBeLessThan(sf.length);
    const short = await t.call('POST', '/api/ai/v1/text/summarize', { body: { input: sf, outputWordLength: { min: 5, max: 10 }, outputStyle: 'PARAGRAPH' } });
    expect(short.json.output.split(/\s+/).length).toBeLessThanOrEqual(10);
    const bullets = await t.call('POST', '/api/ai/v1/text/summarize', { body: { input: sf, outputStyle: 'BULLETED' } });
    expect(bullets.json.output.startsWith('- ')).toBe(true);
    expect((await t.call('POST', '/api/ai/v1/text/summarize', { body: { input: sf } })).json).toEqual(res.json);
  });

  it('400 for a bad style or word length', async () => {
    expectErrorShape(await t.call('POST', '/api/ai/v1/text/summarize', { body: { input: sf, outputStyle: 'HAIKU' } }), 400);
    expectErrorShape(await t.call('POST', '/api/ai/v1/text/summarize', { body: { input: sf, outputWordLength: { min: 10, max: 5 } } }), 400);
  });
});
