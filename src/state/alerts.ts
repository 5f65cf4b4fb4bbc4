import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { alertSubscriptions, alerts, cards, datasets, groups, pageCards, users } from '../../db/schema/index.js';
import { notFound, badRequest } from '../http/errors.js';
import type { Principal } from '../access/principal.js';
import type { Resource } from '../access/resources.js';
import { holds, parseAlertRule, type Measure } from '../engines/alert-rule.js';
import { nextRecurring } from '../jobs/scheduler.js';
import type { CardsStore } from './cards.js';
import type { StoreContext } from './context.js';
import type { DatasetsStore } from './datasets/index.js';
import type { OutboxStore } from './outbox.js';
import { ident, type RowService } from './rows.js';

/** How often every enabled alert is checked on its own, besides after each change of its dataset. */
const SWEEP_EVERY_MS = 3_600_000;
type CheckResult = { id: number; measure?: Measure; error?: string };

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

/** Who is calling: the request's principal. */
export type AlertActor = Principal;

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

/**
 * Alerts on datasets and cards, their subscriptions and shares, and their checks: after every change of
 * an alert's dataset and hourly, its rule is evaluated on the real rows (as its owner sees them); when it
 * becomes true the alert triggers and its subscribers are notified through the outbox; when it is false
 * again the alert re-arms.
 */
export class AlertsStore {
  constructor(
    private readonly ctx: StoreContext,
    private readonly deps: { datasets: DatasetsStore; cards: CardsStore; rows: RowService; outbox: OutboxStore },
  ) {
    ctx.jobs.register<{ datasetId?: string }, CheckResult[]>('alerts.check', {
      prepare: async ({ datasetId }) => {
        const out: CheckResult[] = [];
        for (const a of this.alertsOn(datasetId)) {
          try {
            out.push({ id: a.id, measure: await this.measure(a) });
          } catch (e) {
            out.push({ id: a.id, error: (e as Error).message });
          }
        }
        return out;
      },
      apply: (_p, job, results) => {
        for (const r of results) this.applyCheck(r);
        if (_p.datasetId === undefined) {
          const next = nextRecurring((a) => a + SWEEP_EVERY_MS, job.due, ctx.clock.present());
          ctx.jobs.enqueue('alerts.check', {}, { due: next ?? job.due + SWEEP_EVERY_MS, key: 'alerts:sweep' });
        }
      },
    });
    deps.datasets.notifyOnChange('alerts.check');
  }

  /** Deletes the alerts on objects that are being deleted (a dataset and its cards). */
  removeOn(resourceType: 'DATASET' | 'CARD', ids: Array<string | number>): void {
    if (ids.length) this.ctx.orm.delete(alerts).where(and(eq(alerts.resourceType, resourceType), inArray(alerts.resourceId, ids.map(String)))).run();
  }

  /** Starts the hourly check of every alert (fixtures call it once; it then re-plans itself). */
  planSweep(): void {
    if (!this.ctx.jobs.pending('alerts:sweep')) this.ctx.jobs.enqueue('alerts.check', {}, { due: this.ctx.clock.nowMs() + SWEEP_EVERY_MS, key: 'alerts:sweep' });
  }

  /** Enabled alerts on a dataset (or on cards of it); every enabled alert without one. */
  private alertsOn(datasetId: string | undefined): AlertRow[] {
    const all = this.ctx.orm.select().from(alerts).where(eq(alerts.enabled, true)).orderBy(asc(alerts.id)).all();
    if (datasetId === undefined) return all;
    return all.filter((a) => this.datasetOf(a) === datasetId);
  }

  private datasetOf(a: AlertRow): string | null {
    if (a.resourceType === 'DATASET') return a.resourceId;
    if (a.resourceType === 'CARD' && /^\d+$/.test(a.resourceId)) return this.deps.cards.find(Number(a.resourceId))?.datasourceId ?? null;
    return null;
  }

  /** What the alert's rule watches, measured on the rows its owner sees (a card's through the card). */
  private async measure(a: AlertRow): Promise<Measure> {
    const rule = parseAlertRule(a.rule, a.name);
    if (!rule) throw new Error(`The emulator cannot evaluate the rule '${a.rule || a.name}'`);
    const datasetId = this.datasetOf(a);
    if (!datasetId || !this.deps.datasets.find(datasetId)) throw new Error(`The alert's ${a.resourceType.toLowerCase()} ${a.resourceId} no longer exists`);
    const owner = this.ctx.orm.select().from(users).where(eq(users.id, a.owner)).get();
    if (!owner) throw new Error(`The alert's owner (user ${a.owner}) no longer exists`);
    const src = this.deps.rows.source(datasetId, this.ctx.access.principal(owner, 'system'), { throughObject: a.resourceType === 'CARD' });
    const find = (name: string) => src.target.columns.find((c) => c.name.toLowerCase() === name.toLowerCase())?.name;
    if (rule.kind === 'anyRow') {
      const cols = rule.columns.map(find).filter((c): c is string => c !== undefined);
      const parts = ['COUNT(*)', ...cols.flatMap((c) => [`COUNT(DISTINCT ${ident(c)})`, `SUM(LENGTH(CAST(${ident(c)} AS CHAR)))`])];
      const res = await this.deps.rows.rows(this.deps.rows.select(src, { columns: parts }));
      return { fingerprint: JSON.stringify(res.rows[0] ?? []) };
    }
    const col = find(rule.column);
    if (!col) throw new Error(`The rule names column '${rule.column}', which the dataset does not have`);
    const res = await this.deps.rows.rows(this.deps.rows.select(src, { columns: [`COALESCE(SUM(${ident(col)}), 0)`] }));
    return { value: Number(res.rows[0]?.[0] ?? 0) };
  }

  /** A check's effect: the new baseline; triggering (and notifying) when the rule became true; re-arming when false. */
  private applyCheck(r: CheckResult): void {
    const a = this.ctx.orm.select().from(alerts).where(eq(alerts.id, r.id)).get();
    if (!a) return;
    const now = this.ctx.clock.nowMs();
    if (r.error !== undefined) {
      this.ctx.orm.update(alerts).set({ lastError: r.error, lastCheckedAt: now }).where(eq(alerts.id, a.id)).run();
      return;
    }
    const rule = parseAlertRule(a.rule, a.name)!;
    const on = holds(rule, r.measure!, (a.lastState as Measure | null) ?? null);
    this.ctx.orm
      .update(alerts)
      .set({ lastState: r.measure as Record<string, unknown>, lastCheckedAt: now, lastError: null, triggered: on, ...(on && !a.triggered ? { lastTriggeredAt: now } : {}) })
      .where(eq(alerts.id, a.id))
      .run();
    if (on && !a.triggered) this.notify(a, r.measure!);
  }

  private notify(a: AlertRow, m: Measure): void {
    const ids = new Set<number>();
    for (const s of this.subscriptions(a.id)) {
      if (s.type === 'GROUP') this.ctx.access.memberIdsOf(s.subscriberId).forEach((u) => ids.add(u));
      else ids.add(s.subscriberId);
    }
    const emails = [...ids].sort((x, y) => x - y).flatMap((id) => this.ctx.orm.select({ e: users.emailAddress }).from(users).where(eq(users.id, id)).all().map((u) => u.e));
    if (!emails.length) return;
    const what = m.value !== undefined ? `The value is now ${m.value.toLocaleString('en-US')}.` : 'Rows changed.';
    this.deps.outbox.send({
      kind: 'alert',
      to: emails,
      subject: `Alert: ${a.name}`,
      body: `${a.rule || a.name}\n${what}\n${a.resourceType} ${a.resourceId}: ${this.resourceName(a) ?? ''}`,
      meta: { alertId: a.id, resourceType: a.resourceType, resourceId: a.resourceId, value: m.value ?? null },
    });
  }

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
    const groupIds = this.ctx.access.groupIdsOf(userId);
    const viaGroup = groupIds.length
      ? sql`(${alertSubscriptions.type} = 'GROUP' and ${inArray(alertSubscriptions.subscriberId, [...groupIds])})`
      : sql`0`;
    return sql`((${alertSubscriptions.type} <> 'GROUP' and ${alertSubscriptions.subscriberId} = ${userId}) or ${viaGroup})`;
  }

  /** An alert as the access policy sees it: its owner, and its subscribers (users and groups). */
  private resource(a: AlertRow): Resource {
    const subs = this.ctx.orm.select().from(alertSubscriptions).where(eq(alertSubscriptions.alertId, a.id)).all();
    return { type: 'alert', id: a.id, name: a.name, ownerIds: [a.owner], grants: subs.map((r) => ({ type: r.type === 'GROUP' ? 'GROUP' : 'USER', id: r.subscriberId, perms: ['SUBSCRIBER'] })) };
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
      error: a.lastError ? { message: a.lastError } : {},
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
      lastTriggeredAt: a.lastTriggeredAt === null ? null : alertTime(a.lastTriggeredAt),
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

  /** The owner of an alert or a content admin may delete it. */
  delete(id: number, actor: AlertActor): void {
    const a = this.row(id);
    this.ctx.access.require(actor, 'alert.update', this.resource(a));
    this.ctx.audit.write(actor, { action: 'DELETED', type: 'ALERT', id, name: a.name }, () => this.ctx.orm.delete(alerts).where(eq(alerts.id, id)).run());
  }

  /** Checks a subscriber exists: a group for GROUP, a user for every other type. */
  private checkSubscriber(subscriberId: number, type: SubscriptionType): void {
    if (type === 'GROUP') {
      if (!this.ctx.orm.select({ id: groups.id }).from(groups).where(eq(groups.id, subscriberId)).get()) throw notFound(`Group ${subscriberId} not found`);
    } else if (!this.ctx.orm.select({ id: users.id }).from(users).where(eq(users.id, subscriberId)).get()) {
      throw notFound(`User ${subscriberId} not found`);
    }
  }

  /** A user may subscribe or unsubscribe themselves; the alert's owner and content admins may do it for anyone. */
  private checkManage(a: AlertRow, subscriberId: number, type: SubscriptionType, actor: AlertActor): void {
    if (type !== 'GROUP' && subscriberId === actor.userId) this.ctx.access.require(actor, 'alert.subscribe');
    else this.ctx.access.require(actor, 'alert.update', this.resource(a));
  }

  /** Idempotent: subscribing twice keeps one subscription. */
  subscribe(id: number, subscriberId: number, type: SubscriptionType, actor: AlertActor): Record<string, unknown> {
    const a = this.row(id);
    this.checkSubscriber(subscriberId, type);
    this.checkManage(a, subscriberId, type, actor);
    this.ctx.audit.write(actor, { action: 'SUBSCRIBED', type: 'ALERT', id, name: a.name, detail: ` (${type} ${subscriberId})` }, () =>
      this.ctx.orm
        .insert(alertSubscriptions)
        .values({ alertId: id, subscriberId, type, created: this.ctx.clock.nowMs() })
        .onConflictDoNothing()
        .run(),
    );
    return { alertId: id, subscriberId, type, subscribed: true };
  }

  unsubscribe(id: number, subscriberId: number, type: SubscriptionType, actor: AlertActor): Record<string, unknown> {
    const a = this.row(id);
    this.checkManage(a, subscriberId, type, actor);
    this.ctx.audit.write(actor, { action: 'UNSUBSCRIBED', type: 'ALERT', id, name: a.name, detail: ` (${type} ${subscriberId})` }, () => {
      const res = this.ctx.orm
        .delete(alertSubscriptions)
        .where(and(eq(alertSubscriptions.alertId, id), eq(alertSubscriptions.subscriberId, subscriberId), eq(alertSubscriptions.type, type)))
        .run();
      if (res.changes === 0) throw notFound(`${type} ${subscriberId} is not subscribed to alert ${id}`);
    });
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
    this.ctx.access.require(actor, 'alert.share', this.resource(a));
    const now = this.ctx.clock.nowMs();
    const notify: Array<{ userId: number; email: string; via: { subscriberId: number; type: string } }> = [];
    const seen = new Set<number>();
    this.ctx.sqlite.transaction(() => {
      for (const r of recipients) {
        this.ctx.orm.insert(alertSubscriptions).values({ alertId: id, subscriberId: r.subscriberId, type: r.type, created: now }).onConflictDoNothing().run();
        const userIds =
          r.type === 'GROUP'
            ? this.ctx.access.memberIdsOf(r.subscriberId)
            : [r.subscriberId];
        for (const userId of userIds) {
          if (seen.has(userId)) continue;
          seen.add(userId);
          const u = this.ctx.orm.select({ email: users.emailAddress }).from(users).where(eq(users.id, userId)).get();
          if (u) notify.push({ userId, email: u.email, via: r });
        }
      }
      this.ctx.audit.record(actor, { action: 'SHARED', type: 'ALERT', id, name: a.name, detail: ` with ${recipients.map((r) => `${r.type} ${r.subscriberId}`).join(', ')}` });
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
