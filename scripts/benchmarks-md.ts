/** Gathers bench/results/*.md into BENCHMARKS.md (npm run bench:report). */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/paths.js';

const dir = join(packageRoot, 'bench', 'results');
const order = ['startup', 'throughput', 'datasets', 'scale', 'queries', 'dataflows', 'appdb', 'files', 'load', 'forks'];
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.md')) : [];
files.sort((a, b) => {
  const ia = order.indexOf(a.replace(/\.md$/, ''));
  const ib = order.indexOf(b.replace(/\.md$/, ''));
  return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
});
const intro = `# Benchmarks

Every number is measured by a script in \`bench/\` that anyone can run, against a baseline measured in the
same run on the same machine (2 cores), so the ratios hold where the absolute numbers do not. Nothing here
is asserted by \`npm test\`. Regenerate this file with \`npm run bench:report\` after running the scripts.

| Script | What it measures |
|---|---|
| \`node --import tsx bench/startup.ts\` | spawn to first 200 from \`/_emulator/health\` vs a bare Hono server |
| \`node --import tsx bench/throughput.ts\` | \`GET /api/identity/v1/users/:id\` requests/s vs a bare Hono route doing one SQLite select |
| \`node --import tsx bench/datasets.ts\` | 1M-row CSV upload and queries vs papaparse + better-sqlite3 directly |
| \`node --import tsx bench/scale.ts\` | one 8-column dataset at 1M and 3M rows (10M by argument): ingest rows/s, GROUP BY, ORDER BY/LIMIT, point filter, server peak RSS vs papaparse + better-sqlite3 |
| \`node --import tsx bench/queries.ts\` | \`/_emulator/health\` latency while heavy dataset SQL runs vs idle; query worker start time |
| \`node --import tsx bench/dataflows.ts\` | a SQL DataFlow run (JOIN, GROUP BY, commit) vs the same SQL in better-sqlite3 |
| \`node --import tsx bench/appdb.ts\` | AppDB queries and bulk create vs direct SQLite JSON and mingo |
| \`node --import tsx bench/files.ts\` | 100 MB upload/download vs a disk copy |
| \`node --import tsx bench/load.ts\` | 50 concurrent clients, mixed reads and writes: latency p50/p99 vs the same clients on health |
| \`node --import tsx bench/forks.ts\` | ms per fork (fixtures, a live instance, a checkpoint) vs copying the template database file |
`;
const body = files.map((f) => readFileSync(join(dir, f), 'utf8').trim()).join('\n\n');
writeFileSync(join(packageRoot, 'BENCHMARKS.md'), `${intro}\n${body}\n`);
console.log(`BENCHMARKS.md: ${files.length} result file(s)`);
