import { createHash } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import { streamExecutions, streams, type StreamConfigEntry } from '../../db/schema/index.js';
import { cellText, parseCsvText, type Cell } from '../engines/csv.js';
import { nextStreamRun } from '../engines/stream-schedule.js';
import { nextRecurring } from '../jobs/scheduler.js';
import { defaultStages, finishesAt } from '../engines/jobs.js';
import { badRequest, conflict, notFound } from '../http/errors.js';
import type { AccountsStore } from './accounts.js';
import type { StoreContext } from './context.js';
import { validateColumns, type Actor, type DatasetRow, type DatasetsStore, type LoadReport } from './datasets/index.js';
import { DomoStatsReports, domostatsReports } from './domostats.js';

export type StreamRow = typeof streams.$inferSelect;
export type ExecutionRow = typeof streamExecutions.$inferSelect;

export interface StreamInput {
  transport: { type: string; description: string; version: string };
  configuration: StreamConfigEntry[];
  account?: { id: number } | null;
  updateMethod: 'APPEND' | 'REPLACE';
  dataProvider: { key: string };
  dataSource: { name: string; description?: string; schema?: { columns: Array<{ name: string; type: string }> } };
  schemaDefinition?: { columns: Array<{ name: string; type: string }> };
  advancedScheduleJson?: string | null;
}

export interface StreamSeed {
  id: number;
  datasetId: string;
  transport?: { type: string; description: string; version: string };
  dataProviderKey: string;
  updateMethod: 'APPEND' | 'REPLACE';
  accountId?: number;
  configuration?: StreamConfigEntry[];
  advancedScheduleJson?: string;
  /** CSV text (with a header row) a run loads. */
  sourceCsv?: string;
}

const fireKey = (id: number) => `stream:${id}`;
const secs = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));

/**
 * Streams (connectors) and their executions. A run is ACTIVE until its end time on the instance clock and
 * then SUCCESS (or FAILED). A stream with source data (fixtures) loads it as a new data version with the
 * stream's update method; the rows become visible when the run succeeds.
 */
export class StreamsStore {
  private readonly reports: DomoStatsReports;

  constructor(
    private readonly ctx: StoreContext,
    private readonly datasets: DatasetsStore,
    private readonly accounts: AccountsStore,
  ) {
    this.reports = new DomoStatsReports(ctx);
    ctx.jobs.register<{ streamId: number; executionId: number }, void>('stream.complete', {
      apply: ({ streamId, executionId }) => this.complete(streamId, executionId),
      fail: ({ streamId, executionId }, _job, e) => this.failRun(streamId, executionId, e.message),
    });
    ctx.jobs.register<{ streamId: number }, void>('stream.fire', {
      apply: ({ streamId }, job) => {
        const s = this.find(streamId);
        if (!s) return;
        // a run still active when the next is due: this one is skipped, the schedule goes on
        if (!this.ctx.orm.select().from(streamExecutions).where(and(eq(streamExecutions.streamId, streamId), eq(streamExecutions.state, 'ACTIVE'))).get()) {
          // a scheduled run is recorded as the stream's owner, whose schedule it is
          this.startRun(s, 'SCHEDULED', this.datasets.ownerPrincipal(this.datasets.byId(s.datasetId)), false);
        }
        this.plan(s, job.due);
      },
    });
    datasets.reportsLoads((ds) => this.loadReport(ds));
  }

  /**
   * How the dataset's stream stands: its latest run (ACTIVE: RUNNING; FAILED: ERROR), whether its account
   * still exists, and whether a schedule will run it again.
   */
  private loadReport(ds: DatasetRow): LoadReport | null {
    const s = this.ctx.orm.select().from(streams).where(eq(streams.datasetId, ds.id)).get();
    if (!s) return null;
    const e = this.executions(s.id)[0];
    const last = !e ? null : e.state === 'ACTIVE' ? { at: e.startedAt, state: 'RUNNING' as const } : { at: e.endsAt, state: e.state === 'SUCCESS' ? ('SUCCESS' as const) : ('ERROR' as const) };
    return { last, valid: s.accountId === null || this.accounts.find(s.accountId) !== undefined, scheduled: this.ctx.jobs.pending(fireKey(s.id)) !== undefined };
  }

  find(id: number): StreamRow | undefined {
    return this.ctx.orm.select().from(streams).where(eq(streams.id, id)).get();
  }

  /** The stream, if the actor has `need` access to its dataset. */
  private access(id: number, actor: Actor, need: 'read' | 'write'): StreamRow {
    const s = this.find(id);
    if (!s) throw notFound(`Stream ${id} not found`);
    this.datasets.access(s.datasetId, actor, need);
    return s;
  }

  /** A stream may use an account the caller can read (its credentials are theirs to use); keeping its current one is fine. */
  private assertAccount(input: StreamInput, actor: Actor, current: number | null = null): void {
    const id = input.account?.id;
    if (id === undefined) return;
    if (!this.accounts.find(id)) throw notFound(`Account ${id} not found (body.account.id)`);
    if (id !== current) this.accounts.get(id, actor);
  }

  /** The stream columns a create or update body sets. */
  private definition(input: StreamInput, previousSchedule: string | null) {
    return {
      transport: input.transport,
      configuration: input.configuration,
      accountId: input.account?.id ?? null,
      updateMethod: input.updateMethod,
      dataProviderKey: input.dataProvider.key,
      advancedScheduleJson: input.advancedScheduleJson ?? previousSchedule,
    };
  }

  /** Creates a stream and its dataset (owned by the caller). */
  create(input: StreamInput, actor: Actor): Record<string, unknown> {
    this.ctx.access.require(actor, 'dataset.create');
    this.assertAccount(input, actor);
    const columns = validateColumns(input.dataSource.schema?.columns ?? input.schemaDefinition?.columns ?? [], 'body.dataSource.schema.columns');
    const id = this.ctx.ids.numeric();
    this.ctx.sqlite.transaction(() => {
      const ds = this.datasets.createRecord({
        id: this.ctx.ids.uuid(),
        name: input.dataSource.name,
        description: input.dataSource.description ?? '',
        ownerId: actor.userId,
        dataProviderType: input.dataProvider.key,
        transportType: input.transport.type.toUpperCase(),
        streamId: id,
        columns,
      });
      this.ctx.orm
        .update(streams)
        .set(this.definition(input, null))
        .where(eq(streams.datasetId, ds.id))
        .run();
      // two objects are made: the dataset users see, and its stream
      this.ctx.audit.record(actor, { action: 'CREATED', type: 'DATA_SOURCE', id: ds.id, name: ds.name, detail: ` (stream ${id})` });
      this.ctx.audit.record(actor, { action: 'CREATED', type: 'STREAM', id, name: ds.name });
    })();
    this.plan(this.find(id)!);
    return this.view(this.find(id)!, actor);
  }

  get(id: number, actor: Actor): Record<string, unknown> {
    return this.view(this.access(id, actor, 'read'), actor);
  }

  update(id: number, input: StreamInput, actor: Actor): Record<string, unknown> {
    const s = this.access(id, actor, 'write');
    this.assertAccount(input, actor, s.accountId);
    this.ctx.sqlite.transaction(() => {
      this.datasets.setProperties(s.datasetId, { name: input.dataSource.name, description: input.dataSource.description }, actor);
      this.ctx.orm
        .update(streams)
        .set({ ...this.definition(input, s.advancedScheduleJson), modifiedAt: this.ctx.clock.nowMs(), modifiedBy: actor.userId })
        .where(eq(streams.id, id))
        .run();
      this.ctx.audit.record(actor, { action: 'UPDATED', type: 'STREAM', id, name: input.dataSource.name });
    })();
    this.plan(this.find(id)!);
    return this.view(this.find(id)!, actor);
  }

  /** Starts a run (201): 409 while another run of the stream is ACTIVE. The run loads its data as a job. */
  run(id: number, runType: string, actor: Actor): Record<string, unknown> {
    const s = this.access(id, actor, 'write');
    return this.executionView(this.startRun(s, runType, actor, true));
  }

  /** Plans a stream's next scheduled run (its one pending job); MANUAL streams have none. */
  private plan(s: StreamRow, after = this.ctx.clock.nowMs()): void {
    const next = nextRecurring((a) => nextStreamRun(s.advancedScheduleJson, a), after, this.ctx.clock.present());
    if (next === null) this.ctx.jobs.cancel(fireKey(s.id));
    else this.ctx.jobs.enqueue('stream.fire', { streamId: s.id }, { due: next, key: fireKey(s.id) });
  }

  /** Starts a run as `actor` (`asked`: a client asked for it; else the stream's schedule started it). */
  private startRun(s: StreamRow, runType: string, actor: Actor, asked: boolean): ExecutionRow {
    const startedBy = asked ? actor.userId : null;
    const active = this.ctx.orm
      .select({ executionId: streamExecutions.executionId })
      .from(streamExecutions)
      .where(and(eq(streamExecutions.streamId, s.id), eq(streamExecutions.state, 'ACTIVE')))
      .get();
    if (active) throw conflict(`Stream ${s.id} is already running (execution ${active.executionId})`);
    const now = this.ctx.clock.nowMs();
    const endsAt = finishesAt(defaultStages, now);
    const executionId = s.nextExecutionId;
    const row = this.ctx.sqlite.transaction(() => {
      const r = this.ctx.orm
        .insert(streamExecutions)
        .values({
          streamId: s.id,
          executionId,
          runType,
          updateMethod: s.updateMethod,
          startedAt: now,
          endsAt,
          startedBy,
          state: 'ACTIVE',
          finalState: 'ACTIVE',
          rowsInserted: 0,
          bytesInserted: 0,
          dataId: null,
          uploadId: null,
          toe: toeFor(this.ctx.instanceName, s.id, executionId, now),
          errors: [],
        })
        .returning()
        .get();
      this.ctx.orm.update(streams).set({ nextExecutionId: executionId + 1 }).where(eq(streams.id, s.id)).run();
      this.ctx.jobs.enqueue('stream.complete', { streamId: s.id, executionId }, { due: endsAt });
      const name = this.datasets.find(s.datasetId)?.name;
      this.ctx.audit.record(actor, { action: 'EXECUTED', type: 'STREAM', id: s.id, name, detail: ` (execution ${executionId}, ${asked ? runType : 'scheduled run'})` });
      return r;
    })();
    return row;
  }

  /**
   * What a run loads: the stream's source CSV (fixtures), or, for a DomoStats connector, the report its
   * configuration names, computed from the instance's state. Anything else has nothing to load: the run
   * fails saying so (never a SUCCESS with nothing).
   */
  private source(s: StreamRow): { rows: Cell[][]; bytes: number; text: number } {
    const ds = this.datasets.byId(s.datasetId);
    if (s.sourceCsv !== null) {
      const bytes = Buffer.byteLength(s.sourceCsv);
      return { rows: parseCsvText(s.sourceCsv, ds.columns, { header: true, label: `stream ${s.id} source` }), bytes, text: bytes };
    }
    if (s.dataProviderKey.toLowerCase() === 'domostats') {
      const name = s.configuration.find((c) => c.name === 'report')?.value ?? '';
      const report = this.reports.report(name);
      if (!report) throw badRequest(`DomoStats report '${name}' is not one the emulator computes (${domostatsReports.join(', ')})`);
      const rows = report.rows.map((r) => ds.columns.map((c) => r[report.columns.findIndex((rc) => rc.name.toLowerCase() === c.name.toLowerCase())] ?? null));
      return { rows, bytes: rows.reduce((n, r) => n + r.reduce<number>((m, v) => m + cellText(v).length + 1, 0), 0), text: 0 };
    }
    throw badRequest(
      `Stream ${s.id} (${s.dataProviderKey}) has no data the emulator can read: its connector reaches no real source here. Upload the data as parts of an execution (platform API) or with the three-stage upload of dataset ${s.datasetId}`,
    );
  }

  /** The run's job: load the source into a new data version (its rows visible now), then SUCCESS or FAILED. */
  private complete(streamId: number, executionId: number): void {
    const s = this.find(streamId);
    const e = s && this.ctx.orm.select().from(streamExecutions).where(and(eq(streamExecutions.streamId, streamId), eq(streamExecutions.executionId, executionId))).get();
    if (!s || !e || e.state !== 'ACTIVE') return;
    const { rows, bytes, text } = this.source(s);
    const v = this.datasets.addVersion(s.datasetId, rows, { action: s.updateMethod === 'APPEND' ? 'APPEND' : 'REPLACE', source: 'STREAM', numBytes: bytes });
    // the run's figures, from what it held and what it wrote (never from the byte count alone)
    const held = text + heldBytes(rows);
    const committed = this.datasets.storedBytes(v);
    this.ctx.orm
      .update(streamExecutions)
      .set({ state: 'SUCCESS', finalState: 'SUCCESS', rowsInserted: v.numRows, bytesInserted: v.numBytes, dataId: v.dataId, endsAt: this.ctx.clock.nowMs(), peakBytes: held, committedBytes: committed })
      .where(and(eq(streamExecutions.streamId, streamId), eq(streamExecutions.executionId, executionId)))
      .run();
  }

  private failRun(streamId: number, executionId: number, message: string): void {
    this.ctx.orm
      .update(streamExecutions)
      .set({ state: 'FAILED', finalState: 'FAILED', endsAt: this.ctx.clock.nowMs(), errors: [{ message }] })
      .where(and(eq(streamExecutions.streamId, streamId), eq(streamExecutions.executionId, executionId), eq(streamExecutions.state, 'ACTIVE')))
      .run();
  }

  /** GET .../history/aggregate: runs, newest first. */
  history(id: number, actor: Actor): Array<Record<string, unknown>> {
    this.access(id, actor, 'read');
    return this.executions(id).map((e) => {
      const v = this.executionView(e);
      return {
        streamId: v.streamId,
        executionId: v.executionId,
        currentState: v.currentState,
        rowsInserted: v.rowsInserted,
        bytesInserted: v.bytesInserted,
        startedAt: v.startedAt,
        endedAt: v.endedAt,
        updateMethod: v.updateMethod,
        peakMemoryUsedBytes: v.peakMemoryUsedBytes,
        runType: v.runType,
        errors: v.errors,
      };
    });
  }

  executions(id: number): ExecutionRow[] {
    return this.ctx.orm.select().from(streamExecutions).where(eq(streamExecutions.streamId, id)).orderBy(desc(streamExecutions.executionId)).all();
  }

  executionView(e: ExecutionRow): Record<string, unknown> {
    const done = e.state !== 'ACTIVE';
    return {
      streamId: e.streamId,
      executionId: e.executionId,
      toe: e.toe,
      startedAt: secs(e.startedAt),
      endedAt: done ? secs(e.endsAt) : null,
      updateMethod: e.updateMethod,
      index: true,
      retryCount: 0,
      retryExecution: null,
      containerManagerId: null,
      uploadId: e.uploadId,
      indexRequestKey: null,
      currentState: e.state,
      runType: e.runType,
      createdAt: secs(e.startedAt),
      modifiedAt: secs(done ? e.endsAt : e.startedAt),
      latestPhase: null,
      currentPhase: null,
      removed: false,
      rowsInserted: done ? e.rowsInserted : 0,
      bytesInserted: done ? e.bytesInserted : 0,
      startedBy: e.startedBy === null ? null : String(e.startedBy),
      cancelledBy: null,
      dataTag: null,
      peakMemoryUsedBytes: done ? (e.peakBytes ?? 0) : null,
      peakMemoryCommittedBytes: done ? (e.committedBytes ?? 0) : null,
      exportable: false,
      manualIndex: false,
      errors: done ? e.errors : [],
      dataVersionId: done ? e.dataId : null,
    };
  }

  view(s: StreamRow, actor: Actor): Record<string, unknown> {
    const ds = this.datasets.byId(s.datasetId);
    const execs = this.executions(s.id);
    const now = this.ctx.clock.nowMs();
    const finished = execs.filter((e) => e.endsAt <= now);
    const current = execs.find((e) => e.endsAt > now) ?? null;
    const lastSuccess = finished.find((e) => e.finalState === 'SUCCESS') ?? null;
    const account = s.accountId === null ? null : this.accounts.find(s.accountId);
    return {
      id: s.id,
      valid: true,
      invalidExecutionId: null,
      transport: s.transport,
      updateMethod: s.updateMethod,
      dataProvider: { key: s.dataProviderKey, name: s.dataProviderKey, type: 'STANDARD', producer: 'DOMO' },
      account: account ? { id: account.id, displayName: account.displayName, dataProviderType: account.dataProviderType, valid: true } : null,
      dataSource: this.datasets.view(ds, actor),
      schemaDefinition: {
        columns: ds.columns.map((c) => ({
          type: c.type,
          name: c.name,
          id: c.name,
          visible: c.visible,
          metadata: { colLabel: c.colLabel ?? c.name, colFormat: c.colFormat ?? '', isEncrypted: false },
        })),
      },
      scheduleExpression: null,
      scheduleStartDate: null,
      advancedScheduleJson: s.advancedScheduleJson,
      scheduleRetryExpression: null,
      scheduleRetryCount: 0,
      lastExecution: execs[0] ? this.executionView(execs[0]) : null,
      lastSuccessfulExecution: lastSuccess ? this.executionView(lastSuccess) : null,
      currentExecution: current ? this.executionView(current) : null,
      currentExecutionState: current ? 'ACTIVE' : (finished[0]?.finalState ?? null),
      createdAt: secs(s.createdAt),
      createdBy: s.createdBy,
      modifiedAt: secs(s.modifiedAt),
      modifiedBy: s.modifiedBy,
      scheduleState: 'ACTIVE',
      scheduleAssertion: false,
      inactiveScheduleCode: null,
      configuration: s.configuration.map((c) => ({ streamId: s.id, category: c.category, name: c.name, type: c.type, value: c.value })),
    };
  }

  /** Fixture streams: the dataset (seeded before) already has a stream row with this id; fill it in. */
  seed(list: StreamSeed[]): void {
    for (const f of list) {
      const ds = this.datasets.byId(f.datasetId);
      const set = {
        transport: f.transport ?? { type: 'CONNECTOR', description: `com.domo.connector.${f.dataProviderKey}`, version: '1' },
        configuration: f.configuration ?? [],
        accountId: f.accountId ?? null,
        updateMethod: f.updateMethod,
        dataProviderKey: f.dataProviderKey,
        advancedScheduleJson: f.advancedScheduleJson ?? null,
        sourceCsv: f.sourceCsv ?? null,
      };
      if (ds.streamId !== f.id) throw new Error(`fixtures: stream ${f.id} does not match dataset ${f.datasetId} (its streamId is ${ds.streamId})`);
      this.ctx.orm.update(streams).set(set).where(eq(streams.id, f.id)).run();
      this.plan(this.find(f.id)!);
    }
  }
}

/**
 * The bytes parsed rows hold in memory: per row an array (16 bytes and an 8-byte slot per cell), per value
 * 8 bytes for a number, its UTF-8 bytes for a text (plus a 16-byte string header), nothing more for null.
 */
function heldBytes(rows: Cell[][]): number {
  let n = 0;
  for (const r of rows) {
    n += 16 + 8 * r.length;
    for (const v of r) {
      if (v === null) continue;
      n += typeof v === 'string' ? 16 + Buffer.byteLength(v) : 8;
    }
  }
  return n;
}

/** A request id shaped like Domo's `toe`, derived from the execution (so ids stay deterministic). */
function toeFor(instance: string, streamId: number, executionId: number, at: number): string {
  const h = createHash('sha256').update(`${instance}:${streamId}:${executionId}:${at}`).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let out = '';
  for (let i = 0; i < 20; i++) out += alphabet[h[i] % alphabet.length];
  return `${out.slice(0, 10)}-${out.slice(10, 15)}-${out.slice(15, 20)}`;
}
