import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type CliProcess } from '../helpers/cli.js';

const TOKEN = 'domo-emulator-admin-token';
let cli: CliProcess;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'domo-e2e-datasets-'));
  cli = await startCli(['--port', '0', '--db', dir, '--log-level', 'warn']);
});
afterAll(async () => {
  await cli.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { 'X-DOMO-Developer-Token': TOKEN, ...headers } };
  if (typeof body === 'string' || body instanceof Uint8Array) init.body = body as RequestInit['body'];
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  const res = await fetch(`${cli.url}${path}`, init);
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

describe('datasets over real HTTP', () => {
  it('uploads, rejects a bad part early in a large body with a readable 400, commits, queries, and keeps data across a restart', async () => {
    const created = await api('POST', '/api/data/v2/datasources', {
      userDefinedType: 'api',
      dataSourceName: 'e2e',
      schema: { columns: [{ name: 'region', type: 'STRING' }, { name: 'amount', type: 'DECIMAL' }] },
    });
    expect(created.status).toBe(200);
    const id = created.json.id;
    const up = (await api('POST', `/api/data/v3/datasources/${id}/uploads`, { action: null, appendId: null })).json.uploadId;
    const good = 'West,1.5\nEast,2.5\n'.repeat(1000);
    expect((await api('PUT', `/api/data/v3/datasources/${id}/uploads/${up}/parts/2`, good, { 'Content-Type': 'text/csv' })).status).toBe(200);
    // ~4 MB body whose 3rd line is bad: the server answers 400 before reading it all
    const bad = 'West,1\nWest,2\nWest,oops\n' + 'West,1\n'.repeat(600_000);
    const rejected = await api('PUT', `/api/data/v3/datasources/${id}/uploads/${up}/parts/1`, bad, { 'Content-Type': 'text/csv' });
    expect(rejected.status).toBe(400);
    expect(rejected.json.message).toContain("Part 1, line 3, column 'amount'");
    // the connection pool and server are still fine
    const commit = await api('PUT', `/api/data/v3/datasources/${id}/uploads/${up}/commit`, { action: 'APPEND', index: 'true' });
    expect(commit.json).toMatchObject({ numRows: 2000, parts: 1 });
    const q = await api('POST', `/api/query/v1/execute/${id}`, { sql: 'SELECT region, SUM(amount) FROM t GROUP BY region ORDER BY region' });
    expect(q.json.rows).toEqual([
      ['East', 2500],
      ['West', 1500],
    ]);

    await cli.stop();
    cli = await startCli(['--port', '0', '--db', dir, '--log-level', 'warn']);
    const again = await api('POST', `/api/query/v1/execute/${id}`, { sql: 'SELECT COUNT(*) FROM t' });
    expect(again.json.rows).toEqual([[2000]]);
    expect((await api('GET', `/api/data/v3/datasources/${id}`)).json.rowCount).toBe(2000);
  });
});
