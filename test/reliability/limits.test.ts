/**
 * One test per case of issue 8 that an in-process app can show: requests that cost the server far more
 * than the client (huge arrays of wrong items, deep nesting, catastrophic regexes, long AppDB work),
 * prototype keys, instances created without a token, damaged instance files, S3 export paths.
 * Each answers a small 400 (or 401/503) in the one error shape and leaves state as it was.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, truncateSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DETAILS } from '../../src/http/validate.js';
import { ADMIN_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';
import { PEOPLE } from './helpers.js';

type App = ReturnType<typeof testApp>;
let t: App;
beforeAll(() => {
  t = testApp();
});
afterAll(() => t.close());

const rawJson = (raw: string) => ({ raw, headers: { 'Content-Type': 'application/json' } });
const nested = (depth: number, leaf = '1') => '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
const docs = '/api/datastores/v1/collections/campaigns/documents';

describe('validation details are capped and large bodies bail early', () => {
  const authorities = '/api/authorization/v1/roles/3/authorities';

  it('a 2 MB array of wrong-typed items answers a small 400 quickly and changes nothing', async () => {
    const before = (await t.call('GET', authorities)).json;
    for (const n of [1_000_000, 5_000_000]) {
      // 2 MB, then 10 MB (the body limit): before, 145 MB of details, 44 s and a 500
      const raw = '[' + Array(n).fill('1').join(',') + ']';
      const started = performance.now();
      const r = await t.call('PATCH', authorities, rawJson(raw));
      const ms = performance.now() - started;
      const err = expectErrorShape(r, 400);
      expect(r.text.length).toBeLessThan(10_000);
      expect(err.details!.length).toBeLessThanOrEqual(MAX_DETAILS + 1);
      expect(err.details![0]).toMatchObject({ path: 'body.0' });
      expect(ms).toBeLessThan(5_000);
    }
    expect((await t.call('GET', authorities)).json).toEqual(before);
  });

  it('a small body with many problems lists the first 20 and counts the rest', async () => {
    const r = await t.call('PATCH', authorities, { body: Array(100).fill(1) });
    const err = expectErrorShape(r, 400);
    expect(err.details).toHaveLength(MAX_DETAILS + 1);
    expect(err.details!.slice(0, MAX_DETAILS).map((d) => d.path)).toEqual(Array.from({ length: MAX_DETAILS }, (_, i) => `body.${i}`));
    expect(err.details![MAX_DETAILS]).toEqual({ path: 'body', message: '80 more problems not listed' });
    expect(err.message.length).toBeLessThan(3000);
  });
});

describe('JSON nesting depth (every parsed body)', () => {
  it('refuses more than 100 levels with a 400 naming the limit, before anything runs', async () => {
    for (const [method, path] of [
      ['POST', `${docs}/query`],
      ['POST', docs],
      ['PATCH', '/api/authorization/v1/roles/3/authorities'],
      ['POST', '/api/identity/v1/users'],
    ] as const) {
      for (const raw of [nested(10_000), '['.repeat(10_000) + ']'.repeat(10_000), '{"$and":['.repeat(3000) + '{}' + ']}'.repeat(3000)]) {
        const err = expectErrorShape(await t.call(method, path, rawJson(raw)), 400);
        expect(err.message).toBe('The JSON body is nested deeper than the limit of 100 levels');
      }
    }
  });

  it('accepts a document nested to the limit and stores it whole', async () => {
    // the body is one level more than its content: {"content": ...}
    const content = JSON.parse(nested(99, '"deep"'));
    const r = await t.call('POST', docs, { body: { content } });
    expect(r.status).toBe(200);
    const back = await t.call('GET', `${docs}/${r.json.id}`);
    expect(back.json.content).toEqual(content);
    expectErrorShape(await t.call('POST', docs, { body: { content: JSON.parse(nested(100)) } }), 400);
  });

  it('brackets inside strings do not count', async () => {
    const r = await t.call('POST', docs, { body: { content: { text: '['.repeat(500) + '{'.repeat(500) } } });
    expect(r.status).toBe(200);
  });
});

describe('__proto__, constructor and prototype keys', () => {
  it("the issue's AppDB query does not 500: __proto__ is refused, nothing reaches Object.prototype", async () => {
    const err = expectErrorShape(await t.call('POST', `${docs}/query`, rawJson('{"__proto__":{"polluted":true},"constructor":{"prototype":{}}}')), 400);
    expect(err.message).toMatch(/'__proto__' cannot be used as a field name/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('__proto__ is refused by one rule everywhere: bodies, documents, filters, update operators, paths', async () => {
    const cases: Array<[string, string, { raw?: string; body?: unknown }]> = [
      ['POST', docs, rawJson('{"content":{"__proto__":{"a":1}}}')],
      ['POST', docs, rawJson('{"content":{"x":[{"__proto__":1}]}}')],
      ['POST', `${docs}/bulk`, rawJson('[{"content":{"__proto__":{}}}]')],
      ['POST', `${docs}/query`, rawJson('{"content.a":{"$eq":{"__proto__":1}}}')],
      ['POST', `${docs}/query`, { body: { 'content.__proto__.x': 1 } }],
      ['PUT', `${docs}/update`, { body: { query: {}, operation: { $set: { 'content.__proto__.polluted': 1 } } } }],
      ['PUT', `${docs}/update`, { body: { query: {}, operation: { $rename: { 'content.name': 'content.__proto__' } } } }],
      ['PUT', `${docs}/update`, { body: { query: '{"__proto__":{"x":1}}', operation: { $set: { 'content.a': 1 } } } }],
      ['POST', '/api/authorization/v1/roles', rawJson('{"name":"r","description":"d","fromRoleId":1,"__proto__":{"admin":true}}')],
    ];
    for (const [method, path, opts] of cases) {
      const r = await t.call(method, path, opts.raw ? rawJson(opts.raw) : { body: opts.body });
      expectErrorShape(r, 400);
      expect(r.json.message, `${method} ${path}`).toMatch(/__proto__/);
    }
    const unwound = await t.call('POST', `${docs}/query?unwind=content.__proto__`, { body: {} });
    expectErrorShape(unwound, 400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('names looked up in tables are own keys only (?sort=__proto__, $type: "constructor")', async () => {
    for (const sort of ['__proto__', 'constructor', '-toString', 'hasOwnProperty']) {
      expect(expectErrorShape(await t.call('GET', `/api/social/v4/alerts?sort=${sort}`), 400).message).toMatch(/Cannot sort alerts by/);
    }
    for (const type of ['constructor', 'toString', '__proto__']) {
      expect(expectErrorShape(await t.call('POST', `${docs}/query`, { body: { 'content.name': { $type: type } } }), 400).message).toMatch(/Unknown \$type/);
    }
  });

  it('constructor and prototype are plain field names: stored, queried, updated, aggregated', async () => {
    const created = await t.call('POST', docs, { body: { content: { constructor: { prototype: { n: 1 } }, prototype: 'p', team: 'F1' } } });
    expect(created.status).toBe(200);
    const q = await t.call('POST', `${docs}/query`, { body: { 'content.constructor.prototype.n': 1 } });
    expect(q.status).toBe(200);
    expect(q.json.map((d: { id: string }) => d.id)).toEqual([created.json.id]);
    // a top-level name that is no document field matches nothing (it must not find Object's constructor)
    expect((await t.call('POST', `${docs}/query`, { body: { constructor: { prototype: {} } } })).json).toEqual([]);
    expect((await t.call('POST', `${docs}/query`, { body: { constructor: { $exists: true } } })).json).toEqual([]);
    const upd = await t.call('PUT', `${docs}/update`, { body: { query: { 'content.team': 'F1' }, operation: { $inc: { 'content.constructor.prototype.n': 1 } } } });
    expect(upd.json).toBe(1);
    expect((await t.call('GET', `${docs}/${created.json.id}`)).json.content.constructor).toEqual({ prototype: { n: 2 } });
    const agg = await t.call('POST', `${docs}/query?groupby=content.prototype&count=n`, { body: { 'content.team': 'F1' } });
    expect(agg.json).toEqual([{ prototype: 'p', n: 1 }]);
    expect(({} as Record<string, unknown>).n).toBeUndefined();
  });
});

describe('AppDB filter, path, regex and update limits', () => {
  it('a filter nested deeper than 16 levels of operators is a 400 naming the limit', async () => {
    let f: unknown = { 'content.x': 1 };
    for (let i = 0; i < 17; i++) f = { $or: [f, { 'content.y': i }] };
    expect(expectErrorShape(await t.call('POST', `${docs}/query`, { body: f }), 400).message).toMatch(/deeper than the limit of 16 levels/);
    let em: unknown = { $gt: 1 };
    for (let i = 0; i < 17; i++) em = { $elemMatch: { a: em } };
    expectErrorShape(await t.call('POST', `${docs}/query`, { body: { 'content.x': em } }), 400);
    // at the limit it runs
    let ok: unknown = { 'content.x': 1 };
    for (let i = 0; i < 16; i++) ok = { $or: [ok, { 'content.y': i }] };
    expect((await t.call('POST', `${docs}/query`, { body: ok })).status).toBe(200);
  });

  it('a wide filter runs up to 1,000 conditions and 5,000 listed values, and is a 400 past them', async () => {
    const or = (n: number) => ({ $or: Array.from({ length: n }, (_, i) => ({ [`content.f${i}`]: i })) });
    // 999 terms used to reach SQLite's expression depth limit (a 500); the SQL is now a balanced tree
    expect((await t.call('POST', `${docs}/query`, { body: or(999) })).status).toBe(200);
    expect(expectErrorShape(await t.call('POST', `${docs}/query`, { body: or(1001) }), 400).message).toMatch(/more than the limit of 1000 conditions/);
    const inList = (n: number) => ({ 'content.x': { $in: Array.from({ length: n }, (_, i) => i) } });
    expect((await t.call('POST', `${docs}/query`, { body: inList(5000) })).status).toBe(200);
    expect(expectErrorShape(await t.call('POST', `${docs}/query`, { body: inList(50_000) }), 400).message).toMatch(/more than the limit of 5000 values/);
  });

  it('a field path of more than 100 segments is a 400', async () => {
    const path = 'content.' + Array(120).fill('a').join('.');
    expect(expectErrorShape(await t.call('POST', `${docs}/query`, { body: { [path]: 1 } }), 400).message).toMatch(/more than the limit of 100 segments/);
    expectErrorShape(await t.call('POST', `${docs}/query?groupby=${path}`, { body: {} }), 400);
  });

  it('regexes that can backtrack catastrophically are refused; ordinary ones run', async () => {
    for (const pattern of ['(a+)+$', '(a*)*b', '(\\w{1,9})+x', '(a|aa)+$', '((ab)*)+', '(?:(a)\\1)+', 'x'.repeat(1001)]) {
      const r = await t.call('POST', `${docs}/query`, { body: { 'content.name': { $regex: pattern } } });
      expectErrorShape(r, 400);
    }
    for (const pattern of ['^Spring', 'sale$', '(spring|summer) sale', '\\d{3}-\\d{4}', '(ab)+', '[a-z]+@[a-z]+\\.com', '(?:\\d{3})+']) {
      expect((await t.call('POST', `${docs}/query`, { body: { 'content.name': { $regex: pattern, $options: 'i' } } })).status, pattern).toBe(200);
    }
  });

  it('an update that would nest a document deeper than 100 levels is refused and changes nothing', async () => {
    const created = await t.call('POST', docs, { body: { content: { tag: 'deep-update' } } });
    const path = 'content.' + Array(60).fill('p').join('.');
    const value = JSON.parse(nested(45));
    const r = await t.call('PUT', `${docs}/update`, { body: { query: { 'content.tag': 'deep-update' }, operation: { $set: { [path]: value } } } });
    expect(expectErrorShape(r, 400).message).toMatch(/deeper than the limit of 100 levels/);
    expect((await t.call('GET', `${docs}/${created.json.id}`)).json.content).toEqual({ tag: 'deep-update' });
  });
});

describe('the AppDB deadline (--query-timeout)', () => {
  let slow: App;
  beforeAll(async () => {
    slow = testApp({ queryTimeoutMs: 200 });
    const big = Array.from({ length: 4000 }, (_, i) => ({ i, s: `item-${i}` }));
    const r = await slow.call('POST', '/api/datastores/v1/collections', { body: { name: 'heavy' } });
    expect(r.status).toBe(200);
    const docsBody = Array.from({ length: 40 }, (_, k) => ({ content: { k, items: big } }));
    expect((await slow.call('POST', '/api/datastores/v1/collections/heavy/documents/bulk', { body: docsBody })).status).toBe(200);
  });
  afterAll(() => slow.close());

  it('an aggregation past the budget answers the timeout error in about the budget, and the next query works', async () => {
    // 40 documents x 4,000 elements unwound twice would build 640 million copies
    const started = performance.now();
    const r = await slow.call('POST', '/api/datastores/v1/collections/heavy/documents/query?unwind=content.items,content.items&groupby=content.k&count=n', { body: {} });
    const ms = performance.now() - started;
    const err = expectErrorShape(r, 400);
    expect(err.message).toMatch(/The AppDB query ran longer than the 200 ms limit/);
    expect(ms).toBeLessThan(3_000);
    const next = await slow.call('POST', '/api/datastores/v1/collections/heavy/documents/query?groupby=content.k&count=n', { body: {} });
    expect(next.status).toBe(200);
    expect(next.json).toHaveLength(40);
  });

  it('a partial update past the budget is stopped and rolled back', async () => {
    const slowUpdate = testApp({ queryTimeoutMs: 1 });
    try {
      await slowUpdate.call('POST', '/api/datastores/v1/collections', { body: { name: 'many' } });
      const items = Array.from({ length: 2000 }, (_, i) => ({ content: { i, tags: Array.from({ length: 200 }, (_, j) => `t${j}`) } }));
      expect((await slowUpdate.call('POST', '/api/datastores/v1/collections/many/documents/bulk', { body: items })).status).toBe(200);
      const r = await slowUpdate.call('PUT', '/api/datastores/v1/collections/many/documents/update', { body: { query: {}, operation: { $push: { 'content.tags': { $each: ['x'], $sort: -1 } }, $inc: { 'content.i': 1000 } } } });
      expect(expectErrorShape(r, 400).message).toMatch(/The AppDB update ran longer than the 1 ms limit/);
      const all = (await slowUpdate.call('GET', '/api/datastores/v1/collections/many/documents')).json as Array<{ content: { i: number; tags: string[] } }>;
      expect(all).toHaveLength(2000);
      expect(all.map((d) => d.content.i).sort((a, b) => a - b)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
      expect(all.every((d) => d.content.tags.length === 200 && d.content.tags[0] === 't0')).toBe(true);
    } finally {
      slowUpdate.close();
    }
  });
});

describe('authenticate before creating anything', () => {
  it('50 requests with no or a bad token and new instance names create nothing (no files, not in health)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'domo-rel-auth-'));
    const app = testApp({ db: dir });
    try {
      await app.call('GET', '/_emulator/health', { token: null });
      const filesBefore = readdirSync(dir).sort();
      for (let i = 0; i < 50; i++) {
        const name = `ghost-${i}`;
        const opts =
          i % 3 === 0
            ? { token: null, instance: name }
            : i % 3 === 1
              ? { token: 'not-a-real-token', instance: name }
              : { token: null, headers: { Host: `${name}.localhost:8080` } };
        const r = await app.call(i % 2 ? 'POST' : 'GET', '/api/identity/v1/users', opts);
        expectErrorShape(r, 401);
      }
      // a path outside the API does not create one either
      expectErrorShape(await app.call('GET', '/nothing-here', { token: null, instance: 'ghost-x' }), 404);
      expect(readdirSync(dir).sort()).toEqual(filesBefore);
      expect(app.registry.names()).toEqual(['default']);
      const health = await app.call('GET', '/_emulator/health', { token: null });
      expect(health.json.instances).toEqual(['default']);
      // a token a new instance would have creates it, as before
      expect((await app.call('GET', '/api/identity/v1/users', { instance: 'real-one' })).status).toBe(200);
      expect(existsSync(join(dir, 'real-one.db'))).toBe(true);
      // and /_emulator/* still creates instances without a token
      expect((await app.call('GET', '/_emulator/health', { token: null, instance: 'admin-made' })).json.instances).toContain('admin-made');
    } finally {
      app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--token values are accepted for a new instance, as they are for existing ones', async () => {
    const app = testApp({ tokens: ['cli-token-123'] });
    try {
      expect((await app.call('GET', '/api/identity/v1/users', { token: 'cli-token-123', instance: 'via-cli-token' })).status).toBe(200);
    } finally {
      app.close();
    }
  });

  it('with the template cache off the tokens still come from what a new instance would hold', async () => {
    const app = testApp({ templateCache: false });
    try {
      expectErrorShape(await app.call('GET', '/api/identity/v1/users', { token: 'nope-nope-nope', instance: 'nocache' }), 401);
      expect(app.registry.names()).toEqual([]);
      expect((await app.call('GET', '/api/identity/v1/users', { token: ADMIN_TOKEN, instance: 'nocache' })).status).toBe(200);
    } finally {
      app.close();
    }
  });
});

describe('instance database files', () => {
  it('a damaged or truncated instance file answers 503 naming the file; other instances keep working', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'domo-rel-corrupt-'));
    try {
      const first = testApp({ db: dir });
      expect((await first.call('GET', '/api/identity/v1/users', { instance: 'good' })).status).toBe(200);
      first.close();
      const file = join(dir, 'good.db');
      copyFileSync(file, join(dir, 'half.db'));
      truncateSync(join(dir, 'half.db'), Math.floor(statSync(file).size / 2));
      writeFileSync(join(dir, 'garbage.db'), 'this is not a database at all, just text'.repeat(100));
      const app = testApp({ db: dir });
      try {
        for (const name of ['half', 'garbage']) {
          for (let i = 0; i < 2; i++) {
            const r = await app.call('GET', '/api/identity/v1/users', { instance: name });
            const err = expectErrorShape(r, 503);
            expect(err.message).toContain(join(dir, `${name}.db`));
            expect(err.message).toMatch(/damaged or is not an emulator database/);
          }
        }
        expect((await app.call('GET', '/api/identity/v1/users', { instance: 'good' })).status).toBe(200);
        // removing the file lets the instance start afresh
        rmSync(join(dir, 'garbage.db'));
        expect((await app.call('GET', '/api/identity/v1/users', { instance: 'garbage' })).status).toBe(200);
      } finally {
        app.close();
      }
      // new instance files are written whole: no temporary files are left beside them
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('S3 export paths', () => {
  const body = (path: string) => ({ awsAccessKey: 'AKIAEXAMPLE', awsAccessSecret: 's', bucket: 'rel-bucket', path, region: 'us-east-1' });
  const exportTo = (path: string) => t.call('POST', `/api/query/v1/export/${PEOPLE}`, { body: body(path) });
  const finish = () => t.call('POST', '/_emulator/clock', { body: { advance: 'PT2S' }, token: null });

  it('a 300-character path segment is a 400 naming the problem', async () => {
    const err = expectErrorShape(await exportTo(`dir/${'x'.repeat(300)}.csv`), 400);
    expect(err.message).toMatch(/each '\/'-separated segment at most 200 bytes/);
  });

  it('a file and a folder of the same name collide: 400 naming the clash, nothing written', async () => {
    expect((await exportTo('a/b.csv')).status).toBe(200);
    await finish();
    expect(expectErrorShape(await exportTo('a/b.csv/c.csv'), 400).message).toMatch(/wrote the file 'a\/b\.csv', so it cannot also be a folder/);
    expect((await exportTo('x/y/z.csv')).status).toBe(200);
    await finish();
    expect(expectErrorShape(await exportTo('x/y'), 400).message).toMatch(/'x\/y' is a folder of earlier exports/);
    const list = await t.call('GET', `/api/query/v1/export/${PEOPLE}`);
    expect(list.json.map((e: { path: string }) => e.path).sort()).toEqual(['a/b.csv', 'x/y/z.csv']);
  });
});
