import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../src/http/env.js';
import { csvList, numericId, flag } from '../src/http/paging.js';
import { parseOrThrow, valid } from '../src/http/validate.js';
import { subscriptionTypes, type AlertActor } from '../src/state/alerts.js';

const actorOf = (c: Context<AppEnv>): AlertActor => c.var.principal;
const alertParam = z.object({ alertId: numericId });
const subType = z.string().trim().toUpperCase().pipe(z.enum(subscriptionTypes));
const subscription = z.object({ subscriberId: numericId, type: subType });

const listQuery = z.object({
  all: flag.optional(),
  cardId: numericId.optional(),
  currentUserSubscriptions: flag.optional(),
  dataSetId: z.string().trim().min(1).optional(),
  disabled: flag.optional(),
  fields: csvList.optional(),
  limit: z.coerce.number().int().min(0).max(10_000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  ownerId: numericId.optional(),
  pageId: numericId.optional(),
  sort: z.string().trim().min(1).default('createdAt'),
  subscriberId: numericId.optional(),
  subscriptionTypes: csvList.pipe(z.array(subType)).optional(),
  suggested: flag.optional(),
  triggered: flag.optional(),
});

const shareBody = z.object({
  userMessage: z.string(),
  alertSubscriptions: z.array(subscription).min(1),
  sendEmail: z.boolean().optional(),
  metaData: z.record(z.string(), z.unknown()).optional(),
});

/** Alerts API: /api/social/v4/alerts */
export function alertsRoutes() {
  const r = new Hono<AppEnv>();
  const base = '/api/social/v4/alerts';

  r.get(base, valid('query', listQuery), (c) => c.json(c.var.instance.stores.alerts.list(c.req.valid('query'), c.var.principal.userId)));

  r.get(`${base}/:alertId`, valid('param', alertParam), valid('query', z.object({ fields: csvList.optional() })), (c) =>
    c.json(c.var.instance.stores.alerts.get(c.req.valid('param').alertId, c.var.principal.userId, c.req.valid('query').fields)),
  );

  r.delete(`${base}/:alertId`, valid('param', alertParam), (c) => {
    const { alertId } = c.req.valid('param');
    c.var.instance.stores.alerts.delete(alertId, actorOf(c));
    return c.json({ success: true, alertId });
  });

  // POST subscribes ({subscriberId, type} body); the reference's header also says POST for unsubscribe,
  // so a POST with subscriberId+type in the query and no body unsubscribes.
  r.post(
    `${base}/:alertId/subscriptions`,
    valid('param', alertParam),
    valid('query', subscription.partial()),
    valid('json', subscription.optional(), { optional: true }),
    (c) => {
      const { alertId } = c.req.valid('param');
      const body = c.req.valid('json');
      const q = c.req.valid('query');
      const alerts = c.var.instance.stores.alerts;
      if (body) return c.json(alerts.subscribe(alertId, body.subscriberId, body.type, actorOf(c)));
      const asQuery = subscription.safeParse(q);
      if (asQuery.success) return c.json(alerts.unsubscribe(alertId, asQuery.data.subscriberId, asQuery.data.type, actorOf(c)));
      // neither form: the body is what is missing
      const b = parseOrThrow(subscription, {}, 'body');
      return c.json(alerts.subscribe(alertId, b.subscriberId, b.type, actorOf(c)));
    },
  );

  r.delete(`${base}/:alertId/subscriptions`, valid('param', alertParam), valid('query', subscription), (c) => {
    const { subscriberId, type } = c.req.valid('query');
    return c.json(c.var.instance.stores.alerts.unsubscribe(c.req.valid('param').alertId, subscriberId, type, actorOf(c)));
  });

  r.post(`${base}/:alertId/share`, valid('param', alertParam), valid('json', shareBody), (c) => {
    const { alertId } = c.req.valid('param');
    const b = c.req.valid('json');
    const stores = c.var.instance.stores;
    const res = stores.alerts.share(alertId, b.alertSubscriptions, actorOf(c));
    const from = c.var.principal.displayName;
    for (const n of res.notify) {
      stores.outbox.send({
        kind: b.sendEmail ? 'email' : 'notification',
        to: [n.email],
        subject: `${from} shared the alert "${res.alert.name}" with you`,
        body: `${from} subscribed you to the alert "${res.alert.name}".${b.userMessage ? `\n\n${b.userMessage}` : ''}`,
        meta: { alertId, userId: n.userId, subscriberId: n.via.subscriberId, subscriptionType: n.via.type, sharedBy: c.var.principal.userId, metaData: b.metaData ?? {} },
      });
    }
    return c.json({ success: true, alertId, recipients: res.notify.map((n) => n.userId) });
  });

  return r;
}
