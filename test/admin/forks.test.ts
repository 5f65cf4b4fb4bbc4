import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const newUser = (email: string) => ({ displayName: email.split('@')[0], emailAddress: email, roleId: 4 });
const emails = async (instance: string) =>
  (await t.call('GET', '/api/identity/v1/users?limit=500', { instance })).json.users.map((u: { emailAddress: string }) => u.emailAddress) as string[];

describe('POST /_emulator/instances (forks)', () => {
  it('creates 50 forks of the fixtures; a write in one is absent from all the others', async () => {
    const names: string[] = [];
    const started = performance.now();
    for (let i = 0; i < 50; i++) {
      const res = await t.call('POST', '/_emulator/instances', { body: { from: 'fixtures' }, token: null });
      expect(res.status).toBe(201);
      expect(res.json).toMatchObject({ from: 'fixtures', token: ADMIN_TOKEN });
      expect(res.json.url).toBe(`http://${res.json.name}.localhost`);
      names.push(res.json.name);
    }
    const perFork = (performance.now() - started) / 50;
    expect(new Set(names).size).toBe(50);
    expect(perFork).toBeLessThan(500);
    const created = await t.call('POST', '/api/identity/v1/users', { body: newUser('only.in.one@example.com'), instance: names[17] });
    expect(created.status).toBe(200);
    expect(await emails(names[17])).toContain('only.in.one@example.com');
    for (const n of names.filter((x) => x !== names[17])) {
      const list = await emails(n);
      expect(list).not.toContain('only.in.one@example.com');
      expect(list).toContain('bryan.vankampen@example.com');
    }
    expect(await emails('default')).not.toContain('only.in.one@example.com');
    const listed = (await t.call('GET', '/_emulator/instances', { token: null })).json.instances.map((i: { name: string }) => i.name);
    for (const n of names) expect(listed).toContain(n);
  });

  it('forks another instance with its state and clock; the copy diverges independently', async () => {
    await t.call('POST', '/api/identity/v1/users', { body: newUser('base@example.com'), instance: 'base' });
    await t.call('POST', '/_emulator/clock', { body: { advance: 'PT2H' }, token: null, instance: 'base' });
    const res = await t.call('POST', '/_emulator/instances', { body: { from: 'base', name: 'copy' }, token: null });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ name: 'copy', from: 'base', url: 'http://copy.localhost' });
    expect(await emails('copy')).toContain('base@example.com');
    expect((await t.call('GET', '/_emulator/clock', { token: null, instance: 'copy' })).json.now).toBe('2026-01-15T14:00:00.000Z');
    await t.call('POST', '/api/identity/v1/users', { body: newUser('copy.only@example.com'), instance: 'copy' });
    expect(await emails('base')).not.toContain('copy.only@example.com');
    // the clock is the copy's own
    await t.call('POST', '/_emulator/clock', { body: { advance: 'PT1H' }, token: null, instance: 'copy' });
    expect((await t.call('GET', '/_emulator/clock', { token: null, instance: 'base' })).json.now).toBe('2026-01-15T14:00:00.000Z');
  });

  it('lists instances with size and age; DELETE drops one and its files', async () => {
    await t.call('POST', '/_emulator/instances', { body: { name: 'gone' }, token: null });
    await t.call('POST', '/api/identity/v1/users', { body: newUser('gone@example.com'), instance: 'gone' });
    const row = (await t.call('GET', '/_emulator/instances', { token: null })).json.instances.find((i: { name: string }) => i.name === 'gone');
    expect(row).toMatchObject({ name: 'gone', from: 'fixtures', url: 'http://gone.localhost' });
    expect(row.sizeBytes).toBeGreaterThan(10_000);
    expect(row.ageMs).toBeGreaterThanOrEqual(0);
    expect((await t.call('DELETE', '/_emulator/instances/gone', { token: null })).status).toBe(204);
    expect((await t.call('GET', '/_emulator/instances', { token: null })).json.instances.map((i: { name: string }) => i.name)).not.toContain('gone');
    // the name starts again from the fixtures
    expect(await emails('gone')).not.toContain('gone@example.com');
    expectErrorShape(await t.call('DELETE', '/_emulator/instances/never', { token: null }), 404);
  });

  it('refuses an existing name (409), an unknown source (404) and a bad name (400)', async () => {
    await t.call('POST', '/_emulator/instances', { body: { name: 'dup' }, token: null });
    expectErrorShape(await t.call('POST', '/_emulator/instances', { body: { name: 'dup' }, token: null }), 409);
    expectErrorShape(await t.call('POST', '/_emulator/instances', { body: { from: 'nothing-here' }, token: null }), 404);
    expectErrorShape(await t.call('POST', '/_emulator/instances', { body: { name: 'Bad Name' }, token: null }), 400);
  });

  it('works with --db <dir> too (files on disk, gone on DELETE)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'forks-test-'));
    const d = testApp({ db: dir });
    try {
      await d.call('POST', '/api/identity/v1/users', { body: newUser('disk@example.com') });
      const res = await d.call('POST', '/_emulator/instances', { body: { from: 'default', name: 'diskfork' }, token: null });
      expect(res.status).toBe(201);
      const list = (await d.call('GET', '/api/identity/v1/users?limit=500', { instance: 'diskfork' })).json.users.map((u: { emailAddress: string }) => u.emailAddress);
      expect(list).toContain('disk@example.com');
      expect(d.registry.exists('diskfork')).toBe(true);
      expect((await d.call('DELETE', '/_emulator/instances/diskfork', { token: null })).status).toBe(204);
      expect(d.registry.exists('diskfork')).toBe(false);
    } finally {
      d.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

