import { and, asc, eq, sql } from 'drizzle-orm';
import { amplifierIntegrations, federatedAccounts, federatedDatasources, migrationRuns } from '../../db/schema/index.js';
import { notFound } from '../http/errors.js';
import type { Principal } from '../access/principal.js';
import type { StoreContext } from './context.js';

type Datasource = typeof federatedDatasources.$inferSelect;
type Actor = Principal;
export type Direction = 'V1_TO_V2' | 'V2_TO_V1' | 'FEDERATED_TO_CLOUD_AMPLIFIER' | 'CLOUD_AMPLIFIER_TO_FEDERATED';

export interface MigrationsSeed {
  accounts: Array<typeof federatedAccounts.$inferInsert>;
  integrations: Array<typeof amplifierIntegrations.$inferInsert>;
  datasources: Array<typeof federatedDatasources.$inferInsert>;
}

/** Domo's time format in these APIs: ISO with an explicit +00:00 offset. */
const stamp = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().replace('Z', '+00:00'));

/** `bigquery-federated` datasources go to BIGQUERY integrations, and so on. */
const integrationTypeOf = (datasourceType: string) => datasourceType.replace(/-federated$/i, '').toUpperCase();

/**
 * Federated V1 -> V2 and Federated V2 <-> Cloud Amplifier migrations. Each migration is checked and applied
 * at once (Domo's call blocks until it ends), recorded as a run, and answered with its final state:
 * COMPLETE, or ABORTED with a message when nothing could be changed.
 */
export class MigrationsStore {
  constructor(private readonly ctx: StoreContext) {}

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
    const d = this.datasource(datasourceId);
    const account = this.account(accountId);
    return this.run(d, 'V1_TO_V2', actor, () => {
      if (d.stage !== 'V1') return `Datasource ${d.id} is not a Federated V1 datasource (it is ${d.stage})`;
      if (d.type !== account.type) return `Account ${account.id} is a ${account.type} account; datasource ${d.id} is ${d.type}`;
      const schema = d.schemaName ?? 'NULL';
      if (table.catalog !== d.catalogName || table.schema !== schema || table.table !== d.tableName) {
        return `Table ${table.catalog}.${table.schema}.${table.table} is not the table datasource ${d.id} reads (names are case-sensitive)`;
      }
      this.ctx.orm
        .update(federatedDatasources)
        .set({ stage: 'V2', accountId, v2MigratedAt: this.ctx.clock.nowMs() })
        .where(eq(federatedDatasources.id, d.id))
        .run();
      return null;
    });
  }

  reverseV1ToV2(datasourceId: string, actor: Actor) {
    this.requireAdmin(actor);
    const d = this.datasource(datasourceId);
    return this.run(d, 'V2_TO_V1', actor, () => {
      if (d.stage !== 'V2' || d.v2MigratedAt === null) return `Datasource ${d.id} was not migrated from V1 to V2 (it is ${d.stage})`;
      this.ctx.orm.update(federatedDatasources).set({ stage: 'V1', accountId: null, v2MigratedAt: null }).where(eq(federatedDatasources.id, d.id)).run();
      return null;
    });
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
    const d = this.datasource(datasourceId);
    const integration = this.integration(integrationId);
    return this.run(d, 'FEDERATED_TO_CLOUD_AMPLIFIER', actor, () => {
      if (d.stage !== 'V2') return `Datasource ${d.id} is not a Federated V2 datasource (it is ${d.stage})`;
      if (integrationTypeOf(d.type) !== integration.type.toUpperCase()) {
        return `Integration ${integration.id} is ${integration.type}; datasource ${d.id} is ${d.type}`;
      }
      const other = this.ctx.orm.select().from(federatedDatasources).where(eq(federatedDatasources.integrationId, integration.id)).all().find((o) => this.sameTable(o, d));
      if (other) return `Datasource ${other.id} (${other.name}) already reads ${d.catalogName}.${d.schemaName ?? 'NULL'}.${d.tableName} in integration ${integration.id}`;
      this.ctx.orm
        .update(federatedDatasources)
        .set({ stage: 'AMPLIFIER', integrationId: integration.id, amplifierMigratedAt: this.ctx.clock.nowMs() })
        .where(eq(federatedDatasources.id, d.id))
        .run();
      return null;
    });
  }

  reverseFromAmplifier(datasourceId: string, actor: Actor) {
    this.requireAdmin(actor);
    const d = this.datasource(datasourceId);
    return this.run(d, 'CLOUD_AMPLIFIER_TO_FEDERATED', actor, () => {
      if (d.stage !== 'AMPLIFIER') return `Datasource ${d.id} is not in a Cloud Amplifier integration (it is ${d.stage})`;
      this.ctx.orm
        .update(federatedDatasources)
        .set({ stage: 'V2', integrationId: null, amplifierMigratedAt: null })
        .where(eq(federatedDatasources.id, d.id))
        .run();
      return null;
    });
  }

  seed(seed: MigrationsSeed): void {
    if (seed.accounts.length) this.ctx.orm.insert(federatedAccounts).values(seed.accounts).run();
    if (seed.integrations.length) this.ctx.orm.insert(amplifierIntegrations).values(seed.integrations).run();
    if (seed.datasources.length) this.ctx.orm.insert(federatedDatasources).values(seed.datasources).run();
  }

  // ----------------------------------------------------------------------- helpers

  /** Applies `change` (which answers an abort reason, or null when done) and records the run. */
  private run(d: Datasource, direction: Direction, actor: Actor, change: () => string | null) {
    const start = this.ctx.clock.nowMs();
    const toe = this.ctx.ids.token('MIG-').toUpperCase();
    const errorMessage = this.ctx.sqlite.transaction(() => {
      const reason = change();
      this.ctx.orm
        .insert(migrationRuns)
        .values({ toe, datasourceId: d.id, direction, state: reason ? 'ABORTED' : 'COMPLETE', errorMessage: reason, startTime: start, endTime: this.ctx.clock.nowMs(), userId: actor.userId })
        .run();
      return reason;
    })();
    return {
      toe,
      datasourceId: d.id,
      direction,
      startTime: stamp(start),
      state: errorMessage ? 'ABORTED' : 'COMPLETE',
      errorMessage,
      endTime: stamp(this.ctx.clock.nowMs()),
    };
  }

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
