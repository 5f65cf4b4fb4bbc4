import { and, desc, eq, sql } from 'drizzle-orm';
import { dataflowExecutions, dataflows, users, type ActionResult } from '../../db/schema/index.js';
import type { Principal } from '../access/principal.js';
import type { Resource } from '../access/resources.js';
import {
  databaseTypeOf,
  normalizeDefinition,
  planOf,
  triggerCycle,
  type DataflowDefinition,
  type DefinitionInput,
  type ExecutionPlan,
} from '../engines/dataflow.js';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../http/errors.js';
import type { StoreContext } from './context.js';
import type { DatasetRow, DatasetsStore, LoadReport } from './datasets/index.js';
import { ident, type RowResult, type RowScope, type RowService } from './rows.js';

export type DataflowRow = typeof dataflows.$inferSelect;
export type ExecutionRow = typeof dataflowExecutions.$inferSelect;

/** A DataFlow as a client sends it (POST and PUT: the whole definition). */
export interface DataflowBody extends DefinitionInput {
  name: string;
  description?: string;
  responsibleUserId?: number;
  runState?: 'ENABLED' | 'DISABLED';
  enabled?: boolean;
}

/** How long after an input's update a DataFlow that runs on updates starts (more updates meanwhile: one run). */
export const TRIGGER_DEBOUNCE_MS = 1000;

const ACTIVE = ['CREATED', 'RUNNING'];
const triggerKey = (id: number) => `dataflow.trigger:${id}`;

/** What an execution computed before it commits: the per-action results, the totals and each output's rows. */
interface Prepared {
  results: ActionResult[];
  /** Each output's rows, and where they go (as the definition said when the run read it). */
  outputs: Array<{ actionId: string; dataSourceId: string | null; versionChainType: 'REPLACE' | 'APPEND'; result: RowResult }>;
  rowsRead: number;
  bytesRead: number;
}

/** A run that failed at an action: what ran until then, and why it stopped. */
class RunFailure extends Error {
  constructor(
    readonly actionId: string | null,
    message: string,
    readonly results: ActionResult[],
  ) {
    super(message);
  }
}

/**
 * SQL DataFlows: definitions (inputs, SELECT transforms, outputs) and their executions. An execution is a
 * job on the scheduler: CREATED when asked for, RUNNING while its statements run in the query workers
 * through the row service (over its inputs' rows as the DataFlow's owner may read them: access and PDP),
 * then SUCCESS with every output's new data version committed in one transaction, or FAILED_DATA_FLOW with
 * the error and the outputs unchanged. docs/dataflows.md describes the shapes and the choices made.
 */
export class DataflowsStore {
  constructor(
    private readonly ctx: StoreContext,
    private readonly deps: { datasets: DatasetsStore; rows: RowService },
  ) {
    ctx.jobs.register<{ executionId: number }, Prepared | null>('dataflow.execute', {
      prepare: ({ executionId }) => this.prepareRun(executionId),
      apply: ({ executionId }, _job, prepared) => this.commitRun(executionId, prepared),
      fail: ({ executionId }, _job, e) => this.failRun(executionId, e),
    });
    ctx.jobs.register<{ datasetId: string }, void>('dataflow.inputChanged', { apply: ({ datasetId }) => this.inputChanged(datasetId) });
    ctx.jobs.register<{ dataflowId: number }, void>('dataflow.trigger', { apply: ({ dataflowId }) => this.triggered(dataflowId) });
    deps.datasets.notifyOnChange('dataflow.inputChanged');
    deps.datasets.reportsLoads((ds) => this.loadReport(ds));
  }

  // ---------------------------------------------------------------- lookups and access

  find(id: number): DataflowRow | undefined {
    return this.ctx.orm.select().from(dataflows).where(eq(dataflows.id, id)).get();
  }

  resource(df: DataflowRow): Resource {
    return { type: 'dataflow', id: df.id, name: df.name, ownerIds: [df.ownerId] };
  }

  /** The DataFlow, if `actor` may read it (404 when it does not exist, 403 when not allowed). */
  private access(id: number, actor: Principal, action: 'dataflow.read' | 'dataflow.update' | 'dataflow.run' = 'dataflow.read'): DataflowRow {
    const df = this.find(id);
    if (!df) throw notFound(`DataFlow ${id} not found`);
    this.ctx.access.require(actor, action, this.resource(df));
    return df;
  }

  /** The DataFlow's owner as the principal its executions read as. */
  private owner(df: { ownerId: number }): Principal {
    const u = this.ctx.orm.select({ id: users.id, roleId: users.roleId, displayName: users.displayName }).from(users).where(eq(users.id, df.ownerId)).get();
    if (!u) throw new RunFailure(null, `The DataFlow's owner (user ${df.ownerId}) no longer exists: make another user responsible for it`, []);
    return this.ctx.access.principal(u, 'system');
  }

  private ownerIfAny(df: { ownerId: number }): Principal | null {
    try {
      return this.owner(df);
    } catch (e) {
      if (e instanceof RunFailure) return null;
      throw e;
    }
  }

  // ---------------------------------------------------------------- definitions

  list(actor: Principal, opts: { limit: number; offset: number }): Array<Record<string, unknown>> {
    const all = this.ctx.orm.select().from(dataflows).orderBy(dataflows.id).all();
    return all
      .filter((df) => this.ctx.access.can(actor, 'dataflow.read', this.resource(df)))
      .slice(opts.offset, opts.offset + opts.limit)
      .map((df) => this.view(df, actor));
  }

  get(id: number, actor: Principal): Record<string, unknown> {
    return this.view(this.access(id, actor), actor);
  }

  /** POST: a new SQL DataFlow owned by the caller (or, for a content admin, by responsibleUserId); new outputs are created now. */
  create(body: DataflowBody, actor: Principal): Record<string, unknown> {
    this.ctx.access.require(actor, 'dataflow.create');
    const ownerId = this.ownerFor(body, actor, null);
    const databaseType = databaseTypeOf(body.databaseType);
    const def = this.check(body, this.owner({ ownerId }), null);
    const now = this.ctx.clock.nowMs();
    const id = this.ctx.sqlite.transaction(() => {
      const dfId = this.ctx.ids.numeric();
      const outputs = this.createOutputs(def, ownerId, dfId);
      this.ctx.orm
        .insert(dataflows)
        .values({
          id: dfId,
          dapId: this.ctx.ids.uuid(),
          name: body.name.trim(),
          description: body.description ?? '',
          ownerId,
          databaseType,
          runState: runStateOf(body) ?? 'ENABLED',
          inputs: def.inputs,
          outputs,
          actions: def.actions,
          created: now,
          modified: now,
        })
        .run();
      this.ctx.audit.record(actor, { action: 'CREATED', type: 'DATAFLOW_TYPE', id: dfId, name: body.name.trim() });
      return dfId;
    })();
    return this.view(this.find(id)!, actor);
  }

  /** PUT: the whole definition is replaced (a repaired one is valid again); the version goes up. */
  update(id: number, body: DataflowBody, actor: Principal): Record<string, unknown> {
    const df = this.access(id, actor, 'dataflow.update');
    const ownerId = this.ownerFor(body, actor, df);
    const databaseType = databaseTypeOf(body.databaseType ?? df.databaseType);
    const def = this.check(body, this.owner({ ownerId }), df);
    this.ctx.sqlite.transaction(() => {
      const outputs = this.createOutputs(def, ownerId, df.id);
      this.ctx.orm
        .update(dataflows)
        .set({
          name: body.name.trim(),
          description: body.description ?? df.description,
          ownerId,
          databaseType,
          runState: runStateOf(body) ?? df.runState,
          inputs: def.inputs,
          outputs,
          actions: def.actions,
          version: df.version + 1,
          invalidReason: null,
          modified: this.ctx.clock.nowMs(),
        })
        .where(eq(dataflows.id, id))
        .run();
      this.ctx.audit.record(actor, { action: 'UPDATED', type: 'DATAFLOW_TYPE', id, name: body.name.trim() });
    })();
    return this.view(this.find(id)!, actor);
  }

  /** DELETE: the DataFlow and its executions; its output datasets stay (as in Domo, they are deleted separately). */
  delete(id: number, actor: Principal): void {
    const df = this.access(id, actor, 'dataflow.update');
    this.ctx.sqlite.transaction(() => {
      this.ctx.jobs.cancel(triggerKey(id));
      this.ctx.orm.delete(dataflows).where(eq(dataflows.id, id)).run();
      this.ctx.audit.record(actor, { action: 'DELETED', type: 'DATAFLOW_TYPE', id, name: df.name });
    })();
  }

  /** Who owns a DataFlow being saved: the caller, the current owner, or (content admins only) responsibleUserId. */
  private ownerFor(body: DataflowBody, actor: Principal, df: DataflowRow | null): number {
    const wanted = body.responsibleUserId ?? df?.ownerId ?? actor.userId;
    if (wanted !== (df?.ownerId ?? actor.userId) && wanted !== actor.userId && !this.ctx.access.isContentAdmin(actor)) {
      throw forbidden(`Missing authority content.admin to make user ${wanted} responsible for a DataFlow`);
    }
    if (!this.ctx.orm.select({ id: users.id }).from(users).where(eq(users.id, wanted)).get()) {
      throw badRequest(`User ${wanted} not found`, [{ path: 'body.responsibleUserId', message: 'No such user' }]);
    }
    return wanted;
  }

  /**
   * A definition checked as a whole before anything is saved: its shape (engines/dataflow.ts); the owner's
   * read access to every input and write access to every existing output; every SELECT compiled in order
   * against the tables in scope (read-only, one statement, tables it may name); no run-on-update cycle.
   */
  private check(body: DataflowBody, owner: Principal, current: DataflowRow | null): DataflowDefinition {
    const def = normalizeDefinition(body, (id) => this.deps.datasets.find(id)?.name);
    if (current) this.keepOutputs(def, current);
    def.outputs.forEach((o, i) => {
      if (!o.dataSourceId) return;
      if (!this.deps.datasets.find(o.dataSourceId)) {
        throw badRequest(`Output DataSet ${o.dataSourceId} not found (a null dataSourceId creates a new one)`, [{ path: `body.outputs[${i}].dataSourceId`, message: 'No such DataSet' }]);
      }
      this.deps.datasets.access(o.dataSourceId, owner, 'write');
    });
    const plan = planOf(def);
    const at = (actionId: string) => {
      const k = (body.actions ?? []).findIndex((a, i) => (typeof a?.id === 'string' && a.id.trim() ? a.id.trim() : `${String(a?.type)}-${i + 1}`) === actionId);
      return k >= 0 ? `body.actions[${k}].selectStatement` : 'body.actions';
    };
    const compile = <T>(actionId: string, fn: () => T): T => {
      try {
        return fn();
      } catch (e) {
        if (e instanceof ApiError && e.status === 400) throw badRequest(`Action ${actionId}: ${e.message}`, [{ path: at(actionId), message: e.message }]);
        throw e;
      }
    };
    let scope = this.deps.rows.scope(plan.loads.map((l) => ({ datasetId: l.action.dataSourceId, names: l.names })), owner);
    for (const t of plan.tables) scope = compile(t.id, () => this.deps.rows.withTable(scope, t.tableName, t.selectStatement));
    for (const p of plan.publishes) compile(p.action.id, () => this.deps.rows.scopedSql(scope, p.action.selectStatement));
    this.assertNoCycle(def, current?.id ?? null);
    return def;
  }

  private assertNoCycle(def: DataflowDefinition, selfId: number | null): void {
    const edges: Array<[string, string]> = [];
    const add = (d: Pick<DataflowDefinition, 'inputs' | 'outputs'>) => {
      for (const i of d.inputs) if (i.executeFlowWhenUpdated) for (const o of d.outputs) if (o.dataSourceId) edges.push([i.dataSourceId, o.dataSourceId]);
    };
    for (const other of this.ctx.orm.select().from(dataflows).all()) if (other.id !== selfId) add(other);
    add(def);
    const cycle = triggerCycle(edges);
    if (cycle) {
      throw badRequest(`These DataFlows would run each other forever: DataSets ${cycle.join(' -> ')} update one another when their inputs update`, [
        { path: 'body.inputs', message: 'executeFlowWhenUpdated makes a cycle' },
      ]);
    }
  }

  /**
   * A PUT's new outputs (no dataSourceId) that carry the name of one of the DataFlow's current outputs write
   * that dataset again rather than a new one (a client that re-sends a definition without ids keeps its outputs).
   */
  private keepOutputs(def: DataflowDefinition, df: DataflowRow): void {
    const taken = new Set([...def.outputs.map((o) => o.dataSourceId), ...def.inputs.map((i) => i.dataSourceId)].filter(Boolean));
    const publishes = def.actions.filter((a) => a.type === 'PublishToVault');
    def.outputs.forEach((o, i) => {
      if (o.dataSourceId) return;
      const current = df.outputs.find((c) => c.dataSourceId && !taken.has(c.dataSourceId) && c.dataSourceName === o.dataSourceName && this.deps.datasets.find(c.dataSourceId));
      if (!current?.dataSourceId) return;
      taken.add(current.dataSourceId);
      o.dataSourceId = current.dataSourceId;
      const p = publishes[i];
      if (p?.type === 'PublishToVault') p.dataSource = { guid: current.dataSourceId, name: o.dataSourceName };
    });
  }

  /** Creates the output datasets not created yet (owned by the DataFlow's owner); returns the outputs with their ids. */
  private createOutputs(def: DataflowDefinition, ownerId: number, dataflowId: number): DataflowDefinition['outputs'] {
    return def.outputs.map((o, i) => {
      if (o.dataSourceId) return o;
      const ds = this.deps.datasets.createRecord({
        id: this.ctx.ids.uuid(),
        name: o.dataSourceName,
        description: `Output of DataFlow ${dataflowId}`,
        ownerId,
        dataProviderType: 'DataFlow',
        transportType: 'DATAFLOW',
        streamId: this.ctx.ids.numeric(),
        columns: [],
      });
      const publish = def.actions.filter((a) => a.type === 'PublishToVault')[i];
      if (publish?.type === 'PublishToVault') publish.dataSource = { guid: ds.id, name: o.dataSourceName };
      return { ...o, dataSourceId: ds.id };
    });
  }

  // ---------------------------------------------------------------- executions

  /** POST .../executions: a new execution, CREATED; its job runs it (409 while another is CREATED or RUNNING). */
  run(id: number, actor: Principal): Record<string, unknown> {
    const df = this.access(id, actor, 'dataflow.run');
    if (df.invalidReason) throw conflict(`DataFlow ${id} cannot run: ${df.invalidReason}. Save it again (PUT) with its inputs and outputs repaired`);
    const active = this.active(id);
    if (active) throw conflict(`DataFlow ${id} is already running (execution ${active.id}, ${active.state})`);
    return this.executionView(this.start(df, 'MANUAL', actor));
  }

  executions(id: number, actor: Principal, opts: { limit: number; offset: number }): Array<Record<string, unknown>> {
    this.access(id, actor);
    return this.ctx.orm
      .select()
      .from(dataflowExecutions)
      .where(eq(dataflowExecutions.dataflowId, id))
      .orderBy(desc(dataflowExecutions.id))
      .limit(opts.limit)
      .offset(opts.offset)
      .all()
      .map((e) => this.executionView(e));
  }

  execution(id: number, executionId: number, actor: Principal): Record<string, unknown> {
    this.access(id, actor);
    const e = this.ctx.orm
      .select()
      .from(dataflowExecutions)
      .where(and(eq(dataflowExecutions.dataflowId, id), eq(dataflowExecutions.id, executionId)))
      .get();
    if (!e) throw notFound(`Execution ${executionId} of DataFlow ${id} not found`);
    return this.executionView(e);
  }

  private active(dataflowId: number): ExecutionRow | undefined {
    return this.ctx.orm
      .select()
      .from(dataflowExecutions)
      .where(and(eq(dataflowExecutions.dataflowId, dataflowId), sql`${dataflowExecutions.state} IN ('CREATED', 'RUNNING')`))
      .get();
  }

  private start(df: DataflowRow, activationType: string, actor: Principal | null): ExecutionRow {
    const startedBy = actor?.userId ?? null;
    const now = this.ctx.clock.nowMs();
    return this.ctx.sqlite.transaction(() => {
      const row = this.ctx.orm
        .insert(dataflowExecutions)
        .values({
          id: this.ctx.ids.numeric(),
          dataflowId: df.id,
          dapId: this.ctx.ids.uuid(),
          state: 'CREATED',
          activationType,
          startedBy,
          dataflowVersion: df.version,
          beginTime: now,
          lastUpdated: now,
          actionResults: [],
          written: [],
          errors: [],
        })
        .returning()
        .get();
      this.ctx.jobs.enqueue('dataflow.execute', { executionId: row.id }, { due: now });
      // a run started by an input's update is recorded as the DataFlow's owner, as scheduled runs are
      // (an owner who no longer exists records nothing: the run then fails and says why)
      const who = actor ?? this.ownerIfAny(df);
      if (who) this.ctx.audit.record(who, { action: 'EXECUTED', type: 'DATAFLOW_TYPE', id: df.id, name: df.name, detail: ` (execution ${row.id})` });
      return row;
    })();
  }

  private findExecution(id: number): ExecutionRow | undefined {
    return this.ctx.orm.select().from(dataflowExecutions).where(eq(dataflowExecutions.id, id)).get();
  }

  /**
   * The run's reading (outside any transaction): RUNNING, then every statement in a query worker, in
   * order: each input counted, each transform's table made (and counted), each output's rows computed.
   * A statement that fails stops the run at its action.
   */
  private async prepareRun(executionId: number): Promise<Prepared | null> {
    const e = this.findExecution(executionId);
    const df = e && this.find(e.dataflowId);
    if (!e || !df || e.state !== 'CREATED') return null;
    this.ctx.orm.update(dataflowExecutions).set({ state: 'RUNNING', lastUpdated: this.ctx.clock.present() }).where(eq(dataflowExecutions.id, executionId)).run();
    if (df.invalidReason) throw new RunFailure(null, df.invalidReason, []);
    const rows = this.deps.rows;
    const results: ActionResult[] = [];
    const step = async <T>(actionId: string, type: string, work: () => Promise<{ value: T; rows: number }>): Promise<T> => {
      const begin = this.ctx.clock.present();
      try {
        const r = await work();
        results.push({ actionId, type, wasSuccessful: true, beginTime: begin, endTime: this.ctx.clock.present(), rowsProcessed: r.rows });
        return r.value;
      } catch (err) {
        results.push({ actionId, type, wasSuccessful: false, beginTime: begin, endTime: this.ctx.clock.present(), rowsProcessed: 0 });
        const message = err instanceof Error ? err.message : String(err);
        throw new RunFailure(actionId, `${type} ${actionId}: ${message}`, results);
      }
    };
    const count = async (scope: RowScope, table: string) => Number((await rows.rows(rows.scopedSql(scope, `SELECT COUNT(*) FROM ${ident(table)}`))).rows[0]?.[0] ?? 0);

    const plan: ExecutionPlan = planOf(df);
    const owner = this.owner(df);
    let scope: RowScope;
    try {
      scope = rows.scope(plan.loads.map((l) => ({ datasetId: l.action.dataSourceId, names: l.names })), owner);
    } catch (err) {
      throw new RunFailure(null, `The DataFlow's inputs cannot be read as its owner (user ${df.ownerId}): ${(err as Error).message}`, []);
    }
    let rowsRead = 0;
    let bytesRead = 0;
    for (const [i, l] of plan.loads.entries()) {
      const n = await step(l.action.id, l.action.type, async () => {
        const c = await count(scope, l.names[0]);
        return { value: c, rows: c };
      });
      rowsRead += n;
      const ds = scope.inputs[i].src.dataset;
      const live = this.deps.datasets.liveVersions(ds.seq);
      const total = live.reduce((s, v) => s + v.numRows, 0);
      // bytes of the input's data versions, in the share of its rows the owner reads (PDP)
      bytesRead += total ? Math.round((live.reduce((s, v) => s + v.numBytes, 0) * n) / total) : 0;
    }
    for (const t of plan.tables) {
      scope = await step(t.id, t.type, async () => {
        const next = rows.withTable(scope, t.tableName, t.selectStatement);
        return { value: next, rows: await count(next, t.tableName) };
      });
    }
    const outputs: Prepared['outputs'] = [];
    for (const p of plan.publishes) {
      const result = await step(p.action.id, p.action.type, async () => {
        const r = await rows.rows(rows.scopedSql(scope, p.action.selectStatement));
        return { value: r, rows: r.rows.length };
      });
      const out = df.outputs[p.output];
      outputs.push({ actionId: p.action.id, dataSourceId: out?.dataSourceId ?? null, versionChainType: out?.versionChainType ?? p.action.versionChainType, result });
    }
    return { results, outputs, rowsRead, bytesRead };
  }

  /** The run's commit: every output's rows as a new data version, in one transaction with SUCCESS. */
  private commitRun(executionId: number, prepared: Prepared | null): void {
    if (!prepared) return;
    const e = this.findExecution(executionId);
    const df = e && this.find(e.dataflowId);
    if (!e || !df || e.state !== 'RUNNING') return;
    const written: ExecutionRow['written'] = [];
    let bytes = 0;
    for (const o of prepared.outputs) {
      try {
        if (!o.dataSourceId || !this.deps.datasets.find(o.dataSourceId)) throw new Error(`its output DataSet ${o.dataSourceId ?? ''} no longer exists`);
        const columns = o.result.columns.map((name, i) => ({ name, type: o.result.types[i] }));
        const v = this.deps.datasets.writeDerived(o.dataSourceId, columns, o.result.rows, { action: o.versionChainType, source: 'DATAFLOW' });
        written.push({ dataSourceId: o.dataSourceId, dataVersionId: v.dataId, rows: v.numRows });
        bytes += v.numBytes;
      } catch (err) {
        throw new RunFailure(o.actionId, `PublishToVault ${o.actionId}: ${(err as Error).message}`, prepared.results);
      }
    }
    const now = this.ctx.clock.present();
    this.ctx.orm
      .update(dataflowExecutions)
      .set({
        state: 'SUCCESS',
        endTime: now,
        lastUpdated: now,
        totalRowsRead: prepared.rowsRead,
        totalBytesRead: prepared.bytesRead,
        totalRowsWritten: written.reduce((s, w) => s + w.rows, 0),
        totalBytesWritten: bytes,
        actionResults: prepared.results,
        written,
      })
      .where(eq(dataflowExecutions.id, executionId))
      .run();
  }

  /** A failed run: FAILED_DATA_FLOW with the error and the actions that ran; nothing was written. */
  private failRun(executionId: number, err: Error): void {
    const now = this.ctx.clock.present();
    const f = err instanceof RunFailure ? err : null;
    this.ctx.orm
      .update(dataflowExecutions)
      .set({ state: 'FAILED_DATA_FLOW', endTime: now, lastUpdated: now, actionResults: f?.results ?? [], errors: [{ actionId: f?.actionId ?? null, message: err.message }] })
      .where(and(eq(dataflowExecutions.id, executionId), sql`${dataflowExecutions.state} IN ('CREATED', 'RUNNING')`))
      .run();
  }

  // ---------------------------------------------------------------- run when inputs update

  /** An input's rows changed: every enabled, valid DataFlow that runs on that input's updates runs soon (debounced). */
  private inputChanged(datasetId: string): void {
    for (const df of this.usingDataset(datasetId)) {
      if (df.runState !== 'ENABLED' || df.invalidReason) continue;
      if (!df.inputs.some((i) => i.dataSourceId === datasetId && i.executeFlowWhenUpdated)) continue;
      this.ctx.jobs.enqueue('dataflow.trigger', { dataflowId: df.id }, { due: this.ctx.clock.nowMs() + TRIGGER_DEBOUNCE_MS, key: triggerKey(df.id) });
    }
  }

  /** The debounced trigger: a run, or (one still running) another try once it may have finished. */
  private triggered(dataflowId: number): void {
    const df = this.find(dataflowId);
    if (!df || df.runState !== 'ENABLED' || df.invalidReason) return;
    if (this.active(dataflowId)) {
      this.ctx.jobs.enqueue('dataflow.trigger', { dataflowId }, { due: this.ctx.clock.nowMs() + TRIGGER_DEBOUNCE_MS, key: triggerKey(dataflowId) });
      return;
    }
    this.start(df, 'DATA_CHANGED', null);
  }

  /** DataFlows naming a dataset as an input or an output. */
  private usingDataset(datasetId: string): DataflowRow[] {
    return this.ctx.orm
      .select()
      .from(dataflows)
      .where(
        sql`EXISTS (SELECT 1 FROM json_each(${dataflows.inputs}) WHERE json_extract(value, '$.dataSourceId') = ${datasetId})
          OR EXISTS (SELECT 1 FROM json_each(${dataflows.outputs}) WHERE json_extract(value, '$.dataSourceId') = ${datasetId})`,
      )
      .orderBy(dataflows.id)
      .all();
  }

  // ---------------------------------------------------------------- other families

  /** How the DataFlows writing a dataset stand (its status, state, validConfiguration, scheduleActive). */
  private loadReport(ds: DatasetRow): LoadReport | null {
    const writers = this.usingDataset(ds.id).filter((df) => df.outputs.some((o) => o.dataSourceId === ds.id));
    if (!writers.length) return null;
    let last: LoadReport['last'] = null;
    for (const df of writers) {
      const e = this.ctx.orm.select().from(dataflowExecutions).where(eq(dataflowExecutions.dataflowId, df.id)).orderBy(desc(dataflowExecutions.id)).get();
      if (!e) continue;
      const ev = ACTIVE.includes(e.state)
        ? { at: e.beginTime, state: 'RUNNING' as const }
        : { at: e.endTime ?? e.lastUpdated, state: e.state === 'SUCCESS' ? ('SUCCESS' as const) : ('ERROR' as const) };
      if (!last || ev.state === 'RUNNING' || ev.at > last.at) last = ev;
    }
    return {
      last,
      valid: writers.every((df) => !df.invalidReason),
      scheduled: writers.some((df) => df.runState === 'ENABLED' && !df.invalidReason && df.inputs.some((i) => i.executeFlowWhenUpdated)),
    };
  }

  /**
   * A dataset is being deleted (in its transaction): DataFlows reading or writing it stay, marked invalid
   * (they do not run until a PUT repairs them), as Domo shows a DataFlow whose DataSet is gone.
   */
  datasetDeleted(ds: DatasetRow): void {
    for (const df of this.usingDataset(ds.id)) {
      const role = df.inputs.some((i) => i.dataSourceId === ds.id) ? 'input' : 'output';
      this.ctx.orm
        .update(dataflows)
        .set({ invalidReason: `its ${role} DataSet ${ds.id} (${ds.name}) was deleted`, modified: this.ctx.clock.nowMs() })
        .where(eq(dataflows.id, df.id))
        .run();
      this.ctx.jobs.cancel(triggerKey(df.id));
    }
  }

  // ---------------------------------------------------------------- shapes

  /** A DataFlow in the shape of GET /api/dataprocessing/v1/dataflows/:id. */
  view(df: DataflowRow, actor: Principal): Record<string, unknown> {
    const execs = this.ctx.orm.select().from(dataflowExecutions).where(eq(dataflowExecutions.dataflowId, df.id)).orderBy(desc(dataflowExecutions.id)).all();
    const lastSuccess = execs.find((e) => e.state === 'SUCCESS');
    const owner = this.ctx.orm.select({ name: users.displayName }).from(users).where(eq(users.id, df.ownerId)).get();
    return {
      id: df.id,
      name: df.name,
      description: df.description,
      dapDataFlowId: df.dapId,
      responsibleUserId: df.ownerId,
      owner: { id: String(df.ownerId), name: owner?.name ?? null, type: 'USER' },
      runState: df.runState,
      lastExecution: execs[0] ? this.executionView(execs[0]) : null,
      lastSuccessfulExecution: lastSuccess ? (lastSuccess.endTime ?? lastSuccess.lastUpdated) : null,
      created: df.created,
      modified: df.modified,
      engineProperties: {},
      inputs: df.inputs,
      outputs: df.outputs.map((o) => ({ onboardFlowId: df.id, ...o })),
      actions: df.actions,
      executionCount: execs.length,
      executionSuccessCount: execs.filter((e) => e.state === 'SUCCESS').length,
      hydrationState: 'DEHYDRATED',
      useLegacyTriggerBehavior: false,
      passwordProtected: false,
      deleted: false,
      abandoned: false,
      neverAbandon: false,
      paused: false,
      magic: false,
      restricted: false,
      editable: this.ctx.access.can(actor, 'dataflow.update', this.resource(df)),
      enabled: df.runState === 'ENABLED',
      container: false,
      databaseType: df.databaseType,
      triggeredByInput: df.inputs.some((i) => i.executeFlowWhenUpdated),
      draft: false,
      numInputs: df.inputs.length,
      numOutputs: df.outputs.length,
      documentVersion: df.version,
      valid: df.invalidReason === null,
      invalidReason: df.invalidReason,
    };
  }

  /** An execution in the shape of GET .../executions/:executionId. */
  executionView(e: ExecutionRow): Record<string, unknown> {
    const done = !ACTIVE.includes(e.state);
    return {
      id: e.id,
      onboardFlowId: e.dataflowId,
      previewRows: 0,
      dapDataFlowExecutionId: e.dapId,
      beginTime: e.beginTime,
      endTime: done ? e.endTime : null,
      lastUpdated: e.lastUpdated,
      failed: e.state === 'FAILED_DATA_FLOW',
      state: e.state,
      activationType: e.activationType,
      executionEngine: { platform: 'EMULATOR', engine: 'SQLITE' },
      dataProcessor: 'MYSQL',
      dataFlowVersion: e.dataflowVersion,
      startedBy: e.startedBy,
      totalRowsRead: e.totalRowsRead,
      totalBytesRead: e.totalBytesRead,
      totalRowsWritten: e.totalRowsWritten,
      totalBytesWritten: e.totalBytesWritten,
      meanDownloadRateKbps: 0,
      actionResults: e.actionResults,
      outputs: e.written,
      errors: e.errors,
    };
  }
}

function runStateOf(body: DataflowBody): 'ENABLED' | 'DISABLED' | undefined {
  if (body.runState) return body.runState;
  if (body.enabled !== undefined) return body.enabled ? 'ENABLED' : 'DISABLED';
  return undefined;
}
