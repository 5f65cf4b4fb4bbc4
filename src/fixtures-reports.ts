import { readFixture, type SeedContext } from './fixtures.js';
import type { HistorySeed, ScheduleSeed } from './state/scheduled-reports.js';

interface ReportsFixture {
  schedules: ScheduleSeed[];
  history?: HistorySeed[];
}

/** Scheduled Reports fixtures (fixtures/reports/schedules.json): schedules on pages/cards/datasets and past runs. */
export function seedReports({ dir, stores, full }: SeedContext): void {
  const f = full ? readFixture<ReportsFixture>(dir, 'reports/schedules.json') : undefined;
  if (!f) return;
  stores.scheduledReports.seed(f.schedules, f.history ?? []);
}
