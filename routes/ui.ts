import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../src/http/env.js';
import { errorBody } from '../src/http/errors.js';
import { packageRoot } from '../src/paths.js';

/**
 * The web dashboard at /_emulator/ui: three static files from the package's ui/ directory (plain ES
 * module JavaScript and CSS, no framework, nothing from a CDN). They ship with the package, so the
 * dashboard works from `npm start` (the dist/ bundle finds the package root) and from source alike.
 * Only these names are served: no path from the request ever reaches the file system.
 */
const files: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};
const cache = new Map<string, string>();

function load(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(join(packageRoot, 'ui', name), 'utf8');
    cache.set(name, text);
  }
  return text;
}

export function uiRoutes() {
  const r = new Hono<AppEnv>({ strict: false });
  const send = (name: string) => (c: Context<AppEnv>) =>
    c.body(load(name), 200, { 'Content-Type': files[name], 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
  r.get('/', send('index.html'));
  r.get('/:file', (c) => {
    const name = c.req.param('file');
    if (!Object.hasOwn(files, name)) return errorBody(c, 404, `No dashboard file '${name}'`);
    return send(name)(c);
  });
  return r;
}
