import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { ADMIN_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const journal = async (q = '') => (await t.call('GET', `/_emulator/requests${q}`, { token: null })).json as Array<Record<string, any>>;

describe('GET /_emulator/requests (filters, route, operation)', () => {
  it('filters by method, path pattern, status, since and instance; entries carry id, route and auth', async () => {
    await t.call('GET', '/api/identity/v1/users/587894148');
    await t.call('GET', '/api/identity/v1/users/42');
    await t.call('POST', '/api/identity/v1/users', { body: { displayName: 'J', emailAddress: 'j@example.com', roleId: 4 } });
    await t.call('GET', '/api/identity/v1/users/587894148', { instance: 'other' });
    const all = await journal();
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => a - b));
    const got = all.find((e) => e.path === '/api/identity/v1/users/587894148')!;
    expect(got.route).toBe('/api/identity/v1/users/:userId');
    expect(got.operation).toBe('Users: Get User By Id');
    expect(got.auth).toMatchObject({ userId: 1893952720 });
    expect((await journal('?method=post')).map((e) => e.path)).toEqual(['/api/identity/v1/users']);
    expect((await journal('?status=404')).map((e) => e.path)).toEqual(['/api/identity/v1/users/42']);
    expect((await journal('?status=2xx&path=/api/identity/v1/users/*')).map((e) => e.path)).toEqual(['/api/identity/v1/users/587894148']);
    expect((await journal('?path=/api/**&limit=1')).map((e) => e.method)).toEqual(['POST']);
    expect(await journal('?since=2999-01-01T00:00:00Z')).toEqual([]);
    expect((await journal('?instance=other')).map((e) => e.path)).toEqual(['/api/identity/v1/users/587894148']);
    expect(await journal('?instance=never-opened')).toEqual([]);
    expect(t.registry.exists('never-opened')).toBe(false);
    expectErrorShape(await t.call('GET', '/_emulator/requests?status=abc', { token: null }), 400);
  });

  it('DELETE clears this instance\'s journal', async () => {
    await t.call('GET', '/api/identity/v1/users/587894148');
    expect((await t.call('DELETE', '/_emulator/requests', { token: null })).status).toBe(204);
    // only the DELETE itself was journaled after the clear
    expect((await journal()).map((e) => `${e.method} ${e.path}`)).toEqual(['DELETE /_emulator/requests']);
  });
});

describe('GET /_emulator/requests.har', () => {
  it('is HAR 1.2: log.version, creator, entries with request, response, timings', async () => {
    await t.call('GET', '/api/identity/v1/users/587894148');
    await t.call('GET', '/api/identity/v1/users/42');
    const res = await t.call('GET', '/_emulator/requests.har?path=/api/**', { token: null });
    expect(res.status).toBe(200);
    const har = JSON.parse(res.text);
    expect(har.log.version).toBe('1.2');
    expect(har.log.creator).toMatchObject({ name: 'domo-emulator', version: expect.any(String) });
    expect(har.log.entries).toHaveLength(2);
    for (const e of har.log.entries) {
      expect(Number.isNaN(Date.parse(e.startedDateTime))).toBe(false);
      expect(typeof e.time).toBe('number');
      expect(e.request).toMatchObject({ method: 'GET', httpVersion: expect.any(String), cookies: [], headers: expect.any(Array), queryString: [], headersSize: -1, bodySize: -1 });
      expect(new URL(e.request.url).pathname).toMatch(/^\/api\/identity\/v1\/users\//);
      expect(e.response).toMatchObject({ status: expect.any(Number), statusText: expect.any(String), content: { size: expect.any(Number), mimeType: expect.any(String) }, redirectURL: '' });
      expect(e.timings).toMatchObject({ send: expect.any(Number), wait: expect.any(Number), receive: expect.any(Number) });
      expect(e.cache).toEqual({});
    }
    expect(har.log.entries.map((e: any) => e.response.status)).toEqual([200, 404]);
    expect(har.log.entries[1].response.statusText).toBe('Not Found');
  });
});

describe('GET /_emulator/requests/stream', () => {
  it('delivers a request made after subscribing as an SSE `request` event', async () => {
    const server = createServer(getRequestListener(t.app.fetch));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const ac = new AbortController();
    try {
      const res = await fetch(`${base}/_emulator/requests/stream`, { signal: ac.signal });
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const reader = res.body!.getReader();
      let text = '';
      const readUntil = async (needle: string) => {
        while (!text.includes(needle)) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
      };
      await readUntil('event: ready');
      await fetch(`${base}/api/identity/v1/users/587894148`, { headers: { 'X-DOMO-Developer-Token': ADMIN_TOKEN } }).then((r) => r.text());
      await readUntil('/api/identity/v1/users/587894148');
      const block = text.split('\n\n').find((b) => b.includes('event: request') && b.includes('/api/identity/v1/users/587894148'))!;
      const data = JSON.parse(block.split('\n').find((l) => l.startsWith('data: '))!.slice(6));
      expect(data).toMatchObject({ method: 'GET', path: '/api/identity/v1/users/587894148', status: 200, instance: 'default' });
    } finally {
      ac.abort();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('near-miss hints and GET /_emulator/unimplemented', () => {
  it('a 404 "No route" suggests the closest catalog routes; unknown routes are counted and ranked', async () => {
    const miss = expectErrorShape(await t.call('POST', '/api/data/v3/datasources/abc/uploads/1/comit'), 404);
    expect(miss.message).toContain('No route for POST /api/data/v3/datasources/abc/uploads/1/comit');
    expect(miss.message).toContain('did you mean');
    expect(miss.message).toContain('PUT /api/data/v3/datasources/{datasetId}/uploads/{uploadId}/commit');
    await t.call('GET', '/api/nothing/v9/things/1');
    await t.call('GET', '/api/nothing/v9/things/2');
    const routes = (await t.call('GET', '/_emulator/unimplemented', { token: null })).json.routes;
    expect(routes[0]).toMatchObject({ method: 'GET', path: '/api/nothing/v9/things/{id}', count: 2 });
    expect(routes[1]).toMatchObject({ method: 'POST', path: '/api/data/v3/datasources/abc/uploads/{id}/comit', count: 1 });
  });
});
