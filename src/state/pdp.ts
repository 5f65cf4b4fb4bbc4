import { and, asc, eq, inArray } from 'drizzle-orm';
import { datasetPdp, groups, pdpPolicies, users, type PdpParameter } from '../../db/schema/index.js';
import { rowFilter, type PdpFilter, type PdpPolicy } from '../access/pdp.js';
import type { Principal } from '../access/principal.js';
import { badRequest, notFound, type ErrorDetail } from '../http/errors.js';
import type { StoreContext } from './context.js';
import type { DatasetRow, DatasetsStore } from './datasets/index.js';

type PolicyRow = typeof pdpPolicies.$inferSelect;

export interface PolicyInput {
  name: string;
  userIds?: number[];
  virtualUserIds?: string[];
  groupIds?: number[];
  dataSourcePermissions?: boolean;
  parameters?: PdpParameter[];
}

export interface PolicyListOptions {
  associations: boolean;
  filters: boolean;
  openPolicy: boolean;
}

export const ALL_ROWS = 'All Rows';

/**
 * PDP policies (filter groups) of datasets and whether PDP is on. Which rows a principal sees is the
 * access policy's decision (src/access/pdp.ts); this store keeps the definitions.
 */
export class PdpStore {
  constructor(
    private readonly ctx: StoreContext,
    private readonly datasets: DatasetsStore,
  ) {}

  /** The row filter for `p` on a dataset (null: every row). Every reader of rows goes through this. */
  filterFor(ds: DatasetRow, p: Principal, paramPrefix?: string): PdpFilter | null {
    const state = this.stateRow(ds.seq);
    if (!state?.enabled) return null;
    return rowFilter(
      this.ctx.access,
      p,
      this.datasets.resource(ds),
      { enabled: true, policies: this.rows(ds.seq).map(toPolicy), columns: ds.columns.map((c) => ({ name: c.name, type: c.type })) },
      paramPrefix,
    );
  }

  enabled(ds: DatasetRow): boolean {
    return this.stateRow(ds.seq)?.enabled ?? false;
  }

  state(datasetId: string, p: Principal): { dataSourceId: string; enabled: boolean; external: boolean } {
    const ds = this.datasets.access(datasetId, p, 'read');
    const s = this.stateRow(ds.seq);
    return { dataSourceId: ds.id, enabled: s?.enabled ?? false, external: s?.external ?? false };
  }

  /** Turns PDP on or off; turning it on creates the open "All Rows" policy when the dataset has none. */
  setState(datasetId: string, p: Principal, input: { enabled: boolean; external?: boolean }): { dataSourceId: string; enabled: boolean; external: boolean } {
    const ds = this.pdpAccess(datasetId, p);
    const now = this.ctx.clock.nowMs();
    this.ctx.sqlite.transaction(() => {
      const external = input.external ?? this.stateRow(ds.seq)?.external ?? false;
      this.ctx.orm
        .insert(datasetPdp)
        .values({ datasetSeq: ds.seq, enabled: input.enabled, external })
        .onConflictDoUpdate({ target: datasetPdp.datasetSeq, set: { enabled: input.enabled, external } })
        .run();
      if (input.enabled && !this.rows(ds.seq).some((r) => r.type === 'open')) {
        this.insert(ds, { name: ALL_ROWS, userIds: [], groupIds: [], parameters: [] }, 'open', now);
      }
      this.ctx.audit.record(p, { action: 'UPDATED', type: 'DATA_SOURCE', id: ds.id, name: ds.name, detail: ` (PDP ${input.enabled ? 'enabled' : 'disabled'})` });
    })();
    return this.state(datasetId, p);
  }

  /** The policies (who sees which rows: co-owners and content admins only, as they name other users). */
  list(datasetId: string, p: Principal, opts: PolicyListOptions): Array<Record<string, unknown>> {
    const ds = this.pdpAccess(datasetId, p);
    return this.rows(ds.seq)
      .filter((r) => opts.openPolicy || r.type !== 'open')
      .map((r) => this.view(ds, r, opts));
  }

  create(datasetId: string, p: Principal, input: PolicyInput): Record<string, unknown> {
    const ds = this.pdpAccess(datasetId, p);
    this.validate(ds, input);
    const id = this.ctx.audit.write(p, (policyId) => ({ action: 'CREATED', type: 'ADC_POLICY', id: policyId, name: input.name, detail: ` on DataSet '${ds.name}'` }), () =>
      this.insert(ds, input, 'user', this.ctx.clock.nowMs()),
    );
    return this.view(ds, this.row(ds, id), full);
  }

  update(datasetId: string, policyId: number, p: Principal, input: Partial<PolicyInput>): Record<string, unknown> {
    const ds = this.pdpAccess(datasetId, p);
    const cur = this.row(ds, policyId);
    const next: PolicyInput = {
      name: input.name ?? cur.name,
      userIds: input.userIds ?? cur.userIds,
      virtualUserIds: input.virtualUserIds ?? cur.virtualUserIds,
      groupIds: input.groupIds ?? cur.groupIds,
      dataSourcePermissions: input.dataSourcePermissions ?? cur.dataSourcePermissions,
      parameters: cur.type === 'open' ? [] : (input.parameters ?? cur.parameters),
    };
    this.validate(ds, next);
    this.ctx.audit.write(p, { action: 'UPDATED', type: 'ADC_POLICY', id: policyId, name: next.name, detail: ` on DataSet '${ds.name}'` }, () =>
      this.ctx.orm
        .update(pdpPolicies)
        .set({ ...columnsOf(next), modified: this.ctx.clock.nowMs() })
        .where(and(eq(pdpPolicies.datasetSeq, ds.seq), eq(pdpPolicies.id, policyId)))
        .run(),
    );
    return this.view(ds, this.row(ds, policyId), full);
  }

  delete(datasetId: string, policyId: number, p: Principal): void {
    const ds = this.pdpAccess(datasetId, p);
    const cur = this.row(ds, policyId);
    if (cur.type === 'open') throw badRequest(`Policy ${policyId} is the "${ALL_ROWS}" policy; it cannot be deleted (turn PDP off instead)`);
    this.ctx.audit.write(p, { action: 'DELETED', type: 'ADC_POLICY', id: policyId, name: cur.name, detail: ` on DataSet '${ds.name}'` }, () =>
      this.ctx.orm.delete(pdpPolicies).where(and(eq(pdpPolicies.datasetSeq, ds.seq), eq(pdpPolicies.id, policyId))).run(),
    );
  }

  /** Fixtures: PDP state and policies of a dataset, with their ids. */
  seed(ds: DatasetRow, enabled: boolean, policies: Array<PolicyInput & { id?: number; type?: string }>): void {
    const now = this.ctx.clock.nowMs();
    this.ctx.orm.insert(datasetPdp).values({ datasetSeq: ds.seq, enabled, external: false }).onConflictDoNothing().run();
    for (const pol of policies) this.insert(ds, pol, pol.type ?? 'user', now, pol.id);
  }

  // ---------------------------------------------------------------- internals

  private pdpAccess(datasetId: string, p: Principal): DatasetRow {
    const ds = this.datasets.byId(datasetId);
    this.ctx.access.require(p, 'dataset.pdp', this.datasets.resource(ds));
    return ds;
  }

  private stateRow(seq: number) {
    return this.ctx.orm.select().from(datasetPdp).where(eq(datasetPdp.datasetSeq, seq)).get();
  }

  private rows(seq: number): PolicyRow[] {
    return this.ctx.orm.select().from(pdpPolicies).where(eq(pdpPolicies.datasetSeq, seq)).orderBy(asc(pdpPolicies.id)).all();
  }

  private row(ds: DatasetRow, id: number): PolicyRow {
    const r = this.ctx.orm.select().from(pdpPolicies).where(and(eq(pdpPolicies.datasetSeq, ds.seq), eq(pdpPolicies.id, id))).get();
    if (!r) throw notFound(`PDP policy ${id} not found on DataSet ${ds.id}`);
    return r;
  }

  private insert(ds: DatasetRow, input: PolicyInput, type: string, now: number, id?: number): number {
    const next = id ?? this.rows(ds.seq).reduce((m, r) => Math.max(m, r.id), 0) + 1;
    this.ctx.orm
      .insert(pdpPolicies)
      .values({ id: next, datasetSeq: ds.seq, type, ...columnsOf(input), created: now, modified: now })
      .run();
    return next;
  }

  /** Every user, group and column a policy names must exist: a 400 naming each that does not. */
  private validate(ds: DatasetRow, input: PolicyInput): void {
    const details: ErrorDetail[] = [];
    const userIds = input.userIds ?? [];
    const groupIds = input.groupIds ?? [];
    const knownUsers = new Set(userIds.length ? this.ctx.orm.select({ id: users.id }).from(users).where(inArray(users.id, userIds)).all().map((r) => r.id) : []);
    userIds.forEach((u, i) => knownUsers.has(u) || details.push({ path: `body.userIds[${i}]`, message: `User ${u} does not exist` }));
    const knownGroups = new Set(groupIds.length ? this.ctx.orm.select({ id: groups.id }).from(groups).where(inArray(groups.id, groupIds)).all().map((r) => r.id) : []);
    groupIds.forEach((g, i) => knownGroups.has(g) || details.push({ path: `body.groupIds[${i}]`, message: `Group ${g} does not exist` }));
    const columns = new Set(ds.columns.map((c) => c.name.toLowerCase()));
    (input.parameters ?? []).forEach((prm, i) => {
      if (!columns.has(prm.name.toLowerCase())) details.push({ path: `body.parameters[${i}].name`, message: `DataSet ${ds.id} has no column '${prm.name}'` });
      if (prm.operator === 'BETWEEN' && prm.values.length !== 2) details.push({ path: `body.parameters[${i}].values`, message: 'BETWEEN takes two values' });
      else if (!['EQUALS', 'NOT_EQUALS', 'CONTAINS', 'NOT_CONTAINS'].includes(prm.operator) && prm.values.length !== 1) {
        details.push({ path: `body.parameters[${i}].values`, message: `${prm.operator} takes one value` });
      }
    });
    if (details.length) throw badRequest(`Invalid PDP policy: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  }

  private view(ds: DatasetRow, r: PolicyRow, opts: PolicyListOptions): Record<string, unknown> {
    const out: Record<string, unknown> = {
      filterGroupId: r.id,
      name: r.name,
      type: r.type,
      dataSourceId: ds.id,
      dataSourcePermissions: r.dataSourcePermissions,
    };
    if (opts.associations) {
      out.userIds = r.userIds;
      out.virtualUserIds = r.virtualUserIds;
      out.groupIds = r.groupIds;
    }
    if (opts.filters) out.parameters = r.parameters;
    return out;
  }
}

const full: PolicyListOptions = { associations: true, filters: true, openPolicy: true };

const toPolicy = (r: PolicyRow): PdpPolicy => ({ id: r.id, name: r.name, type: r.type, userIds: r.userIds, groupIds: r.groupIds, parameters: r.parameters });

function columnsOf(input: PolicyInput) {
  return {
    name: input.name,
    userIds: [...new Set(input.userIds ?? [])],
    virtualUserIds: input.virtualUserIds ?? [],
    groupIds: [...new Set(input.groupIds ?? [])],
    dataSourcePermissions: input.dataSourcePermissions ?? false,
    parameters: input.parameters ?? [],
  };
}
