import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectErrorShape, testApp } from '../helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const newUser = (email: string) => ({ displayName: email.split('@')[0], emailAddress: email, roleId: 4 });
const users = async (tt: ReturnType<typeof testApp>, instance = 'default') =>
  (await tt.call('GET', '/api/identity/v1/users?limit=500', { instance })).json.users.map((u: { id: number; emailAddress: string }) => `${u.id}:${u.emailAddress}`).sort() as string[];

describe('/_emulator/checkpoints', () => {
  it('checkpoint, change, restore: rows, file bytes, clock and outbox equal the checkpoint', async () => {
    const inst = t.instance();
    await t.call('POST', '/api/identity/v1/users', { body: newUser('before@example.com') });
    inst.stores.outbox.send({ kind: 'email', to: ['a@example.com'], subject: 'Before', body: 'kept' });
    mkdirSync(join(inst.dataDir, 'blobs'), { recursive: true });
    writeFileSync(join(inst.dataDir, 'blobs', 'one.bin'), Buffer.from([1, 2, 3, 4]));
    await t.call('POST', '/_emulator/clock', { body: { advance: 'PT1H' }, token: null });

    const before = { users: await users(t), outbox: (await t.call('GET', '/_emulator/outbox', { token: null })).json, clock: (await t.call('GET', '/_emulator/clock', { token: null })).json };
    const saved = await t.call('POST', '/_emulator/checkpoints', { body: { name: 'cp1' }, token: null });
    expect(saved.status).toBe(201);
    expect(saved.json).toMatchObject({ name: 'cp1', instance: 'default' });
    expect(saved.json.sizeBytes).toBeGreaterThan(10_000);
    expect(saved.json.schemaVersion).toMatch(/^\d+-[0-9a-f]{12}$/);

    // change everything
    await t.call('POST', '/api/identity/v1/users', { body: newUser('after@example.com') });
    await t.call('DELETE', '/api/identity/v1/users/587894148');
    t.instance().stores.outbox.send({ kind: 'email', to: ['b@example.com'], subject: 'After', body: 'dropped' });
    writeFileSync(join(t.instance().dataDir, 'blobs', 'one.bin'), Buffer.from([9, 9]));
    writeFileSync(join(t.instance().dataDir, 'blobs', 'two.bin'), 'new');
    await t.call('POST', '/_emulator/clock', { body: { advance: 'P3D' }, token: null });
    expect(await users(t)).not.toEqual(before.users);

    const restored = await t.call('POST', '/_emulator/checkpoints/cp1/restore', { token: null });
    expect(restored.status).toBe(200);
    expect(restored.json).toMatchObject({ name: 'cp1', instance: 'default' });
    expect(await users(t)).toEqual(before.users);
    expect((await t.call('GET', '/_emulator/outbox', { token: null })).json).toEqual(before.outbox);
    expect((await t.call('GET', '/_emulator/clock', { token: null })).json).toEqual(before.clock);
    const dataDir = t.instance().dataDir;
    expect([...readFileSync(join(dataDir, 'blobs', 'one.bin'))]).toEqual([1, 2, 3, 4]);
    expect(existsSync(join(dataDir, 'blobs', 'two.bin'))).toBe(false);
  });

  it('lists and deletes checkpoints; a checkpoint can seed a fork', async () => {
    await t.call('POST', '/api/identity/v1/users', { body: newUser('in.cp@example.com') });
    await t.call('POST', '/_emulator/checkpoints', { body: { name: 'world' }, token: null });
    const list = (await t.call('GET', '/_emulator/checkpoints', { token: null })).json.checkpoints;
    expect(list.map((c: { name: string }) => c.name)).toEqual(['world']);
    const fork = await t.call('POST', '/_emulator/instances', { body: { from: 'world', name: 'w1' }, token: null });
    expect(fork.status).toBe(201);
    expect((await users(t, 'w1')).some((u) => u.endsWith(':in.cp@example.com'))).toBe(true);
    expect((await t.call('DELETE', '/_emulator/checkpoints/world', { token: null })).status).toBe(204);
    expect((await t.call('GET', '/_emulator/checkpoints', { token: null })).json.checkpoints).toEqual([]);
    expectErrorShape(await t.call('DELETE', '/_emulator/checkpoints/world', { token: null }), 404);
    expectErrorShape(await t.call('POST', '/_emulator/checkpoints/world/restore', { token: null }), 404);
    expectErrorShape(await t.call('POST', '/_emulator/checkpoints', { body: { name: '../x' }, token: null }), 400);
  });

  it('survives a restart with --db <dir>, and refuses a checkpoint from an unknown schema with 409', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cp-test-'));
    try {
      const a = testApp({ db: dir });
      await a.call('POST', '/api/identity/v1/users', { body: newUser('disk.cp@example.com') });
      const saved = await a.call('POST', '/_emulator/checkpoints', { body: { name: 'disk' }, token: null });
      expect(saved.status).toBe(201);
      const want = await users(a);
      a.close();

      const b = testApp({ db: dir });
      try {
        await b.call('POST', '/_emulator/reset', { token: null });
        expect(await users(b)).not.toEqual(want);
        expect((await b.call('GET', '/_emulator/checkpoints', { token: null })).json.checkpoints.map((c: { name: string }) => c.name)).toEqual(['disk']);
        expect((await b.call('POST', '/_emulator/checkpoints/disk/restore', { token: null })).status).toBe(200);
        expect(await users(b)).toEqual(want);

        const meta = join(dir, '_checkpoints', 'disk', 'checkpoint.json');
        const file = JSON.parse(readFileSync(meta, 'utf8'));
        file.migrations.push('9999_from_the_future');
        file.schemaVersion = '9999-000000000000';
        writeFileSync(meta, JSON.stringify(file));
        const refused = expectErrorShape(await b.call('POST', '/_emulator/checkpoints/disk/restore', { token: null }), 409);
        expect(refused.message).toContain('9999-000000000000');
        expect(refused.message).toContain('does not know');
      } finally {
        b.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

