/** Regenerates the coverage table in README.md from the live route table (npm run coverage:readme). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../src/app.js';
import { coverage, coverageTable, loadCatalog } from '../src/catalog.js';
import { InstanceRegistry } from '../src/instances.js';
import { createLogger } from '../src/logger.js';
import { packageRoot } from '../src/paths.js';
import { resolveConfig } from '../src/server.js';

const registry = new InstanceRegistry(resolveConfig({ logLevel: 'silent' }), createLogger('silent'));
const app = createApp({ registry });
const rows = coverage(app, loadCatalog());
const table = coverageTable(rows);
const notEmulated = rows.filter((r) => !r.emulated).map((r) => `${r.method} ${r.path}`);
const readmePath = join(packageRoot, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const start = '<!-- coverage:start -->';
const end = '<!-- coverage:end -->';
const i = readme.indexOf(start);
const j = readme.indexOf(end);
if (i < 0 || j < i) throw new Error(`README.md has no ${start} ... ${end} block`);
writeFileSync(readmePath, `${readme.slice(0, i + start.length)}\n${table}\n${readme.slice(j)}`);
registry.close();
console.log(table);
console.log(`${notEmulated.length} endpoints answer 501`);
