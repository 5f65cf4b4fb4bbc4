import type { Orm, Sqlite } from '../../db/client.js';
import type { AccessPolicy } from '../access/policy.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { Clock } from '../clock.js';
import type { IdGenerator } from '../ids.js';
import type { Logger } from '../logger.js';

/** What every store is built from: the instance database, its clock and its id generator. */
export interface StoreContext {
  instanceName: string;
  sqlite: Sqlite;
  orm: Orm;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  /** A directory this instance may write files to (exports, file blobs). */
  dataDir: string;
  /** Who may do what: every permission question of every store goes here. */
  access: AccessPolicy;
  /** Everything that happens later: stores register job kinds and enqueue jobs here. */
  jobs: Scheduler;
}
