import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { expectErrorShape, testApp } from '../helpers/app.js';
import { pathPattern } from '../../src/http/faults.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const USER = '/api/identity/v1/users/587894148';

async function run(seed: number): Promise<number[]> {
  const app = testApp();
  try {
    const rule = await app.call('POST', '/_emulator/faults', { body: { path: '/api/identity/v1/users/*', probability: 0.5, seed, status: 503 }, token: null });
    expect(rule.status).toBe(201);
    const hit: number[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await app.call('GET', USER);
      if (res.status === 503) {
        expect(res.headers.get('x-domo-emulator-fault')).toBe(rule.json.id);
        hit.push(i);
      } else expect(res.status).toBe(200);
    }
    const listed = (await app.call('GET', '/_emulator/faults', { token: null })).json.faults[0];
    expect(listed).toMatchObject({ id: rule.json.id, matched: 40, hits: hit.length });
    return hit;
  } finally {
    app.close();
  }
}

describe('/_emulator/faults', () => {
  it('probability 0.5 with seed 7 hits the same requests on two runs (and another seed others)', async () => {
    const a = await run(7);
    const b = await run(7);
    expect(a).toEqual(b);
    expect(a.length).toBeGreaterThan(5);
    expect(a.length).toBeLessThan(35);
    expect(await run(8)).not.toEqual(a);
  });

  it('answers the status in the error shape, marks the journal, honours method/after/count, and is deleted', async () => {
    const rule = (await t.call('POST', '/_emulator/faults', { body: { method: 'get', path: '/api/identity/v1/users/**', after: 1, count: 2, status: 500 }, token: null })).json;
    expect((await t.call('GET', USER)).status).toBe(200); // skipped by after
    const hit = expectErrorShape(await t.call('GET', USER), 500);
    expect(hit.message).toContain(rule.id);
    expect((await t.call('GET', USER)).status).toBe(500);
    expect((await t.call('GET', USER)).status).toBe(200); // count reached
    const journal = (await t.call('GET', '/_emulator/requests', { token: null })).json.filter((e: { path: string }) => e.path === USER);
    expect(journal.map((e: { status: number; fault?: { id: string } }) => [e.status, e.fault?.id ?? null])).toEqual([[200, null], [500, rule.id], [500, rule.id], [200, null]]);
    expect((await t.call('DELETE', `/_emulator/faults/${rule.id}`, { token: null })).status).toBe(204);
    expectErrorShape(await t.call('DELETE', `/_emulator/faults/${rule.id}`, { token: null }), 404);
  });

  it('presets: rate-limit (429 + Retry-After), token-expiry (401 after N), upload-part-5xx (part N only)', async () => {
    const rl = await t.call('POST', '/_emulator/faults', { body: { preset: 'rate-limit', path: '/api/identity/v1/users', retryAfter: 3 }, token: null });
    expect(rl.json).toMatchObject({ preset: 'rate-limit', status: 429, retryAfter: 3 });
    const limited = await t.call('GET', '/api/identity/v1/users');
    expectErrorShape(limited, 429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.headers.get('x-domo-emulator-fault')).toBe(`${rl.json.id}; preset=rate-limit`);
    expect((await t.call('DELETE', '/_emulator/faults', { token: null })).status).toBe(204);
    expect((await t.call('GET', '/_emulator/faults', { token: null })).json.faults).toEqual([]);

    await t.call('POST', '/_emulator/faults', { body: { preset: 'token-expiry', after: 3 }, token: null });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await t.call('GET', USER)).status);
    expect(statuses).toEqual([200, 200, 200, 401, 401]);
    await t.call('DELETE', '/_emulator/faults', { token: null });

    await t.call('POST', '/_emulator/faults', { body: { preset: 'upload-part-5xx', part: 2 }, token: null });
    const part = (n: number) => t.call('PUT', `/api/data/v3/datasources/abc/uploads/1/parts/${n}`, { raw: 'a\n1\n', headers: { 'Content-Type': 'text/csv' } });
    expect((await part(1)).status).not.toBe(503);
    expectErrorShape(await part(2), 503);
    expect((await part(2)).status).not.toBe(503); // once
    // /_emulator is never faulted
    await t.call('POST', '/_emulator/faults', { body: { path: '/**', status: 500 }, token: null });
    expect((await t.call('GET', '/_emulator/health', { token: null })).status).toBe(200);
  });

  it('delays, truncates the body, and drops the connection (over a real socket)', async () => {
    const server = createServer(getRequestListener(t.app.fetch));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const headers = { 'X-DOMO-Developer-Token': 'domo-emulator-admin-token' };
    try {
      await t.call('POST', '/_emulator/faults', { body: { path: USER, delayMs: 200, count: 1 }, token: null });
      const t0 = performance.now();
      const slow = await fetch(base + USER, { headers });
      expect(slow.status).toBe(200);
      await slow.json();
      expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
      await t.call('DELETE', '/_emulator/faults', { token: null });

      const whole = await (await fetch(base + USER, { headers })).text();
      await t.call('POST', '/_emulator/faults', { body: { path: USER, truncate: true, count: 1 }, token: null });
      const cut = await (await fetch(base + USER, { headers })).text();
      expect(cut.length).toBe(Math.floor(Buffer.byteLength(whole) / 2));
      expect(() => JSON.parse(cut)).toThrow();

      await t.call('POST', '/_emulator/faults', { body: { path: USER, reset: true, count: 1 }, token: null });
      await expect(fetch(base + USER, { headers })).rejects.toThrow();
      expect((await fetch(base + USER, { headers })).status).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('path patterns: * is one segment, ** any', () => {
    expect(pathPattern('/api/*/v1').test('/api/x/v1')).toBe(true);
    expect(pathPattern('/api/*/v1').test('/api/x/y/v1')).toBe(false);
    expect(pathPattern('/api/**').test('/api/x/y/v1')).toBe(true);
    expect(pathPattern('/api/**').test('/api')).toBe(true);
    expect(pathPattern('/a.b').test('/aXb')).toBe(false);
  });
});
