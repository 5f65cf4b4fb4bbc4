import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, instanceNameFor } from '../src/app.js';
import { coverage, loadCatalog } from '../src/catalog.js';
import { ADMIN_TOKEN, expectErrorShape, testApp } from './helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp({ maxBodyBytes: 1024 });
});
afterEach(() => t.close());

describe('auth', () => {
  it('401s without a token or with an unknown one, on every /api route, documented or not', async () => {
    for (const path of ['/api/identity/v1/users', '/api/social/v4/alerts', '/api/nothing/here']) {
      const missing = expectErrorShape(await t.call('GET', path, { token: null }), 401, path);
      expect(missing.message).toMatch(/Missing token/);
      expectErrorShape(await t.call('GET', path, { token: 'not-a-real-token' }), 401);
    }
  });

  it('accepts the header name in any case, and X-DOMO-Authentication', async () => {
    const a = await t.call('GET', '/api/identity/v1/users', { token: null, headers: { 'x-domo-developer-token': ADMIN_TOKEN } });
    expect(a.status).toBe(200);
    const b = await t.call('GET', '/api/identity/v1/users', { token: null, headers: { 'X-DOMO-AUTHENTICATION': ADMIN_TOKEN } });
    expect(b.status).toBe(200);
  });
});

describe('errors', () => {
  it('renders the one shape with a toe that is also the X-Request-Id header', async () => {
    const res = await t.call('GET', '/api/identity/v1/users/42');
    const err = expectErrorShape(res, 404, '/api/identity/v1/users/42');
    expect(err).toMatchObject({ statusReason: 'Not Found', message: 'User 42 not found' });
    expect(err.toe).toMatch(/^[A-Z0-9]{10}-[A-Z0-9]{5}-[A-Z0-9]{5}$/);
    expect(res.headers.get('x-request-id')).toBe(err.toe);
  });

  it('404s an unknown route in the same shape', async () => {
    const err = expectErrorShape(await t.call('GET', '/api/identity/v9/nope'), 404);
    expect(err.message).toMatch(/^No route for GET \/api\/identity\/v9\/nope(?:; did you mean .+\?)?$/);
    expectErrorShape(await t.call('GET', '/nope', { token: null }), 404);
  });

  it('501s a documented but not emulated route with the catalog path in the message', async () => {
    // every endpoint of the reference is emulated now, so the check uses a catalog with one more entry
    const entry = { ...loadCatalog()[0], id: 'x.unemulated', method: 'POST', path: '/api/example/v1/things/:thingId/share' };
    const app = createApp({ registry: t.registry, catalog: [...loadCatalog(), entry] });
    const res = await app.request('/api/example/v1/things/12/share', { method: 'POST', headers: { 'X-DOMO-Developer-Token': ADMIN_TOKEN } });
    const err = expectErrorShape({ status: res.status, json: await res.json() }, 501);
    expect(err.message).toBe('POST /api/example/v1/things/:thingId/share is not emulated yet');
    expect(coverage(app, [entry])).toEqual([expect.objectContaining({ emulated: false })]);
  });

  it('400s malformed JSON and changes nothing', async () => {
    const res = await t.call('POST', '/api/content/v2/groups', { raw: '{"name": "x",', headers: { 'Content-Type': 'application/json' } });
    expect(expectErrorShape(res, 400).message).toMatch(/Malformed JSON/);
    expect((await t.call('GET', '/api/content/v2/groups')).json).toHaveLength(4);
  });

  it('400s a missing body', async () => {
    expectErrorShape(await t.call('POST', '/api/content/v2/groups', { headers: { 'Content-Type': 'application/json' } }), 400);
  });

  it('415s a body sent with another content type, but takes JSON sent as text/plain (the fetch default for a string)', async () => {
    const wrong = await t.call('POST', '/api/content/v2/groups', { raw: 'name=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(expectErrorShape(wrong, 415).message).toMatch(/application\/json/);
    const none = await t.call('POST', '/api/content/v2/groups', { raw: JSON.stringify({ name: 'No type', type: 'open' }) });
    expect(none.status).toBe(200);
  });

  it('413s a body over the limit and changes nothing', async () => {
    const res = await t.call('POST', '/api/content/v2/groups', { body: { name: 'x'.repeat(2000), type: 'open' } });
    expectErrorShape(res, 413);
    expect((await t.call('GET', '/api/content/v2/groups')).json).toHaveLength(4);
  });

  it('500s an unexpected failure without a stack on the wire', async () => {
    t.app.get('/api/test/explode', () => {
      throw new Error('kaboom at /secret/path.ts:12');
    });
    const res = await t.call('GET', '/api/test/explode');
    const err = expectErrorShape(res, 500);
    expect(res.text).not.toMatch(/kaboom|secret|\.ts/);
    expect(err.message).toMatch(/toe/);
  });
});

describe('instances', () => {
  it('takes the name from X-Domo-Instance, then the Host, else default', () => {
    expect(instanceNameFor('Team-1', 'acme.localhost:8080')).toBe('team-1');
    expect(instanceNameFor(undefined, 'acme.localhost:8080')).toBe('acme');
    expect(instanceNameFor(undefined, 'acme.domo.localhost')).toBe('acme');
    expect(instanceNameFor(undefined, 'acme.domo.com')).toBe('acme');
    expect(instanceNameFor(undefined, '127.0.0.1:8080')).toBe('default');
    expect(instanceNameFor(undefined, 'localhost:8080')).toBe('default');
    expect(instanceNameFor(undefined, undefined)).toBe('default');
  });

  it('keeps instances isolated: a user created in a.localhost is absent in b.localhost', async () => {
    const created = await t.call('POST', '/api/identity/v1/users', {
      body: { displayName: 'Only A', emailAddress: 'only-a@example.com', roleId: 4 },
      headers: { Host: 'a.localhost:8080' },
    });
    expect(created.status).toBe(200);
    const inA = await t.call('GET', `/api/identity/v1/users/${created.json.id}`, { headers: { Host: 'a.localhost:8080' } });
    expect(inA.status).toBe(200);
    const inB = await t.call('GET', `/api/identity/v1/users/${created.json.id}`, { headers: { Host: 'b.localhost:8080' } });
    expectErrorShape(inB, 404);
    expect(t.registry.names().sort()).toEqual(['a', 'b']);
  });

  it('400s an invalid instance name', async () => {
    expectErrorShape(await t.call('GET', '/_emulator/health', { headers: { 'X-Domo-Instance': '../etc' }, token: null }), 400);
  });
});
