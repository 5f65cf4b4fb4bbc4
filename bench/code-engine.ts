/**
 * Code Engine: what a run costs through the built server (127.0.0.1), and whether a runaway run stalls
 * anything else.   node --import tsx bench/code-engine.ts [runs=50]
 *
 *   - first run after start: spawns the sandbox worker and loads the QuickJS WebAssembly module
 *   - warm run: fixture addNumbers, sequential, median and p95
 *   - async run: an async function awaiting a 10 ms timer
 *   - health during a runaway loop (`while (true) {}`, cut at a 2 s limit): health latency while it spins,
 *     against health latency when idle
 */
import { ADMIN_TOKEN, ensureBuilt, fmt, median, spawnServer, writeResult } from './lib.js';

const RUNS = Math.max(5, Number(process.argv[2] ?? 50));
const PKG = '756f0b19-5125-44f6-b541-058980ff6a94';
const headers = { 'X-DOMO-Developer-Token': ADMIN_TOKEN, 'Content-Type': 'application/json' };

async function timed(url: string, init?: RequestInit): Promise<{ ms: number; json: any }> {
  const t = performance.now();
  const res = await fetch(url, init);
  const json = await res.json().catch(() => null);
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
  return { ms: performance.now() - t, json };
}

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];

ensureBuilt();
const server = await spawnServer(['--db', ':memory:', '--code-engine-timeout', '2000']);
try {
  const run = (fn: string, inputVariables: unknown, pkg = PKG, version = '1.0.1') =>
    timed(`${server.url}/api/codeengine/v2/packages/${pkg}/versions/${version}/functions/${fn}`, { method: 'POST', headers, body: JSON.stringify({ inputVariables }) });

  const first = await run('addNumbers', { a: 1, b: 2 });
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) warm.push((await run('addNumbers', { a: i, b: 2 })).ms);

  const created = await timed(`${server.url}/api/codeengine/v2/packages`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      name: 'bench',
      code: 'async function later(x) { await new Promise((r) => setTimeout(r, 10)); return x }\nfunction spin() { while (true) {} }',
      manifest: {
        functions: [
          { name: 'later', inputs: [{ name: 'x', type: 'number' }], output: { name: 'x', type: 'number' } },
          { name: 'spin', inputs: [], output: null },
        ],
      },
    }),
  });
  const id = created.json.id;
  const asyncRuns: number[] = [];
  for (let i = 0; i < Math.min(RUNS, 20); i++) asyncRuns.push((await run('later', { x: i }, id, '1.0.0')).ms);

  const idle: number[] = [];
  for (let i = 0; i < 20; i++) idle.push((await timed(`${server.url}/_emulator/health`)).ms);
  let spinning = true;
  const spin = run('spin', {}, id, '1.0.0').then((r) => {
    spinning = false;
    return r;
  });
  const during: number[] = [];
  while (spinning) {
    during.push((await timed(`${server.url}/_emulator/health`)).ms);
    await new Promise((r) => setTimeout(r, 20));
  }
  const spun = await spin;

  writeResult(
    'code-engine',
    `### Code Engine runs (QuickJS in worker threads), through the built server

Command: \`node --import tsx bench/code-engine.ts ${RUNS}\`

| Measure | Value |
|---|---:|
| first run after start (worker start + WebAssembly load + run) | ${fmt(first.ms, 0)} ms |
| warm run, fixture addNumbers (median of ${RUNS}) | ${fmt(median(warm), 1)} ms |
| warm run, p95 | ${fmt(p95(warm), 1)} ms |
| async run awaiting a 10 ms timer (median of ${asyncRuns.length}) | ${fmt(median(asyncRuns), 1)} ms |
| health, idle (median of ${idle.length}) | ${fmt(median(idle), 1)} ms |
| health while \`while (true) {}\` runs (median / max of ${during.length}) | ${fmt(median(during), 1)} / ${fmt(Math.max(...during), 1)} ms |
| the runaway run: answered after | ${fmt(spun.ms, 0)} ms, \`${spun.json.status}\` (limit 2,000 ms) |

Runs happen in a pool of worker threads, so a spinning function does not hold the event loop: other
requests are served meanwhile and the run ends at its time limit.`,
  );
} finally {
  await server.stop();
}
