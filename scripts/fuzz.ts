/**
 * Long fuzz runs (the same fuzzer npm test runs a few thousand requests of):
 *   npm run fuzz -- --requests 50000 --seed 7 [--concurrency 8] [--url http://127.0.0.1:8080]
 * Without --url it builds the CLI from the source, starts it on a temporary --db directory, and at the
 * end checks that the process is alive and the `default` instance (which only gets requests that must
 * be refused) is unchanged. Exits 1 on any failure and prints the failing requests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sourceBundle, startCli } from '../test/helpers/cli.js';
import { diffSnapshots, runFuzz, snapshotInstance, warmUp } from '../test/reliability/fuzz-lib.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '5000' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '8' },
    url: { type: 'string' },
    token: { type: 'string', default: 'domo-emulator-admin-token' },
  },
});
const requests = Number(values.requests);
const seed = Number(values.seed);

let url = values.url;
let stop: (() => Promise<unknown>) | undefined;
let alive = () => true;
let serverLog = () => '';
let dir: string | undefined;
if (!url) {
  dir = mkdtempSync(join(tmpdir(), 'domo-fuzz-'));
  // a frozen clock: clock-driven jobs (AppDB's quarter-hourly export) do not change the compared instance
  const cli = await startCli(['--port', '0', '--db', dir, '--log-level', 'error', '--freeze-clock', '2026-01-15T12:00:00Z'], {}, { entry: await sourceBundle() });
  url = cli.url;
  stop = () => cli.stop();
  alive = () => cli.proc.exitCode === null;
  serverLog = cli.stderr;
}
const snap = () => (dir ? snapshotInstance(join(dir, 'default.db'), join(dir, 'default.data')) : {});
await warmUp(url, values.token!);
const before = snap();
const report = await runFuzz({ url, requests, seed, token: values.token!, concurrency: Number(values.concurrency) });
const health = await fetch(`${url}/_emulator/health`).then((r) => r.status, () => 0);
const changed = diffSnapshots(before, snap());
const wasAlive = alive() && health === 200;
await stop?.();
if (dir) rmSync(dir, { recursive: true, force: true });

console.log(`fuzz: ${report.sent}/${requests} requests, seed ${seed}, ${report.ms} ms`);
console.log(`  by status: ${JSON.stringify(report.byStatus)}`);
console.log(`  by kind:   ${JSON.stringify(report.byKind)}`);
console.log(`  server alive: ${wasAlive}; default instance changed: ${changed.length ? changed.join('; ') : 'no'}`);
if (report.failures.length) console.log(`server log (errors):\n${serverLog().slice(0, 20_000)}`);
for (const f of report.failures) console.log(`FAIL ${f.why}: ${f.request.method} ${f.request.path} [${f.request.kind}: ${f.request.recipe}] -> ${f.status} ${f.response}`);
process.exit(report.failures.length || changed.length || !wasAlive ? 1 : 0);
