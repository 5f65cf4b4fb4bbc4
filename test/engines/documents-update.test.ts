import { describe, expect, it } from 'vitest';
import { applyUpdate, DocumentsError, parseUpdate, type JsonValue } from '../../src/engines/documents/index.js';

const now = { ms: Date.parse('2026-01-15T12:00:00.000Z') };
const apply = (content: Record<string, JsonValue>, op: unknown) => applyUpdate(content, parseUpdate(op), now);

function rejects(fn: () => unknown): { message: string; where: string } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DocumentsError);
    return { message: (e as DocumentsError).message, where: (e as DocumentsError).where };
  }
  throw new Error('did not throw');
}

describe('$set and $unset', () => {
  it('$set creates nested objects and replaces values', () => {
    const r = apply({ a: 1 }, { $set: { 'content.a': 2, 'content.b.c': 'x' } });
    expect(r).toEqual({ content: { a: 2, b: { c: 'x' } }, changed: true });
  });

  it('$set indexes arrays with numeric segments, padding with null', () => {
    expect(apply({ t: ['a'] }, { $set: { 'content.t.2': 'c' } }).content).toEqual({ t: ['a', null, 'c'] });
    expect(apply({ items: [{ p: 1 }] }, { $set: { 'content.items.0.p': 5 } }).content).toEqual({ items: [{ p: 5 }] });
  });

  it('$set of the same value changes nothing', () => {
    expect(apply({ a: 1 }, { $set: { 'content.a': 1 } }).changed).toBe(false);
  });

  it('$set stores $date as an ISO string', () => {
    expect(apply({}, { $set: { 'content.d': { $date: '2020-05-12T00:00:00Z' } } }).content).toEqual({ d: '2020-05-12T00:00:00.000Z' });
  });

  it('$set cannot create a field inside a scalar', () => {
    expect(rejects(() => apply({ a: 5 }, { $set: { 'content.a.b': 1 } })).message).toMatch(/cannot create the field 'b'/);
  });

  it('$unset removes fields; missing paths are a no-op; array elements become null', () => {
    expect(apply({ a: 1, b: { c: 2, d: 3 } }, { $unset: { 'content.a': '', 'content.b.c': 1 } }).content).toEqual({ b: { d: 3 } });
    expect(apply({ a: 1 }, { $unset: { 'content.zz.y': '' } }).changed).toBe(false);
    expect(apply({ t: [1, 2, 3] }, { $unset: { 'content.t.1': '' } }).content).toEqual({ t: [1, null, 3] });
  });
});

describe('$inc, $mul, $min, $max', () => {
  it('$inc adds (and sets missing fields); non-numbers are rejected', () => {
    expect(apply({ n: 1 }, { $inc: { 'content.n': 2.5, 'content.m': -1 } }).content).toEqual({ n: 3.5, m: -1 });
    expect(rejects(() => apply({ n: '1' }, { $inc: { 'content.n': 1 } })).message).toMatch(/non-numeric/);
    expect(rejects(() => parseUpdate({ $inc: { 'content.n': 'one' } })).message).toMatch(/\$inc needs a number/);
  });

  it('$mul multiplies; a missing field becomes 0', () => {
    expect(apply({ n: 3 }, { $mul: { 'content.n': 4, 'content.m': 2 } }).content).toEqual({ n: 12, m: 0 });
  });

  it('$min and $max keep the smaller / larger value, comparing across types in MongoDB order', () => {
    expect(apply({ lo: 5, hi: 5 }, { $min: { 'content.lo': 3 }, $max: { 'content.hi': 3 } }).content).toEqual({ lo: 3, hi: 5 });
    expect(apply({ x: 5 }, { $max: { 'content.x': 'a' } }).content).toEqual({ x: 'a' });
    expect(apply({}, { $min: { 'content.x': 1 } }).content).toEqual({ x: 1 });
  });
});

describe('$rename and $currentDate', () => {
  it('$rename moves a value, creating the target path', () => {
    expect(apply({ a: 1, b: 2 }, { $rename: { 'content.a': 'content.c.d' } }).content).toEqual({ b: 2, c: { d: 1 } });
    expect(apply({ b: 2 }, { $rename: { 'content.a': 'content.c' } }).changed).toBe(false);
    expect(rejects(() => parseUpdate({ $rename: { 'content.a': 'owner' } })).message).toMatch(/start with 'content\.'/);
  });

  it('$currentDate writes the instance time as a date or a timestamp', () => {
    expect(apply({}, { $currentDate: { 'content.at': true, 'content.ts': { $type: 'timestamp' } } }).content).toEqual({
      at: '2026-01-15T12:00:00.000Z',
      ts: now.ms,
    });
    expect(rejects(() => parseUpdate({ $currentDate: { 'content.at': { $type: 'time' } } })).message).toMatch(/\$currentDate/);
  });
});

describe('array operators and modifiers', () => {
  it('$addToSet adds missing values only (with $each); creates the array', () => {
    expect(apply({ t: ['a'] }, { $addToSet: { 'content.t': 'a' } }).changed).toBe(false);
    expect(apply({ t: ['a'] }, { $addToSet: { 'content.t': { $each: ['a', 'b', 'b'] } } }).content).toEqual({ t: ['a', 'b'] });
    expect(apply({}, { $addToSet: { 'content.t': { x: 1 } } }).content).toEqual({ t: [{ x: 1 }] });
    expect(rejects(() => apply({ t: 'a' }, { $addToSet: { 'content.t': 'b' } })).message).toMatch(/needs an array/);
  });

  it('$addToSet accepts only $each as a modifier', () => {
    expect(rejects(() => parseUpdate({ $addToSet: { 'content.t': { $each: [1], $slice: 1 } } })).message).toMatch(/works with \$push/);
  });

  it('$push with $each, $position, $sort and $slice (applied in that order)', () => {
    expect(apply({ t: [1, 2] }, { $push: { 'content.t': 3 } }).content).toEqual({ t: [1, 2, 3] });
    expect(apply({ t: [1, 2] }, { $push: { 'content.t': { $each: [9, 8], $position: 1 } } }).content).toEqual({ t: [1, 9, 8, 2] });
    expect(apply({ t: [1, 2] }, { $push: { 'content.t': { $each: [0], $position: -1 } } }).content).toEqual({ t: [1, 0, 2] });
    expect(apply({ t: [5, 1] }, { $push: { 'content.t': { $each: [3], $sort: 1, $slice: 2 } } }).content).toEqual({ t: [1, 3] });
    expect(apply({ t: [5, 1] }, { $push: { 'content.t': { $each: [3], $sort: -1, $slice: -2 } } }).content).toEqual({ t: [3, 1] });
    expect(
      apply({ s: [{ n: 'b', v: 2 }] }, { $push: { 'content.s': { $each: [{ n: 'a', v: 9 }, { n: 'c', v: 1 }], $sort: { v: -1 } } } }).content,
    ).toEqual({ s: [{ n: 'a', v: 9 }, { n: 'b', v: 2 }, { n: 'c', v: 1 }] });
    expect(apply({ t: [1, 2, 3] }, { $push: { 'content.t': { $each: [], $slice: 0 } } }).content).toEqual({ t: [] });
  });

  it('modifiers need $each and valid values', () => {
    expect(rejects(() => parseUpdate({ $push: { 'content.t': { $slice: 1 } } })).message).toMatch(/needs \$each/);
    expect(rejects(() => parseUpdate({ $push: { 'content.t': { $each: [1], $sort: 2 } } })).message).toMatch(/\$sort/);
    expect(rejects(() => parseUpdate({ $push: { 'content.t': { $each: [1], $position: 'x' } } })).message).toMatch(/\$position/);
    expect(rejects(() => parseUpdate({ $push: { 'content.t': { $each: [1], $foo: 1 } } })).message).toMatch(/Unknown modifier \$foo/);
  });

  it('$pop removes the last (1) or first (-1) element', () => {
    expect(apply({ t: [1, 2, 3] }, { $pop: { 'content.t': 1 } }).content).toEqual({ t: [1, 2] });
    expect(apply({ t: [1, 2, 3] }, { $pop: { 'content.t': -1 } }).content).toEqual({ t: [2, 3] });
    expect(apply({}, { $pop: { 'content.t': 1 } }).changed).toBe(false);
    expect(rejects(() => parseUpdate({ $pop: { 'content.t': 2 } })).message).toMatch(/\$pop/);
  });

  it('$pullAll removes every element equal to a listed value', () => {
    expect(apply({ t: [1, 2, 1, 3, { a: 1 }] }, { $pullAll: { 'content.t': [1, { a: 1 }] } }).content).toEqual({ t: [2, 3] });
    expect(rejects(() => parseUpdate({ $pullAll: { 'content.t': 1 } })).message).toMatch(/needs an array/);
  });
});

describe('validation', () => {
  it('rejects $setOnInsert, unknown operators and empty operations, naming where', () => {
    expect(rejects(() => parseUpdate({ $setOnInsert: { 'content.a': 1 } }))).toEqual({
      message: '$setOnInsert is not supported: AppDB partial updates never insert',
      where: 'operation.$setOnInsert',
    });
    expect(rejects(() => parseUpdate({ $pull: { 'content.a': 1 } })).where).toBe('operation.$pull');
    expect(rejects(() => parseUpdate({ $bit: { 'content.a': { and: 1 } } })).message).toMatch(/Unknown or unsupported update operator \$bit/);
    expect(rejects(() => parseUpdate({})).message).toMatch(/non-empty object/);
    expect(rejects(() => parseUpdate({ content: { a: 1 } })).message).toMatch(/Expected an update operator/);
    expect(rejects(() => parseUpdate({ $set: {} })).message).toMatch(/\$set needs an object/);
  });

  it('rejects conflicting paths', () => {
    expect(rejects(() => parseUpdate({ $set: { 'content.a': 1 }, $inc: { 'content.a': 1 } })).message).toMatch(/conflict/);
    expect(rejects(() => parseUpdate({ $set: { 'content.a': 1, 'content.a.b': 2 } })).message).toMatch(/conflict/);
  });

  it('leaves the input untouched', () => {
    const input = { t: [1], n: 1 };
    apply(input, { $push: { 'content.t': 2 }, $inc: { 'content.n': 1 } });
    expect(input).toEqual({ t: [1], n: 1 });
  });
});
