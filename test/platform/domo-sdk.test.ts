/**
 * The real domo-sdk package (unmodified) against the emulator's platform API over HTTPS with the local
 * CA: token, users, groups, dataset create, CSV import, export, query, PDP policy; then the same
 * dataset read through the product API.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/server.js';

const require = createRequire(import.meta.url);
const { DomoClient } = require('domo-sdk') as { DomoClient: new (id: string, secret: string, scope?: number[], host?: string) => any };
const { API_SCOPE } = require('domo-sdk/dist/common/Constants') as { API_SCOPE: Record<string, number> };

const ADMIN_TOKEN = 'domo-emulator-admin-token';
const work = mkdtempSync(join(tmpdir(), 'domo-sdk-'));
let emu: RunningEmulator;
let domo: any;

beforeAll(async () => {
  emu = await startEmulator({ https: true, caDir: join(work, 'ca'), logLevel: 'silent', freezeClock: '2026-01-15T12:00:00.000Z', clients: [{ id: 'sdk-test', secret: 's3cret', instance: 'acme', scope: ['data', 'user'] }] });
  // domo-sdk uses `request`, which uses Node's global HTTPS agent: trust the emulator's CA there
  https.globalAgent.options.ca = [readFileSync(emu.https!.caFile, 'utf8')];
  domo = new DomoClient('sdk-test', 's3cret', [API_SCOPE.USER, API_SCOPE.DATA], `127.0.0.1:${emu.port}`);
});
afterAll(async () => {
  https.globalAgent.options.ca = undefined;
  await emu?.close();
  rmSync(work, { recursive: true, force: true });
});

const product = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${emu.url}${path}`, { method, headers: { 'X-DOMO-Developer-Token': ADMIN_TOKEN, 'X-Domo-Instance': 'acme', 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as any };
};

describe('domo-sdk against the platform API', () => {
  it('token: bad client credentials are a 401; a bad bearer token is a 401', async () => {
    const basic = Buffer.from('sdk-test:wrong').toString('base64');
    const bad = await fetch(`${emu.url}/oauth/token?grant_type=client_credentials&scope=data`, { headers: { Authorization: `Basic ${basic}` } });
    expect(bad.status).toBe(401);
    const good = await fetch(`${emu.url}/oauth/token?grant_type=client_credentials&scope=data`, { headers: { Authorization: `Basic ${Buffer.from('sdk-test:s3cret').toString('base64')}` } });
    const tok = (await good.json()) as any;
    expect(tok).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'data', domain: 'acme.domo.com', userId: 1893952720 });
    expect((await fetch(`${emu.url}/v1/users`, { headers: { Authorization: `bearer ${tok.access_token}` } })).status).toBe(403); // data scope only
    expect((await fetch(`${emu.url}/v1/datasets`, { headers: { Authorization: 'bearer nope' } })).status).toBe(401);
  });

  it('a token expires on the instance clock, and the SDK renews it and retries', async () => {
    await domo.users.list(5, 0);
    const old = domo.transport.accessToken as string;
    const res = await fetch(`${emu.url}/_emulator/clock`, { method: 'POST', headers: { 'X-Domo-Instance': 'acme', 'Content-Type': 'application/json' }, body: JSON.stringify({ advance: 'PT2H' }) });
    expect(res.status).toBe(200);
    expect((await fetch(`${emu.url}/v1/users`, { headers: { Authorization: `bearer ${old}` } })).status).toBe(401);
    const users = await domo.users.list(5, 0);
    expect(users.length).toBe(5);
    expect(domo.transport.accessToken).not.toBe(old);
  });

  it('users and groups', async () => {
    const users = await domo.users.list(50, 0);
    expect(users[0]).toHaveProperty('email');
    const made = await domo.users.create({ name: 'Sdk User', email: 'sdk.user@example.com', role: 'Participant' });
    expect(made).toMatchObject({ name: 'Sdk User', email: 'sdk.user@example.com', role: 'Participant' });
    expect((await domo.users.get(made.id)).email).toBe('sdk.user@example.com');
    const g = await domo.groups.create({ name: 'SDK group' });
    await domo.groups.addUser(g.id, made.id);
    expect(await domo.groups.listUsers(g.id)).toEqual([made.id]);
    expect((await product('GET', `/api/content/v2/groups/${g.id}`)).json.userIds).toEqual([made.id]);
    await domo.groups.removeUser(g.id, made.id);
    expect(await domo.groups.listUsers(g.id)).toEqual([]);
  });

  it('dataset: create, import CSV, export, query, PDP policy; the same dataset through the product API', async () => {
    const ds = await domo.datasets.create({ name: 'SDK sales', description: 'from domo-sdk', schema: { columns: [{ type: 'STRING', name: 'region' }, { type: 'LONG', name: 'units' }] } });
    expect(ds).toMatchObject({ name: 'SDK sales', rows: 0, columns: 2, owner: { id: 1893952720 }, pdpEnabled: false });
    await domo.datasets.importData(ds.id, 'West,3\nEast,5\nWest,4');
    const got = await domo.datasets.get(ds.id);
    expect(got).toMatchObject({ rows: 3, schema: { columns: [{ type: 'STRING', name: 'region' }, { type: 'LONG', name: 'units' }] } });
    expect(await domo.datasets.exportData(ds.id, true)).toBe('region,units\nWest,3\nEast,5\nWest,4\n');
    // the SDK has no query call: the same token on POST /v1/datasets/query/execute/{id}
    const basic = Buffer.from('sdk-test:s3cret').toString('base64');
    const tok = ((await (await fetch(`${emu.url}/oauth/token?grant_type=client_credentials&scope=data`, { headers: { Authorization: `Basic ${basic}` } })).json()) as any).access_token;
    const q = await fetch(`${emu.url}/v1/datasets/query/execute/${ds.id}`, { method: 'POST', headers: { Authorization: `bearer ${tok}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ sql: 'SELECT region, SUM(units) AS u FROM t GROUP BY region ORDER BY region' }) });
    expect(((await q.json()) as any).rows).toEqual([['East', 5], ['West', 7]]);
    // PDP: a policy on the SAME policies as the product API
    const pol = await domo.policies.create(ds.id, { name: 'West only', type: 'user', users: [587894148], filters: [{ column: 'region', values: ['West'], operator: 'EQUALS' }] });
    expect(pol).toMatchObject({ name: 'West only', users: [587894148], filters: [{ column: 'region', values: ['West'], operator: 'EQUALS', not: false }] });
    const fg = (await product('GET', `/api/query/v1/data-control/${ds.id}/filter-groups`)).json;
    expect(JSON.stringify(fg)).toContain('West only');
    // the product API's SQL sees the rows the SDK imported
    const sql = await product('POST', `/api/query/v1/execute/${ds.id}`, { sql: 'SELECT COUNT(*) AS n FROM t' });
    expect(sql.status).toBe(200);
    expect(sql.json.rows).toEqual([[3]]);
    await domo.datasets.importData(ds.id, 'North,1');
    expect((await domo.datasets.get(ds.id)).rows).toBe(1); // REPLACE is the default updateMethod
  });
});
