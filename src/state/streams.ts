import { createHash } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import { streamExecutions, streams, type StreamConfigEntry } from '../../db/schema/index.js';
import { parseCsvText } from '../engines/csv.js';
import { defaultStages, finishesAt } from '../engines/jobs.js';
import { ApiError, conflict, notFound } from '../http/errors.js';
import type { AccountsStore } from './accounts.js';
import type { StoreContext } from './context.js';
import { validateColumns, type Actor, type DatasetsStore } from './datasets.js';

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

const secs = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));

/**
 * Streams (connectors) and their executions. A run is ACTIVE until its end time on the instance clock and
 * then SUCCESS (or FAILED). A stream with source data (fixtures) loads it as a new data version with the
 * stream's update method; the rows become visible when the run succeeds.
 */
export class StreamsStore {
  constructor(
    private readonly ctx: StoreContext,
    private readonly datasets: DatasetsStore,
    private readonly accounts: AccountsStore,
  ) {}

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
    })();
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
    })();
    return this.view(this.find(id)!, actor);
  }

  /** Starts a run (201): 409 while another run of the stream is ACTIVE. */
  run(id: number, runType: string, actor: Actor): Record<string, unknown> {
    const s = this.access(id, actor, 'write');
    const now = this.ctx.clock.nowMs();
    const active = this.ctx.orm
      .select({ executionId: streamExecutions.executionId })
      .from(streamExecutions)
      .where(and(eq(streamExecutions.streamId, id), sql`${streamExecutions.endsAt} > ${now}`))
      .get();
    if (active) throw conflict(`Stream ${id} is already running (execution ${active.executionId})`);
    const endsAt = finishesAt(defaultStages, now);
    const executionId = s.nextExecutionId;
    const exec = this.ctx.sqlite.transaction(() => {
      let finalState = 'SUCCESS';
      let rows = 0;
      let bytes = 0;
      let dataId: number | null = null;
      const errors: Array<{ message: string }> = [];
      if (s.sourceCsv !== null) {
        try {
          const ds = this.datasets.byId(s.datasetId);
          const data = parseCsvText(s.sourceCsv, ds.columns, { header: true, label: `stream ${id} source` });
          const v = this.datasets.addVersion(s.datasetId, data, {
            action: s.updateMethod === 'APPEND' ? 'APPEND' : 'REPLACE',
            source: 'STREAM',
            numBytes: Buffer.byteLength(s.sourceCsv),
            visibleAt: endsAt,
          });
          rows = v.numRows;
          bytes = v.numBytes;
          dataId = v.dataId;
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
          finalState = 'FAILED';
          errors.push({ message: e.message });
        }
      }
      const row = this.ctx.orm
        .insert(streamExecutions)
        .values({
          streamId: id,
          executionId,
          runType,
          updateMethod: s.updateMethod,
          startedAt: now,
          endsAt,
          startedBy: actor.userId,
          finalState,
          rowsInserted: rows,
          bytesInserted: bytes,
          dataId,
          uploadId: null,
          toe: toeFor(this.ctx.instanceName, id, executionId, now),
          errors,
        })
        .returning()
        .get();
      this.ctx.orm.update(streams).set({ nextExecutionId: executionId + 1 }).where(eq(streams.id, id)).run();
      return row;
    })();
    return this.executionView(exec);
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
    const now = this.ctx.clock.nowMs();
    const done = now >= e.endsAt;
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
      currentState: done ? e.finalState : 'ACTIVE',
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
      peakMemoryUsedBytes: done ? e.bytesInserted * 4 : null,
      peakMemoryCommittedBytes: done ? e.bytesInserted * 5 : null,
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
    }
  }
}

/** A request id shaped like Domo's `toe`, derived from the execution (so ids stay deterministic). */
function toeFor(instance: string, streamId: number, executionId: number, at: number): string {
  const h = createHash('sha256').update(`${instance}:${streamId}:${executionId}:${at}`).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let out = '';
  for (let i = 0; i < 20; i++) out += alphabet[h[i] % alphabet.length];
  return `${out.slice(0, 10)}-${out.slice(10, 15)}-${out.slice(15, 20)}`;
}
