import { describe, expect, it } from 'vitest';
import { bindInputs, checkResult, checkValue, functionsSchema } from '../../src/engines/code-engine/types.js';

describe('Code Engine declarations (src/engines/code-engine/types.ts)', () => {
  it('converts and checks each type as documented', () => {
    const ok = (type: string, v: unknown, extra = {}) => checkValue({ type, ...extra }, v);
    expect(ok('text', 'a')).toEqual({ ok: true, value: 'a' });
    expect(ok('string', 1).ok).toBe(false);
    expect(ok('number', 1.5)).toEqual({ ok: true, value: 1.5 });
    expect(ok('integer', 2)).toEqual({ ok: true, value: 2 });
    expect(ok('integer', 2.5)).toEqual({ ok: false, message: 'Expected integer, got number (integer is a whole number)' });
    expect(ok('date', '2026-02-28').ok).toBe(true);
    expect(ok('date', '2026-13-45').ok).toBe(false);
    expect(ok('datetime', '2026-01-15T12:00:00Z').ok).toBe(true);
    expect(ok('datetime', 'tomorrow').ok).toBe(false);
    expect(ok('time', '09:30').ok).toBe(true);
    expect(ok('duration', 'PT5M').ok).toBe(true);
    expect(ok('duration', 1500).ok).toBe(true);
    expect(ok('duration', 'P').ok).toBe(false);
    expect(ok('object', { a: 1 }).ok).toBe(true);
    expect(ok('object', [1]).ok).toBe(false);
    // Domo object types travel as id strings
    expect(ok('dataset', 'a1b2')).toEqual({ ok: true, value: 'a1b2' });
    expect(ok('person', 587894148)).toEqual({ ok: true, value: '587894148' });
    expect(ok('account', '').ok).toBe(false);
    expect(ok('number', [1, 2], { isList: true })).toEqual({ ok: true, value: [1, 2] });
    expect(ok('number', null)).toEqual({ ok: false, message: 'Expected number, got null' });
    expect(ok('number', null, { nullable: true })).toEqual({ ok: true, value: null });
  });

  it('binds inputs positionally and names every problem', () => {
    const [fn] = functionsSchema.parse([{ name: 'f', inputs: [{ name: 'a', type: 'number' }, { name: 'b', type: 'TEXT', nullable: true }] }]);
    expect(fn.inputs[1].type).toBe('text'); // types are case-insensitive
    expect(bindInputs(fn, { a: 1 })).toEqual({ args: [1, null], problems: [] });
    expect(bindInputs(fn, { b: 2, c: 3 }).problems).toEqual([
      { path: 'body.inputVariables.a', message: 'Required (number)' },
      { path: 'body.inputVariables.b', message: 'Expected text, got number' },
      { path: 'body.inputVariables.c', message: 'Not an input of f' },
    ]);
  });

  it('checks a result against the output declaration', () => {
    const [fn] = functionsSchema.parse([{ name: 'f', output: { name: 'n', type: 'number', isList: true } }]);
    expect(checkResult(fn, 'list', [1, 2])).toEqual({ ok: true, value: [1, 2] });
    const bad = checkResult(fn, 'list', [1, 'x']);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.info).toMatchObject({ result: [1, 'x'], expectedType: 'number', actualType: 'list', expectedIsList: true, actualIsList: true, expectedAllowNull: false });
    const [any] = functionsSchema.parse([{ name: 'g' }]);
    expect(checkResult(any, 'undefined', null)).toEqual({ ok: true, value: null });
    expect(checkResult(any, 'function', null).ok).toBe(false);
  });
});
