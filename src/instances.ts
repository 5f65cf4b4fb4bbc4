import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { openDatabase, type Orm, type Sqlite } from '../db/client.js';
import { emulatorMeta } from '../db/schema/index.js';
import { Clock } from './clock.js';
import type { Config } from './config.js';
import { adminUserId, seeders } from './fixtures.js';
import { Journal } from './http/journal.js';
import { IdGenerator } from './ids.js';
import type { Logger } from './logger.js';
import { createStores, type Stores } from './state/index.js';

const namePattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function isValidInstanceName(name: string): boolean {
  return namePattern.test(name);
}

/** One emulated Domo instance: its own database, clock, ids and stores. */
export class Instance {
  readonly stores: Stores;

  constructor(
    readonly name: string,
    readonly sqlite: Sqlite,
    readonly orm: Orm,
    readonly clock: Clock,
    readonly ids: IdGenerator,
    readonly journal: Journal,
    readonly dataDir: string,
    logger: Logger,
  ) {
    this.stores = createStores({ instanceName: name, sqlite, orm, clock, ids, logger, dataDir });
  }

  meta(key: string): string | undefined {
    return this.orm.select().from(emulatorMeta).where(eq(emulatorMeta.key, key)).get()?.value;
  }

  setMeta(key: string, value: string): void {
    this.orm.insert(emulatorMeta).values({ key, value }).onConflictDoUpdate({ target: emulatorMeta.key, set: { value } }).run();
  }
}

/**
 * Instance name -> Instance, created lazily on first use and seeded from the fixtures.
 * No module-level state: each createApp()/startEmulator() has its own registry.
 */
export class InstanceRegistry {
  private readonly instances = new Map<string, Instance>();
  private readonly clocks = new Map<string, Clock>();
  private readonly journals = new Map<string, Journal>();
  private tempRoot: string | undefined;

  constructor(
    readonly config: Config,
    readonly logger: Logger,
  ) {}

  get inMemory(): boolean {
    return this.config.db === ':memory:';
  }

  get(name: string): Instance {
    let inst = this.instances.get(name);
    if (!inst) {
      inst = this.open(name);
      this.instances.set(name, inst);
    }
    return inst;
  }

  names(): string[] {
    return [...this.instances.keys()];
  }

  /** Puts an instance back to its fixtures: a fresh database, outbox and files; the clock is left as it is. */
  reset(name: string): Instance {
    this.closeOne(name, true);
    return this.get(name);
  }

  resetAll(): void {
    for (const n of this.names()) this.reset(n);
  }

  close(): void {
    for (const n of this.names()) this.closeOne(n, false);
    if (this.tempRoot) rmSync(this.tempRoot, { recursive: true, force: true });
  }

  private closeOne(name: string, wipe: boolean): void {
    const inst = this.instances.get(name);
    this.instances.delete(name);
    if (inst) {
      for (const store of Object.values(inst.stores)) (store as { close?: () => void }).close?.();
      if (inst.sqlite.open) inst.sqlite.close();
    }
    if (!wipe) return;
    const paths = this.paths(name);
    if (paths.db !== ':memory:') for (const sfx of ['', '-wal', '-shm']) rmSync(paths.db + sfx, { force: true });
    rmSync(paths.dataDir, { recursive: true, force: true });
  }

  private paths(name: string): { db: string; dataDir: string } {
    if (this.inMemory) {
      this.tempRoot ??= mkdtempSync(join(tmpdir(), 'domo-emulator-'));
      return { db: ':memory:', dataDir: join(this.tempRoot, name) };
    }
    return { db: join(this.config.db, `${name}.db`), dataDir: join(this.config.db, `${name}.data`) };
  }

  private open(name: string): Instance {
    const started = performance.now();
    const { db, dataDir } = this.paths(name);
    if (db !== ':memory:') mkdirSync(this.config.db, { recursive: true });
    mkdirSync(dataDir, { recursive: true });
    const { sqlite, orm } = openDatabase(db);
    let clock = this.clocks.get(name);
    if (!clock) {
      clock = new Clock();
      if (this.config.freezeClock) clock.freeze(Date.parse(this.config.freezeClock));
      this.clocks.set(name, clock);
    }
    let journal = this.journals.get(name);
    if (!journal) {
      journal = new Journal(this.config.journalSize);
      this.journals.set(name, journal);
    }
    const counterKey = 'idCounter';
    const readMeta = (key: string) => orm.select().from(emulatorMeta).where(eq(emulatorMeta.key, key)).get()?.value;
    const ids = new IdGenerator(this.config.ids, {
      load: () => Number(readMeta(counterKey) ?? 0),
      save: (n) =>
        orm.insert(emulatorMeta).values({ key: counterKey, value: String(n) })
          .onConflictDoUpdate({ target: emulatorMeta.key, set: { value: String(n) } }).run(),
    });
    const inst = new Instance(name, sqlite, orm, clock, ids, journal, dataDir, this.logger);
    if (inst.meta('seeded') === undefined) this.seed(inst);
    this.addCliTokens(inst);
    this.logger.debug(`instance '${name}' ready (${db}) in ${(performance.now() - started).toFixed(1)} ms`);
    return inst;
  }

  private seed(inst: Instance): void {
    const dir = this.config.fixtures;
    const full = this.config.seed;
    let lastReport = 0;
    inst.sqlite.transaction(() => {
      for (const s of seeders) {
        s.seed({
          dir,
          stores: inst.stores,
          logger: this.logger,
          full,
          progress: (what, done, total) => {
            const now = performance.now();
            if (done === total || now - lastReport > 1000) {
              lastReport = now;
              this.logger.info(`[${inst.name}] seeding ${what}: ${done}/${total}`);
            }
          },
        });
      }
      const admin = adminUserId(dir);
      if (admin !== undefined) inst.setMeta('adminUserId', String(admin));
      inst.setMeta('seeded', new Date(inst.clock.nowMs()).toISOString());
    })();
  }

  private addCliTokens(inst: Instance): void {
    const admin = Number(inst.meta('adminUserId'));
    if (!this.config.tokens.length) return;
    if (!admin || !inst.stores.users.find(admin)) {
      this.logger.warn(`[${inst.name}] --token given but the fixtures name no admin user; tokens ignored`);
      return;
    }
    for (const t of this.config.tokens) inst.stores.users.addToken(admin, t);
  }
}
