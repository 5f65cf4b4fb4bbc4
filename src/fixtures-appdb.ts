import { readFixture, type SeedContext } from './fixtures.js';
import type { CollectionSeed } from './state/appdb.js';

/**
 * AppDB fixtures (fixtures/appdb/collections.json): collections with their documents, permissions and
 * security filters. Synced collections are exported once, so they start with a dataset.
 */
export function seedAppDb({ dir, stores, full, progress }: SeedContext): void {
  if (!full) return;
  const f = readFixture<{ collections: CollectionSeed[] }>(dir, 'appdb/collections.json');
  if (!f) return;
  stores.appdb.seed(f.collections);
  stores.appdb.seedExports();
  stores.appdb.planExports();
  progress('appdb collections', f.collections.length, f.collections.length);
}
