import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectErrorShape, testApp } from '../helpers/app.js';

let t: ReturnType<typeof testApp>;
beforeEach(() => {
  t = testApp();
});
afterEach(() => t.close());

describe('POST /_emulator/outbox/wait', () => {
  it('answers a message that arrives while waiting, matched by kind, recipient and subject', async () => {
    const waiting = t.call('POST', '/_emulator/outbox/wait', { body: { match: { kind: 'email', to: 'Jae.Wilson@example.com', subject: 'report' }, timeoutMs: 5000 }, token: null });
    setTimeout(() => {
      const outbox = t.instance().stores.outbox;
      outbox.send({ kind: 'email', to: ['someone.else@example.com'], subject: 'Your report', body: 'not for jae' });
      outbox.send({ kind: 'notification', to: ['jae.wilson@example.com'], subject: 'Your report', body: 'wrong kind' });
      outbox.send({ kind: 'email', to: ['jae.wilson@example.com'], subject: 'Your Report is ready', body: 'this one' });
    }, 100);
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ kind: 'email', recipients: ['jae.wilson@example.com'], subject: 'Your Report is ready', body: 'this one' });
  });

  it('answers 408 in the error shape when nothing matches in time, and honours afterId', async () => {
    const id = t.instance().stores.outbox.send({ kind: 'email', to: ['a@example.com'], subject: 'Old', body: '' });
    const started = performance.now();
    const res = await t.call('POST', '/_emulator/outbox/wait', { body: { match: { subject: 'old' }, afterId: id, timeoutMs: 150 }, token: null });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(expectErrorShape(res, 408).message).toContain('within 150 ms');
    expect((await t.call('POST', '/_emulator/outbox/wait', { body: { match: { subject: 'old' }, timeoutMs: 150 }, token: null })).json.id).toBe(id);
    expectErrorShape(await t.call('POST', '/_emulator/outbox/wait', { body: { timeoutMs: -1 }, token: null }), 400);
  });
});

describe('GET /_emulator/jobs/wait', () => {
  it('waits until the due jobs have run, and 408s while a job state is never reached', async () => {
    const inst = t.instance();
    const ran: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    inst.jobs.register<{ n: number }, number>('test.gated', { prepare: async (p) => (await gate, p.n), apply: (_p, _j, n) => void ran.push(n) });
    inst.jobs.enqueue('test.gated', { n: 7 });
    setTimeout(release, 150);
    const res = await t.call('GET', '/_emulator/jobs/wait?kind=test.gated&timeoutMs=5000', { token: null });
    expect(res.status).toBe(200);
    expect(ran).toEqual([7]);
    expect(res.json.jobs[0]).toMatchObject({ kind: 'test.gated', state: 'done' });
    expect((await t.call('GET', '/_emulator/jobs/wait?kind=test.gated&state=done&timeoutMs=100', { token: null })).status).toBe(200);
    expectErrorShape(await t.call('GET', '/_emulator/jobs/wait?kind=test.gated&state=failed&timeoutMs=100', { token: null }), 408);
  });
});
