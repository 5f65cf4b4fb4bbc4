import { Hono } from 'hono';
import { z } from 'zod';
import { frequencies, daysToRunProblem, isTimeZone, weekDays } from '../src/engines/report-schedule.js';
import type { AppEnv } from '../src/http/env.js';
import { numericId, flag } from '../src/http/paging.js';
import { valid } from '../src/http/validate.js';
import { historyOrders, type ReportActor } from '../src/state/scheduled-reports.js';

const base = '/api/content/v1/reportschedules';

const scheduleParam = z.object({ scheduleId: numericId });
const viewParam = z.object({ viewId: numericId });
const historyParam = z.object({ historyId: numericId });
const resourceParams = z.object({
  resourceType: z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(['OPEN', 'PAGE', 'CARD', 'REPORT', 'DATASET'])),
  resourceId: z.string().min(1),
});

const int = (def: number) => z.coerce.number().int().min(0).max(10_000).default(def);
const bool = (def: boolean) => flag.default(def);
const filter = z.string().default('USER');
const listQuery = z.object({
  filter,
  title: z.string().default(''),
  limit: int(0),
  skip: int(0),
  orderBy: z.enum(['startDate', 'nextRunDate', 'title']).default('startDate'),
  isAscending: bool(false),
});
const historyQuery = z.object({
  filter,
  limit: int(100),
  skip: int(0),
  orderBy: z.enum(historyOrders).default('startTime'),
  isAscending: bool(false),
  includeRecipientInfo: bool(false),
});
const extendedQuery = z.object({
  filter,
  days: z.coerce.number().int().min(0).max(36_500).default(10),
  orderBy: z.enum(historyOrders).default('startTime'),
  isAscending: bool(false),
});
const createdQuery = z.object({ filter, days: z.coerce.number().int().min(0).max(36_500).default(10), isAscending: bool(false) });
const pageQuery = z.object({ limit: int(100), skip: int(0) });
const recipientQuery = z.object({ userId: numericId.optional(), emailId: z.string().trim().min(3).optional() });
const attachQuery = z.object({ attachmentInclude: flag.optional() });
const timestamp = z.coerce.number().int().min(0);

const recipient = z.object({
  type: z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(['EMAIL', 'USER', 'GROUP'])),
  value: z.union([z.string().trim().min(1), z.number().int().positive().transform(String)]),
}).superRefine((r, ctx) => {
  if (r.type === 'EMAIL' && !/^[^@\s]+@[^@\s]+$/.test(r.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'Expected an email address' });
  if (r.type !== 'EMAIL' && !/^\d+$/.test(r.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: `Expected a numeric ${r.type.toLowerCase()} id` });
});
const recipients = z.array(recipient);

const scheduleFields = z.object({
  frequency: z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(frequencies)),
  daysToRun: z.union([z.string(), z.number().int().transform(String)]).optional(),
  hourOfDay: z.number().int().min(0).max(23).optional(),
  minOfHour: z.number().int().min(0).max(59).optional(),
  timezone: z.string().refine(isTimeZone, 'Unknown IANA time zone').optional(),
  enabled: z.boolean().optional(),
  additionalRecipients: recipients.optional(),
});
const checkDays = (s: { frequency?: string; daysToRun?: string }, ctx: z.RefinementCtx) => {
  if (!s.frequency) return;
  const p = daysToRunProblem(s.frequency, s.daysToRun ?? '');
  if (p) ctx.addIssue({ code: 'custom', path: ['daysToRun'], message: p });
};
/** WEEKLY days as Domo's Java services also take them: 1-7, Sunday first ("1" is SUN), stored as day names. */
const weeklyDays = <T extends { frequency?: string; daysToRun?: string }>(s: T): T =>
  s.frequency === 'WEEKLY' && s.daysToRun !== undefined && /^[\d\s,]+$/.test(s.daysToRun)
    ? { ...s, daysToRun: s.daysToRun.split(',').map((t) => t.trim()).filter(Boolean).map((t) => weekDays[Number(t) - 1] ?? t).join(',') }
    : s;
const createBody = z.object({
  title: z.string().trim().min(1).max(255),
  pageId: numericId.optional(),
  cardId: numericId.optional(),
  resourceType: z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(['PAGE', 'CARD', 'DATASET', 'REPORT', 'OPEN']))
    .optional(),
  resourceId: z.union([z.string().min(1), z.number().int().positive().transform(String)]).optional(),
  viewId: numericId.optional(),
  viewName: z.string().max(255).optional(),
  schedule: scheduleFields.transform(weeklyDays).superRefine(checkDays),
  attachmentInclude: z.boolean().optional(),
});
const updateBody = z.object({
  title: z.string().trim().min(1).max(255).optional(),
  schedule: scheduleFields.partial().transform(weeklyDays).superRefine(checkDays).optional(),
  attachmentInclude: z.boolean().optional(),
});
const reportRecipients = z
  .array(
    z.object({
      userId: numericId.nullable().optional(),
      displayName: z.string().optional(),
      emailAddress: z.string().trim().regex(/^[^@\s]+@[^@\s]+$/, 'Expected an email address'),
    }),
  )
  .min(1);
const sendWithParams = z.object({
  recipients: recipients.default([]),
  alertActionId: numericId.optional(),
  emailParams: z.record(z.string(), z.unknown()).optional(),
});
const searchBody = z.object({
  includeTitleClause: z.boolean().optional(),
  titleSearchText: z.string().optional(),
  includeStatusClause: z.boolean().optional(),
  status: z.string().optional(),
  includeTypeClause: z.boolean().optional(),
  isAutomated: z.boolean().optional(),
  includeScheduleIdClause: z.boolean().optional(),
  scheduleId: numericId.optional(),
});

/** Scheduled Reports API: /api/content/v1/reportschedules. Literal paths are registered before /:scheduleId. */
export function scheduledReportsRoutes() {
  const r = new Hono<AppEnv>();
  const actor = (c: { var: AppEnv['Variables'] }): ReportActor => c.var.principal;

  // ---- literal paths first
  r.post(`${base}/card-email-data`, valid('json', z.array(numericId).min(1)), async (c) =>
    c.json(await c.var.instance.stores.scheduledReports.cardEmailData(c.req.valid('json'), actor(c))),
  );

  r.get(`${base}/created`, valid('query', createdQuery), (c) => c.json(c.var.instance.stores.scheduledReports.created(c.req.valid('query'), actor(c))));

  r.put(`${base}/emails/enabled`, valid('json', z.boolean()), (c) => {
    c.var.instance.stores.scheduledReports.setEmailsEnabled(c.req.valid('json'), actor(c));
    return c.body(null, 200);
  });

  r.get(`${base}/extendedHistory`, valid('query', extendedQuery), (c) => {
    const q = c.req.valid('query');
    return c.json(c.var.instance.stores.scheduledReports.history({ ...q, limit: 10_000, skip: 0 }, actor(c), true));
  });

  r.post(`${base}/failures/rerun`, valid('query', z.object({ start: timestamp, end: timestamp })), (c) => {
    const { start, end } = c.req.valid('query');
    c.var.instance.stores.scheduledReports.rerunFailures(start, end, actor(c));
    return c.body(null, 200);
  });

  r.get(`${base}/history`, valid('query', historyQuery), (c) => c.json(c.var.instance.stores.scheduledReports.history(c.req.valid('query'), actor(c))));

  r.post(`${base}/history/search`, valid('query', historyQuery), valid('json', searchBody), (c) =>
    c.json(c.var.instance.stores.scheduledReports.history({ ...c.req.valid('query'), search: c.req.valid('json') }, actor(c))),
  );

  r.get(`${base}/history/:historyId`, valid('param', historyParam), (c) =>
    c.json(c.var.instance.stores.scheduledReports.historyGet(c.req.valid('param').historyId, actor(c))),
  );

  r.get(`${base}/misconfigured`, valid('query', pageQuery), (c) => c.json(c.var.instance.stores.scheduledReports.misconfigured(c.req.valid('query'), actor(c))));

  r.get(`${base}/resources`, valid('query', pageQuery.extend({ title: z.string().default('') })), (c) =>
    c.json(c.var.instance.stores.scheduledReports.resources(c.req.valid('query'), actor(c))),
  );

  r.get(`${base}/resources/:resourceType/:resourceId`, valid('param', resourceParams), valid('query', z.object({ showAll: bool(false) })), (c) => {
    const p = c.req.valid('param');
    return c.json(c.var.instance.stores.scheduledReports.byResource(p.resourceType, p.resourceId, c.req.valid('query').showAll, actor(c)));
  });

  r.get(`${base}/sortby`, valid('query', listQuery), (c) => c.json(c.var.instance.stores.scheduledReports.list(c.req.valid('query'), actor(c))));

  r.get(`${base}/views/:viewId`, valid('param', viewParam), (c) => c.json(c.var.instance.stores.scheduledReports.byView(c.req.valid('param').viewId, actor(c))));

  r.post(`${base}/views/:viewId/sendNow`, valid('param', viewParam), valid('query', attachQuery), valid('json', recipients), (c) => {
    const store = c.var.instance.stores.scheduledReports;
    const id = store.scheduleIdOfView(c.req.valid('param').viewId);
    store.send(id, { kind: 'sendNow', recipients: c.req.valid('json'), attachmentInclude: c.req.valid('query').attachmentInclude }, actor(c));
    return c.body(null, 202);
  });

  r.post(`${base}/views/:viewId/sendNowWithParams`, valid('param', viewParam), valid('query', attachQuery), valid('json', sendWithParams), (c) => {
    const store = c.var.instance.stores.scheduledReports;
    const id = store.scheduleIdOfView(c.req.valid('param').viewId);
    const b = c.req.valid('json');
    store.send(
      id,
      { kind: 'sendNowWithParams', recipients: b.recipients, attachmentInclude: c.req.valid('query').attachmentInclude, emailParams: b.emailParams },
      actor(c),
    );
    return c.body(null, 202);
  });

  // ---- the collection
  r.get(base, valid('query', listQuery), (c) => c.json(c.var.instance.stores.scheduledReports.list(c.req.valid('query'), actor(c))));

  r.post(base, valid('json', createBody), (c) => c.json(c.var.instance.stores.scheduledReports.create(c.req.valid('json'), actor(c))));

  r.delete(base, valid('query', z.object({ pageId: numericId })), (c) => {
    c.var.instance.stores.scheduledReports.deleteByPage(c.req.valid('query').pageId, actor(c));
    return c.body(null, 200);
  });

  // ---- one schedule
  r.get(`${base}/:scheduleId`, valid('param', scheduleParam), (c) => c.json(c.var.instance.stores.scheduledReports.get(c.req.valid('param').scheduleId, actor(c))));

  r.put(`${base}/:scheduleId`, valid('param', scheduleParam), valid('json', updateBody), (c) =>
    c.json(c.var.instance.stores.scheduledReports.update(c.req.valid('param').scheduleId, c.req.valid('json'), actor(c))),
  );

  r.delete(`${base}/:scheduleId`, valid('param', scheduleParam), (c) => {
    c.var.instance.stores.scheduledReports.delete(c.req.valid('param').scheduleId, actor(c));
    return c.body(null, 200);
  });

  r.put(`${base}/:scheduleId/enabled`, valid('param', scheduleParam), valid('json', z.boolean()), (c) => {
    c.var.instance.stores.scheduledReports.setEnabled(c.req.valid('param').scheduleId, c.req.valid('json'), actor(c));
    return c.body(null, 200);
  });

  r.get(`${base}/:scheduleId/history`, valid('param', scheduleParam), valid('query', pageQuery), (c) =>
    c.json(c.var.instance.stores.scheduledReports.scheduleHistory(c.req.valid('param').scheduleId, c.req.valid('query'), actor(c))),
  );

  r.post(`${base}/:scheduleId/notifications`, valid('param', scheduleParam), valid('json', reportRecipients), (c) => {
    const direct = c.req.valid('json').map((x) => ({ userId: x.userId ?? null, displayName: x.displayName ?? x.emailAddress, emailAddress: x.emailAddress }));
    c.var.instance.stores.scheduledReports.send(c.req.valid('param').scheduleId, { kind: 'notifications', direct }, actor(c));
    return c.body(null, 202);
  });

  r.post(`${base}/:scheduleId/notifications/queue`, valid('param', scheduleParam), valid('json', reportRecipients), (c) => {
    const direct = c.req.valid('json').map((x) => ({ userId: x.userId ?? null, displayName: x.displayName ?? x.emailAddress, emailAddress: x.emailAddress }));
    c.var.instance.stores.scheduledReports.send(c.req.valid('param').scheduleId, { kind: 'notificationsQueue', direct }, actor(c));
    return c.body(null, 202);
  });

  r.post(`${base}/:scheduleId/queue`, valid('param', scheduleParam), valid('json', recipients, { optional: true }), (c) => {
    c.var.instance.stores.scheduledReports.send(c.req.valid('param').scheduleId, { kind: 'queue', recipients: c.req.valid('json') ?? [] }, actor(c));
    return c.body(null, 202);
  });

  r.post(`${base}/:scheduleId/resubscribe`, valid('param', scheduleParam), valid('query', recipientQuery), (c) => {
    c.var.instance.stores.scheduledReports.resubscribe(c.req.valid('param').scheduleId, c.req.valid('query'), actor(c));
    return c.body(null, 200);
  });

  r.post(`${base}/:scheduleId/sendnow`, valid('param', scheduleParam), valid('json', recipients, { optional: true }), (c) => {
    c.var.instance.stores.scheduledReports.send(c.req.valid('param').scheduleId, { kind: 'sendnow', recipients: c.req.valid('json') ?? [] }, actor(c));
    return c.body(null, 202);
  });

  r.post(`${base}/:scheduleId/sendResubscribe`, valid('param', scheduleParam), valid('json', recipients.min(1)), (c) => {
    c.var.instance.stores.scheduledReports.sendResubscribe(c.req.valid('param').scheduleId, c.req.valid('json'), actor(c));
    return c.body(null, 202);
  });

  r.post(`${base}/:scheduleId/unsubscribe`, valid('param', scheduleParam), (c) => {
    c.var.instance.stores.scheduledReports.unsubscribe(c.req.valid('param').scheduleId, actor(c));
    return c.body(null, 200);
  });

  r.delete(`${base}/:scheduleId/unsubscribe/recipient`, valid('param', scheduleParam), valid('query', recipientQuery), (c) => {
    c.var.instance.stores.scheduledReports.deleteUnsubscribed(c.req.valid('param').scheduleId, c.req.valid('query'), actor(c));
    return c.body(null, 200);
  });

  return r;
}
