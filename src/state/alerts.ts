import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { alertSubscriptions, alerts, cards, datasets, groupMembers, groups, pageCards, users } from '../../db/schema/index.js';
import { forbidden, notFound, badRequest } from '../http/errors.js';
import type { StoreContext } from './context.js';

export const subscriptionTypes = ['USER', 'GROUP', 'BUZZ', 'DAILY', 'WEEKLY', 'AUTO'] as const;
export type SubscriptionType = (typeof subscriptionTypes)[number];

/** The fields GET /api/social/v4/alerts returns when `fields` is not given. */
export const defaultAlertFields = ['id', 'category', 'type', 'name', 'description', 'resourceType', 'resourceId', 'createdAt', 'createdBy', 'modifiedAt', 'modifiedBy'];

export interface AlertSeed {
  id: number;
  name: string;
  description?: string;
  type: string;
  category: string;
  resourceType: 'DATASET' | 'CARD';
  resourceId: string;
  rule?: string;
  triggerFrequency?: string;
  owner: number;
  enabled?: boolean;
  triggered?: boolean;
  suggested?: boolean;
  createdAt: string;
  modifiedAt?: string;
  subscriptions?: Array<{ subscriberId: number; type: SubscriptionType }>;
}

export interface AlertActor {
  id: number;
  admin: boolean;
}

export interface AlertListQuery {
  all?: boolean;
  cardId?: number;
  currentUserSubscriptions?: boolean;
  dataSetId?: string;
  disabled?: boolean;
  fields?: string[];
  limit: number;
  offset: number;
  ownerId?: number;
  pageId?: number;
  sort: string;
  subscriberId?: number;
  subscriptionTypes?: string[];
  suggested?: boolean;
  triggered?: boolean;
}

type AlertRow = typeof alerts.$inferSelect;

/** "2024-12-12 23:37:32" (UTC), the timestamp form of the Alerts API. */
export const alertTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const parseAlertTime = (s: string) => Date.parse(s.includes('T') ? s : `${s.replace(' ', 'T')}Z`);

const sortColumns: Record<string, SQL | typeof alerts.id> = {
  id: sql`${alerts.id}`,
  name: sql`lower(${alerts.name})`,
  createdAt: sql`${alerts.createdAt}`,
  modifiedAt: sql`${alerts.modifiedAt}`,
  type: sql`${alerts.type}`,
  category: sql`${alerts.category}`,
  resourceType: sql`${alerts.resourceType}`,
};
export const alertSortFields = Object.keys(sortColumns);

/** Alerts on datasets and cards, their subscriptions and shares. */
export class AlertsStore {
  constructor(private readonly ctx: StoreContext) {}

  private row(id: number): AlertRow {
    const a = this.ctx.orm.select().from(alerts).where(eq(alerts.id, id)).get();
    if (!a) throw notFound(`Alert ${id} not found`);
    return a;
  }

  subscriptions(alertId: number): Array<{ subscriberId: number; type: string }> {
    return this.ctx.orm
      .select({ subscriberId: alertSubscriptions.subscriberId, type: alertSubscriptions.type })
      .from(alertSubscriptions)
      .where(eq(alertSubscriptions.alertId, alertId))
      .orderBy(asc(alertSubscriptions.created), asc(alertSubscriptions.subscriberId))
      .all();
  }

  private resourceName(a: AlertRow): string | null {
    if (a.resourceType === 'DATASET') {
      return this.ctx.orm.select({ n: datasets.name }).from(datasets).where(eq(datasets.id, a.resourceId)).get()?.n ?? null;
    }
    if (a.resourceType === 'CARD' && /^\d+$/.test(a.resourceId)) {
      return this.ctx.orm.select({ n: cards.title }).from(cards).where(eq(cards.id, Number(a.resourceId))).get()?.n ?? null;
    }
    return null;
  }

  /** Whether a user is subscribed, directly or through one of their groups. */
  private isSubscribed(alertId: number, userId: number): boolean {
    return !!this.ctx.orm
      .select({ a: alertSubscriptions.alertId })
      .from(alertSubscriptions)
      .where(and(eq(alertSubscriptions.alertId, alertId), this.subscriberCond(userId)))
      .get();
  }

  private subscriberCond(userId: number): SQL {
    return sql`((${alertSubscriptions.type} <> 'GROUP' and ${alertSubscriptions.subscriberId} = ${userId}) or (${alertSubscriptions.type} = 'GROUP' and ${alertSubscriptions.subscriberId} in (select ${groupMembers.groupId} from ${groupMembers} where ${groupMembers.userId} = ${userId})))`;
  }

  /** Every field of an alert, as GET /api/social/v4/alerts/:alertId shows it to `viewer`. */
  full(a: AlertRow, viewerId: number): Record<string, unknown> {
    return {
      actions: [],
      active: a.enabled,
      category: a.category,
      configurations: [],
      contextual: true,
      createdAt: alertTime(a.createdAt),
      createdBy: a.createdBy,
      currentUserSubscribed: this.isSubscribed(a.id, viewerId),
      description: a.description,
      enabled: a.enabled,
      error: {},
      filterGroups: [],
      id: a.id,
      modifiedAt: alertTime(a.modifiedAt),
      modifiedBy: a.modifiedBy,
      name: a.name,
      owner: a.owner,
      resourceId: a.resourceId,
      resourceName: this.resourceName(a),
      resourceType: a.resourceType,
      rule: a.rule,
      subscriptions: this.subscriptions(a.id),
      suggested: a.suggested,
      triggerFrequency: a.triggerFrequency,
      triggered: a.triggered,
      type: a.type,
    };
  }

  private pick(a: AlertRow, viewerId: number, fields: string[] | undefined, fallback: string[] | null): Record<string, unknown> {
    const full = this.full(a, viewerId);
    const wanted = fields && fields.length ? fields : fallback;
    if (!wanted || wanted.some((f) => f.toLowerCase() === 'all')) return full;
    const out: Record<string, unknown> = { id: a.id };
    for (const f of wanted) if (f in full) out[f] = full[f];
    return out;
  }

  get(id: number, viewerId: number, fields?: string[]): Record<string, unknown> {
    return this.pick(this.row(id), viewerId, fields, null);
  }

  list(q: AlertListQuery, viewerId: number): Record<string, unknown>[] {
    const conds: SQL[] = [];
    if (q.cardId !== undefined) conds.push(sql`${alerts.resourceType} = 'CARD' and ${alerts.resourceId} = ${String(q.cardId)}`);
    if (q.dataSetId !== undefined) conds.push(sql`${alerts.resourceType} = 'DATASET' and ${alerts.resourceId} = ${q.dataSetId}`);
    if (q.pageId !== undefined) {
      conds.push(
        sql`${alerts.resourceType} = 'CARD' and ${alerts.resourceId} in (select cast(${pageCards.cardId} as text) from ${pageCards} where ${pageCards.pageId} = ${q.pageId})`,
      );
    }
    if (q.disabled !== undefined) conds.push(eq(alerts.enabled, !q.disabled));
    if (q.ownerId !== undefined) conds.push(eq(alerts.owner, q.ownerId));
    if (q.triggered !== undefined) conds.push(eq(alerts.triggered, q.triggered));
    if (q.suggested !== undefined) conds.push(eq(alerts.suggested, q.suggested));
    const subscriberOf = (userId: number) => {
      const types = q.subscriptionTypes?.length ? sql` and ${inArray(alertSubscriptions.type, q.subscriptionTypes)}` : sql``;
      return sql`exists (select 1 from ${alertSubscriptions} where ${alertSubscriptions.alertId} = ${alerts.id} and ${this.subscriberCond(userId)}${types})`;
    };
    if (q.subscriberId !== undefined) conds.push(subscriberOf(q.subscriberId));
    if (q.currentUserSubscriptions) conds.push(subscriberOf(viewerId));
    if (q.subscriptionTypes?.length && q.subscriberId === undefined && !q.currentUserSubscriptions) {
      conds.push(
        sql`exists (select 1 from ${alertSubscriptions} where ${alertSubscriptions.alertId} = ${alerts.id} and ${inArray(alertSubscriptions.type, q.subscriptionTypes)})`,
      );
    }
    const descending = q.sort.startsWith('-');
    const name = descending ? q.sort.slice(1) : q.sort;
    const key = Object.hasOwn(sortColumns, name) ? sortColumns[name] : undefined; // own keys only: ?sort=__proto__ is no column
    if (!key) {
      throw badRequest(`Cannot sort alerts by '${q.sort}': use one of ${alertSortFields.join(', ')} (prefix '-' for descending)`, [
        { path: 'query.sort', message: 'Unknown sort field' },
      ]);
    }
    let query = this.ctx.orm
      .select()
      .from(alerts)
      .where(conds.length ? and(...conds) : undefined)
      .orderBy(descending ? desc(key) : asc(key), asc(alerts.id))
      .$dynamic();
    if (!q.all) query = query.limit(q.limit).offset(q.offset);
    return query.all().map((a) => this.pick(a, viewerId, q.fields, defaultAlertFields));
  }

  /** The owner of an alert or an admin may delete it. */
  delete(id: number, actor: AlertActor): void {
    const a = this.row(id);
    if (!actor.admin && a.owner !== actor.id) throw forbidden(`User ${actor.id} may not delete alert ${id}: only its owner or an admin may`);
    this.ctx.orm.delete(alerts).where(eq(alerts.id, id)).run();
  }

  /** Checks a subscriber exists: a group for GROUP, a user for every other type. */
  private checkSubscriber(subscriberId: number, type: SubscriptionType): void {
    if (type === 'GROUP') {
      if (!this.ctx.orm.select({ id: groups.id }).from(groups).where(eq(groups.id, subscriberId)).get()) throw notFound(`Group ${subscriberId} not found`);
    } else if (!this.ctx.orm.select({ id: users.id }).from(users).where(eq(users.id, subscriberId)).get()) {
      throw notFound(`User ${subscriberId} not found`);
    }
  }

  /** A user may subscribe or unsubscribe themselves; the alert's owner and admins may do it for anyone. */
  private checkManage(a: AlertRow, subscriberId: number, type: SubscriptionType, actor: AlertActor, verb: string): void {
    if (actor.admin || a.owner === actor.id) return;
    if (type !== 'GROUP' && subscriberId === actor.id) return;
    throw forbidden(`User ${actor.id} may not ${verb} ${type === 'GROUP' ? 'group' : 'user'} ${subscriberId} on alert ${a.id}: only the alert's owner or an admin may`);
  }

  /** Idempotent: subscribing twice keeps one subscription. */
  subscribe(id: number, subscriberId: number, type: SubscriptionType, actor: AlertActor): Record<string, unknown> {
    const a = this.row(id);
    this.checkSubscriber(subscriberId, type);
    this.checkManage(a, subscriberId, type, actor, 'subscribe');
    this.ctx.orm
      .insert(alertSubscriptions)
      .values({ alertId: id, subscriberId, type, created: this.ctx.clock.nowMs() })
      .onConflictDoNothing()
      .run();
    return { alertId: id, subscriberId, type, subscribed: true };
  }

  unsubscribe(id: number, subscriberId: number, type: SubscriptionType, actor: AlertActor): Record<string, unknown> {
    const a = this.row(id);
    this.checkManage(a, subscriberId, type, actor, 'unsubscribe');
    const res = this.ctx.orm
      .delete(alertSubscriptions)
      .where(and(eq(alertSubscriptions.alertId, id), eq(alertSubscriptions.subscriberId, subscriberId), eq(alertSubscriptions.type, type)))
      .run();
    if (res.changes === 0) throw notFound(`${type} ${subscriberId} is not subscribed to alert ${id}`);
    return { alertId: id, subscriberId, type, subscribed: false };
  }

  /**
   * Shares an alert: subscribes every recipient (all or nothing) and returns the users to notify
   * (a GROUP recipient stands for its members), with their email addresses.
   */
  share(
    id: number,
    recipients: Array<{ subscriberId: number; type: SubscriptionType }>,
    actor: AlertActor,
  ): { alert: { id: number; name: string }; notify: Array<{ userId: number; email: string; via: { subscriberId: number; type: string } }> } {
    const a = this.row(id);
    for (const r of recipients) this.checkSubscriber(r.subscriberId, r.type);
    if (!actor.admin && a.owner !== actor.id && !this.isSubscribed(id, actor.id)) {
      throw forbidden(`User ${actor.id} may not share alert ${id}: only its owner, its subscribers or an admin may`);
    }
    const now = this.ctx.clock.nowMs();
    const notify: Array<{ userId: number; email: string; via: { subscriberId: number; type: string } }> = [];
    const seen = new Set<number>();
    this.ctx.sqlite.transaction(() => {
      for (const r of recipients) {
        this.ctx.orm.insert(alertSubscriptions).values({ alertId: id, subscriberId: r.subscriberId, type: r.type, created: now }).onConflictDoNothing().run();
        const userIds =
          r.type === 'GROUP'
            ? this.ctx.orm
                .select({ id: groupMembers.userId })
                .from(groupMembers)
                .where(eq(groupMembers.groupId, r.subscriberId))
                .orderBy(asc(groupMembers.userId))
                .all()
                .map((m) => m.id)
            : [r.subscriberId];
        for (const userId of userIds) {
          if (seen.has(userId)) continue;
          seen.add(userId);
          const u = this.ctx.orm.select({ email: users.emailAddress }).from(users).where(eq(users.id, userId)).get();
          if (u) notify.push({ userId, email: u.email, via: r });
        }
      }
    })();
    return { alert: { id: a.id, name: a.name }, notify };
  }

  seed(list: AlertSeed[]): void {
    this.ctx.sqlite.transaction(() => {
      for (const a of list) {
        const created = parseAlertTime(a.createdAt);
        const modified = a.modifiedAt ? parseAlertTime(a.modifiedAt) : created;
        if (Number.isNaN(created) || Number.isNaN(modified)) throw new Error(`fixtures: alert ${a.id} has a bad createdAt/modifiedAt`);
        this.ctx.orm
          .insert(alerts)
          .values({
            id: a.id,
            name: a.name,
            description: a.description ?? '',
            type: a.type,
            category: a.category,
            resourceType: a.resourceType,
            resourceId: a.resourceId,
            rule: a.rule ?? a.name,
            triggerFrequency: a.triggerFrequency ?? 'Rarely',
            owner: a.owner,
            enabled: a.enabled ?? true,
            triggered: a.triggered ?? false,
            suggested: a.suggested ?? false,
            createdAt: created,
            createdBy: a.owner,
            modifiedAt: modified,
            modifiedBy: a.owner,
          })
          .run();
        for (const s of a.subscriptions ?? []) {
          this.ctx.orm.insert(alertSubscriptions).values({ alertId: a.id, subscriberId: s.subscriberId, type: s.type, created: created }).run();
        }
      }
    })();
  }
}
