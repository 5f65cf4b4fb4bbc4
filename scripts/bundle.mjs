// Bundles the CLI into one ES module (dist/domo-emulator.mjs) after `tsc` has compiled dist/.
// One file loads about twice as fast as the few hundred modules it replaces (see BENCHMARKS.md, startup).
// The query worker (the child process dataset SQL runs in, src/engines/sql/query-worker.ts) is a second
// bundle beside it, dist/query-worker.mjs, found by the CLI bundle next to itself.
// better-sqlite3 stays external (native addon); CommonJS dependencies get a real `require`.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3'],
  sourcemap: 'linked',
  banner: { js: "import { createRequire as __domoCreateRequire } from 'node:module'; const require = __domoCreateRequire(import.meta.url);" },
  logLevel: 'warning',
};

await build({ ...common, entryPoints: ['dist/src/main.js'], outfile: 'dist/domo-emulator.mjs' });
await build({ ...common, entryPoints: ['dist/src/engines/sql/query-worker.js'], outfile: 'dist/query-worker.mjs' });
