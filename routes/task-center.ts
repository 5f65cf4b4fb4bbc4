import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../src/http/env.js';
import { csvList, flag } from '../src/http/paging.js';
import { valid } from '../src/http/validate.js';

const idText = z.string().trim().min(1).max(200);
const queueParam = z.object({ queueId: idText });
const taskParams = z.object({ queueId: idText, taskId: idText });
const renderQuery = z.object({ render: flag.optional(), renderParts: csvList.optional() });
const listQuery = z.object({ combineAttributes: flag.optional(), archived: flag.optional() });
const range = z.tuple([z.iso.datetime({ offset: true }), z.iso.datetime({ offset: true })]);
const strList = z.array(z.union([z.string(), z.number()]).transform(String));
const taskFilter = z
  .object({
    queueId: z.array(z.string()).optional(),
    displayType: z.array(z.enum(['ENIGMA_FORM', 'EMAIL', 'UNKNOWN'])).optional(),
    status: z.array(z.enum(['OPEN', 'COMPLETED', 'VOIDED'])).optional(),
    assignedBy: strList.optional(),
    assignedTo: strList.optional(),
    createdBy: strList.optional(),
    completedBy: strList.optional(),
    version: z.array(z.number().int()).optional(),
    createdOn: z.array(range).optional(),
    assignedOn: z.array(range).optional(),
    updatedOn: z.array(range).optional(),
    completedOn: z.array(range).optional(),
    orderByString: z
      .array(z.string().regex(/^\s*(id|status|version|createdOn|updatedOn|completedOn|assignedOn|createdBy|assignedTo|displayType|queueId)(\s+(asc|desc|ASC|DESC))?\s*$/, 'expected "<field> [ASC|DESC]" on a task field'))
      .optional(),
  })
  .strict();
const outputs = z.record(z.string(), z.unknown());
const completeQuery = z.object({ version: z.coerce.number().int().min(0) });
const moveQuery = z.object({ targetQueueId: idText });
const assignBody = z.object({
  tasksId: z.array(idText).default([]),
  type: z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(['USER', 'GROUP']))
    .default('USER'),
  userId: z.union([z.number().int().positive(), z.string().regex(/^\d+$/, 'expected a numeric id').transform(Number)]),
});
const permissionsBody = z.array(
  z.object({
    id: z.union([z.string().regex(/^\d+$/, 'expected a numeric id'), z.number().int().positive().transform(String)]),
    permissions: z.array(z.enum(['ADMIN', 'SHARE', 'DELETE', 'WRITE', 'READ', 'CREATE_CONTENT', 'READ_CONTENT', 'UPDATE_CONTENT', 'DELETE_CONTENT', 'EXPORT', 'EXECUTE'])),
    name: z.string(),
    type: z
      .string()
      .transform((s) => s.toUpperCase())
      .pipe(z.enum(['USER', 'GROUP'])),
  }),
).min(1);

/** Task Center API: /api/queues/v1 */
export function taskCenterRoutes() {
  const r = new Hono<AppEnv>();
  const base = '/api/queues/v1';

  r.get(base, valid('query', listQuery), (c) =>
    c.json(c.var.instance.stores.taskCenter.listQueues(c.var.principal, { archived: c.req.valid('query').archived ?? false })),
  );

  // literal before /:queueId
  r.post(`${base}/tasks/list`, valid('query', renderQuery), valid('json', taskFilter, { optional: true }), (c) =>
    c.json(c.var.instance.stores.taskCenter.listTasks(c.req.valid('json') ?? {}, c.var.principal, c.req.valid('query').render ?? false)),
  );

  r.get(`${base}/:queueId`, valid('param', queueParam), (c) => c.json(c.var.instance.stores.taskCenter.getQueue(c.req.valid('param').queueId, c.var.principal)));

  r.post(`${base}/:queueId/permissions`, valid('param', queueParam), valid('json', permissionsBody), (c) =>
    c.json(c.var.instance.stores.taskCenter.setQueuePermissions(c.req.valid('param').queueId, c.req.valid('json'), c.var.principal)),
  );

  r.get(`${base}/:queueId/tasks/:taskId`, valid('param', taskParams), valid('query', renderQuery), (c) => {
    const { queueId, taskId } = c.req.valid('param');
    return c.json(c.var.instance.stores.taskCenter.getTask(queueId, taskId, c.var.principal, c.req.valid('query').render ?? true));
  });

  r.put(`${base}/:queueId/tasks/:taskId/outputs`, valid('param', taskParams), valid('json', outputs), (c) => {
    const { queueId, taskId } = c.req.valid('param');
    return c.json(c.var.instance.stores.taskCenter.saveOutputs(queueId, taskId, c.req.valid('json'), c.var.principal));
  });

  r.post(`${base}/:queueId/tasks/:taskId/complete`, valid('param', taskParams), valid('query', completeQuery), valid('json', outputs, { optional: true }), (c) => {
    const { queueId, taskId } = c.req.valid('param');
    return c.json(c.var.instance.stores.taskCenter.complete(queueId, taskId, c.req.valid('query').version, c.req.valid('json') ?? {}, c.var.principal));
  });

  r.put(`${base}/:queueId/tasks/:taskId/move`, valid('param', taskParams), valid('query', moveQuery), (c) => {
    const { queueId, taskId } = c.req.valid('param');
    return c.json(c.var.instance.stores.taskCenter.move(queueId, taskId, c.req.valid('query').targetQueueId, c.var.principal));
  });

  r.put(`${base}/:queueId/tasks/:taskId/assign`, valid('param', taskParams), valid('json', assignBody), (c) => {
    const { queueId, taskId } = c.req.valid('param');
    return c.json(c.var.instance.stores.taskCenter.assign(queueId, taskId, c.req.valid('json'), c.var.principal));
  });

  r.post(`${base}/:queueId/tasks/:taskId/void`, valid('param', taskParams), (c) => {
    const { queueId, taskId } = c.req.valid('param');
    return c.json(c.var.instance.stores.taskCenter.void(queueId, taskId, c.var.principal));
  });

  return r;
}
