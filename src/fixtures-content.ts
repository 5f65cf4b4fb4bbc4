import { join } from 'node:path';
import type { SeedContext } from './fixtures.js';
import { readFixture } from './fixtures.js';
import type { AlertSeed } from './state/alerts.js';
import type { BeastModeSeed } from './state/beast-modes.js';
import type { CertificationSeed } from './state/certified-content.js';
import type { PageSeed } from './state/pages.js';

/**
 * Seeds fixtures/content: pages (with their cards and shares), alerts (with subscriptions),
 * Beast Modes (with their links) and certifications. Runs after the datasets seeder (cards, datasets).
 */
export function seedContent({ dir, stores, full }: SeedContext): void {
  if (!full) return;
  const base = join(dir, 'content');
  stores.pages.seed(readFixture<PageSeed[]>(base, 'pages.json') ?? []);
  stores.alerts.seed(readFixture<AlertSeed[]>(base, 'alerts.json') ?? []);
  stores.alerts.planSweep();
  stores.beastModes.seed(readFixture<BeastModeSeed[]>(base, 'beast-modes.json') ?? []);
  stores.certifiedContent.seed(readFixture<CertificationSeed[]>(base, 'certifications.json') ?? []);
}
