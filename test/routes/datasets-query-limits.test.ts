import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectErrorShape, testApp } from '../helpers/app.js';
import { SALES } from './datasets-helpers.js';

// Limits of POST /api/query/v1/execute: nesting depth, the deadline, the result cap. (The 3.4e10-row join
// against the built CLI is in test/e2e/query-limits.test.ts.)
const t = testApp({ queryTimeoutMs: 60_000 });
const short = testApp({ queryTimeoutMs: 1000 });
afterAll(() => {
  t.close();
  short.close();
});

const exec = (app: typeof t, sql: string, query = '', headers: Record<string, string> = {}) =>
  app.call('POST', `/api/query/v1/execute/${SALES}${query}`, { body: { sql }, headers });

async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await f();
  return { ms: performance.now() - started, value };
}

describe('SQL nesting', () => {
  it('answers 10,000 nested parentheses with a 400 naming the limit, and 200 levels still run', async () => {
    const deep = expectErrorShape(await exec(t, `SELECT ${'('.repeat(10_000)}1${')'.repeat(10_000)} FROM t`), 400);
    expect(deep.message).toMatch(/nested more than 200 levels deep.*the limit is 200/);
    expect(deep.details).toEqual([{ path: 'sql', message: 'Nesting deeper than 200 levels' }]);
    expectErrorShape(await exec(t, `SELECT COUNT(*) FROM t WHERE ${'('.repeat(5000)}1 = 1${')'.repeat(5000)}`), 400);
    const ok = await exec(t, `SELECT ${'('.repeat(199)}1${')'.repeat(199)} AS one FROM t LIMIT 1`);
    expect(ok.json.rows).toEqual([[1]]);
  });
});

describe('queries run off the server thread', () => {
  it('a 20M-row recursive CTE does not hold other requests (health, other instances) while it runs', async () => {
    const cte = 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 20000000) SELECT COUNT(*) AS n FROM n';
    const running = timed(() => exec(t, cte));
    await new Promise((r) => setTimeout(r, 200));
    const health = await timed(async () => t.app.request('/_emulator/health'));
    expect(health.value.status).toBe(200);
    const other = await timed(() => t.call('GET', '/api/identity/v1/users', { instance: 'another' }));
    expect(other.value.status).toBe(200);
    const res = await running;
    expect(res.value.json.rows).toEqual([[20_000_000]]);
    // generous: the point is that they did not wait for the CTE
    expect(health.ms).toBeLessThan(Math.max(250, res.ms / 4));
    expect(health.ms + 200).toBeLessThan(res.ms);
  });

  it('a query past --query-timeout answers 400 in the one error shape, in every format, and leaves no spill file', async () => {
    const slow = 'SELECT COUNT(*) FROM t a, t b, t c, t d';
    for (const [query, headers] of [['', {}], ['?format=objects', {}], ['?format=csv', {}], ['', { Accept: 'text/csv' }]] as const) {
      const res = await timed(() => exec(short, slow, query, headers));
      const err = expectErrorShape(res.value, 400);
      expect(err.message).toBe('The query ran longer than the 1000 ms limit and was stopped (--query-timeout); narrow it or raise the limit');
      expect(res.ms).toBeLessThan(5000);
    }
    const tmp = join(short.instance().dataDir, 'tmp');
    expect(existsSync(tmp) ? readdirSync(tmp) : []).toEqual([]);
    expect((await exec(short, 'SELECT COUNT(*) FROM t')).json.rows).toEqual([[430]]);
  });
});

describe('the result cap (--max-result-bytes)', () => {
  const capped = testApp({ maxResultBytes: 200_000 });
  afterAll(() => capped.close());

  it('refuses a result or a string larger than the cap with a 400 naming it', async () => {
    const rows = expectErrorShape(await exec(capped, 'SELECT a.*, b.`Region` FROM t a, t b'), 400);
    expect(rows.message).toBe('The query result is larger than the 200000-byte limit (--max-result-bytes); add a LIMIT or aggregate');
    const concat = expectErrorShape(await exec(capped, "SELECT GROUP_CONCAT(REPEAT('x', 1000)) FROM t"), 400);
    expect(concat.message).toMatch(/^A string built by the query is larger than the 200000-byte limit/);
    // within the cap, the same functions work
    expect((await exec(capped, "SELECT LENGTH(GROUP_CONCAT(REPEAT('x', 100))) AS n FROM t")).json.rows).toEqual([[430 * 101 - 1]]);
    expect((await exec(capped, 'SELECT COUNT(*) FROM t')).json.rows).toEqual([[430]]);
  });
});
