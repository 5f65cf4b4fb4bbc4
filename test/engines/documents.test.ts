import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  arrayPaths,
  compileFilter,
  DocumentsError,
  domoTime,
  matches,
  parseFilter,
  restrictionFor,
  testRegex,
  type CompileOptions,
  type JsonValue,
  type SecurityRule,
  type VirtualDoc,
} from '../../src/engines/documents/index.js';

/** A tricky corpus: type mismatches, arrays of scalars/objects/arrays, missing fields, nested paths. */
const corpus: Array<{ id: string; owner: number; created: string; content: Record<string, JsonValue> }> = [
  { id: 'a', owner: 1, created: '2020-05-01T00:00:00.000Z', content: { name: 'a', n: 5, s: 'x', tags: ['red', 'blue'], nested: { k: 1, arr: [1, 2, 3] }, items: [{ price: 5, qty: 1 }, { price: 10, qty: 2 }] } },
  { id: 'b', owner: 2, created: '2020-05-11T23:59:59.999Z', content: { name: 'b', n: 5.5, s: 'y', tags: 'red', nested: { k: 'one' }, items: [] } },
  { id: 'c', owner: 1, created: '2020-05-12T00:00:00.000Z', content: { name: 'c', n: '5', t: true, tags: [['red']], nested: null } },
  { id: 'd', owner: 3, created: '2020-06-01T00:00:00.000Z', content: { name: 'd', n: null, f: false, x: 1 } },
  { id: 'e', owner: 2, created: '2021-01-01T00:00:00.000Z', content: { name: 'e' } },
  { id: 'f', owner: 1, created: '2021-02-01T00:00:00.000Z', content: { name: 'f', n: 0, t: false, s: '[1]', tags: ['green'], items: [{ price: 7 }, { qty: 3 }, 4] } },
  { id: 'g', owner: 4, created: '2021-03-01T00:00:00.000Z', content: { name: 'g', n: 1, t: 1, arr2: [1, [2, 3]], obj: { a: 1, b: 2 }, deep: { l1: [{ l2: [{ l3: 'z' }] }] } } },
  { id: 'h', owner: 4, created: '2021-04-01T00:00:00.000Z', content: { name: 'h', n: 3000000000, d: '2020-05-12T00:00:00.000Z', obj: { b: 2, a: 1 }, 'we"ird': 1, n2: -1 } },
  { id: 'i', owner: 5, created: '2021-05-01T00:00:00.000Z', content: { name: 'i', items: { price: 5 }, tags: [], nested: { arr: [[1, 2]] } } },
  { id: 'j', owner: 5, created: '2021-06-01T00:00:00.000Z', content: { name: 'j', list: [null], k0: { '0': 'zero' }, arr0: ['first', 'second'] } },
  { id: 'k', owner: 6, created: '2021-07-01T00:00:00.000Z', content: { name: 'k', empty: {}, n: -0.5, s: 'Happy Birthday!' } },
  { id: 'l', owner: 6, created: '2021-08-01T00:00:00.000Z', content: { name: 'l', s: 'bouncing makes me so HAPPY', n: 1e21, items: [{ price: 12, tags: ['x', 'y'] }] } },
];

const db = new Database(':memory:');
db.function('appdb_regexp', { deterministic: true }, (p: unknown, f: unknown, v: unknown) =>
  typeof v === 'string' && testRegex(new RegExp(String(p), String(f)), v) ? 1 : 0,
);
db.exec(`CREATE TABLE d (seq INTEGER PRIMARY KEY, id TEXT, owner INTEGER, created_on TEXT, content BLOB)`);
const insert = db.prepare(`INSERT INTO d (id, owner, created_on, content) VALUES (?, ?, ?, jsonb(?))`);
for (const r of corpus) insert.run(r.id, r.owner, domoTime(Date.parse(r.created)), JSON.stringify(r.content));
afterAll(() => db.close());

const stats = new Set<string>();
for (const r of corpus) arrayPaths(r.content, stats);

const options = (withStats: boolean): CompileOptions => ({
  content: 'd.content',
  fields: {
    id: { v: 'd.id', t: { known: 'text' } },
    owner: { v: 'd.owner', t: { known: 'integer' } },
    createdOn: { v: 'd.created_on', t: { known: 'date' } },
  },
  mayBeArray: (p) => !withStats || stats.has(p.join('.')),
  regexFunction: 'appdb_regexp',
});

const virtual = (r: (typeof corpus)[number]): VirtualDoc => ({ id: r.id, owner: r.owner, createdOn: new Date(r.created), content: r.content });

function jsIds(q: unknown): string[] {
  const f = parseFilter(q);
  return corpus.filter((r) => matches(f, virtual(r))).map((r) => r.id);
}

function sqlIds(q: unknown, withStats = true): { ids: string[]; exact: boolean } {
  const c = compileFilter(parseFilter(q), options(withStats));
  const ids = db.prepare(`SELECT id FROM d WHERE ${c.sql} ORDER BY seq`).pluck().all(...c.params) as string[];
  return { ids, exact: c.exact };
}

/** JS semantics, and SQL agrees: exactly when exact, as a superset otherwise; with and without array stats. */
function ids(q: unknown): string[] {
  const js = jsIds(q);
  for (const withStats of [true, false]) {
    const s = sqlIds(q, withStats);
    if (s.exact) expect(s.ids, `SQL (stats=${withStats}) for ${JSON.stringify(q)}`).toEqual(js);
    else for (const id of js) expect(s.ids, `SQL superset (stats=${withStats}) for ${JSON.stringify(q)}`).toContain(id);
  }
  return js;
}

const exactSql = (q: unknown) => sqlIds(q).exact;

describe('equality and type strictness', () => {
  it('implicit equality and $eq do not coerce types', () => {
    expect(ids({ 'content.n': 5 })).toEqual(['a']);
    expect(ids({ 'content.n': { $eq: '5' } })).toEqual(['c']);
    expect(ids({ 'content.n': 5.5 })).toEqual(['b']);
    expect(ids({ 'content.t': true })).toEqual(['c']);
    expect(ids({ 'content.t': 1 })).toEqual(['g']);
    expect(ids({ 'content.n': 1 })).toEqual(['g']);
    expect(ids({ 'content.n': 0 })).toEqual(['f']);
    expect(ids({ 'content.t': false })).toEqual(['f']);
    expect(ids({ 'content.s': '[1]' })).toEqual(['f']);
    expect(ids({ 'content.n': 3000000000 })).toEqual(['h']);
  });

  it('null matches null and missing fields, not other falsy values', () => {
    expect(ids({ 'content.n': null })).toEqual(['d', 'e', 'i', 'j']);
    expect(ids({ 'content.f': null })).toEqual(corpus.map((r) => r.id).filter((id) => id !== 'd'));
    expect(ids({ 'content.list': null })).toEqual(corpus.map((r) => r.id));
  });

  it('a value matches an array field when any element equals it', () => {
    expect(ids({ 'content.tags': 'red' })).toEqual(['a', 'b']);
    expect(ids({ 'content.tags': ['red'] })).toEqual(['c']);
    expect(ids({ 'content.tags': ['red', 'blue'] })).toEqual(['a']);
    expect(ids({ 'content.tags': ['blue', 'red'] })).toEqual([]);
    expect(ids({ 'content.tags': [] })).toEqual(['i']);
    expect(ids({ 'content.arr2': [2, 3] })).toEqual(['g']);
  });

  it('objects compare whole and in key order', () => {
    expect(ids({ 'content.obj': { a: 1, b: 2 } })).toEqual(['g']);
    expect(ids({ 'content.obj': { b: 2, a: 1 } })).toEqual(['h']);
    expect(ids({ 'content.empty': {} })).toEqual(['k']);
    expect(ids({ 'content.nested': { k: 1, arr: [1, 2, 3] } })).toEqual(['a']);
    expect(exactSql({ 'content.obj': { a: 1, b: 2 } })).toBe(false);
  });

  it('nested paths walk objects and arrays of objects', () => {
    expect(ids({ 'content.nested.k': 1 })).toEqual(['a']);
    expect(ids({ 'content.nested.k': 'one' })).toEqual(['b']);
    expect(ids({ 'content.items.price': 5 })).toEqual(['a', 'i']);
    expect(ids({ 'content.items.price': 7 })).toEqual(['f']);
    expect(ids({ 'content.items.qty': 3 })).toEqual(['f']);
    expect(ids({ 'content.items.tags': 'y' })).toEqual(['l']);
    expect(ids({ 'content.deep.l1.l2.l3': 'z' })).toEqual(['g']);
    expect(ids({ 'content.nested.arr': 2 })).toEqual(['a']);
    expect(ids({ 'content.nested.arr': [1, 2] })).toEqual(['i']);
  });

  it('numeric segments index arrays or name object keys', () => {
    expect(ids({ 'content.arr0.1': 'second' })).toEqual(['j']);
    expect(ids({ 'content.k0.0': 'zero' })).toEqual(['j']);
    expect(ids({ 'content.items.0.price': 5 })).toEqual(['a']);
    expect(ids({ 'content.tags.0': 'red' })).toEqual(['a', 'c']); // c: tags.0 is ['red'], whose element matches
  });

  it('top-level fields: id, owner, dates; unknown top-level names are missing', () => {
    expect(ids({ owner: 4 })).toEqual(['g', 'h']);
    expect(ids({ id: { $in: ['a', 'z', 'k'] } })).toEqual(['a', 'k']);
    expect(ids({ owner: '4' })).toEqual([]);
    expect(ids({ nothing: null })).toHaveLength(corpus.length);
    expect(ids({ nothing: 1 })).toEqual([]);
    expect(ids({ content: { $exists: true } })).toHaveLength(corpus.length);
  });
});

describe('$ne, $nin and missing fields', () => {
  it('$ne keeps documents where the field is missing, null, or of another type', () => {
    expect(ids({ 'content.n': { $ne: 5 } })).toEqual(corpus.map((r) => r.id).filter((id) => id !== 'a'));
    expect(ids({ 'content.n': { $ne: null } })).toEqual(['a', 'b', 'c', 'f', 'g', 'h', 'k', 'l']);
  });

  it('$ne against an array field excludes arrays containing the value', () => {
    expect(ids({ 'content.tags': { $ne: 'red' } })).toEqual(['c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l']);
  });

  it('$nin keeps missing fields too', () => {
    expect(ids({ 'content.s': { $nin: ['x', 'y'] } })).toEqual(['c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l']);
    expect(ids({ 'content.tags': { $nin: ['red', 'green'] } })).toEqual(['c', 'd', 'e', 'g', 'h', 'i', 'j', 'k', 'l']);
  });

  it('$nor keeps documents matching none', () => {
    expect(ids({ $nor: [{ 'content.n': 5 }, { 'content.n': { $exists: false } }] })).toEqual(['b', 'c', 'd', 'f', 'g', 'h', 'k', 'l']);
  });
});

describe('range operators', () => {
  it('compare only within a type class', () => {
    expect(ids({ 'content.n': { $gt: 4 } })).toEqual(['a', 'b', 'h', 'l']);
    expect(ids({ 'content.n': { $gte: 0, $lt: 5.5 } })).toEqual(['a', 'f', 'g']);
    expect(ids({ 'content.n': { $lte: 1 } })).toEqual(['f', 'g', 'k']);
    expect(ids({ 'content.n': { $lt: '6' } })).toEqual(['c']);
    expect(ids({ 'content.s': { $gt: 'x' } })).toEqual(['b']);
    expect(ids({ 'content.s': { $gte: 'H', $lt: 'I' } })).toEqual(['k']);
  });

  it('booleans never compare with numbers', () => {
    expect(ids({ 'content.t': { $gte: 0 } })).toEqual(['g']);
    expect(ids({ 'content.t': { $gt: false } })).toEqual(['c']);
    expect(ids({ 'content.t': { $lte: true } })).toEqual(['c', 'f']);
  });

  it('an array field matches when any element is in range (each operator on its own)', () => {
    expect(ids({ 'content.nested.arr': { $gt: 2 } })).toEqual(['a']);
    expect(ids({ 'content.items.price': { $gt: 6, $lt: 8 } })).toEqual(['a', 'f']);
    expect(ids({ 'content.items.price': { $elemMatch: { $gt: 6, $lt: 8 } } })).toEqual([]);
  });

  it('$gte/$lte null match null and missing; $gt/$lt null match nothing', () => {
    expect(ids({ 'content.n': { $gte: null } })).toEqual(['d', 'e', 'i', 'j']);
    expect(ids({ 'content.n': { $gt: null } })).toEqual([]);
  });

  it('$date compares with document dates, never with content strings', () => {
    expect(ids({ createdOn: { $lte: { $date: '2020-05-12T00:00:00.000Z' } } })).toEqual(['a', 'b', 'c']);
    expect(ids({ createdOn: { $lt: { $date: '2020-05-12T00:00:00.000Z' } } })).toEqual(['a', 'b']);
    expect(ids({ createdOn: { $gt: { $date: 1609459200000 } } })).toEqual(['f', 'g', 'h', 'i', 'j', 'k', 'l']);
    expect(ids({ createdOn: { $date: '2021-01-01T00:00:00Z' } })).toEqual(['e']);
    expect(ids({ 'content.d': { $lte: { $date: '2030-01-01T00:00:00.000Z' } } })).toEqual([]);
    expect(ids({ createdOn: { $gt: '2000' } })).toEqual([]);
  });
});

describe('$in, $exists, $type, $regex', () => {
  it('$in matches any listed value, elements of arrays included, without coercion', () => {
    expect(ids({ 'content.n': { $in: [5, '5', null] } })).toEqual(['a', 'c', 'd', 'e', 'i', 'j']);
    expect(ids({ 'content.tags': { $in: ['green', 'blue'] } })).toEqual(['a', 'f']);
    expect(ids({ 'content.n': { $in: [] } })).toEqual([]);
    expect(ids({ 'content.t': { $in: [1] } })).toEqual(['g']);
  });

  it('$exists sees null values and array elements', () => {
    expect(ids({ 'content.n': { $exists: true } })).toEqual(['a', 'b', 'c', 'd', 'f', 'g', 'h', 'k', 'l']);
    expect(ids({ 'content.n': { $exists: false } })).toEqual(['e', 'i', 'j']);
    expect(ids({ 'content.items.qty': { $exists: true } })).toEqual(['a', 'f']);
    expect(ids({ 'content.nested.k': { $exists: false } })).toEqual(['c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l']);
  });

  it('$type by alias, code and list', () => {
    expect(ids({ 'content.n': { $type: 'string' } })).toEqual(['c']);
    expect(ids({ 'content.n': { $type: 'double' } })).toEqual(['b', 'k', 'l']);
    expect(ids({ 'content.n': { $type: 'int' } })).toEqual(['a', 'f', 'g']);
    expect(ids({ 'content.n': { $type: 'long' } })).toEqual(['h']);
    expect(ids({ 'content.n': { $type: 'number' } })).toEqual(['a', 'b', 'f', 'g', 'h', 'k', 'l']);
    expect(ids({ 'content.n': { $type: 10 } })).toEqual(['d']);
    expect(ids({ 'content.t': { $type: ['bool', 'int'] } })).toEqual(['c', 'f', 'g']);
    expect(ids({ 'content.tags': { $type: 'array' } })).toEqual(['a', 'c', 'f', 'i']);
    expect(ids({ 'content.tags': { $type: 'string' } })).toEqual(['a', 'b', 'f']);
    expect(ids({ 'content.nested': { $type: 'object' } })).toEqual(['a', 'b', 'i']);
    expect(ids({ createdOn: { $type: 'date' } })).toHaveLength(corpus.length);
  });

  it('$regex with $options, on strings only (and string elements)', () => {
    expect(ids({ 'content.s': { $regex: 'happy' } })).toEqual([]);
    expect(ids({ 'content.s': { $regex: 'happy', $options: 'i' } })).toEqual(['k', 'l']);
    expect(ids({ 'content.s': { $regex: '^h a p p y', $options: 'ix' } })).toEqual(['k']);
    expect(ids({ 'content.tags': { $regex: '^gr' } })).toEqual(['f']);
    expect(ids({ 'content.n': { $regex: '5' } })).toEqual(['c']);
    expect(ids({ 'content.s': { $not: { $regex: 'y' } } })).toEqual(['a', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'l']);
  });
});

describe('logical operators', () => {
  it('$and, $or and implicit AND', () => {
    expect(ids({ $or: [{ 'content.s': { $regex: 'Happy' } }, { 'content.name': { $ne: 'b' }, 'content.n': { $gte: 5 } }] })).toEqual(['a', 'h', 'k', 'l']);
    expect(ids({ $and: [{ 'content.n': { $gte: 0 } }, { 'content.n': { $lt: 2 } }], owner: 1 })).toEqual(['f']);
    expect(ids({})).toHaveLength(corpus.length);
  });

  it('$not negates, keeping missing fields', () => {
    expect(ids({ 'content.n': { $not: { $gt: 1 } } })).toEqual(['c', 'd', 'e', 'f', 'g', 'i', 'j', 'k']);
  });
});

describe('$all, $size, $elemMatch', () => {
  it('$all needs every value; an empty list matches nothing', () => {
    expect(ids({ 'content.tags': { $all: ['red', 'blue'] } })).toEqual(['a']);
    expect(ids({ 'content.tags': { $all: ['red'] } })).toEqual(['a', 'b']);
    expect(ids({ 'content.tags': { $all: [] } })).toEqual([]);
    expect(ids({ 'content.items': { $all: [{ $elemMatch: { price: 5 } }, { $elemMatch: { qty: 2 } }] } })).toEqual(['a']);
  });

  it('$size counts array elements of the field itself', () => {
    expect(ids({ 'content.tags': { $size: 2 } })).toEqual(['a']);
    expect(ids({ 'content.tags': { $size: 0 } })).toEqual(['i']);
    expect(ids({ 'content.items': { $size: 3 } })).toEqual(['f']);
    expect(ids({ 'content.items.tags': { $size: 2 } })).toEqual(['l']);
  });

  it('$elemMatch needs one element to satisfy every condition', () => {
    expect(ids({ 'content.items': { $elemMatch: { price: { $gte: 5 }, qty: 2 } } })).toEqual(['a']);
    expect(ids({ 'content.items': { $elemMatch: { price: 5, qty: 2 } } })).toEqual([]);
    expect(ids({ 'content.items': { $elemMatch: { qty: { $exists: false } } } })).toEqual(['f', 'l']);
    expect(ids({ 'content.nested.arr': { $elemMatch: { $gte: 3 } } })).toEqual(['a']);
    expect(ids({ 'content.tags': { $elemMatch: { $eq: 'red' } } })).toEqual(['a', 'c']); // c's element ['red'] holds 'red'
    expect(ids({ 'content.items': { $elemMatch: { price: { $gt: 100 } } } })).toEqual([]);
    expect(ids({ 'content.deep.l1': { $elemMatch: { 'l2.l3': 'z' } } })).toEqual(['g']);
  });
});

describe('SQL translation', () => {
  it('paths that never held arrays compile to plain comparisons', () => {
    const c = compileFilter(parseFilter({ 'content.name': 'a', 'content.n': { $gt: 10 } }), options(true));
    expect(c.exact).toBe(true);
    expect(c.sql).not.toContain('json_each');
    expect(c.sql).toContain(`json_extract(d.content, '$."name"') = ?`);
  });

  it('array paths walk elements with json_each', () => {
    expect(compileFilter(parseFilter({ 'content.tags': 'red' }), options(true)).sql).toContain('json_each');
  });

  it('reports paths usable by expression indexes', () => {
    const seen: string[] = [];
    compileFilter(parseFilter({ 'content.name': 'a', 'content.items.price': 5, 'content.s': { $regex: 'x' }, owner: 1 }), {
      ...options(true),
      indexable: (p) => seen.push(p.join('.')),
    });
    expect(seen).toEqual(['name']);
  });

  it('keys SQLite paths cannot quote fall back to JavaScript', () => {
    expect(sqlIds({ 'content.we"ird': 1 }).exact).toBe(false);
    expect(ids({ 'content.we"ird': 1 })).toEqual(['h']);
  });

  it('negated fragments stay exact and keep missing fields', () => {
    const c = compileFilter(parseFilter({ 'content.n': { $nin: [5, 0] } }), options(true));
    expect(c.exact).toBe(true);
    expect(c.sql).toMatch(/NOT IFNULL/);
  });
});

describe('filter validation', () => {
  const bad = (q: unknown) => {
    try {
      parseFilter(q, 'body');
    } catch (e) {
      expect(e).toBeInstanceOf(DocumentsError);
      return { message: (e as DocumentsError).message, where: (e as DocumentsError).where };
    }
    throw new Error(`accepted ${JSON.stringify(q)}`);
  };

  it('names unknown operators and where they are', () => {
    expect(bad({ 'content.a': { $foo: 1 } })).toEqual({ message: 'Unknown operator $foo', where: 'body.content.a.$foo' });
    expect(bad({ $where: 'x' }).where).toBe('body.$where');
    expect(bad({ $or: [{ a: 1 }, { b: { $near: 1 } }] }).where).toBe('body.$or[1].b.$near');
  });

  it('rejects malformed operands', () => {
    expect(bad({ a: { $in: 5 } }).message).toMatch(/\$in needs an array/);
    expect(bad({ $or: [] }).message).toMatch(/non-empty array/);
    expect(bad({ $and: {} }).message).toMatch(/non-empty array/);
    expect(bad({ a: { $size: -1 } }).message).toMatch(/\$size/);
    expect(bad({ a: { $size: 1.5 } }).message).toMatch(/\$size/);
    expect(bad({ a: { $regex: '(' } }).message).toMatch(/Invalid regular expression/);
    expect(bad({ a: { $regex: 'x', $options: 'g' } }).message).toMatch(/Unsupported regex option 'g'/);
    expect(bad({ a: { $options: 'i' } }).message).toMatch(/\$options needs \$regex/);
    expect(bad({ a: { $type: 'float' } }).message).toMatch(/Unknown \$type/);
    expect(bad({ a: { $not: 5 } }).message).toMatch(/\$not needs an operator object/);
    expect(bad({ a: { $elemMatch: 3 } }).message).toMatch(/\$elemMatch needs an object/);
    expect(bad({ a: { $lte: { $date: 'yesterday' } } }).message).toMatch(/\$date/);
    expect(bad({ 'a..b': 1 }).message).toMatch(/Invalid field path/);
    expect(bad([1]).message).toMatch(/must be a JSON object/);
    expect(bad({ $not: { a: 1 } }).where).toBe('body.$not');
  });

  it('accepts extended JSON numbers', () => {
    expect(ids({ 'content.n': { $numberLong: '3000000000' } })).toEqual(['h']);
  });
});

describe('security rules', () => {
  const viewer = { userId: 4, groupIds: [12, 15] };
  const rules: SecurityRule[] = [
    { name: 'west', applyOn: ['READ', 'UPDATE', 'DELETE'], applyTo: [{ type: 'GROUP_ID', values: [12, 99] }], query: { 'content.name': { $in: ['a', 'g'] } } },
    { name: 'own', applyOn: ['UPDATE'], applyToAll: true, limitToOwner: true },
    { name: 'mine', applyOn: ['DELETE'], applyTo: [{ type: 'USER_ID', values: ['%userId%'] }], query: { owner: '%userId%' } },
  ];
  const visible = (op: 'READ' | 'UPDATE' | 'DELETE', v = viewer) => {
    const f = restrictionFor(rules, v, op);
    return f === null ? 'all' : corpus.filter((r) => matches(f, virtual(r))).map((r) => r.id);
  };

  it('applies to users in a listed group, combining rules with OR', () => {
    expect(visible('READ')).toEqual(['a', 'g']);
    expect(visible('UPDATE')).toEqual(['a', 'g', 'h']);
    expect(visible('DELETE')).toEqual(['a', 'g', 'h']);
  });

  it('rules that do not apply to a user restrict nothing', () => {
    expect(visible('READ', { userId: 1, groupIds: [3] })).toBe('all');
    expect(visible('UPDATE', { userId: 1, groupIds: [] })).toEqual(['a', 'c', 'f']);
  });
});

describe('SQL agrees with the evaluator on random filters', () => {
  it('2,000 seeded random filters', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pick = <T,>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    const paths = ['content.n', 'content.s', 'content.t', 'content.tags', 'content.items.price', 'content.items.qty', 'content.nested.k', 'content.nested.arr', 'content.arr2', 'content.items', 'content.tags.0', 'content.missing', 'owner', 'content.deep.l1.l2.l3', 'content.list'];
    const values: JsonValue[] = [0, 1, 5, 5.5, -1, 3000000000, '5', 'red', 'x', '[1]', true, false, null, [], ['red'], [1, 2], { price: 5 }];
    const leaf = (): Record<string, unknown> => {
      const v = pick(values);
      switch (pick(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'exists', 'type', 'regex', 'size', 'elem', 'not', 'all'])) {
        case 'eq': return { [pick(paths)]: v };
        case 'in': return { [pick(paths)]: { $in: [v, pick(values)] } };
        case 'nin': return { [pick(paths)]: { $nin: [v, pick(values)] } };
        case 'exists': return { [pick(paths)]: { $exists: rand() < 0.5 } };
        case 'type': return { [pick(paths)]: { $type: pick(['string', 'number', 'array', 'null', 'bool', 'object', 'int', 'double']) } };
        case 'regex': return { [pick(paths)]: { $regex: pick(['^r', 'e', '5', 'x$']), $options: pick(['', 'i']) } };
        case 'size': return { [pick(paths)]: { $size: pick([0, 1, 2, 3]) } };
        case 'elem': return { [pick(paths)]: { $elemMatch: rand() < 0.5 ? { $gte: pick([1, 5, 'a']) } : { price: { $gt: pick([4, 6, 11]) } } } };
        case 'not': return { [pick(paths)]: { $not: { [pick(['$gt', '$lt', '$eq'])]: v } } };
        case 'all': return { [pick(paths)]: { $all: [v] } };
        default: return { [pick(paths)]: { [`$${pick(['ne', 'gt', 'gte', 'lt', 'lte'])}`]: v } };
      }
    };
    const node = (depth: number): Record<string, unknown> => {
      if (depth > 2 || rand() < 0.5) return leaf();
      return { [pick(['$and', '$or', '$nor'])]: [node(depth + 1), node(depth + 1)] };
    };
    for (let i = 0; i < 2000; i++) ids(node(0));
  });
});
