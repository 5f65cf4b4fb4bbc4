/** Regenerates docs/openapi.json from the route table, the zod schemas and the catalog (npm run docs:openapi). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openapiDocument, openapiText } from '../src/openapi.js';
import { packageRoot } from '../src/paths.js';

writeFileSync(join(packageRoot, 'docs/openapi.json'), openapiText(openapiDocument()));
console.log('docs/openapi.json written');
