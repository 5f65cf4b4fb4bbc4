import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EDITOR_ID, EDITOR_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

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
