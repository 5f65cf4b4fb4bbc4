// Bundles the CLI into one ES module (dist/domo-emulator.mjs) after `tsc` has compiled dist/.
// One file loads about twice as fast as the few hundred modules it replaces (see BENCHMARKS.md, startup).
// better-sqlite3 stays external (native addon); CommonJS dependencies get a real `require`.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/src/main.js'],
  outfile: 'dist/domo-emulator.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3'],
  sourcemap: 'linked',
  banner: { js: "import { createRequire as __domoCreateRequire } from 'node:module'; const require = __domoCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
