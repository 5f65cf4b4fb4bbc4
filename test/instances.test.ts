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
