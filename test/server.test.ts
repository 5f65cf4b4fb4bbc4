import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/index.js';

const headers = { 'X-DOMO-Developer-Token': 'domo-emulator-admin-token', 'Content-Type': 'application/json' };

describe('startEmulator()', () => {
  const started = startEmulator({ ids: 'sequential', freezeClock: '2026-03-01T00:00:00Z' });
  afterAll(async () => (await started).close());

  it('listens on a free port, in memory, and serves the fixtures', async () => {
    const emu = await started;
    expect(emu.port).toBeGreaterThan(0);
    expect(emu.url).toBe(`http://127.0.0.1:${emu.port}`);
    const res = await fetch(`${emu.url}/api/authorization/v1/roles`, { headers });
    expect((await (res.json() as Promise<any>)).map((r: { name: string }) => r.name)).toContain('Admin');
  });

  it('gives sequential ids and the frozen clock', async () => {
    const emu = await started;
    const res = await fetch(`${emu.url}/api/authorization/v1/roles`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Seq', description: '', fromRoleId: 5 }),
    });
    const role = await (res.json() as Promise<any>);
    expect(role.id).toBeGreaterThan(1_000_000);
    expect(role.id).toBeLessThan(1_000_100);
    expect(role.created).toBe(Date.parse('2026-03-01T00:00:00Z'));
  });

  it('resets one instance or all of them', async () => {
    const emu = await started;
    const create = (instance: string, name: string) =>
      fetch(`${emu.url}/api/content/v2/groups`, { method: 'POST', headers: { ...headers, 'X-Domo-Instance': instance }, body: JSON.stringify({ name, type: 'open' }) });
    const list = async (instance: string) =>
      (await ((await fetch(`${emu.url}/api/content/v2/groups`, { headers: { ...headers, 'X-Domo-Instance': instance } })).json() as Promise<any>)).map((g: { name: string }) => g.name);
    await create('w1', 'From w1');
    await create('w2', 'From w2');
    emu.reset('w1');
    expect(await list('w1')).not.toContain('From w1');
    expect(await list('w2')).toContain('From w2');
    emu.reset();
    expect(await list('w2')).not.toContain('From w2');
    expect(emu.instance('w2').stores.groups.list({ limit: 100, offset: 0 })).toHaveLength(4);
  });

  it('rejects bad options', async () => {
    await expect(startEmulator({ port: -1 })).rejects.toThrow(/port/);
  });
});
