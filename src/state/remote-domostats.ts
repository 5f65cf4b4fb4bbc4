import { asc, eq, sql } from 'drizzle-orm';
import { executorApplications, executorJobs, users } from '../../db/schema/index.js';
import { badRequest, notFound } from '../http/errors.js';
import type { Principal } from '../access/principal.js';
import { nextRecurring } from '../jobs/scheduler.js';
import type { StoreContext } from './context.js';
import type { DatasetsStore } from './datasets/index.js';
import { DomoStatsReports } from './domostats.js';

/** A job collects its metrics every hour of instance time, and at once after it is changed. */
const EVERY_MS = 3_600_000;
const runKey = (jobId: string) => `domostats:${jobId}`;
const metricsColumns = [
  { name: 'Job', type: 'STRING' as const },
  { name: 'Remote Instance', type: 'STRING' as const },
  { name: 'Metric', type: 'STRING' as const },
  { name: 'Value', type: 'LONG' as const },
  { name: 'Collected At', type: 'DATETIME' as const },
];

export interface DomostatsSeed {
  applications: Array<{ id: string; name: string; type: string; description?: string; ownerId: number; jobs: Array<Record<string, unknown> & { jobId: string }> }>;
}

/**
 * Remote DomoStats: executor applications and their jobs (the job document is stored as sent). Jobs run
 * on the scheduler: each run counts the instance's real state (the instance stands for the remote
 * instances it would collect from) into its metrics dataset (`executionPayload.metricsDatasetId`, created
 * when missing), as the job's own partition, and records the run in the job's `executionResponse`.
 */
export class RemoteDomostatsStore {
  private readonly reports: DomoStatsReports;

  constructor(
    private readonly ctx: StoreContext,
    private readonly datasets: DatasetsStore,
  ) {
    this.reports = new DomoStatsReports(ctx);
    ctx.jobs.register<{ jobId: string }, void>('domostats.run', {
      apply: ({ jobId }, job) => {
        const row = this.ctx.orm.select().from(executorJobs).where(eq(executorJobs.jobId, jobId)).get();
        if (!row) return;
        this.collect(row);
        const next = nextRecurring((a) => a + EVERY_MS, job.due, this.ctx.clock.present());
        if (next !== null) this.ctx.jobs.enqueue('domostats.run', { jobId }, { due: next, key: runKey(jobId) });
      },
      fail: ({ jobId }, _job, e) => this.recordRun(jobId, { status: 'FAILED', error: e.message }),
    });
  }

  /** One run: the instance's counts into the job's partition of its metrics dataset. */
  private collect(row: typeof executorJobs.$inferSelect): void {
    const payload = (row.job.executionPayload ?? {}) as { metricsDatasetId?: unknown; remoteInstance?: unknown };
    const datasetId = typeof payload.metricsDatasetId === 'string' ? payload.metricsDatasetId : null;
    if (!datasetId) throw new Error(`Job ${row.jobId} names no executionPayload.metricsDatasetId`);
    if (!this.datasets.exists(datasetId)) {
      const app = this.application(row.applicationId);
      this.datasets.createRecord({ id: datasetId, name: 'Remote DomoStats Metrics', description: `Metrics collected by ${app.name}`, ownerId: app.ownerId, dataProviderType: 'domostats', transportType: 'CONNECTOR', streamId: this.ctx.ids.numeric(), columns: metricsColumns.map((c) => ({ ...c, visible: true })) });
    }
    const report = this.reports.report('instance_metrics')!;
    const name = String(row.job.jobName ?? row.jobId);
    const remote = typeof payload.remoteInstance === 'string' ? payload.remoteInstance : '';
    const rows = report.rows.map(([metric, value, at]) => [name, remote, metric, value, at]);
    const v = this.datasets.addVersion(datasetId, rows, { action: 'REPLACE', tag: row.jobId, source: 'DOMOSTATS' });
    this.recordRun(row.jobId, { status: 'SUCCESS', rowCount: v.numRows, metricsDatasetId: datasetId, dataVersionId: v.dataId });
    // the hourly run is recorded as the application's owner, whose job it is
    this.ctx.audit.record(this.ownerOf(row.applicationId), { action: 'EXECUTED', type: 'EXECUTOR_JOB', id: row.jobId, name, detail: ` (${v.numRows} metrics into DataSet ${datasetId})` });
  }

  private recordRun(jobId: string, result: Record<string, unknown>): void {
    const row = this.ctx.orm.select().from(executorJobs).where(eq(executorJobs.jobId, jobId)).get();
    if (!row) return;
    const executionResponse = { ...result, lastRunAt: new Date(this.ctx.clock.nowMs()).toISOString() };
    this.ctx.orm.update(executorJobs).set({ job: { ...row.job, executionResponse } }).where(eq(executorJobs.jobId, jobId)).run();
  }

  applications(actor: Principal) {
    this.ctx.access.require(actor, 'domostats.read');
    return this.ctx.orm
      .select({
        id: executorApplications.id,
        name: executorApplications.name,
        type: executorApplications.type,
        description: executorApplications.description,
        ownerId: executorApplications.ownerId,
        created: executorApplications.created,
        jobCount: sql<number>`(select count(*) from ${executorJobs} where ${executorJobs.applicationId} = ${executorApplications.id})`,
      })
      .from(executorApplications)
      .orderBy(asc(executorApplications.name))
      .all();
  }

  jobs(applicationId: string, page: { offset: number; limit: number }, actor: Principal) {
    this.ctx.access.require(actor, 'domostats.read');
    this.application(applicationId);
    return this.ctx.orm
      .select()
      .from(executorJobs)
      .where(eq(executorJobs.applicationId, applicationId))
      .orderBy(asc(executorJobs.created), asc(executorJobs.jobId))
      .limit(page.limit)
      .offset(page.offset)
      .all()
      .map((j) => ({ ...j.job, jobId: j.jobId, applicationId: j.applicationId, created: j.created, lastUpdated: j.modified, lastUpdatedBy: j.modifiedBy }));
  }

  /** Replaces a job with the document sent (its jobId must be the path's). */
  updateJob(applicationId: string, jobId: string, job: Record<string, unknown>, actor: Principal): void {
    this.ctx.access.require(actor, 'domostats.manage');
    this.application(applicationId);
    const row = this.ctx.orm.select().from(executorJobs).where(eq(executorJobs.jobId, jobId)).get();
    if (!row || row.applicationId !== applicationId) throw notFound(`Job ${jobId} not found in application ${applicationId}`);
    if (job.jobId !== undefined && job.jobId !== jobId) {
      throw badRequest(`body.jobId (${String(job.jobId)}) is not the job in the path (${jobId})`, [{ path: 'body.jobId', message: 'Must match the path' }]);
    }
    this.ctx.audit.write(actor, { action: 'UPDATED', type: 'EXECUTOR_JOB', id: jobId, name: String(job.jobName ?? row.job.jobName ?? jobId) }, () => {
      this.ctx.orm
        .update(executorJobs)
        .set({ job: { ...job, jobId }, modified: this.ctx.clock.nowMs(), modifiedBy: actor.userId })
        .where(eq(executorJobs.jobId, jobId))
        .run();
      // a changed job runs again at once, then hourly
      this.ctx.jobs.enqueue('domostats.run', { jobId }, { key: runKey(jobId) });
    });
  }

  seed(seed: DomostatsSeed): void {
    const now = this.ctx.clock.nowMs();
    for (const a of seed.applications) {
      this.ctx.orm.insert(executorApplications).values({ id: a.id, name: a.name, type: a.type, description: a.description ?? '', ownerId: a.ownerId, created: now }).run();
      for (const job of a.jobs) {
        this.ctx.orm.insert(executorJobs).values({ jobId: job.jobId, applicationId: a.id, job, created: now, modified: now, modifiedBy: a.ownerId }).run();
        this.ctx.jobs.enqueue('domostats.run', { jobId: job.jobId }, { due: now + EVERY_MS, key: runKey(job.jobId) });
      }
    }
  }

  private ownerOf(applicationId: string): Principal {
    const ownerId = this.application(applicationId).ownerId;
    const u = this.ctx.orm.select({ id: users.id, roleId: users.roleId, displayName: users.displayName }).from(users).where(eq(users.id, ownerId)).get();
    return this.ctx.access.principal(u ?? { id: ownerId, roleId: 0, displayName: '' }, 'system');
  }

  private application(id: string) {
    const a = this.ctx.orm.select().from(executorApplications).where(eq(executorApplications.id, id)).get();
    if (!a) throw notFound(`Application ${id} not found`);
    return a;
  }
}
