/**
 * The load test: 50 concurrent clients for 3 seconds against the real CLI on a --db directory (WAL, one
 * writer): users, datasets (upload + query), AppDB and files, each verifying its own writes, plus readers
 * checking that fixture data stays put. No errors, no SQLITE_BUSY in the server log, no wrong data.
 * bench/load.ts runs the same load and reports its latencies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceBundle, startCli, type CliProcess } from '../helpers/cli.js';
import { ADMIN } from './helpers.js';
import { runLoad } from './load-lib.js';

let cli: CliProcess;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'domo-rel-load-'));
  cli = await startCli(['--port', '0', '--db', dir, '--log-level', 'warn'], {}, { entry: await sourceBundle() });
}, 60_000);
afterAll(async () => {
  await cli?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('50 concurrent clients', () => {
  it('mixed reads and writes for 3 s: no errors, no SQLITE_BUSY, every client reads back what it wrote', async () => {
    const report = await runLoad({ url: cli.url, token: ADMIN, clients: 50, durationMs: 3000, seed: 7 });
    expect(report.errors).toEqual([]);
    for (const kind of ['users', 'datasets', 'appdb', 'files', 'reader']) expect(report.latencies[kind]?.length ?? 0, kind).toBeGreaterThan(10);
    expect(report.ops).toBeGreaterThan(50);
    expect(cli.stderr()).not.toMatch(/SQLITE_BUSY|database is locked|ERROR/);
    expect((await fetch(`${cli.url}/_emulator/health`)).status).toBe(200);
  }, 60_000);
});
