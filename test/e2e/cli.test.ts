import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundlePath, runCli, startCli } from '../helpers/cli.js';

const TOKEN = 'domo-emulator-admin-token';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const get = (url: string, token: string | null = TOKEN) => fetch(url, { headers: token ? { 'X-DOMO-Developer-Token': token } : {} });

describe('the CLI', () => {
  it('prints its URL and token, serves the fixtures, and exits 0 on SIGTERM', async () => {
    const cli = await startCli(['--port', '0', '--db', ':memory:', '--log-level', 'warn']);
    expect(cli.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cli.stdout).toContain(`developer token: ${TOKEN}`);
    expect((await get(`${cli.url}/_emulator/health`, null)).status).toBe(200);
    const users = await ((await get(`${cli.url}/api/identity/v1/users`)).json() as Promise<any>);
    expect(users.users.map((u: { displayName: string }) => u.displayName)).toContain('Jae Wilson');
    expect((await get(`${cli.url}/api/identity/v1/users`, null)).status).toBe(401);
    expect(await cli.stop('SIGTERM')).toBe(0);
  });

  it('keeps state across a restart on the same --db, and SIGINT exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'domo-e2e-'));
    dirs.push(dir);
    const first = await startCli(['--port', '0', '--db', dir, '--log-level', 'warn']);
    const created = await fetch(`${first.url}/api/identity/v1/users`, {
      method: 'POST',
      headers: { 'X-DOMO-Developer-Token': TOKEN, 'Content-Type': 'application/json' },
      body: JSON.stringify({ displayName: 'Persisted', emailAddress: 'persisted@example.com', roleId: 4 }),
    });
    const id = (await (created.json() as Promise<any>)).id;
    expect(await first.stop('SIGINT')).toBe(0);
    const second = await startCli(['--port', '0', '--db', dir, '--log-level', 'warn']);
    const res = await get(`${second.url}/api/identity/v1/users/${id}`);
    expect(res.status).toBe(200);
    expect((await (res.json() as Promise<any>)).users[0].displayName).toBe('Persisted');
    await second.stop();
  });

  it('does not lose committed data when the process is killed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'domo-e2e-'));
    dirs.push(dir);
    const first = await startCli(['--port', '0', '--db', dir, '--log-level', 'warn']);
    const created = await fetch(`${first.url}/api/content/v2/groups`, {
      method: 'POST',
      headers: { 'X-DOMO-Developer-Token': TOKEN, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Survivors', type: 'open' }),
    });
    const id = (await (created.json() as Promise<any>)).id;
    await first.stop('SIGKILL');
    const second = await startCli(['--port', '0', '--db', dir, '--log-level', 'warn']);
    expect((await get(`${second.url}/api/content/v2/groups/${id}`)).status).toBe(200);
    await second.stop();
  });

  it('adds --token tokens for the admin user and honours --no-seed', async () => {
    const cli = await startCli(['--port', '0', '--db', ':memory:', '--no-seed', '--token', 'ci-token-123', '--log-level', 'warn']);
    expect(cli.stdout).toContain('developer token: ci-token-123');
    const users = await ((await get(`${cli.url}/api/identity/v1/users`, 'ci-token-123')).json() as Promise<any>);
    expect(users.users.map((u: { id: number }) => u.id)).toEqual([1893952720]);
    expect((await get(`${cli.url}/api/content/v2/groups/6789456782`, 'ci-token-123')).status).toBe(404);
    await cli.stop();
  });

  it('takes options from the environment', async () => {
    const cli = await startCli(['--db', ':memory:', '--log-level', 'warn'], { PORT: '0', DOMO_EMULATOR_TOKENS: 'env-token-123' });
    expect((await get(`${cli.url}/api/identity/v1/users`, 'env-token-123')).status).toBe(200);
    await cli.stop();
  });

  it('logs one line per request at debug level', async () => {
    const cli = await startCli(['--port', '0', '--db', ':memory:', '--log-level', 'debug']);
    await get(`${cli.url}/api/identity/v1/users/587894148`);
    await new Promise((r) => setTimeout(r, 100));
    expect(cli.stderr()).toMatch(/DEBUG GET \/api\/identity\/v1\/users\/587894148 200 [\d.]+ms \[default\]/);
    await cli.stop();
  });

  it('exits 2 with one line for an unknown flag or a bad value', async () => {
    for (const args of [['--bogus'], ['--port', 'abc'], ['--log-level', 'loud'], ['--ids', 'weird']]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^domo-emulator: /);
    }
  });

  it('exits 1 with a clear message when the port is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    const r = await runCli(['--port', String(port), '--db', ':memory:']);
    blocker.close();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`port ${port} .*already in use`));
  });
});

describe('the built CLI bundle (what npm start runs)', () => {
  it('starts from dist/domo-emulator.mjs and serves', async () => {
    expect(existsSync(bundlePath), 'dist/domo-emulator.mjs is missing: run npm run build (npm install does)').toBe(true);
    const cli = await startCli(['--port', '0', '--db', ':memory:', '--log-level', 'warn'], {}, { bundle: true });
    const url = cli.url;
    const users = await ((await get(`${url}/api/identity/v1/users`)).json() as Promise<any>);
    expect(users.users.length).toBeGreaterThan(3);
    const upload = await fetch(`${url}/api/data/v1/data-files?name=hello.txt`, {
      method: 'POST',
      headers: { 'X-DOMO-Developer-Token': TOKEN, 'Content-Type': 'text/plain' },
      body: 'hello from the bundle',
    });
    expect(upload.status).toBe(200);
    const { dataFileId } = (await upload.json()) as { dataFileId: number };
    expect(await (await get(`${url}/api/data/v1/data-files/${dataFileId}`)).text()).toBe('hello from the bundle');
    expect(await cli.stop('SIGTERM')).toBe(0);
  });
});
