import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type CliProcess } from '../helpers/cli.js';

// The built CLI (what `npm start` runs) with a 2 s query deadline, finding its own dist/query-worker.mjs.
const TOKEN = 'domo-emulator-admin-token';
const SALES = '0dbe6a6a-5588-4a1e-9db4-989ca98762a5'; // 430 rows
let cli: CliProcess;

beforeAll(async () => {
  cli = await startCli(['--port', '0', '--db', ':memory:', '--log-level', 'warn', '--query-timeout', '2000'], { DOMO_EMULATOR_QUERY_WORKER: '' }, { bundle: true });
});
afterAll(() => cli?.stop());

const query = (sql: string, instance?: string) =>
  fetch(`${cli.url}/api/query/v1/execute/${SALES}`, {
    method: 'POST',
    headers: { 'X-DOMO-Developer-Token': TOKEN, 'Content-Type': 'application/json', ...(instance ? { 'X-Domo-Instance': instance } : {}) },
    body: JSON.stringify({ sql }),
  });

async function timed(f: () => Promise<Response>): Promise<{ ms: number; status: number; body: any }> {
  const started = performance.now();
  const res = await f();
  const body = await res.json();
  return { ms: performance.now() - started, status: res.status, body };
}

const memory = (field: 'VmRSS' | 'VmHWM') => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${cli.proc.pid}/status`, 'utf8'))![1]) * 1024;

describe('dataset SQL with --query-timeout 2000 (built CLI)', () => {
  it('stops a 3.4e10-row join in about 2 s while health and other requests keep answering; the next query works', async () => {
    expect((await timed(() => query('SELECT COUNT(*) FROM t'))).body.rows).toEqual([[430]]);
    const long = timed(() => query('SELECT COUNT(*) FROM t a, t b, t c, t d'));
    await new Promise((r) => setTimeout(r, 300));
    const health: number[] = [];
    for (let i = 0; i < 8; i++) {
      const h = await timed(() => fetch(`${cli.url}/_emulator/health`));
      expect(h.status).toBe(200);
      health.push(h.ms);
      await new Promise((r) => setTimeout(r, 100));
    }
    // a simple GET and another instance answer too
    const users = await timed(() => fetch(`${cli.url}/api/identity/v1/users`, { headers: { 'X-DOMO-Developer-Token': TOKEN } }));
    expect(users.status).toBe(200);
    const other = await timed(() => query('SELECT COUNT(*) FROM t', 'other-instance'));
    expect(other.body.rows).toEqual([[430]]);

    const res = await long;
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400, statusReason: 'Bad Request', message: expect.stringMatching(/longer than the 2000 ms limit and was stopped/) });
    expect(res.ms).toBeGreaterThan(1900);
    expect(res.ms).toBeLessThan(6000);
    expect(Math.max(...health)).toBeLessThan(250);
    expect((await timed(() => query('SELECT COUNT(*) FROM t'))).body.rows).toEqual([[430]]);
  });

  it.runIf(process.platform === 'linux')('refuses GROUP_CONCAT over REPEAT (430 MB) with the result cap, and the server does not grow', async () => {
    const before = memory('VmHWM');
    const res = await timed(() => query("SELECT GROUP_CONCAT(REPEAT('x', 1000000)) FROM t"));
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/larger than the 67108864-byte limit \(--max-result-bytes\)/);
    expect(memory('VmHWM') - before).toBeLessThan(100 * 1024 * 1024);
    expect((await timed(() => query('SELECT COUNT(*) FROM t'))).body.rows).toEqual([[430]]);
  });
});

describe('the library build (dist/src, as `import { startEmulator } from "domo-emulator"` loads it)', () => {
  it('finds its compiled query worker beside the pool and runs queries in it', async () => {
    const saved = process.env.DOMO_EMULATOR_QUERY_WORKER;
    delete process.env.DOMO_EMULATOR_QUERY_WORKER; // as in a user's project: no test setup
    try {
      const dist = join(import.meta.dirname, '..', '..', 'dist', 'src');
      const { workerEntry } = (await import(join(dist, 'engines', 'sql', 'pool.js'))) as typeof import('../../src/engines/sql/pool.js');
      expect(workerEntry()).toEqual({ path: join(dist, 'engines', 'sql', 'query-worker.js'), execArgv: [] });
      const { startEmulator } = (await import(join(dist, 'index.js'))) as typeof import('../../src/index.js');
      const emu = await startEmulator({ queryTimeoutMs: 5000 });
      try {
        const res = await fetch(`${emu.url}/api/query/v1/execute/${SALES}`, {
          method: 'POST',
          headers: { 'X-DOMO-Developer-Token': TOKEN, 'Content-Type': 'application/json' },
          body: JSON.stringify({ sql: 'SELECT COUNT(*) FROM t' }),
        });
        expect(((await res.json()) as { rows: unknown }).rows).toEqual([[430]]);
      } finally {
        await emu.close();
      }
    } finally {
      if (saved !== undefined) process.env.DOMO_EMULATOR_QUERY_WORKER = saved;
    }
  });
});
