import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema/index.js';
import { migrationsDir } from '../src/paths.js';

export type Orm = BetterSQLite3Database<typeof schema>;
export type Sqlite = Database.Database;

/**
 * Opens an instance database (a file path, ':memory:' or serialized bytes), sets the pragmas and runs the migrations.
 * WAL + synchronous=NORMAL: a committed transaction survives a killed process. WAL is also what lets the
 * query workers read a file while the server writes it.
 * `ephemeral`: a file that stands in for `--db :memory:` (deleted when the instance closes), so nothing is
 * ever synced to disk (synchronous=OFF).
 */
export function openDatabase(location: string | Buffer, opts: { ephemeral?: boolean } = {}): { sqlite: Sqlite; orm: Orm } {
  // a Buffer is a serialized database, opened in memory
  const sqlite = new Database(location);
  try {
    if (typeof location === 'string' && location !== ':memory:') sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(opts.ephemeral ? 'synchronous = OFF' : 'synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const orm = drizzle(sqlite, { schema });
    migrate(orm, { migrationsFolder: migrationsDir });
    return { sqlite, orm };
  } catch (e) {
    // a damaged file: do not keep a handle on it (the caller reports the file)
    sqlite.close();
    throw e;
  }
}
