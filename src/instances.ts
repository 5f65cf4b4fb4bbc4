import {
  accessSync,
  closeSync,
  constants,
  cpSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { hostname, tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { openDatabase, type Orm, type Sqlite } from '../db/client.js';
import { emulatorMeta } from '../db/schema/index.js';
import { AccessPolicy } from './access/policy.js';
import type { Principal, TokenKind } from './access/principal.js';
import { Clock } from './clock.js';
import { ApiError, conflict, notFound } from './http/errors.js';
import { Scheduler } from './jobs/scheduler.js';
import type { Config } from './config.js';
import { QueryPool } from './engines/sql/pool.js';
import { adminUserId, seeders } from './fixtures/index.js';
import { Journal } from './http/journal.js';
import { FaultSet } from './http/faults.js';
import { IdGenerator } from './ids.js';
import type { Logger } from './logger.js';
import { migrationsDir, packageRoot } from './paths.js';
import { createStores, type Stores } from './state/index.js';

const namePattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** `--db :memory:` directories to remove when the process ends without close() (a test that forgets it). */
const atExit = new Set<string>();
let atExitHooked = false;
function removeAtExit(dir: string): void {
  if (!atExitHooked) process.once('exit', () => atExit.forEach((d) => rmSync(d, { recursive: true, force: true })));
  atExitHooked = true;
  atExit.add(dir);
}

/**
 * Names this host (container) in ephemeral directory names: pids are only meaningful where they were given,
 * and /dev/shm can be shared between containers.
 */
const hostTag = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

/** Removes this host's `--db :memory:` directories of processes that no longer exist (killed before they could). */
function sweepEphemeral(root: string): void {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return;
  }
  for (const name of entries) {
    const m = new RegExp(`^domo-emulator-${hostTag}-(\\d+)-`).exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(root, name), { recursive: true, force: true });
    }
  }
}

/** Where `--db :memory:` instances are kept: RAM-backed /dev/shm when this machine has a writable one. */
function ephemeralRoot(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

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
    /** The database file (null: only in memory), read by the query workers. */
    readonly dbFile: string | null,
    queries: QueryPool,
    config: Config,
  ) {
    this.access = new AccessPolicy(sqlite, config.authz !== 'off');
    this.jobs = new Scheduler({ instanceName: name, sqlite, orm, clock, logger });
    this.stores = createStores({ instanceName: name, sqlite, orm, clock, ids, logger, dataDir, dbFile, queries, access: this.access, jobs: this.jobs, config });
    const settle = () => {
      if (this.jobs.isDue()) this.jobs.settle().catch((e) => logger.error(`[${name}] scheduler failed`, e));
    };
    this.stopClock = clock.onChange(settle);
  }

  /** Everything that happens later in this instance. */
  readonly jobs: Scheduler;
  private readonly stopClock: () => void;

  /** Stops the instance's scheduler and stores (before its database closes). */
  shutdown(): void {
    this.stopClock();
    this.jobs.close();
    for (const store of Object.values(this.stores)) (store as { close?: () => void }).close?.();
  }

  /** Who may do what in this instance (the one policy). */
  readonly access: AccessPolicy;

  /** A principal acting as this user outside a request (jobs, fixtures, tests). */
  as(userId: number, kind: TokenKind = 'system'): Principal {
    return this.access.principal(this.stores.users.get(userId), kind);
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
  private template: { bytes: Buffer; dataDir: string } | null | undefined;
  /** Routes clients called that no route serves (GET /_emulator/unimplemented). */
  readonly unimplemented = new UnimplementedRoutes();
  /** Seeded fault rules for every instance (POST /_emulator/faults). */
  readonly faults = new FaultSet();
  /** The query workers every instance's dataset SQL runs on (spawned on the first query). */
  readonly queries: QueryPool;

  /** Runs due jobs of instances whose clock runs in real time (frozen clocks move only when told). */
  private readonly ticker: NodeJS.Timeout;
  private newInstanceTokens: Set<string> | undefined;

  constructor(
    readonly config: Config,
    readonly logger: Logger,
  ) {
    this.ticker = setInterval(() => {
      for (const inst of this.instances.values()) {
        if (!inst.clock.frozen && inst.jobs.isDue()) inst.jobs.settle().catch((e) => logger.error(`[${inst.name}] scheduler failed`, e));
      }
    }, 200);
    this.ticker.unref();
    this.queries = new QueryPool({ timeoutMs: config.queryTimeoutMs, maxResultBytes: config.maxResultBytes, logger });
  }

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

  /** Whether `name` has state already: open now, or a database file under --db. Creates nothing. */
  exists(name: string): boolean {
    return this.instances.has(name) || (!this.inMemory && existsSync(this.paths(name).db));
  }

  /**
   * Whether an instance that does not exist yet would accept `token`. A new instance is a copy of the
   * seeded template (plus the --token values), so its tokens are the template's: read once, without
   * creating or writing any instance. The app asks this before creating an instance for an /api request,
   * so requests with no or a bad token never create, seed or write anything.
   */
  acceptsNewInstanceToken(token: string): boolean {
    this.newInstanceTokens ??= this.readNewInstanceTokens();
    return this.newInstanceTokens.has(token);
  }

  private readNewInstanceTokens(): Set<string> {
    const template = this.seededTemplate();
    const read = (db: Sqlite) => {
      const tokens = new Set((db.prepare('select token from tokens').pluck().all() as string[]).map((t) => t.trim()));
      const admin = db.prepare(`select value from emulator_meta where key = 'adminUserId'`).pluck().get() as string | undefined;
      if (admin !== undefined && db.prepare('select 1 from users where id = ?').get(Number(admin))) for (const t of this.config.tokens) tokens.add(t);
      return tokens;
    };
    if (template) {
      const db = new Database(template.bytes);
      try {
        return read(db);
      } finally {
        db.close();
      }
    }
    // no template cache: seed a throwaway in-memory instance once to learn what a new one would hold
    const dir = mkdtempSync(join(tmpdir(), 'domo-emulator-probe-'));
    try {
      const inst = this.build('probe', ':memory:', join(dir, 'data'), this.newClock(), new Journal(1));
      try {
        return read(inst.sqlite);
      } finally {
        for (const store of Object.values(inst.stores)) (store as { close?: () => void }).close?.();
        inst.sqlite.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
    // workers first: their read connections must not outlive the files (nor keep a WAL from checkpointing)
    this.queries.close();
    clearInterval(this.ticker);
    for (const n of this.names()) this.closeOne(n, false);
    if (this.tempRoot) {
      rmSync(this.tempRoot, { recursive: true, force: true });
      atExit.delete(this.tempRoot);
    }
  }

  /** Where forks came from and when (instances opened by a request have no entry). */
  private readonly origins = new Map<string, { from: string; createdAt: number }>();

  /**
   * A new instance `name` (or a generated one) as a copy of the fixtures (the seeded template), of another
   * instance (its database, files and clock at this moment) or of a checkpoint. 409 when `name` exists.
   */
  fork(from = 'fixtures', name?: string): Instance {
    const target = name ?? `fork-${createHash('sha256').update(`${process.pid}:${performance.now()}:${++forkCounter}`).digest('hex').slice(0, 10)}`;
    if (!isValidInstanceName(target)) throw new ApiError(400, `Invalid instance name '${target}': use lower-case letters, digits and '-' (at most 63)`);
    if (this.exists(target)) throw conflict(`Instance '${target}' already exists; drop it first or choose another name`);
    if (from === 'fixtures') {
      const inst = this.get(target);
      this.origins.set(target, { from, createdAt: Date.now() });
      return inst;
    }
    if (this.exists(from)) {
      const src = this.get(from);
      const paths = this.paths(target);
      if (!this.inMemory) mkdirSync(this.config.db, { recursive: true });
      if (existsSync(src.dataDir)) cpSync(src.dataDir, paths.dataDir, { recursive: true });
      writeFileAtomic(paths.db, src.sqlite.serialize());
      const inst = this.get(target);
      inst.clock.setState(src.clock.state());
      this.origins.set(target, { from, createdAt: Date.now() });
      return inst;
    }
    if (this.checkpointExists(from)) {
      const inst = this.restoreCheckpoint(from, target);
      this.origins.set(target, { from, createdAt: Date.now() });
      return inst;
    }
    throw notFound(`No instance or checkpoint named '${from}' to fork (use "fixtures", an instance name or a checkpoint name)`);
  }

  /** Drops an instance: closes it and deletes its database and files. 404 when there is no such instance. */
  drop(name: string): void {
    if (!this.exists(name)) throw notFound(`No instance named '${name}'`);
    this.closeOne(name, true);
    this.origins.delete(name);
    this.clocks.delete(name);
    this.journals.delete(name);
  }

  /** Every instance, open or (with --db) on disk, with its origin, size and age. */
  describeAll(): Array<{ name: string; from: string; createdAt: string; ageMs: number; sizeBytes: number }> {
    const names = new Set(this.names());
    if (!this.inMemory && existsSync(this.config.db)) {
      for (const f of readdirSync(this.config.db)) {
        const m = /^(.+)\.db$/.exec(f);
        if (m && isValidInstanceName(m[1])) names.add(m[1]);
      }
    }
    return [...names].sort().map((name) => {
      const paths = this.paths(name);
      const origin = this.origins.get(name);
      let createdAt = origin?.createdAt;
      if (createdAt === undefined) {
        try {
          createdAt = statSync(paths.db).birthtimeMs || statSync(paths.db).mtimeMs;
        } catch {
          createdAt = Date.now();
        }
      }
      const sizeBytes = ['', '-wal'].reduce((n, sfx) => n + sizeOf(paths.db + sfx), 0) + sizeOf(paths.dataDir);
      return { name, from: origin?.from ?? 'fixtures', createdAt: new Date(createdAt).toISOString(), ageMs: Math.max(0, Date.now() - createdAt), sizeBytes };
    });
  }

  /** A developer token of the instance's admin user (a --token value first). */
  adminToken(inst: Instance): string | null {
    if (this.config.tokens.length) return this.config.tokens[0];
    const admin = Number(inst.meta('adminUserId'));
    return (inst.sqlite.prepare(`select token from tokens where user_id = ? and kind = 'developer' order by created, token limit 1`).pluck().get(admin) as string | undefined) ?? null;
  }

  /** Checkpoints live beside the instances: `<db>/_checkpoints/<name>/` (the temporary root with :memory:). */
  private checkpointRoot(): string {
    if (!this.inMemory) return join(this.config.db, '_checkpoints');
    this.paths('default'); // creates the temporary root
    return join(this.tempRoot!, '_checkpoints');
  }

  private checkpointDir(name: string): string {
    if (!isValidInstanceName(name)) throw new ApiError(400, `Invalid checkpoint name '${name}': use lower-case letters, digits and '-' (at most 63)`);
    return join(this.checkpointRoot(), name);
  }

  checkpointExists(name: string): boolean {
    return isValidInstanceName(name) && existsSync(join(this.checkpointDir(name), 'checkpoint.json'));
  }

  /** Saves an instance's whole state (database with its outbox, files, clock) as checkpoint `name` (replacing one of that name). */
  saveCheckpoint(instanceName: string, name: string): CheckpointInfo {
    const inst = this.get(instanceName);
    const dir = this.checkpointDir(name);
    const staging = `${dir}.tmp-${process.pid}-${++forkCounter}`;
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, 'instance.db'), inst.sqlite.serialize());
    if (existsSync(inst.dataDir)) cpSync(inst.dataDir, join(staging, 'data'), { recursive: true });
    const schema = schemaVersion();
    const info: CheckpointFile = {
      name,
      instance: instanceName,
      createdAt: new Date().toISOString(),
      schemaVersion: schema.version,
      migrations: schema.migrations,
      clock: inst.clock.state(),
    };
    writeFileSync(join(staging, 'checkpoint.json'), JSON.stringify(info, null, 2));
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
    return this.checkpointInfo(name)!;
  }

  listCheckpoints(): CheckpointInfo[] {
    const root = this.checkpointRoot();
    if (!existsSync(root)) return [];
    return readdirSync(root)
      .filter((n) => isValidInstanceName(n))
      .map((n) => this.checkpointInfo(n))
      .filter((c): c is CheckpointInfo => c !== null)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
  }

  checkpointInfo(name: string): CheckpointInfo | null {
    const dir = this.checkpointDir(name);
    let file: CheckpointFile;
    try {
      file = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as CheckpointFile;
    } catch {
      return null;
    }
    return { name: file.name, instance: file.instance, createdAt: file.createdAt, sizeBytes: sizeOf(dir), schemaVersion: file.schemaVersion };
  }

  deleteCheckpoint(name: string): void {
    if (!this.checkpointExists(name)) throw notFound(`No checkpoint named '${name}'`);
    rmSync(this.checkpointDir(name), { recursive: true, force: true });
  }

  /**
   * Puts checkpoint `name` into instance `target` (its database, files and clock replace the instance's).
   * A checkpoint from an older schema is migrated as it opens; one from a schema this emulator does not
   * know (newer, or another branch of migrations) is refused with a 409 naming both versions.
   */
  restoreCheckpoint(name: string, target: string): Instance {
    if (!this.checkpointExists(name)) throw notFound(`No checkpoint named '${name}'`);
    const dir = this.checkpointDir(name);
    const file = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as CheckpointFile;
    const current = schemaVersion();
    const known = file.migrations.length <= current.migrations.length && file.migrations.every((m, i) => current.migrations[i] === m);
    if (!known) {
      throw conflict(
        `Checkpoint '${name}' was saved with schema ${file.schemaVersion}, which this emulator (schema ${current.version}) does not know: ` +
          `it comes from a newer or different emulator version. Restore it with the emulator that saved it, or save a new checkpoint.`,
      );
    }
    if (!isValidInstanceName(target)) throw new ApiError(400, `Invalid instance name '${target}'`);
    this.closeOne(target, true);
    const paths = this.paths(target);
    if (!this.inMemory) mkdirSync(this.config.db, { recursive: true });
    if (existsSync(join(dir, 'data'))) cpSync(join(dir, 'data'), paths.dataDir, { recursive: true });
    writeFileAtomic(paths.db, readFileSync(join(dir, 'instance.db')));
    const inst = this.get(target);
    inst.clock.setState(file.clock);
    return inst;
  }

  private closeOne(name: string, wipe: boolean): void {
    const inst = this.instances.get(name);
    this.instances.delete(name);
    if (inst) {
      inst.shutdown();
      if (inst.dbFile) this.queries.forget(inst.dbFile);
      if (inst.sqlite.open) inst.sqlite.close();
    }
    if (!wipe) return;
    const paths = this.paths(name);
    for (const sfx of ['', '-wal', '-shm']) rmSync(paths.db + sfx, { force: true });
    rmSync(paths.dataDir, { recursive: true, force: true });
  }

  /**
   * Where an instance lives. With `--db :memory:` it is an ephemeral file under a temporary directory (in
   * /dev/shm, RAM, where there is one), because the query workers must open the database from another
   * process and an in-memory SQLite database cannot be shared; the directory goes when the registry closes,
   * an instance's files when it is reset.
   */
  private paths(name: string): { db: string; dataDir: string } {
    if (this.inMemory) {
      if (!this.tempRoot) {
        const root = ephemeralRoot();
        sweepEphemeral(root);
        this.tempRoot = mkdtempSync(join(root, `domo-emulator-${hostTag}-${process.pid}-`));
        removeAtExit(this.tempRoot);
      }
      return { db: join(this.tempRoot, `${name}.db`), dataDir: join(this.tempRoot, name) };
    }
    return { db: join(this.config.db, `${name}.db`), dataDir: join(this.config.db, `${name}.data`) };
  }

  private open(name: string): Instance {
    const started = performance.now();
    const { db, dataDir } = this.paths(name);
    if (!this.inMemory) mkdirSync(this.config.db, { recursive: true });
    let clock = this.clocks.get(name);
    if (!clock) {
      clock = this.newClock();
      this.clocks.set(name, clock);
    }
    let journal = this.journals.get(name);
    if (!journal) {
      journal = new Journal(this.config.journalSize);
      this.journals.set(name, journal);
    }
    // A new instance starts as a copy of the seeded template (built once per fixtures and options).
    if (!existsSync(db)) {
      const template = this.seededTemplate();
      if (template) {
        // the files first, the database last and atomically: a process killed in between leaves no
        // database file, so the next start copies the template again
        if (existsSync(template.dataDir)) cpSync(template.dataDir, dataDir, { recursive: true });
        writeFileAtomic(db, template.bytes);
      }
    }
    let inst: Instance;
    try {
      inst = this.build(name, db, dataDir, clock, journal);
    } catch (e) {
      // SQLite refusing the file (SQLITE_CORRUPT, SQLITE_NOTADB, ...) is the user's file, not our bug
      if (String((e as { code?: unknown }).code ?? '').startsWith('SQLITE_')) throw unusableDatabase(name, db, e);
      throw e;
    }
    this.addCliTokens(inst);
    this.logger.debug(`instance '${name}' ready (${db}) in ${(performance.now() - started).toFixed(1)} ms`);
    return inst;
  }

  private newClock(): Clock {
    const clock = new Clock();
    if (this.config.freezeClock) clock.freeze(Date.parse(this.config.freezeClock));
    return clock;
  }

  /** Opens (and migrates) a database, builds the instance around it, and seeds it if it never was. */
  private build(name: string, source: string, dataDir: string, clock: Clock, journal: Journal): Instance {
    mkdirSync(dataDir, { recursive: true });
    const { sqlite, orm } = openDatabase(source, { ephemeral: this.inMemory });
    const counterKey = 'idCounter';
    const readMeta = (key: string) => orm.select().from(emulatorMeta).where(eq(emulatorMeta.key, key)).get()?.value;
    const ids = new IdGenerator(this.config.ids, {
      load: () => Number(readMeta(counterKey) ?? 0),
      save: (n) =>
        orm.insert(emulatorMeta).values({ key: counterKey, value: String(n) })
          .onConflictDoUpdate({ target: emulatorMeta.key, set: { value: String(n) } }).run(),
    });
    const inst = new Instance(name, sqlite, orm, clock, ids, journal, dataDir, this.logger, source === ':memory:' ? null : source, this.queries, this.config);
    if (inst.meta('seeded') === undefined) this.seed(inst);
    return inst;
  }

  /**
   * The fixtures seeded once into an in-memory database, serialized, with the files the seeding wrote.
   * Cached on disk (under the OS temp directory, or `cacheDir`) by a key of everything that shapes it:
   * the fixtures, the code and migrations, and the seed/ids/clock options. A later start or a new
   * instance then copies it in a few milliseconds instead of seeding again.
   */
  private seededTemplate(): { bytes: Buffer; dataDir: string } | null {
    if (this.template !== undefined) return this.template;
    if (!this.config.templateCache) return (this.template = null);
    const root = join(this.config.cacheDir ?? join(tmpdir(), 'domo-emulator-cache'), this.templateKey());
    const dbFile = join(root, 'instance.db');
    if (existsSync(dbFile)) {
      try {
        return (this.template = { bytes: readFileSync(dbFile), dataDir: join(root, 'data') });
      } catch (e) {
        this.logger.warn(`template cache ${root} unreadable (${(e as Error).message}); seeding anew`);
      }
    }
    const started = performance.now();
    mkdirSync(join(root, '..'), { recursive: true });
    const staging = mkdtempSync(`${root}.tmp-`);
    const inst = this.build('template', ':memory:', join(staging, 'data'), this.newClock(), new Journal(1));
    const bytes = inst.sqlite.serialize();
    inst.shutdown();
    inst.sqlite.close();
    writeFileSync(join(staging, 'instance.db'), bytes);
    let dir = root;
    try {
      renameSync(staging, root);
    } catch {
      // another process cached the same template first (or the cache is not writable): use theirs, or ours
      if (existsSync(dbFile)) rmSync(staging, { recursive: true, force: true });
      else dir = staging;
    }
    this.logger.debug(`seeded template ${dir} in ${(performance.now() - started).toFixed(1)} ms`);
    return (this.template = { bytes, dataDir: join(dir, 'data') });
  }

  private templateKey(): string {
    const h = createHash('sha256');
    h.update(JSON.stringify({ v: 1, seed: this.config.seed, ids: this.config.ids, freezeClock: this.config.freezeClock ?? null }));
    const walk = (dir: string) => {
      if (!existsSync(dir)) return;
      for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const p = join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else if (entry.isFile()) {
          const st = statSync(p);
          h.update(`${relative(packageRoot, p)}:${st.size}:${st.mtimeMs}\n`);
        }
      }
    };
    walk(this.config.fixtures);
    for (const dir of ['src', 'db', 'dist']) walk(join(packageRoot, dir));
    return h.digest('hex').slice(0, 24);
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

let forkCounter = 0;

/** Unknown routes counted by method and path with numbers/ids folded to `{id}` (bounded to 1000 shapes). */
export class UnimplementedRoutes {
  private readonly seen = new Map<string, { method: string; path: string; count: number; lastSeen: number }>();

  record(method: string, path: string): void {
    const shape = path
      .replace(/\/+$/, '')
      .split('/')
      .map((s) => (/^\d+$|^[0-9a-f]{8}-[0-9a-f-]{27,}$/i.test(s) ? '{id}' : s))
      .join('/');
    const key = `${method} ${shape}`;
    const row = this.seen.get(key);
    if (row) {
      row.count++;
      row.lastSeen = Date.now();
    } else if (this.seen.size < 1000) this.seen.set(key, { method, path: shape, count: 1, lastSeen: Date.now() });
  }

  list(): Array<{ method: string; path: string; count: number; lastSeen: string }> {
    return [...this.seen.values()]
      .sort((a, b) => b.count - a.count || b.lastSeen - a.lastSeen)
      .map((r) => ({ ...r, lastSeen: new Date(r.lastSeen).toISOString() }));
  }

  clear(): void {
    this.seen.clear();
  }
}

export interface CheckpointInfo {
  name: string;
  instance: string;
  createdAt: string;
  sizeBytes: number;
  schemaVersion: string;
}

interface CheckpointFile {
  name: string;
  instance: string;
  createdAt: string;
  schemaVersion: string;
  /** The migration tags applied to the saved database, in order. */
  migrations: string[];
  clock: { frozenAt: number | null; offsetMs: number };
}

/** The database schema this build writes: its migration tags, and `<count>-<hash of the tags>`. */
export function schemaVersion(): { version: string; migrations: string[] } {
  const journal = JSON.parse(readFileSync(join(migrationsDir, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
  const migrations = journal.entries.map((e) => e.tag);
  return { version: `${migrations.length}-${createHash('sha256').update(migrations.join('\n')).digest('hex').slice(0, 12)}`, migrations };
}

/** Bytes of a file, or of every file under a directory (0 when absent). */
function sizeOf(path: string): number {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const e of readdirSync(path)) n += sizeOf(join(path, e));
  return n;
}

/**
 * Writes a file so that it is either absent or complete: a temporary name in the same directory,
 * flushed, then renamed over the target (a rename is atomic on one file system).
 */
export function writeFileAtomic(path: string, bytes: Buffer): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${++atomicWrites}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}
let atomicWrites = 0;

/**
 * An instance database that cannot be opened (cut short, overwritten, not SQLite): a 503 that names the
 * file, on every request to that instance until the file is repaired or removed (nothing is deleted for
 * the user). Other instances keep working.
 */
export function unusableDatabase(name: string, file: string, cause: unknown): ApiError {
  const reason = (cause as Error)?.message ?? String(cause);
  const where = file === ':memory:' ? 'its in-memory database' : `its database file ${file}`;
  return new ApiError(
    503,
    `Instance '${name}' cannot be opened: ${where} is damaged or is not an emulator database (${reason}). ` +
      (file === ':memory:' ? 'Restart the emulator.' : `Move or delete ${file} (and ${file}-wal, ${file}-shm) to start that instance afresh from the fixtures.`),
  );
}
