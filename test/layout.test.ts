import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../src/catalog.js';
import { packageRoot } from '../src/paths.js';
import { catalogFamilyModules, families } from '../routes/index.js';

/** A route's path with parameters blanked and case folded (the reference writes USERS, clients users). */
const shape = (path: string) =>
  path
    .replace(/\/+$/, '')
    .split('/')
    .map((s) => (s.startsWith(':') || s.startsWith('{') ? ':' : s.toLowerCase()))
    .join('/');

describe('layout: where a newcomer finds each family', () => {
  const catalog = loadCatalog();

  it('every catalog family names its route module, and the module exists', () => {
    const names = [...new Set(catalog.map((e) => e.family))].sort();
    expect(names.filter((f) => !catalogFamilyModules[f])).toEqual([]);
    for (const f of names) {
      for (const m of catalogFamilyModules[f]) {
        expect(existsSync(join(packageRoot, m.module)), `${f}: ${m.module}`).toBe(true);
        expect(families).toContain(m.routes);
      }
    }
  });

  it("each catalog endpoint is registered by its family's module", () => {
    const served = new Map<string, Set<string>>();
    const routesOf = (m: { module: string; routes: () => { routes: Array<{ method: string; path: string }> } }) => {
      if (!served.has(m.module)) served.set(m.module, new Set(m.routes().routes.map((r) => `${r.method} ${shape(r.path)}`)));
      return served.get(m.module)!;
    };
    const missing = catalog
      .filter((e) => !catalogFamilyModules[e.family].some((m) => routesOf(m).has(`${e.method} ${shape(e.path)}`)))
      .map((e) => `${e.family}: ${e.method} ${e.path}`);
    expect(missing).toEqual([]);
  });
});
