import { afterAll, describe, expect, it } from 'vitest';
import { Audit } from '../../src/state/activity.js';
import { EDITOR_ID, FROZEN_AT, testApp } from '../helpers/app.js';

// The activity log's writer on its own: entries live and die with the transaction of their write.
const t = testApp();
afterAll(() => t.close());
const inst = () => t.instance();
const audit = () => new Audit(inst().sqlite, inst().clock);
const editor = () => inst().as(EDITOR_ID, 'developer');
const entries = () => inst().stores.activity.list({ start: 0, end: 4102444800000, objectTypes: ['ROLE'], limit: 100, offset: 0 });

describe('Audit', () => {
  it('record() refuses to run outside a transaction (a write without one could keep its change and lose its entry)', () => {
    expect(() => audit().record(editor(), { action: 'UPDATED', type: 'ROLE', id: 1 })).toThrow(/outside its write's transaction/);
    expect(entries()).toEqual([]);
  });

  it('write() keeps the write and its entry together, or neither', () => {
    const a = audit();
    const made = a.write(editor(), (n: number) => ({ action: 'CREATED', type: 'ROLE', id: n, name: 'Kept', detail: ' (for the test)' }), () => 7);
    expect(made).toBe(7);
    expect(() =>
      a.write(editor(), { action: 'DELETED', type: 'ROLE', id: 8 }, () => {
        inst().sqlite.prepare("insert into emulator_meta (key, value) values ('audit-test', 'x')").run();
        throw new Error('the write failed');
      }),
    ).toThrow('the write failed');
    expect(inst().meta('audit-test')).toBeUndefined();
    // an entry built as null records nothing (the write changed nothing worth logging)
    a.write(editor(), () => null, () => 0);
    expect(entries()).toEqual([
      {
        userName: 'Bryan Van Kampen',
        userId: String(EDITOR_ID),
        userType: 'USER',
        actionType: 'CREATED',
        objectType: 'ROLE',
        objectId: '7',
        objectName: 'Kept',
        additionalComment: "Bryan Van Kampen created role 'Kept' (for the test).",
        time: Date.parse(FROZEN_AT),
        eventText: 'Created role',
      },
    ]);
  });

  it('viewed() records a read on its own, and names an unnamed object by its id', () => {
    audit().viewed(editor(), { type: 'ROLE', id: 9 });
    expect(entries()[0]).toMatchObject({ actionType: 'VIEWED', objectId: '9', objectName: null, additionalComment: 'Bryan Van Kampen viewed role 9.', eventText: 'Viewed role' });
  });
});
