/**
 * Forks: ms per POST /_emulator/instances-style fork (the registry's fork(), in process) of the default
 * fixtures and of a live instance, against copying the seeded template's database file (and its files
 * directory) in the same run, into the same directory.   node --import tsx bench/forks.ts [forks]
 */
import { copyFileSync, cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InstanceRegistry } from '../src/instances.js';
import { createLogger } from '../src/logger.js';
import { resolveConfig } from '../src/server.js';
import { fmt, median, writeResult } from './lib.js';

const N = Number(process.argv[2] ?? 50);
const config = resolveConfig({ db: ':memory:', logLevel: 'silent' });
const registry = new InstanceRegistry(config, createLogger('silent'));
registry.get('default'); // the template is built (or read from the cache) here, outside the timings

const time = (fn: (i: number) => void) => {
  const xs: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    fn(i);
    xs.push(performance.now() - t0);
  }
  return xs;
};

// baseline: the template database file copied, plus its files directory, into the same (RAM or temp) root
const template = (registry as unknown as { template: { bytes: Buffer; dataDir: string } }).template;
const root = join(registry.get('default').dataDir, '..');
const scratch = mkdtempSync(join(root, 'bench-copy-'));
const templateFile = join(scratch, 'template.db');
writeFileSync(templateFile, template.bytes);
const copy = time((i) => {
  copyFileSync(templateFile, join(scratch, `c${i}.db`));
  if (existsSync(template.dataDir)) cpSync(template.dataDir, join(scratch, `c${i}.data`), { recursive: true });
});
rmSync(scratch, { recursive: true, force: true });

const fixtures = time((i) => void registry.fork('fixtures', `fx-${i}`));
const live = time((i) => void registry.fork('default', `live-${i}`));
registry.saveCheckpoint('default', 'bench');
const fromCheckpoint = time((i) => void registry.fork('bench', `cp-${i}`));
const drop = time((i) => registry.drop(`fx-${i}`));
registry.close();

const base = median(copy);
const row = (label: string, xs: number[]) => `| ${label} | ${fmt(median(xs))} ms | ${fmt(Math.max(...xs))} ms | ${fmt(median(xs) / base)}x |`;
writeResult(
  'forks',
  `### Forks (an instance per test), median of ${N} forks

Command: \`node --import tsx bench/forks.ts ${N}\` (in process, \`--db :memory:\`, ${(template.bytes.length / 1e6).toFixed(1)} MB template)

| Operation | Median | Max | vs baseline |
|---|---:|---:|---:|
${row('baseline: copy the template database file and its files directory', copy)}
${row('fork of the fixtures (`from: "fixtures"`), opened and ready', fixtures)}
${row('fork of a live instance (`from: "default"`: serialize, write, open)', live)}
${row('fork of a checkpoint', fromCheckpoint)}
${row('drop a fork (close, delete its files)', drop)}

Target: under 20 ms per fork of the default fixtures.`,
);
