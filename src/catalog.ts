import { readFileSync } from 'node:fs';
import type { Hono, Handler } from 'hono';
import { catalogPath } from './paths.js';
import { notImplemented } from './http/errors.js';
import type { AppEnv } from './http/env.js';

export interface CatalogEntry {
  id: string;
  family: string;
  name: string;
  method: string;
  path: string;
  responseStatus: number;
  responseExample: unknown;
  requestBody: unknown;
  query: Array<{ name: string; type: string; required: boolean }>;
  async: boolean;
  notes: string;
}

export function loadCatalog(): CatalogEntry[] {
  return JSON.parse(readFileSync(catalogPath, 'utf8')) as CatalogEntry[];
}

/** The handler every documented-but-not-emulated route answers with (tagged so coverage can tell it apart). */
const notEmulated = (method: string, path: string): Handler<AppEnv> => {
  const h: Handler<AppEnv> = () => {
    throw notImplemented(`${method} ${path} is not emulated yet`);
  };
  fallbackHandlers.add(h);
  return h;
};
const fallbackHandlers = new WeakSet<Function>();

/** Orders paths so a literal segment comes before a parameter at the same place (`/created` before `/:id`). */
function literalFirst(a: CatalogEntry, b: CatalogEntry): number {
  const x = a.path.split('/');
  const y = b.path.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const px = x[i].startsWith(':');
    const py = y[i].startsWith(':');
    if (px !== py) return px ? 1 : -1;
  }
  return 0;
}

/** Literal segments the reference writes in capitals (USERS, RYUU_APP...) also match in lower case. */
function pathVariants(path: string): string[] {
  const lower = path
    .split('/')
    .map((s) => (s.startsWith(':') ? s : /^[A-Z_]+$/.test(s) ? s.toLowerCase() : s))
    .join('/');
  return lower === path ? [path] : [path, lower];
}

/** Registers a 501 for every catalog endpoint; call after the family routes so emulated ones win. */
export function registerCatalogFallbacks(app: Hono<AppEnv>, catalog: CatalogEntry[]): void {
  for (const e of [...catalog].sort(literalFirst)) {
    for (const p of pathVariants(e.path)) app.on(e.method, p, notEmulated(e.method, e.path));
  }
}

const shape = (path: string) =>
  path
    .replace(/\/+$/, '')
    .split('/')
    .map((s) => (s.startsWith(':') ? ':' : s.toLowerCase()))
    .join('/');

/** Which catalog endpoints a real (non-fallback) route serves. */
export function coverage(app: Hono<AppEnv>, catalog: CatalogEntry[]): Array<CatalogEntry & { emulated: boolean }> {
  const served = new Set(
    app.routes.filter((r) => r.method !== 'ALL' && !fallbackHandlers.has(r.handler)).map((r) => `${r.method} ${shape(r.path)}`),
  );
  return catalog.map((e) => ({ ...e, emulated: served.has(`${e.method} ${shape(e.path)}`) }));
}

/** The README's coverage table (family, endpoints, emulated). */
export function coverageTable(rows: Array<{ family: string; emulated: boolean }>): string {
  const fam = new Map<string, { total: number; done: number }>();
  for (const r of rows) {
    const f = fam.get(r.family) ?? { total: 0, done: 0 };
    f.total += 1;
    if (r.emulated) f.done += 1;
    fam.set(r.family, f);
  }
  const lines = ['| Family | Endpoints | Emulated |', '|---|---:|---:|'];
  let total = 0;
  let done = 0;
  for (const [name, f] of [...fam.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    lines.push(`| ${name} | ${f.total} | ${f.done} |`);
    total += f.total;
    done += f.done;
  }
  lines.push(`| **Total** | **${total}** | **${done}** |`);
  return lines.join('\n');
}
