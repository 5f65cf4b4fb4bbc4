import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InstanceRegistry } from '../src/instances.js';
import { createLogger } from '../src/logger.js';
import { defaultFixturesDir } from '../src/paths.js';
import { resolveConfig } from '../src/server.js';
import type { EmulatorOptions } from '../src/config.js';

const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function registry(options: EmulatorOptions) {
  return new InstanceRegistry(resolveConfig({ logLevel: 'silent', ...options }), createLogger('silent'));
}

describe('seeded templates', () => {
  it('are built once, cached, and give every new instance the same fixtures and files', () => {
    const cacheDir = tempDir('domo-cache-');
    const a = registry({ cacheDir, freezeClock: '2026-01-15T12:00:00Z' });
    const one = a.get('one');
    expect(readdirSync(cacheDir)).toHaveLength(1);
    const two = a.get('two');
    for (const inst of [one, two]) {
      expect(inst.stores.users.find(587894148)?.displayName).toBe('Bryan Van Kampen');
      expect(inst.stores.datasets.exists('0dbe6a6a-5588-4a1e-9db4-989ca98762a5')).toBe(true);
    }
    // the files the seeding wrote are copied too: a fixture file downloads from each instance's own data dir
    expect(readdirSync(one.dataDir).length).toBeGreaterThan(0);
    expect(one.dataDir).not.toBe(two.dataDir);
    // a second registry (a later start) reuses the cache: still one template
    const b = registry({ cacheDir, freezeClock: '2026-01-15T12:00:00Z' });
    expect(b.get('three').stores.users.find(1893952720)?.displayName).toBe('Jae Wilson');
    expect(readdirSync(cacheDir)).toHaveLength(1);
    a.close();
    b.close();
  });

  it('are keyed by the fixtures: a changed fixture makes a new template', () => {
    const cacheDir = tempDir('domo-cache-');
    const fixtures = tempDir('domo-fixtures-');
    cpSync(defaultFixturesDir, fixtures, { recursive: true });
    const before = registry({ cacheDir, fixtures });
    expect(before.get('x').stores.users.find(587894148)?.displayName).toBe('Bryan Van Kampen');
    before.close();
    const usersFile = join(fixtures, 'users.json');
    writeFileSync(usersFile, readFileSync(usersFile, 'utf8').replace('Bryan Van Kampen', 'Bryan Renamed'));
    const after = registry({ cacheDir, fixtures });
    expect(after.get('x').stores.users.find(587894148)?.displayName).toBe('Bryan Renamed');
    expect(readdirSync(cacheDir)).toHaveLength(2);
    after.close();
  });

  it('can be turned off: each instance is seeded from the fixtures', () => {
    const cacheDir = tempDir('domo-cache-');
    const r = registry({ cacheDir, templateCache: false });
    expect(r.get('x').stores.groups.get(6789456782).name).toBe('Sales Team');
    expect(existsSync(cacheDir) ? readdirSync(cacheDir) : []).toHaveLength(0);
    r.close();
  });

  it('keeps ids unique after the copy (the sequential counter travels with the template)', () => {
    const cacheDir = tempDir('domo-cache-');
    const r = registry({ cacheDir, ids: 'sequential' });
    const first = r.get('a').stores.groups.create(r.get('a').as(1893952720), { name: 'New A', type: 'open' });
    const second = r.get('b').stores.groups.create(r.get('b').as(1893952720), { name: 'New B', type: 'open' });
    expect(first.id).toBe(second.id); // same template, same next id: instances are independent worlds
    const fixtureGuids = r.get('a').stores.groups.list({ limit: 100, offset: 0 }).map((g) => g.guid);
    expect(new Set(fixtureGuids).size).toBe(fixtureGuids.length);
    r.close();
  });
});

describe('--db :memory: instances', () => {
  it('are WAL files in a temporary directory (RAM-backed where /dev/shm exists), gone on reset and close', () => {
    const reg = registry({ db: ':memory:' });
    const inst = reg.get('default');
    const file = inst.dbFile!;
    expect(file).toMatch(existsSync('/dev/shm') ? /^\/dev\/shm\/domo-emulator-/ : /domo-emulator-/);
    expect(inst.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(existsSync(file)).toBe(true);
    inst.stores.users.addToken(1893952720, 'only-in-the-old-file');
    expect(inst.stores.users.byToken('only-in-the-old-file')?.user.id).toBe(1893952720);
    const again = reg.reset('default');
    expect(again.dbFile).toBe(file);
    expect(again.stores.users.byToken('only-in-the-old-file')).toBeUndefined();
    reg.close();
    expect(existsSync(join(file, '..'))).toBe(false);
  });

  it('sweep the directories of processes that died without closing', () => {
    const reg = registry({ db: ':memory:' });
    const root = join(reg.get('default').dbFile!, '..', '..');
    const tag = /domo-emulator-([0-9a-f]{8})-/.exec(reg.get('default').dbFile!)![1];
    const stale = join(root, `domo-emulator-${tag}-999999999-abcdef`);
    const otherHost = join(root, 'domo-emulator-00000000-999999999-abcdef');
    for (const d of [stale, otherHost]) cpSync(join(reg.get('default').dbFile!, '..'), d, { recursive: true });
    reg.close();
    const fresh = registry({ db: ':memory:' });
    fresh.get('x'); // a registry sweeps when it makes its directory
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(otherHost)).toBe(true); // another host's (container's) pids mean nothing here
    fresh.close();
    rmSync(otherHost, { recursive: true, force: true });
  });
});
