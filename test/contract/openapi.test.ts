import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog.js';
import { openapiDocument, openapiText, responseCoverage, typedFamilies } from '../../src/openapi.js';
import { packageRoot } from '../../src/paths.js';
import { testApp } from '../helpers/app.js';

const doc = openapiDocument() as any;
const t = testApp();
afterAll(() => t.close());

describe('the OpenAPI document', () => {
  it('docs/openapi.json is current (npm run docs:openapi regenerates it)', () => {
    expect(readFileSync(join(packageRoot, 'docs/openapi.json'), 'utf8')).toBe(openapiText(doc));
  });

  it('is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator, offline)', async () => {
    const result = await new Validator().validate(structuredClone(doc));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('has an operation for every catalog endpoint, tagged with its family', () => {
    const catalog = loadCatalog();
    const ops = Object.values(doc.paths as Record<string, Record<string, any>>).flatMap((p) => Object.values(p));
    const byId = new Map(ops.map((o) => [o.operationId, o]));
    const missing = catalog.filter((e) => !byId.has(e.id) && !ops.some((o) => o.summary === e.name && o.tags[0] === e.family)).map((e) => e.id);
    expect(missing).toEqual([]);
    expect(new Set(doc.tags.map((x: { name: string }) => x.name))).toEqual(new Set(catalog.map((e) => e.family)));
    for (const o of ops) expect(catalog.map((e) => e.family)).toContain(o.tags[0]);
  });

  it('documents request schemas from the routes and the reference examples', () => {
    const create = doc.paths['/api/identity/v1/users'].post;
    const media = create.requestBody.content['application/json'];
    expect(media.schema.required).toEqual(expect.arrayContaining(['displayName', 'emailAddress', 'roleId']));
    expect(media.schema.properties.emailAddress).toMatchObject({ type: 'string', format: 'email' });
    expect(media.example).toEqual(loadCatalog().find((e) => e.id === create.operationId)!.requestBody);
    const get = doc.paths['/api/identity/v1/users/{userId}'].get;
    expect(get.parameters.find((p: any) => p.name === 'userId')).toMatchObject({ in: 'path', required: true, schema: { type: 'integer' } });
    expect(get.parameters.find((p: any) => p.name === 'parts').description).toMatch(/DETAILED/);
  });

  it('documents declared response schemas as components', () => {
    const get = doc.paths['/api/identity/v1/users/{userId}'].get.responses['200'].content['application/json'];
    expect(get.schema.properties.users.items).toEqual({ $ref: '#/components/schemas/User' });
    expect(get.example).toBeDefined(); // the reference's example stays beside the schema
    expect(doc.components.schemas.User.required).toEqual(['id', 'displayName']);
    expect(doc.components.schemas.Group.additionalProperties).toBe(false);
    expect(doc.paths['/api/authorization/v1/roles/{roleId}'].delete.responses['204'].content).toBeUndefined();
  });

  it('typedFamilies names exactly the families whose every endpoint declares its response schema', () => {
    const full = responseCoverage().filter((f) => f.typed === f.endpoints).map((f) => f.family);
    expect(full).toEqual(typedFamilies);
  });

  it('declares the developer-token header and the error shape', () => {
    expect(doc.components.securitySchemes.developerToken).toEqual(expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-DOMO-Developer-Token' }));
    expect(doc.security).toEqual([{ developerToken: [] }]);
    expect(doc.components.schemas.Error.required).toEqual(expect.arrayContaining(['status', 'statusReason', 'path', 'message', 'toe']));
  });

  it('is served at /_emulator/openapi.json without a token', async () => {
    const res = await t.call('GET', '/_emulator/openapi.json', { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.json).toEqual(doc);
  });
});

describe('the docs page (/_emulator/docs)', () => {
  it('answers HTML that loads only its own assets', async () => {
    const res = await t.call('GET', '/_emulator/docs', { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.text).toContain('id="swagger-ui"');
    // nothing from the internet: every src/href is a path on the emulator
    const urls = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(urls.length).toBeGreaterThanOrEqual(4);
    for (const u of urls) expect(u).toMatch(/^\/_emulator\/docs\//);
    expect(res.text).not.toMatch(/https?:\/\//);
  });

  it('serves the Swagger UI assets with their content types', async () => {
    const html = (await t.call('GET', '/_emulator/docs', { token: null })).text;
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    const types: Record<string, RegExp> = { css: /^text\/css/, js: /^text\/javascript/, png: /^image\/png/ };
    for (const u of urls) {
      const res = await t.call('GET', u, { token: null });
      expect(res.status, u).toBe(200);
      expect(res.headers.get('content-type'), u).toMatch(types[u.split('.').pop()!]);
      expect(res.text.length, u).toBeGreaterThan(100);
    }
  });

  it('is set up for this emulator: its document, and the fixture admin token for "try it"', async () => {
    const res = await t.call('GET', '/_emulator/docs/init.js', { token: null });
    expect(res.text).toContain("url: '/_emulator/openapi.json'");
    expect(res.text).toContain(`preauthorizeApiKey('developerToken', "domo-emulator-admin-token")`);
    // and that token works on a documented route
    expect((await t.call('GET', '/api/identity/v1/users', { token: 'domo-emulator-admin-token' })).status).toBe(200);
  });

  it('serves no file outside its list', async () => {
    for (const f of ['package.json', '..%2Fpackage.json', 'index.html', 'swagger-ui-bundle.js.map']) {
      const res = await t.call('GET', `/_emulator/docs/assets/${f}`, { token: null });
      expect([400, 404], f).toContain(res.status);
    }
  });
});
