import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../src/http/env.js';
import { pagingQuery } from '../src/http/paging.js';
import { valid } from '../src/http/validate.js';

const id = z.string().trim().min(1).max(200);
/** The job document as the reference's PUT sends it; other fields are kept as sent. */
const jobBody = z.looseObject({
  jobId: z.string().min(1).optional(),
  jobName: z.string().min(1),
  executionTimeout: z.number().int().positive(),
  executionPayload: z.record(z.string(), z.unknown()),
  executionResponse: z.record(z.string(), z.unknown()).optional(),
  accounts: z.array(z.number().int()).optional(),
  resources: z.record(z.string(), z.unknown()).optional(),
  triggers: z.array(z.unknown()).optional(),
});

/** Remote DomoStats API: executor applications and their jobs. */
export function remoteDomostatsRoutes() {
  const r = new Hono<AppEnv>();

  r.get('/api/executor/v1/applications', (c) => c.json(c.var.instance.stores.remoteDomostats.applications(c.var.principal)));

  r.get('/api/executor/v2/applications/:applicationId/jobs', valid('param', z.object({ applicationId: id })), valid('query', pagingQuery(100, 1000)), (c) =>
    c.json(c.var.instance.stores.remoteDomostats.jobs(c.req.valid('param').applicationId, c.req.valid('query'), c.var.principal)),
  );

  r.put('/api/executor/v1/applications/:applicationId/jobs/:jobId', valid('param', z.object({ applicationId: id, jobId: id })), valid('json', jobBody), (c) => {
    const { applicationId, jobId } = c.req.valid('param');
    c.var.instance.stores.remoteDomostats.updateJob(applicationId, jobId, c.req.valid('json'), c.var.principal);
    return c.json({ status: 'OK', code: 200, message: 'Job updated successfully' });
  });

  return r;
}
