import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';
import type { AppEnv } from '../src/http/env.js';
import { notFound } from '../src/http/errors.js';
import { openapiDocument, openapiText } from '../src/openapi.js';

/** The fixture admin token the docs page authorizes "try it" with, unless --token names another. */
const FIXTURE_ADMIN_TOKEN = 'domo-emulator-admin-token';

/**
 * Swagger UI's static files (the swagger-ui-dist package, a dependency), read from node_modules where
 * the package is installed, from source (tsx) or from the bundle (dist/domo-emulator.mjs) alike. Only
 * these files are served, so no request path reaches the file system.
 */
const assets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};
let assetDir: string | undefined;
const swaggerDir = () => (assetDir ??= dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json')));
const assetCache = new Map<string, Buffer>();

let openapiCache: string | undefined;

const page = () => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>domo-emulator API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/_emulator/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/_emulator/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/_emulator/docs/assets/swagger-ui-bundle.js"></script>
<script src="/_emulator/docs/assets/swagger-ui-standalone-preset.js"></script>
<script src="/_emulator/docs/init.js"></script>
</body>
</html>
`;

/** Swagger UI's setup: this emulator's document, same-origin "try it", the developer token filled in. */
const init = (token: string) => `window.ui = SwaggerUIBundle({
  url: '/_emulator/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: false,
  tryItOutEnabled: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  plugins: [SwaggerUIBundle.plugins.DownloadUrl],
  layout: 'StandaloneLayout',
  onComplete: function () { window.ui.preauthorizeApiKey('developerToken', ${JSON.stringify(token)}); },
});
`;

/** /_emulator/openapi.json and /_emulator/docs (mounted under /_emulator by src/app.ts). */
export function openapiRoutes() {
  const r = new Hono<AppEnv>();

  r.get('/openapi.json', (c) => {
    openapiCache ??= openapiText(openapiDocument());
    return c.body(openapiCache, 200, { 'Content-Type': 'application/json; charset=utf-8' });
  });

  r.get('/docs', (c) => c.html(page()));

  r.get('/docs/init.js', (c) =>
    c.body(init(c.var.config.tokens[0] ?? FIXTURE_ADMIN_TOKEN), 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' }),
  );

  r.get('/docs/assets/:file', (c) => {
    const file = c.req.param('file');
    const type = Object.hasOwn(assets, file) ? assets[file] : undefined;
    if (!type) throw notFound(`No docs asset '${file}'`);
    let data = assetCache.get(file);
    if (!data) assetCache.set(file, (data = readFileSync(join(swaggerDir(), file))));
    return c.body(new Uint8Array(data), 200, { 'Content-Type': type, 'Cache-Control': 'public, max-age=3600' });
  });

  return r;
}
