import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (where package.json is), whether running from src/ via tsx or from dist/src/. */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'fixtures'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('domo-emulator: cannot find the package root (package.json beside fixtures/)');
}

export const packageRoot = findRoot();
export const defaultFixturesDir = join(packageRoot, 'fixtures');
export const migrationsDir = join(packageRoot, 'db', 'migrations');
export const catalogPath = join(packageRoot, 'fixtures', 'catalog', 'endpoints.json');
