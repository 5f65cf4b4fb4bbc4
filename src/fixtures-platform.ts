import { adminUserId, readFixture, type SeedContext } from './fixtures.js';
import type { MigrationsSeed } from './state/migrations.js';
import type { DomostatsSeed } from './state/remote-domostats.js';

/** Federated/Amplifier migration fixtures and Remote DomoStats applications (fixtures/platform/). */
export function seedPlatform({ dir, stores, full }: SeedContext): void {
  if (!full) return;
  const migrations = readFixture<MigrationsSeed>(dir, 'platform/migrations.json');
  if (migrations) stores.migrations.seed(migrations, adminUserId(dir) ?? 0);
  const domostats = readFixture<DomostatsSeed>(dir, 'platform/remote-domostats.json');
  if (domostats) stores.remoteDomostats.seed(domostats);
}
