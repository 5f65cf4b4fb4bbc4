import { afterEach, describe, expect, it } from 'vitest';
import { FROZEN_AT, testApp } from '../helpers/app.js';

let t = testApp();
afterEach(() => {
  t.close();
  t = testApp();
});

const at = (iso: string) => Date.parse(iso);

describe('the scheduler', () => {
  it('runs due jobs once, in due order, with the clock reading each due time; later ones wait', async () => {
    const inst = t.instance();
    const seen: Array<{ n: number; now: string }> = [];
    inst.jobs.register<{ n: number }, void>('test.record', { apply: (p) => void seen.push({ n: p.n, now: inst.clock.iso() }) });
    inst.jobs.enqueue('test.record', { n: 2 }, { due: at('2026-01-15T14:00:00Z') });
    inst.jobs.enqueue('test.record', { n: 1 }, { due: at('2026-01-15T13:00:00Z') });
    inst.jobs.enqueue('test.record', { n: 3 }, { due: at('2026-01-16T12:00:00Z') });
    expect(inst.jobs.isDue()).toBe(false);
    await t.call('POST', '/_emulator/clock', { body: { advance: 'PT3H' }, token: null });
    expect(seen).toEqual([
      { n: 1, now: '2026-01-15T13:00:00.000Z' },
      { n: 2, now: '2026-01-15T14:00:00.000Z' },
    ]);
    const jobs = (await t.call('GET', '/_emulator/jobs?kind=test.record', { token: null })).json;
    expect(jobs.jobs.map((j: { state: string; due: string }) => [j.state, j.due])).toEqual([
      ['pending', '2026-01-16T12:00:00.000Z'],
      ['done', '2026-01-15T13:00:00.000Z'],
      ['done', '2026-01-15T14:00:00.000Z'],
    ]);
    await inst.jobs.settle();
    expect(seen).toHaveLength(2); // nothing runs twice
  });

  it('a job that schedules its next run into the past runs again in the same settle', async () => {
    const inst = t.instance();
    const runs: string[] = [];
    inst.jobs.register<Record<string, never>, void>('test.daily', {
      apply: (_p, job) => {
        runs.push(inst.clock.iso());
        if (runs.length < 10) inst.jobs.enqueue('test.daily', {}, { due: job.due + 86_400_000, key: 'daily' });
      },
    });
    inst.jobs.enqueue('test.daily', {}, { due: at(FROZEN_AT) + 3_600_000, key: 'daily' });
    await t.call('POST', '/_emulator/clock', { body: { advance: 'P3D' }, token: null });
    expect(runs).toEqual(['2026-01-15T13:00:00.000Z', '2026-01-16T13:00:00.000Z', '2026-01-17T13:00:00.000Z']);
    expect(inst.jobs.pending('daily')?.due).toBe(at('2026-01-18T13:00:00Z'));
  });

  it('a key keeps one pending job: enqueueing again replaces it, cancel drops it', async () => {
    const inst = t.instance();
    inst.jobs.register('test.noop', { apply: () => {} });
    inst.jobs.enqueue('test.noop', { v: 1 }, { due: at(FROZEN_AT) + 1000, key: 'k' });
    inst.jobs.enqueue('test.noop', { v: 2 }, { due: at(FROZEN_AT) + 2000, key: 'k' });
    expect(inst.jobs.list({ state: 'pending', kind: 'test.noop' }).map((j) => j.payload)).toEqual([{ v: 2 }]);
    inst.jobs.cancel('k');
    expect(inst.jobs.list({ state: 'pending', kind: 'test.noop' })).toEqual([]);
    expect(inst.jobs.pending('k')).toBeUndefined();
  });

  it('a failing job rolls back its effects, is marked failed with its error, and its handler records the failure', async () => {
    const inst = t.instance();
    const failures: string[] = [];
    inst.jobs.register('test.boom', {
      apply: () => {
        inst.setMeta('half-done', 'yes');
        throw new Error('the source is unreachable');
      },
      fail: (_p, _j, e) => {
        failures.push(e.message);
        inst.setMeta('failure', e.message);
      },
    });
    inst.jobs.enqueue('test.boom', {});
    await inst.jobs.settle();
    expect(inst.meta('half-done')).toBeUndefined();
    expect(inst.meta('failure')).toBe('the source is unreachable');
    expect(failures).toEqual(['the source is unreachable']);
    expect(inst.jobs.list({ kind: 'test.boom' })[0]).toMatchObject({ kind: 'test.boom', state: 'failed', lastError: 'the source is unreachable', attempts: 1 });
  });

  it('async work happens before the transaction; a job canceled meanwhile does nothing', async () => {
    const inst = t.instance();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const applied: number[] = [];
    inst.jobs.register<{ n: number }, number>('test.slow', { prepare: async (p) => (await gate, p.n * 2), apply: (_p, _j, r) => void applied.push(r) });
    inst.jobs.enqueue('test.slow', { n: 21 }, { key: 'slow' });
    inst.jobs.enqueue('test.slow', { n: 5 }, { key: 'other' });
    const running = inst.jobs.settle();
    await new Promise((r) => setTimeout(r, 10));
    inst.jobs.cancel('other');
    release();
    await running;
    expect(applied).toEqual([42]);
  });

  it('runs due jobs before a request reads state', async () => {
    const inst = t.instance();
    // the jobs the seeded instance opens with (alert checks that run queries) may take longer than the
    // moment a request waits for them on a loaded machine; this test is about its own job
    await inst.jobs.settle();
    inst.jobs.register('test.rename', { apply: () => void inst.sqlite.prepare("UPDATE groups SET name = 'Renamed by a job' WHERE id = 6789456782").run() });
    inst.jobs.enqueue('test.rename', {});
    expect((await t.call('GET', '/api/content/v2/groups/6789456782')).json.name).toBe('Renamed by a job');
  });
});
