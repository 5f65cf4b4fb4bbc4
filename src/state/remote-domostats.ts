import { asc, eq, sql } from 'drizzle-orm';
import { executorApplications, executorJobs } from '../../db/schema/index.js';
import { badRequest, notFound } from '../http/errors.js';
import type { Principal } from '../access/principal.js';
import type { StoreContext } from './context.js';

export interface DomostatsSeed {
  applications: Array<{ id: string; name: string; type: string; description?: string; ownerId: number; jobs: Array<Record<string, unknown> & { jobId: string }> }>;
}

/** Remote DomoStats: executor applications and their jobs (the job document is stored as sent). */
export class RemoteDomostatsStore {
  constructor(private readonly ctx: StoreContext) {}

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
    this.ctx.orm
      .update(executorJobs)
      .set({ job: { ...job, jobId }, modified: this.ctx.clock.nowMs(), modifiedBy: actor.userId })
      .where(eq(executorJobs.jobId, jobId))
      .run();
  }

  seed(seed: DomostatsSeed): void {
    const now = this.ctx.clock.nowMs();
    for (const a of seed.applications) {
      this.ctx.orm.insert(executorApplications).values({ id: a.id, name: a.name, type: a.type, description: a.description ?? '', ownerId: a.ownerId, created: now }).run();
      for (const job of a.jobs) {
        this.ctx.orm.insert(executorJobs).values({ jobId: job.jobId, applicationId: a.id, job, created: now, modified: now, modifiedBy: a.ownerId }).run();
      }
    }
  }

  private application(id: string) {
    const a = this.ctx.orm.select().from(executorApplications).where(eq(executorApplications.id, id)).get();
    if (!a) throw notFound(`Application ${id} not found`);
    return a;
  }
}
