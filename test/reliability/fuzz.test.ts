/**
 * The fuzz test: every endpoint of fixtures/catalog/endpoints.json, 3,000 seeded requests (garbage path
 * parameters, wrong-typed and missing fields, deep nesting, huge arrays, invalid UTF-8, wrong content
 * types, truncated multipart and gzip, bad tokens) against the real CLI. No answer may be a 5xx, every
 * 4xx is the one error shape (and small), the process stays alive, and the `default` instance, which
 * only received requests that must be refused, is unchanged (every table and every stored file).
 * Long runs: `npm run fuzz -- --requests 50000 --seed 7`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceBundle, startCli, type CliProcess } from '../helpers/cli.js';
import { diffSnapshots, loadCatalog, runFuzz, snapshotInstance, warmUp } from './fuzz-lib.js';
import { ADMIN } from './helpers.js';

const REQUESTS = 3000;
const SEED = 20261203;

let cli: CliProcess;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'domo-rel-fuzz-'));
  cli = await startCli(['--port', '0', '--db', dir, '--log-level', 'error', '--freeze-clock', '2026-01-15T12:00:00Z'], {}, { entry: await sourceBundle() });
}, 60_000);
afterAll(async () => {
  await cli?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('fuzzing every catalog endpoint', () => {
  it(`${REQUESTS} seeded requests: no 5xx, every 4xx in the error shape, alive, default instance unchanged`, async () => {
    await warmUp(cli.url, ADMIN);
    const snap = () => snapshotInstance(join(dir, 'default.db'), join(dir, 'default.data'));
    const before = snap();
    const report = await runFuzz({ url: cli.url, requests: REQUESTS, seed: SEED, token: ADMIN, concurrency: 8 });
    const failures = report.failures.map((f) => `${f.why}: ${f.request.method} ${f.request.path} [${f.request.kind}: ${f.request.recipe}] -> ${f.status} ${f.response}`);
    expect(failures, `server log:\n${cli.stderr().slice(0, 5000)}`).toEqual([]);
    expect(report.sent).toBe(REQUESTS);
    // the fuzzer reached both kinds and the routes behind the auth check, not only 401s
    expect(report.byKind['guarded 4xx']).toBeGreaterThan(REQUESTS / 3);
    expect(report.byKind['wild 2xx']).toBeGreaterThan(50);
    expect(report.byKind['wild 4xx']).toBeGreaterThan(200);
    expect(Object.keys(report.byStatus)).toEqual(expect.arrayContaining(['400', '401', '404', '415']));
    expect(loadCatalog().filter((e) => !report.byEndpoint[e.id]).map((e) => e.id)).toEqual([]);
    expect(cli.proc.exitCode).toBeNull();
    expect((await fetch(`${cli.url}/_emulator/health`)).status).toBe(200);
    expect(diffSnapshots(before, snap())).toEqual([]);
  }, 120_000);
});
