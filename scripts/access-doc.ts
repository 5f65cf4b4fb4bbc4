/** Regenerates docs/access.md from src/access/ and fixtures/roles.json (npm run docs:access). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { accessDoc, type RoleFixture } from '../src/access/doc.js';
import { packageRoot } from '../src/paths.js';

const roles = JSON.parse(readFileSync(join(packageRoot, 'fixtures/roles.json'), 'utf8')) as RoleFixture[];
writeFileSync(join(packageRoot, 'docs/access.md'), accessDoc(roles));
console.log('docs/access.md written');
