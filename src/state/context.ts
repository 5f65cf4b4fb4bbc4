import type { Orm, Sqlite } from '../../db/client.js';
import type { AccessPolicy } from '../access/policy.js';
import type { Config } from '../config.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { Clock } from '../clock.js';
import type { QueryPool } from '../engines/sql/pool.js';
import type { IdGenerator } from '../ids.js';
import type { Logger } from '../logger.js';
import type { Audit } from './activity.js';

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
  /** The emulator's options (limits a store applies: Code Engine runs, uploads...). */
  config: Config;
  /**
   * The database file the query workers open read-only; null for a database only in memory (the seeding
   * template, which never reads rows), whose row reads then run on `sqlite` itself.
   */
  dbFile: string | null;
  /** Runs dataset SQL off the server's thread, with the deadline and the result cap (shared by all instances). */
  queries: QueryPool;
  /** The activity log's one writer: every write records its entry here, inside its own transaction. */
  audit: Audit;
}
