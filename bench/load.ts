/**
 * Load: 50 concurrent clients for a bounded time against the built server on a file database (--db
 * <tmp>), the same mixed workload as test/reliability/load.test.ts (users, datasets upload + query,
 * AppDB, files, readers; each verifying its own writes). Reports request latency p50/p99 per kind of
 * client and overall, against the same 50 clients calling GET /_emulator/health in the same run (what
 * the transport and the machine cost on their own).
 *   node --import tsx bench/load.ts [seconds=10] [clients=50]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile, runLoad } from '../test/reliability/load-lib.js';
import { ADMIN_TOKEN, ensureBuilt, fmt, spawnServer, writeResult } from './lib.js';

const SECONDS = Number(process.argv[2] ?? 10);
const CLIENTS = Number(process.argv[3] ?? 50);

ensureBuilt();
const dir = mkdtempSync(join(tmpdir(), 'bench-load-'));
const server = await spawnServer(['--db', dir]);
try {
  // baseline: the same clients, the cheapest route
  const health: number[] = [];
  const until = performance.now() + Math.min(3, SECONDS) * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        await (await fetch(`${server.url}/_emulator/health`)).arrayBuffer();
        health.push(performance.now() - t);
      }
    }),
  );

  const report = await runLoad({ url: server.url, token: ADMIN_TOKEN, clients: CLIENTS, durationMs: SECONDS * 1000, seed: 7 });
  const all = Object.values(report.latencies).flat();
  const row = (label: string, xs: number[]) => `| ${label} | ${xs.length.toLocaleString('en-US')} | ${fmt(percentile(xs, 50), 1)} ms | ${fmt(percentile(xs, 99), 1)} ms |`;
  const what: Record<string, string> = {
    users: 'users: create, read back, patch, read back',
    datasets: 'datasets: upload start, part, commit, SQL totals',
    appdb: 'AppDB: bulk create, count, partial update, read back',
    files: 'files: upload, download, new revision, download',
    reader: 'readers: users list, SQL on a fixture, metadata, AppDB query, file details',
  };
  writeResult(
    'load',
    `### Load: ${CLIENTS} concurrent clients for ${SECONDS} s, mixed reads and writes (file database)

Command: \`node --import tsx bench/load.ts ${SECONDS} ${CLIENTS}\` (the same workload \`npm test\` runs for 3 s in
test/reliability/load.test.ts; every client verifies its own writes)

| Requests | Count | p50 | p99 |
|---|---:|---:|---:|
${row('baseline: the same clients on `GET /_emulator/health`', health)}
${Object.keys(what).map((k) => row(what[k], report.latencies[k] ?? [])).join('\n')}
${row('**all requests under load**', all)}

Operations completed: ${report.ops.toLocaleString('en-US')} (${fmt(report.ops / (report.ms / 1000), 0)} per second, ${fmt(report.requests / (report.ms / 1000), 0)} requests per second).
Errors or wrong data: ${report.errors.length}${report.errors.length ? ` (first: ${report.errors[0]})` : ''}. Server peak RSS: ${fmt(server.peakRssMb(), 0)} MB.
One process serves every client (SQLite allows one writer at a time), so p99 is mostly time spent queued behind other writes.`,
  );
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
