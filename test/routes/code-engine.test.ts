import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_ID, EDITOR_ID, EDITOR_TOKEN, expectErrorShape, FROZEN_AT, testApp } from '../helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

const PKG = '756f0b19-5125-44f6-b541-058980ff6a94';
const run = (fn: string, body: unknown, version = '1.0.1', token?: string) =>
  t.call('POST', `/api/codeengine/v2/packages/${PKG}/versions/${version}/functions/${fn}`, { body, token });
const count = () => t.instance().sqlite.prepare('select count(*) from code_engine_executions').pluck().get();

describe('POST /api/codeengine/v2/packages/:packageId/versions/:version/functions/:functionName', () => {
  it('runs a fixture function synchronously and returns the execution', async () => {
    const res = await run('addNumbers', { inputVariables: { a: 13, b: 7 }, settings: { getLogs: true } }, '1.0.1', EDITOR_TOKEN);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      packageId: PKG,
      version: '1.0.1',
      functionName: 'addNumbers',
      status: 'SUCCESS',
      settings: { getLogs: true },
      startedBy: String(EDITOR_ID),
      startedOn: '2026-01-15T12:00:00.000Z',
      completedOn: '2026-01-15T12:00:00.000Z',
      result: 20,
      stdout: { log: ['adding 13 and 7'] },
      stderr: { log: [] },
    });
    expect(typeof res.json.executionId).toBe('string');
    // logs only when asked; same input, same result
    const again = await run('addNumbers', { inputVariables: { a: 13, b: 7 } });
    expect(again.json).toMatchObject({ result: 20, stdout: { log: [] }, settings: { getLogs: false } });
    // the execution is stored: getExecutionDetails reads it back
    const details = await run('getExecutionDetails', { inputVariables: { executionId: res.json.executionId } });
    expect(details.json.result).toMatchObject({ executionId: res.json.executionId, functionName: 'addNumbers', inputVariables: { a: 13, b: 7 }, result: 20 });
  });

  it('string and list helpers', async () => {
    expect((await run('slugify', { inputVariables: { text: 'Hello, Domo World!' } })).json.result).toBe('hello-domo-world');
    expect((await run('concatStrings', { inputVariables: { first: 'a', second: 'b', separator: '-' } })).json.result).toBe('a-b');
    expect((await run('sumList', { inputVariables: { values: [1, 2, 3.5] } })).json.result).toBe(6.5);
    expect((await run('toUpperCase', { inputVariables: { text: 'abc' } }, '1.0.0')).json.result).toBe('ABC');
  });

  it('404 for an unknown package, version or function; 400 for missing or mistyped inputs; nothing is stored', async () => {
    expectErrorShape(await t.call('POST', '/api/codeengine/v2/packages/nope/versions/1.0.1/functions/addNumbers', { body: { inputVariables: {} } }), 404);
    expectErrorShape(await run('addNumbers', { inputVariables: { a: 1, b: 2 } }, '9.0.0'), 404);
    expectErrorShape(await run('slugify', { inputVariables: { text: 'x' } }, '1.0.0'), 404);
    expectErrorShape(await run('evalCode', { inputVariables: {} }), 404);
    const missing = expectErrorShape(await run('addNumbers', { inputVariables: { a: 1 } }), 400);
    expect(missing.details).toEqual([{ path: 'body.inputVariables.b', message: 'Required (number)' }]);
    const typed = expectErrorShape(await run('addNumbers', { inputVariables: { a: '1', b: 2, c: 3 } }), 400);
    expect(typed.details!.map((d) => d.path)).toEqual(['body.inputVariables.a', 'body.inputVariables.c']);
    expectErrorShape(await run('addNumbers', { inputVariables: { paramName: 'value' }, settings: { getLogs: 'yes' } }), 400);
    expect(count()).toBe(0);
  });
});

// ---- user packages ----

const BASE = '/api/codeengine/v2/packages';

type Fn = { name: string; inputs?: Array<Record<string, unknown>>; output?: Record<string, unknown> | null; isPrivate?: boolean };
const decl = (f: Fn) => ({ name: f.name, displayName: f.name, description: `does ${f.name}`, isPrivate: f.isPrivate ?? false, inputs: f.inputs ?? [], output: f.output === undefined ? { name: 'result', type: 'number', nullable: false, isList: false } : f.output });
const num = (name: string, extra: Record<string, unknown> = {}) => ({ name, displayName: name, type: 'number', nullable: false, isList: false, ...extra });
const pkgBody = (code: string, functions: Fn[], extra: Record<string, unknown> = {}) => ({
  name: 'Math Helpers',
  language: 'JAVASCRIPT',
  environment: 'LAMBDA',
  version: '1.0.0',
  code,
  manifest: { functions: functions.map(decl), configuration: { accountsMapping: [] } },
  ...extra,
});

/** Creates a package with one function `f` and runs it: the execution answer. */
async function runCode(app: ReturnType<typeof testApp>, code: string, fn: Fn, inputVariables: Record<string, unknown> = {}) {
  const created = await app.call('POST', BASE, { body: pkgBody(code, [fn]) });
  if (created.status !== 200) throw new Error(`create: ${created.status} ${created.text}`);
  const res = await app.call('POST', `${BASE}/${created.json.id}/versions/1.0.0/functions/${fn.name}`, { body: { inputVariables, settings: { getLogs: true } } });
  expect(res.status).toBe(200);
  return res.json;
}

const errorInfoKeys = ['result', 'expectedType', 'actualType', 'expectedIsList', 'actualIsList', 'expectedAllowNull', 'errorMessages'];
function expectFailed(json: any, message: RegExp) {
  expect(json.status).toBe('FAILED');
  expect(json.result).toBeNull();
  expect(Object.keys(json.errorInformation).sort()).toEqual([...errorInfoKeys].sort());
  expect(json.errorInformation.errorMessages.join('\n')).toMatch(message);
  return json.errorInformation;
}

describe('POST /api/codeengine/v2/packages (create, version, release) and the package reads', () => {
  it('a package created through the API is listed, read back with its versions, run, released and versioned again', async () => {
    const code = `
      // adds, logging what it does
      function add(a, b) { console.log('adding', a, b); console.warn('careful'); return a + b; }
      const half = (x) => x / 2;`;
    const created = await t.call('POST', BASE, { body: pkgBody(code, [{ name: 'add', inputs: [num('a'), num('b')] }, { name: 'half', inputs: [num('x')] }]) });
    expect(created.status).toBe(200);
    const id = created.json.id;
    expect(created.json).toMatchObject({
      name: 'Math Helpers',
      language: 'JAVASCRIPT',
      environment: 'LAMBDA',
      version: '1.0.0',
      code,
      owner: ADMIN_ID,
      createdBy: ADMIN_ID,
      createdOn: FROZEN_AT,
      updatedOn: FROZEN_AT,
      released: false,
      manifest: { configuration: { accountsMapping: [] } },
    });
    expect(created.json.manifest.functions.map((f: any) => f.name)).toEqual(['add', 'half']);

    const list = await t.call('GET', BASE);
    expect(list.json.find((p: any) => p.id === id)).toMatchObject({ name: 'Math Helpers', owner: ADMIN_ID, currentVersion: '1.0.0', releasedVersion: null });
    const got = await t.call('GET', `${BASE}/${id}`);
    expect(got.json.versions).toEqual([expect.objectContaining({ packageId: id, version: '1.0.0', released: false, releasedOn: null })]);
    expect(got.json.versions[0].code).toBeUndefined();
    for (const path of [`${BASE}/${id}/versions/`, `${BASE}/${id}/versions`]) {
      const versions = await t.call('GET', `${path}?parts=functions,code`);
      expect(versions.status).toBe(200);
      expect(versions.json).toHaveLength(1);
      expect(versions.json[0]).toMatchObject({ version: '1.0.0', code });
    }
    const v = await t.call('GET', `${BASE}/${id}/versions/1.0.0?parts=functions`);
    expect(v.json.functions[0]).toMatchObject({ name: 'add', inputs: [{ name: 'a', type: 'number' }, { name: 'b', type: 'number' }], output: { type: 'number' } });
    expect(v.json.code).toBeUndefined();
    expect((await t.call('GET', `${BASE}/${id}/versions/1.0.0?parts=code`)).json.code).toBe(code);

    // an unreleased version runs, with logs
    const ran = await t.call('POST', `${BASE}/${id}/versions/1.0.0/functions/add`, { body: { inputVariables: { a: 2, b: 40 }, settings: { getLogs: true } } });
    expect(ran.json).toMatchObject({ status: 'SUCCESS', result: 42, stdout: { log: ['adding 2 40'] }, stderr: { log: ['careful'] }, errorInformation: null });
    expect((await t.call('POST', `${BASE}/${id}/versions/1.0.0/functions/half`, { body: { inputVariables: { x: 5 } } })).json.result).toBe(2.5);

    // release; a released version cannot change; a new version can be added and runs its own code
    const released = await t.call('POST', `${BASE}/${id}/versions/1.0.0/release`);
    expect(released.json).toMatchObject({ version: '1.0.0', released: true, releasedOn: FROZEN_AT, releasedBy: ADMIN_ID });
    expect((await t.call('POST', `${BASE}/${id}/versions/1.0.0/release`)).json.released).toBe(true);
    const changed = expectErrorShape(await t.call('POST', BASE, { body: pkgBody('function add(a,b){return 0}', [{ name: 'add', inputs: [num('a'), num('b')] }], { id }) }), 409);
    expect(changed.message).toMatch(/released.*1\.0\.1/);
    const next = await t.call('POST', BASE, { body: pkgBody('function add(a, b) { return a + b + 1000 }', [{ name: 'add', inputs: [num('a'), num('b')] }], { id, version: '1.0.10' }) });
    expect(next.status).toBe(200);
    expect(next.json).toMatchObject({ id, version: '1.0.10', released: false });
    const again = await t.call('POST', BASE, { body: pkgBody('function add(a, b) { return a + b + 100 }', [{ name: 'add', inputs: [num('a'), num('b')] }], { id, version: '1.0.2' }) });
    expect(again.status).toBe(200);
    expect((await t.call('GET', `${BASE}/${id}/versions`)).json.map((x: any) => x.version)).toEqual(['1.0.0', '1.0.2', '1.0.10']);
    expect((await t.call('GET', `${BASE}/${id}?parts=versions`)).json).toMatchObject({ currentVersion: '1.0.10', releasedVersion: '1.0.0' });
    expect((await t.call('POST', `${BASE}/${id}/versions/1.0.10/functions/add`, { body: { inputVariables: { a: 1, b: 2 } } })).json.result).toBe(1003);
    expect((await t.call('POST', `${BASE}/${id}/versions/1.0.0/functions/add`, { body: { inputVariables: { a: 1, b: 2 } } })).json.result).toBe(3);
    // an unreleased version can be saved again (the code changes), and half is gone from 1.0.2
    expect((await t.call('POST', BASE, { body: pkgBody('const add = (a, b) => a - b', [{ name: 'add', inputs: [num('a'), num('b')] }], { id, version: '1.0.2' }) })).status).toBe(200);
    expect((await t.call('POST', `${BASE}/${id}/versions/1.0.2/functions/add`, { body: { inputVariables: { a: 1, b: 2 } } })).json.result).toBe(-1);
    expectErrorShape(await t.call('POST', `${BASE}/${id}/versions/1.0.2/functions/half`, { body: { inputVariables: { x: 1 } } }), 404);

    expectErrorShape(await t.call('GET', `${BASE}/nope`), 404);
    expectErrorShape(await t.call('GET', `${BASE}/${id}/versions/9.9.9`), 404);
    expectErrorShape(await t.call('POST', `${BASE}/${id}/versions/9.9.9/release`), 404);
  });

  it('the fixture package is listed with its two released versions and their JavaScript source', async () => {
    const pkg = await t.call('GET', `${BASE}/${PKG}?parts=versions,functions`);
    expect(pkg.json).toMatchObject({ id: PKG, name: 'Utilities', language: 'JAVASCRIPT', releasedVersion: '1.0.1' });
    expect(pkg.json.versions.map((v: any) => [v.version, v.released, v.functions.length])).toEqual([['1.0.0', true, 2], ['1.0.1', true, 8]]);
    const v = await t.call('GET', `${BASE}/${PKG}/versions/1.0.1?parts=code,functions`);
    expect(v.json.code).toMatch(/async function getExecutionDetails\(executionId\)/);
  });

  it('declarations and code are validated: 400s name the field, 403 without codeengine.manage, nothing is stored', async () => {
    const before = (await t.call('GET', BASE)).json.length;
    const bad = async (body: unknown, path: string, message?: RegExp) => {
      const e = expectErrorShape(await t.call('POST', BASE, { body }), 400);
      expect(e.details!.map((d) => d.path)).toContain(path);
      if (message) expect(e.details!.find((d) => d.path === path)!.message).toMatch(message);
    };
    const ok = 'function add(a, b) { return a + b }';
    await bad(pkgBody(ok, [{ name: 'add', inputs: [num('a', { type: 'float' })] }]), 'body.manifest.functions.0.inputs.0.type', /one of text, string, number/);
    await bad(pkgBody(ok, [{ name: 'add', output: { name: 'r', type: 'bytes' } }]), 'body.manifest.functions.0.output.type');
    await bad(pkgBody(ok, [{ name: 'add-numbers' }]), 'body.manifest.functions.0.name', /JavaScript identifier/);
    await bad(pkgBody(ok, [{ name: 'add' }, { name: 'add' }]), 'body.manifest.functions.1.name', /declared twice/);
    await bad(pkgBody(ok, [{ name: 'add', inputs: [num('a'), num('a')] }]), 'body.manifest.functions.0.inputs.1.name', /declared twice/);
    await bad(pkgBody(ok, [{ name: 'add', inputs: [num('a', { nullable: 'yes' })] }]), 'body.manifest.functions.0.inputs.0.nullable');
    await bad(pkgBody(ok, [{ name: 'add' }, { name: 'subtract' }]), 'body.manifest.functions.1.name', /defines no function subtract/);
    await bad(pkgBody('function add(a, b) { return a + }', [{ name: 'add' }]), 'body.code', /SyntaxError/);
    await bad(pkgBody('throw new Error("no config")', [{ name: 'add' }]), 'body.code', /no config/);
    await bad(pkgBody(ok, [{ name: 'add' }], { version: 'v1' }), 'body.version');
    await bad(pkgBody(ok, [{ name: 'add' }], { language: 'COBOL' }), 'body.language');
    await bad({ ...pkgBody(ok, [{ name: 'add' }]), code: undefined }, 'body.code');
    await bad(pkgBody(ok, [{ name: 'add' }], { name: undefined }), 'body.name');
    expectErrorShape(await t.call('POST', BASE, { body: pkgBody(ok, [{ name: 'add' }]), token: EDITOR_TOKEN }), 403);
    expect((await t.call('GET', BASE)).json.length).toBe(before);
  });

  it('Python packages are stored and read back, but a run is a 501; private functions are not callable', async () => {
    const py = await t.call('POST', BASE, { body: pkgBody('def add(a, b):\n    return a + b\n', [{ name: 'add', inputs: [num('a'), num('b')] }], { language: 'PYTHON' }) });
    expect(py.json).toMatchObject({ language: 'PYTHON', version: '1.0.0' });
    expectErrorShape(await t.call('POST', `${BASE}/${py.json.id}/versions/1.0.0/functions/add`, { body: { inputVariables: { a: 1, b: 2 } } }), 501);
    const js = await t.call('POST', BASE, {
      body: pkgBody('function helper(x) { return x * 2 } function twice(x) { return helper(x) }', [{ name: 'helper', inputs: [num('x')], isPrivate: true }, { name: 'twice', inputs: [num('x')] }]),
    });
    expect((await t.call('POST', `${BASE}/${js.json.id}/versions/1.0.0/functions/twice`, { body: { inputVariables: { x: 4 } } })).json.result).toBe(8);
    expectErrorShape(await t.call('POST', `${BASE}/${js.json.id}/versions/1.0.0/functions/helper`, { body: { inputVariables: { x: 4 } } }), 404);
  });
});

describe('running user code in the sandbox', () => {
  it('inputs are converted per declaration and passed positionally; async functions, timers and lists work', async () => {
    const json = await runCode(
      t,
      `async function describe(title, when, tags, owner, extra) {
         await new Promise((resolve) => setTimeout(resolve, 20));
         console.log('described', title);
         return { title, when, tags, owner, ownerType: typeof owner, extra, isPromise: false };
       }`,
      {
        name: 'describe',
        inputs: [
          { name: 'title', type: 'text' },
          { name: 'when', type: 'date' },
          { name: 'tags', type: 'text', isList: true },
          { name: 'owner', type: 'person' },
          { name: 'extra', type: 'object', nullable: true },
        ],
        output: { name: 'out', type: 'object' },
      },
      { title: 'Q1', when: '2026-01-15', tags: ['a', 'b'], owner: 587894148 },
    );
    expect(json).toMatchObject({ status: 'SUCCESS', stdout: { log: ['described Q1'] } });
    expect(json.result).toEqual({ title: 'Q1', when: '2026-01-15', tags: ['a', 'b'], owner: '587894148', ownerType: 'string', extra: null, isPromise: false });
    const bad = expectErrorShape(
      await t.call('POST', `${BASE}/${json.packageId}/versions/1.0.0/functions/describe`, { body: { inputVariables: { title: 'x', when: '15/01/2026', tags: ['a', 3], owner: 1 } } }),
      400,
    );
    expect(bad.details).toEqual([
      { path: 'body.inputVariables.when', message: 'Expected date, got text (date is YYYY-MM-DD)' },
      { path: 'body.inputVariables.tags', message: 'Expected list of text, got number at [1]' },
    ]);
  });

  it('a result that does not match the output declaration is FAILED with expected and actual types', async () => {
    const text = expectFailed(await runCode(t, 'function f() { return "5" }', { name: 'f' }), /does not match its output 'result': Expected number, got text/);
    expect(text).toMatchObject({ result: '5', expectedType: 'number', actualType: 'text', expectedIsList: false, actualIsList: false, expectedAllowNull: false });
    const list = expectFailed(await runCode(t, 'function f() { return 5 }', { name: 'f', output: { name: 'values', type: 'number', isList: true } }), /Expected list of number, got number/);
    expect(list).toMatchObject({ result: 5, expectedIsList: true, actualIsList: false });
    const nul = expectFailed(await runCode(t, 'function f() { }', { name: 'f' }), /got null/);
    expect(nul).toMatchObject({ actualType: 'null', expectedAllowNull: false });
    expect((await runCode(t, 'function f() { return null }', { name: 'f', output: { name: 'r', type: 'number', nullable: true } })).status).toBe('SUCCESS');
    const nan = expectFailed(await runCode(t, 'function f() { return 0 / 0 }', { name: 'f' }), /got NaN/);
    expect(nan.actualType).toBe('NaN');
    expectFailed(await runCode(t, 'function f() { return 1.5 }', { name: 'f', output: { name: 'n', type: 'integer' } }), /Expected integer, got number/);
    expectFailed(await runCode(t, 'function f() { const o = {}; o.o = o; return o }', { name: 'f', output: { name: 'o', type: 'object' } }), /cannot be sent back as JSON/);
  });

  it('a throw is FAILED with its message and stack; a rejected promise and a promise that never settles too', async () => {
    const info = expectFailed(await runCode(t, 'function inner() { throw new TypeError("bad input") }\nfunction f() { return inner() }', { name: 'f' }), /f threw: TypeError: bad input/);
    expect(info.errorMessages[1]).toMatch(/at inner \(package\.js:1/);
    expect(info.errorMessages[1]).not.toMatch(/prelude/); // the sandbox's own frames are left out
    expectFailed(await runCode(t, 'async function f() { await null; throw new Error("later") }', { name: 'f' }), /Error: later/);
    expectFailed(await runCode(t, 'function f() { return new Promise(() => {}) }', { name: 'f' }), /never settled/);
    expectFailed(await runCode(t, 'function f() { throw "a string" }', { name: 'f' }), /a string/);
  });

  it('the host is out of reach: require, process, fetch, import(), files and timers beyond the run all fail', async () => {
    expectFailed(await runCode(t, 'function f() { return require("fs").readFileSync("/etc/passwd", "utf8").length }', { name: 'f' }), /Cannot find module 'fs'/);
    expectFailed(await runCode(t, 'function f() { return require("child_process").execSync("id").length }', { name: 'f' }), /Cannot find module 'child_process'/);
    expectFailed(await runCode(t, 'function f() { return process.env.PATH.length }', { name: 'f' }), /ReferenceError: 'process' is not defined/);
    expectFailed(await runCode(t, 'async function f() { const r = await globalThis.fetch("http://127.0.0.1:1/"); return r.status }', { name: 'f' }), /TypeError: not a function/);
    expectFailed(await runCode(t, 'async function f() { const fs = await import("fs"); return 1 }', { name: 'f' }), /ReferenceError: could not load module 'fs'/);
    expectFailed(await runCode(t, 'function f() { return std.loadFile("/etc/passwd").length + os.getcwd().length }', { name: 'f' }), /ReferenceError: 'std' is not defined/);
    expectFailed(await runCode(t, 'function f() { return Function("return this")().process.pid }', { name: 'f' }), /TypeError: cannot read property 'pid' of undefined/);
    expectFailed(await runCode(t, 'async function f() { return await codeengine.sendRequest("GET", "/api/content/v2/users") }', { name: 'f' }), /codeengine\.sendRequest is not available/);
    // what codeengine does offer: the instance's own users and executions
    const person = await runCode(t, 'async function f(id) { return (await require("codeengine").getPersonDetails(id)).displayName }', { name: 'f', inputs: [{ name: 'id', type: 'person' }], output: { name: 'n', type: 'text' } }, { id: EDITOR_ID });
    expect(person).toMatchObject({ status: 'SUCCESS' });
    expect(person.result).toBe(t.instance().sqlite.prepare('select display_name from users where id = ?').pluck().get(EDITOR_ID));
    expect(person.result).toEqual(expect.any(String));
    // a timer still pending when the function returns never fires: the next run sees a fresh sandbox
    const first = await runCode(t, 'function f() { setTimeout(() => { globalThis.leak = 1; console.log("fired") }, 0); return 1 }', { name: 'f' });
    expect(first).toMatchObject({ status: 'SUCCESS', result: 1, stdout: { log: [] } });
    expect((await runCode(t, 'function f() { return typeof globalThis.leak === "undefined" ? 0 : 1 }', { name: 'f' })).result).toBe(0);
  });

  it('getExecutionDetails reads back a FAILED execution with its errorInformation', async () => {
    const failed = await runCode(t, 'function f() { throw new Error("kept") }', { name: 'f' });
    const details = await run('getExecutionDetails', { inputVariables: { executionId: failed.executionId }, settings: { getLogs: true } });
    expect(details.json).toMatchObject({ status: 'SUCCESS', stdout: { log: [`found execution ${failed.executionId}`] } });
    expect(details.json.result).toMatchObject({ executionId: failed.executionId, status: 'FAILED', errorInformation: { errorMessages: [expect.stringMatching(/kept/), expect.any(String)] } });
  });
});

describe('sandbox limits', () => {
  let limited: ReturnType<typeof testApp>;
  beforeEach(() => {
    limited = testApp({ codeEngineTimeoutMs: 1000, codeEngineMemoryMb: 16 });
  });
  afterEach(() => limited.close());

  it('an infinite loop is cut at the time limit while health keeps answering', async () => {
    const created = await limited.call('POST', BASE, { body: pkgBody('function spin() { while (true) {} }\nfunction ok() { return 7 }', [{ name: 'spin' }, { name: 'ok' }]) });
    expect(created.status).toBe(200);
    const url = (fn: string) => `${BASE}/${created.json.id}/versions/1.0.0/functions/${fn}`;
    const started = performance.now();
    let finished: number | undefined;
    const spinning = limited.call('POST', url('spin'), { body: { inputVariables: {} } }).then((r) => {
      finished = performance.now();
      return r;
    });
    // while the loop spins, the emulator serves other requests
    const during: number[] = [];
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const h = await limited.call('GET', '/_emulator/health');
      expect(h.status).toBe(200);
      during.push(performance.now());
    }
    const spun = await spinning;
    expect(finished).toBeDefined();
    expect(during.every((at) => at < finished!)).toBe(true);
    expect(finished! - started).toBeGreaterThanOrEqual(900);
    expect(finished! - started).toBeLessThan(10_000); // cut at the 1 s limit, not left running
    expectFailed(spun.json, /did not finish within the time limit of 1000 ms/);

    expect((await limited.call('GET', '/_emulator/health')).status).toBe(200);
    expect((await limited.call('POST', url('ok'), { body: { inputVariables: {} } })).json).toMatchObject({ status: 'SUCCESS', result: 7 });
  });

  it('memory blow-ups are FAILED at the memory limit (not the time limit), and the next run is fine', async () => {
    // a generous time limit, so the memory limit is what stops them
    const roomy = testApp({ codeEngineTimeoutMs: 30_000, codeEngineMemoryMb: 8 });
    try {
      const created = await roomy.call('POST', BASE, {
        body: pkgBody('function grow() { const a = []; while (true) a.push(new Array(1e6)); }\nfunction fill() { const a = []; while (true) a.push(new Array(1e6).fill(0)); }\nfunction ok() { return 7 }', [{ name: 'grow' }, { name: 'fill' }, { name: 'ok' }]),
      });
      const url = (fn: string) => `${BASE}/${created.json.id}/versions/1.0.0/functions/${fn}`;
      for (const fn of ['grow', 'fill']) {
        const res = await roomy.call('POST', url(fn), { body: { inputVariables: {} } });
        expectFailed(res.json, /ran out of memory: the limit is 8 MB \(--code-engine-memory\)/);
      }
      expect((await roomy.call('GET', '/_emulator/health')).status).toBe(200);
      expect((await roomy.call('POST', url('ok'), { body: { inputVariables: {} } })).json).toMatchObject({ status: 'SUCCESS', result: 7 });
    } finally {
      roomy.close();
    }
  });

  it('deep recursion is a FAILED stack overflow, and the sandbox keeps working', async () => {
    const json = await runCode(limited, 'function f(n) { return f(n + 1) + 1 }', { name: 'f', inputs: [num('n')] }, { n: 0 });
    const info = expectFailed(json, /f threw: InternalError: stack overflow/);
    expect(info.errorMessages[1].split('\n')).toHaveLength(21); // 20 frames and a count of the rest
    expect((await runCode(limited, 'function f(n) { return n <= 0 ? 0 : f(n - 1) + 1 }', { name: 'f', inputs: [num('n')] }, { n: 1000 })).result).toBe(1000);
  });
});
