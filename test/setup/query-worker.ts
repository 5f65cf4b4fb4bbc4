/**
 * vitest global setup: builds the query worker (src/engines/sql/query-worker.ts) from the TS sources into one
 * JS file with esbuild, and points the emulator at it (DOMO_EMULATOR_QUERY_WORKER, inherited by the test
 * workers and by CLIs they spawn). A worker then starts in about 0.1 s as plain node instead of going through
 * tsx, and tests run the sources they are testing, not a stale dist/.
 */
import { build } from 'esbuild';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

export default async function setup(): Promise<void> {
  const outfile = join(root, 'node_modules', '.cache', 'domo-emulator', 'query-worker.mjs');
  await build({
    entryPoints: [join(root, 'src', 'engines', 'sql', 'query-worker.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3'],
    banner: { js: "import { createRequire as __domoCreateRequire } from 'node:module'; const require = __domoCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  process.env.DOMO_EMULATOR_QUERY_WORKER = outfile;
}
