import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { ColumnType } from '../engines/sql/types.js';
import { amplifierIntegrations, federatedAccounts, federatedDatasources, migrationRuns } from '../../db/schema/index.js';
import { notFound } from '../http/errors.js';
import type { Principal } from '../access/principal.js';
import type { StoreContext } from './context.js';
import type { DatasetsStore } from './datasets/index.js';

type Datasource = typeof federatedDatasources.$inferSelect;
type Actor = Principal;
export type Direction = 'V1_TO_V2' | 'V2_TO_V1' | 'FEDERATED_TO_CLOUD_AMPLIFIER' | 'CLOUD_AMPLIFIER_TO_FEDERATED';

export interface MigrationsSeed {
  accounts: Array<typeof federatedAccounts.$inferInsert>;
  integrations: Array<typeof amplifierIntegrations.$inferInsert>;
  datasources: Array<typeof federatedDatasources.$inferInsert & { ownerId?: number; columns?: Array<{ name: string; type: ColumnType }> }>;
}

type Target = NonNullable<(typeof migrationRuns.$inferSelect)['target']>;
type RunRow = typeof migrationRuns.$inferSelect;

/** A migration's course on the instance clock: validated, half done after 1 s, ended after 2 s. */
const HALF_MS = 1000;
const END_MS = 2000;
/** How long a migration call waits for its end (in real time it blocks, as Domo's does). */
const BLOCK_MS = 15_000;

/** Domo's time format in these APIs: ISO with an explicit +00:00 offset. */
const stamp = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().replace('Z', '+00:00'));

/** `bigquery-federated` datasources go to BIGQUERY integrations, and so on. */
const integrationTypeOf = (datasourceType: string) => datasourceType.replace(/-federated$/i, '').toUpperCase();

/**
 * Federated V1 -> V2 and Federated V2 <-> Cloud Amplifier migrations. A migration is checked at once
 * (ABORTED with a message when it cannot be applied: nothing changes), then runs on the scheduler:
 * IN_PROGRESS with its progress, and applied at its end (COMPLETE), when it is checked again. Its effect
 * shows where Domo shows it: the datasource's dataset (Datasets API) changes provider, account or cloud.
 * Domo's call blocks until the migration ends; so does the emulator's while the clock runs in real time
 * (about 2 s). With a frozen clock the call answers IN_PROGRESS and the run ends when the clock moves;
 * GET /api/query/migration/runs/:toe shows it either way.
 */
export class MigrationsStore {
  constructor(
    private readonly ctx: StoreContext,
    private readonly datasets: DatasetsStore,
  ) {
    ctx.jobs.register<{ toe: string }, void>('migration.progress', {
      apply: ({ toe }) => {
        this.ctx.orm.update(migrationRuns).set({ progress: 50 }).where(and(eq(migrationRuns.toe, toe), eq(migrationRuns.state, 'IN_PROGRESS'))).run();
      },
    });
    ctx.jobs.register<{ toe: string }, void>('migration.finish', {
      apply: ({ toe }) => this.finish(toe),
      fail: ({ toe }, _job, e) => this.end(toe, 'ABORTED', e.message),
    });
  }

  // ----------------------------------------------------------------------- federated V1 -> V2

  federatedTypes(): string[] {
    return this.ctx.sqlite
      .prepare('select type from federated_accounts union select type from federated_datasources order by type')
      .pluck()
      .all() as string[];
  }

  /** V2 accounts of a type the caller can use (admins: all; others: their own). */
  accounts(type: string, actor: Actor) {
    return this.ctx.orm
      .select({ id: federatedAccounts.id, type: federatedAccounts.type, name: federatedAccounts.name, ownerId: federatedAccounts.ownerId })
      .from(federatedAccounts)
      .where(sql`lower(${federatedAccounts.type}) = lower(${type})`)
      .orderBy(asc(federatedAccounts.id))
      .all()
      .filter((a) => this.ctx.access.permissions(actor, { type: 'account', id: a.id, ownerIds: [a.ownerId] }).has('OWNER'))
      .map(({ id, type: t, name }) => ({ id, type: t, name }));
  }

  /** V1 datasources of the account's type, and those already migrated onto this account. */
  v1Candidates(accountId: string, actor: Actor) {
    this.requireAdmin(actor);
    const account = this.account(accountId);
    return this.ctx.orm
      .select()
      .from(federatedDatasources)
      .where(eq(federatedDatasources.type, account.type))
      .orderBy(asc(federatedDatasources.name))
      .all()
      .filter((d) => d.stage === 'V1' || d.accountId === accountId)
      .map((d) => ({ id: d.id, name: d.name, migrated: d.stage !== 'V1', migrationDate: d.stage !== 'V1' ? stamp(d.v2MigratedAt) : null }));
  }

  migrateV1ToV2(datasourceId: string, accountId: string, table: { catalog: string; schema: string; table: string }, actor: Actor) {
    this.requireAdmin(actor);
    this.account(accountId);
    return this.start(this.datasource(datasourceId), 'V1_TO_V2', actor, { accountId, table });
  }

  reverseV1ToV2(datasourceId: string, actor: Actor) {
    this.requireAdmin(actor);
    return this.start(this.datasource(datasourceId), 'V2_TO_V1', actor, {});
  }

  // ----------------------------------------------------------------------- federated V2 <-> amplifier

  integrationTypes(): string[] {
    return this.ctx.sqlite.prepare('select distinct type from amplifier_integrations order by type').pluck().all() as string[];
  }

  integrations(type: string) {
    return this.ctx.orm
      .select({ id: amplifierIntegrations.id, name: amplifierIntegrations.name, type: amplifierIntegrations.type, authMethod: amplifierIntegrations.authMethod })
      .from(amplifierIntegrations)
      .where(sql`lower(${amplifierIntegrations.type}) = lower(${type})`)
      .orderBy(asc(amplifierIntegrations.name))
      .all();
  }

  /** Federated V2 datasources of the integration's type; `collision` when the integration already has their table. */
  amplifierCandidates(integrationId: string, actor: Actor) {
    this.requireAdmin(actor);
    const integration = this.integration(integrationId);
    const inIntegration = this.ctx.orm.select().from(federatedDatasources).where(eq(federatedDatasources.integrationId, integration.id)).all();
    return this.ctx.orm
      .select()
      .from(federatedDatasources)
      .where(eq(federatedDatasources.stage, 'V2'))
      .orderBy(asc(federatedDatasources.name))
      .all()
      .filter((d) => integrationTypeOf(d.type) === integration.type.toUpperCase())
      .map((d) => {
        const hit = inIntegration.find((o) => o.id !== d.id && this.sameTable(o, d));
        return this.candidateView(d, hit);
      });
  }

  /** Datasources migrated into the integration (they can go back to Federated). */
  reverseCandidates(integrationId: string, actor: Actor) {
    this.requireAdmin(actor);
    const integration = this.integration(integrationId);
    return this.ctx.orm
      .select()
      .from(federatedDatasources)
      .where(and(eq(federatedDatasources.stage, 'AMPLIFIER'), eq(federatedDatasources.integrationId, integration.id)))
      .orderBy(asc(federatedDatasources.name))
      .all()
      .map((d) => this.candidateView(d, undefined));
  }

  migrateToAmplifier(datasourceId: string, integrationId: string, actor: Actor) {
    this.requireAdmin(actor);
    this.integration(integrationId);
    return this.start(this.datasource(datasourceId), 'FEDERATED_TO_CLOUD_AMPLIFIER', actor, { integrationId });
  }

  reverseFromAmplifier(datasourceId: string, actor: Actor) {
    this.requireAdmin(actor);
    return this.start(this.datasource(datasourceId), 'CLOUD_AMPLIFIER_TO_FEDERATED', actor, {});
  }

  /** A run by its toe (GET /api/query/migration/runs/:toe), and a datasource's runs, newest first. */
  runView(toe: string, actor: Actor) {
    this.requireAdmin(actor);
    const r = this.ctx.orm.select().from(migrationRuns).where(eq(migrationRuns.toe, toe)).get();
    if (!r) throw notFound(`Migration run ${toe} not found`);
    return this.view(r);
  }

  runs(datasourceId: string | undefined, actor: Actor) {
    this.requireAdmin(actor);
    const q = this.ctx.orm.select().from(migrationRuns);
    return (datasourceId ? q.where(eq(migrationRuns.datasourceId, datasourceId)) : q).orderBy(desc(migrationRuns.startTime), desc(migrationRuns.toe)).all().map((r) => this.view(r));
  }

  // ----------------------------------------------------------------------- runs on the scheduler

  /** Why a migration cannot be applied to the datasource as it stands (null: it can). */
  private problem(d: Datasource, direction: Direction, t: Target): string | null {
    switch (direction) {
      case 'V1_TO_V2': {
        if (d.stage !== 'V1') return `Datasource ${d.id} is not a Federated V1 datasource (it is ${d.stage})`;
        const account = this.account(t.accountId!);
        if (d.type !== account.type) return `Account ${account.id} is a ${account.type} account; datasource ${d.id} is ${d.type}`;
        const table = t.table!;
        if (table.catalog !== d.catalogName || table.schema !== (d.schemaName ?? 'NULL') || table.table !== d.tableName) {
          return `Table ${table.catalog}.${table.schema}.${table.table} is not the table datasource ${d.id} reads (names are case-sensitive)`;
        }
        return null;
      }
      case 'V2_TO_V1':
        return d.stage !== 'V2' || d.v2MigratedAt === null ? `Datasource ${d.id} was not migrated from V1 to V2 (it is ${d.stage})` : null;
      case 'FEDERATED_TO_CLOUD_AMPLIFIER': {
        if (d.stage !== 'V2') return `Datasource ${d.id} is not a Federated V2 datasource (it is ${d.stage})`;
        const integration = this.integration(t.integrationId!);
        if (integrationTypeOf(d.type) !== integration.type.toUpperCase()) return `Integration ${integration.id} is ${integration.type}; datasource ${d.id} is ${d.type}`;
        const other = this.ctx.orm.select().from(federatedDatasources).where(eq(federatedDatasources.integrationId, integration.id)).all().find((o) => o.id !== d.id && this.sameTable(o, d));
        return other ? `Datasource ${other.id} (${other.name}) already reads ${d.catalogName}.${d.schemaName ?? 'NULL'}.${d.tableName} in integration ${integration.id}` : null;
      }
      case 'CLOUD_AMPLIFIER_TO_FEDERATED':
        return d.stage !== 'AMPLIFIER' ? `Datasource ${d.id} is not in a Cloud Amplifier integration (it is ${d.stage})` : null;
    }
  }

  /** The migration's effect on the datasource, and on its dataset as the Datasets API shows it. */
  private applyMigration(d: Datasource, direction: Direction, t: Target): void {
    const now = this.ctx.clock.nowMs();
    const set: Partial<typeof federatedDatasources.$inferInsert> =
      direction === 'V1_TO_V2'
        ? { stage: 'V2', accountId: t.accountId!, v2MigratedAt: now }
        : direction === 'V2_TO_V1'
          ? { stage: 'V1', accountId: null, v2MigratedAt: null }
          : direction === 'FEDERATED_TO_CLOUD_AMPLIFIER'
            ? { stage: 'AMPLIFIER', integrationId: t.integrationId!, amplifierMigratedAt: now }
            : { stage: 'V2', integrationId: null, amplifierMigratedAt: null };
    this.ctx.orm.update(federatedDatasources).set(set).where(eq(federatedDatasources.id, d.id)).run();
    this.syncDataset(this.datasource(d.id));
  }

  /** The dataset a federated datasource is in the Datasets API: its provider, account and cloud follow its stage. */
  private syncDataset(d: Datasource): void {
    if (!this.datasets.exists(d.id)) return;
    const integration = d.integrationId ? this.integration(d.integrationId) : null;
    const provider = d.stage === 'AMPLIFIER' && integration ? `${integration.type.toLowerCase()}-cloud-amplifier` : d.type;
    this.datasets.setFederation(d.id, {
      dataProviderType: provider,
      properties: {
        federation: { version: d.stage, catalog: d.catalogName, schema: d.schemaName, table: d.tableName },
        accountId: d.accountId ?? null,
        cloudId: integration ? integration.id : 'domo',
        cloudName: integration ? integration.name : 'Domo',
      },
    });
  }

  /** Checks, and either aborts at once or starts the run on the scheduler; blocks (real-time clock) until it ends. */
  private async start(d: Datasource, direction: Direction, actor: Actor, target: Target) {
    const now = this.ctx.clock.nowMs();
    const toe = this.ctx.ids.token('MIG-').toUpperCase();
    const reason = this.problem(d, direction, target);
    let finishJob = 0;
    this.ctx.sqlite.transaction(() => {
      this.ctx.orm
        .insert(migrationRuns)
        .values({ toe, datasourceId: d.id, direction, state: reason ? 'ABORTED' : 'IN_PROGRESS', errorMessage: reason, startTime: now, endTime: now, userId: actor.userId, progress: reason ? 100 : 0, target })
        .run();
      if (!reason) {
        this.ctx.jobs.enqueue('migration.progress', { toe }, { due: now + HALF_MS });
        finishJob = this.ctx.jobs.enqueue('migration.finish', { toe }, { due: now + END_MS });
      }
      // the request's one entry: the run applying on the scheduler later records nothing more
      const outcome = reason ? `aborted: ${reason}` : 'started';
      this.ctx.audit.record(actor, { action: 'MIGRATED', type: 'DATA_SOURCE', id: d.id, name: d.name, detail: ` (${direction}, run ${toe} ${outcome})` });
    })();
    if (finishJob && !this.ctx.clock.frozen) await this.ctx.jobs.wait(finishJob, BLOCK_MS);
    return this.view(this.ctx.orm.select().from(migrationRuns).where(eq(migrationRuns.toe, toe)).get()!);
  }

  private finish(toe: string): void {
    const r = this.ctx.orm.select().from(migrationRuns).where(eq(migrationRuns.toe, toe)).get();
    if (!r || r.state !== 'IN_PROGRESS') return;
    const d = this.datasource(r.datasourceId);
    const reason = this.problem(d, r.direction as Direction, r.target ?? {});
    if (reason) return this.end(toe, 'ABORTED', reason);
    this.applyMigration(d, r.direction as Direction, r.target ?? {});
    this.end(toe, 'COMPLETE', null);
  }

  private end(toe: string, state: 'COMPLETE' | 'ABORTED', errorMessage: string | null): void {
    this.ctx.orm.update(migrationRuns).set({ state, errorMessage, progress: 100, endTime: this.ctx.clock.nowMs() }).where(eq(migrationRuns.toe, toe)).run();
  }

  private view(r: RunRow) {
    return {
      toe: r.toe,
      datasourceId: r.datasourceId,
      direction: r.direction,
      startTime: stamp(r.startTime),
      state: r.state,
      progress: r.progress,
      errorMessage: r.errorMessage,
      endTime: r.state === 'IN_PROGRESS' ? null : stamp(r.endTime),
    };
  }

  /** Fixtures: accounts, integrations and datasources; each datasource is also a dataset of the Datasets API. */
  seed(seed: MigrationsSeed, ownerId: number): void {
    if (seed.accounts.length) this.ctx.orm.insert(federatedAccounts).values(seed.accounts).run();
    if (seed.integrations.length) this.ctx.orm.insert(amplifierIntegrations).values(seed.integrations).run();
    for (const { ownerId: owner, columns, ...d } of seed.datasources) {
      this.ctx.orm.insert(federatedDatasources).values(d).run();
      if (!this.datasets.exists(d.id)) {
        this.datasets.createRecord({
          id: d.id,
          name: d.name,
          description: '',
          ownerId: owner ?? ownerId,
          dataProviderType: d.type,
          transportType: 'FEDERATED',
          streamId: this.ctx.ids.numeric(),
          columns: (columns ?? [{ name: 'id', type: 'STRING' }]).map((c) => ({ ...c, visible: true })),
        });
      }
      this.syncDataset(this.datasource(d.id));
    }
  }

  // ----------------------------------------------------------------------- helpers

  private candidateView(d: Datasource, collidingWith: Datasource | undefined) {
    const migrated = d.stage === 'AMPLIFIER';
    return {
      id: d.id,
      name: d.name,
      type: d.type,
      catalogName: d.catalogName,
      schemaName: d.schemaName,
      tableName: d.tableName,
      collision: collidingWith !== undefined,
      collidingDatasourceId: collidingWith?.id ?? null,
      collidingDatasourceName: collidingWith?.name ?? null,
      migrated,
      migrationDate: migrated ? stamp(d.amplifierMigratedAt) : null,
    };
  }

  private sameTable(a: Datasource, b: Datasource): boolean {
    return a.catalogName === b.catalogName && (a.schemaName ?? null) === (b.schemaName ?? null) && a.tableName === b.tableName;
  }

  private requireAdmin(actor: Actor): void {
    this.ctx.access.require(actor, 'migration.run');
  }

  private datasource(id: string): Datasource {
    const d = this.ctx.orm.select().from(federatedDatasources).where(eq(federatedDatasources.id, id)).get();
    if (!d) throw notFound(`Federated datasource ${id} not found`);
    return d;
  }

  private account(id: string) {
    const a = this.ctx.orm.select().from(federatedAccounts).where(eq(federatedAccounts.id, id)).get();
    if (!a) throw notFound(`Federated V2 account ${id} not found`);
    return a;
  }

  private integration(id: string) {
    const i = this.ctx.orm.select().from(amplifierIntegrations).where(eq(amplifierIntegrations.id, id)).get();
    if (!i) throw notFound(`Cloud Amplifier integration ${id} not found`);
    return i;
  }
}
