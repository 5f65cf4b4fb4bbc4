import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import {
  groups,
  reportHistory,
  reportSchedules,
  reportSettings,
  reportUnsubscribes,
  users,
  type ReportRecipient,
  type ReportScheduleRecipient,
} from '../../db/schema/index.js';
import { nextRunAfter } from '../engines/report-schedule.js';
import { nextRecurring } from '../jobs/scheduler.js';
import { ApiError, badRequest, conflict, notFound } from '../http/errors.js';
import type { CardRow, CardsStore } from './cards.js';
import type { Principal } from '../access/principal.js';
import type { Resource } from '../access/resources.js';
import type { CardContentStore, CardSummary } from './card-content.js';

/** What a card's report email shows: its summary and the first rows of its dataset. */
interface CardEmail {
  summary: CardSummary;
  columns: string[];
  rows: Array<Record<string, unknown>>;
}
import type { StoreContext } from './context.js';
import type { DatasetsStore } from './datasets/index.js';
import type { OutboxStore } from './outbox.js';
import type { RowService } from './rows.js';

export type ScheduleRow = typeof reportSchedules.$inferSelect;
export type HistoryRow = typeof reportHistory.$inferSelect;

/** Who is asking: the request's principal. */
export type ReportActor = Principal;

export interface ScheduleFields {
  frequency?: string;
  daysToRun?: string;
  hourOfDay?: number;
  minOfHour?: number;
  timezone?: string;
  enabled?: boolean;
  additionalRecipients?: ReportScheduleRecipient[];
}

export interface CreateScheduleInput {
  title: string;
  pageId?: number;
  cardId?: number;
  resourceType?: string;
  resourceId?: string;
  viewId?: number;
  viewName?: string;
  schedule: ScheduleFields & { frequency: string };
  attachmentInclude?: boolean;
}

export interface UpdateScheduleInput {
  title?: string;
  schedule?: ScheduleFields;
  attachmentInclude?: boolean;
}

export interface ScheduleSeed extends CreateScheduleInput {
  id: number;
  ownerId: number;
  embedViewId?: number;
  cardCount?: number;
  resourceName?: string;
}

export interface HistorySeed {
  id: number;
  reportId: number;
  reportSubject?: string;
  startTime: string;
  endTime?: string;
  automated?: boolean;
  cardCount?: number;
  attachmentCount?: number;
  attachmentSize?: number;
  emailSize?: number;
  status: string;
  recipients?: Array<{ userId?: number | null; emailAddress?: string }>;
}

/** Optional lookup of page titles (the Pages family can hand one in); without it a page is taken on trust. */
export interface PageLookup {
  pageTitle(id: number): string | undefined;
  pageResource(id: number): Resource | undefined;
}

/** How long a run takes on the instance clock: queued, then running after 0.5 s, then sent after 1.5 s. */
const RUNNING_AFTER_MS = 500;
const SENT_AFTER_MS = 1500;
const fireKey = (id: number) => `report:${id}`;

export type ListOrder = 'startDate' | 'nextRunDate' | 'title';
export const historyOrders = ['reportTitle', 'startTime', 'endTime', 'automated', 'cardCount', 'attachmentCount', 'attachmentSize', 'emailSize'] as const;
export type HistoryOrder = (typeof historyOrders)[number];

export interface HistorySearch {
  includeTitleClause?: boolean;
  titleSearchText?: string;
  includeStatusClause?: boolean;
  status?: string;
  includeTypeClause?: boolean;
  isAutomated?: boolean;
  includeScheduleIdClause?: boolean;
  scheduleId?: number;
}

const finalStates = ['success', 'failed', 'skipped'];
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const DAY = 86_400_000;

/** Scheduled Reports: schedules on pages/cards/datasets, report runs as clock-driven jobs, unsubscribes, the email switch. */
export class ScheduledReportsStore {
  private readonly pages: PageLookup;

  constructor(
    private readonly ctx: StoreContext,
    private readonly deps: { cards: CardsStore; cardContent: CardContentStore; datasets: DatasetsStore; rows: RowService; outbox: OutboxStore; pages: PageLookup },
  ) {
    this.pages = deps.pages;
    // A schedule fires at its next run time: a run starts, and the next fire is planned from this one.
    ctx.jobs.register<{ scheduleId: number }, void>('report.fire', {
      apply: ({ scheduleId }, job) => {
        const sch = this.find(scheduleId);
        if (!sch || !sch.enabled) return;
        const owner = this.ctx.orm.select().from(users).where(eq(users.id, sch.ownerId)).get();
        // a scheduled send is recorded as the schedule's owner, whose schedule it is
        const by = this.ctx.access.principal(owner ?? { id: sch.ownerId, roleId: 0, displayName: '' }, 'system');
        this.startRun(sch, { kind: 'scheduled', targets: this.resolve(sch.recipients), automated: true }, by);
        this.plan(sch, job.due);
      },
    });
    ctx.jobs.register<{ historyId: number }, void>('report.running', {
      apply: ({ historyId }) => {
        this.ctx.orm.update(reportHistory).set({ status: 'running' }).where(and(eq(reportHistory.id, historyId), eq(reportHistory.status, 'queued'))).run();
      },
    });
    // a run ends: its card is rendered first (the row service, outside the transaction), then it is sent
    ctx.jobs.register<{ historyId: number }, CardEmail | null>('report.complete', {
      prepare: async ({ historyId }) => {
        const h = this.ctx.orm.select().from(reportHistory).where(eq(reportHistory.id, historyId)).get();
        const sch = h && this.find(h.scheduleId);
        const card = sch?.resourceType === 'CARD' ? this.deps.cards.find(Number(sch.resourceId)) : undefined;
        const owner = sch && this.ctx.orm.select().from(users).where(eq(users.id, sch.ownerId)).get();
        // a send renders the card as the schedule's owner sees it
        return card && owner ? this.cardEmail(card, this.ctx.access.principal(owner, 'system')) : null;
      },
      apply: ({ historyId }, _job, card) => {
        const h = this.ctx.orm.select().from(reportHistory).where(eq(reportHistory.id, historyId)).get();
        if (h && !finalStates.includes(h.status)) this.complete(h, this.ctx.clock.nowMs(), card);
      },
      fail: ({ historyId }, _job, e) => {
        this.ctx.orm.update(reportHistory).set({ status: 'failed', endTime: this.ctx.clock.nowMs(), message: e.message }).where(eq(reportHistory.id, historyId)).run();
      },
    });
  }

  /**
   * Plans a schedule's next fire (after `after`, default now) as its one pending job; a disabled or
   * deleted schedule has none. Called on every change of a schedule and after each fire.
   */
  private plan(sch: ScheduleRow | undefined, after = this.ctx.clock.nowMs(), id = sch?.id): void {
    if (id === undefined) return;
    const next = sch && sch.enabled ? nextRecurring((a) => nextRunAfter(sch, a), after, this.ctx.clock.present()) : null;
    if (next === null) this.ctx.jobs.cancel(fireKey(id));
    else this.ctx.jobs.enqueue('report.fire', { scheduleId: id }, { due: next, key: fireKey(id) });
  }

  /** When a schedule fires next (its pending job), or null. */
  private nextRun(sch: ScheduleRow): number | null {
    return sch.enabled ? (this.ctx.jobs.pending(fireKey(sch.id))?.due ?? null) : null;
  }

  // ------------------------------------------------------------------ schedules

  find(id: number): ScheduleRow | undefined {
    return this.ctx.orm.select().from(reportSchedules).where(eq(reportSchedules.id, id)).get();
  }

  private row(id: number): ScheduleRow {
    const s = this.find(id);
    if (!s) throw notFound(`Report schedule ${id} not found`);
    return s;
  }

  /** A schedule as the access policy sees it: its owner, and RECIPIENT when `actor` receives it. */
  private resource(s: ScheduleRow, actor: ReportActor): Resource {
    const email = this.userEmail(actor.userId);
    const receives = this.resolve(s.recipients).some((r) => r.userId === actor.userId || (email !== undefined && r.emailAddress.toLowerCase() === email));
    return { type: 'schedule', id: s.id, name: s.title, ownerIds: [s.ownerId], grants: receives ? [{ type: 'USER', id: actor.userId, perms: ['RECIPIENT'] }] : [] };
  }

  /** Sees every user's schedules and history (content admins). */
  private seesAll(actor: ReportActor): boolean {
    return this.ctx.access.isContentAdmin(actor);
  }

  /** The schedule if the actor may see it: owner, recipient or content admin. */
  private visible(id: number, actor: ReportActor): ScheduleRow {
    const s = this.row(id);
    this.ctx.access.require(actor, 'schedule.read', this.resource(s, actor));
    return s;
  }

  /** The schedule if the actor may change it: owner or content admin (with report.schedule). */
  private owned(id: number, actor: ReportActor): ScheduleRow {
    const s = this.row(id);
    this.ctx.access.require(actor, 'schedule.update', this.resource(s, actor));
    return s;
  }

  private canSee(s: ScheduleRow, actor: ReportActor): boolean {
    return this.ctx.access.can(actor, 'schedule.read', this.resource(s, actor));
  }

  get(id: number, actor: ReportActor): Record<string, unknown> {
    return this.view(this.visible(id, actor), actor);
  }

  byView(viewId: number, actor: ReportActor): Record<string, unknown> {
    const s = this.ctx.orm.select().from(reportSchedules).where(eq(reportSchedules.reportViewId, viewId)).get();
    if (!s) throw notFound(`No report schedule for view ${viewId}`);
    return this.get(s.id, actor);
  }

  scheduleIdOfView(viewId: number): number {
    const s = this.ctx.orm.select({ id: reportSchedules.id }).from(reportSchedules).where(eq(reportSchedules.reportViewId, viewId)).get();
    if (!s) throw notFound(`No report schedule for view ${viewId}`);
    return s.id;
  }

  list(
    q: { filter: string; title: string; limit: number; skip: number; orderBy: ListOrder; isAscending: boolean },
    actor: ReportActor,
  ): Array<Record<string, unknown>> {
    const all = this.scoped(q.filter, actor).filter((s) => !q.title || s.title.toLowerCase().includes(q.title.toLowerCase()));
    const key = (s: ScheduleRow): string | number =>
      q.orderBy === 'title' ? s.title.toLowerCase() : q.orderBy === 'nextRunDate' ? (this.nextRun(s) ?? Infinity) : s.created;
    const sorted = all.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      const c = ka < kb ? -1 : ka > kb ? 1 : a.id - b.id;
      return q.isAscending ? c : -c;
    });
    const page = q.limit > 0 ? sorted.slice(q.skip, q.skip + q.limit) : sorted.slice(q.skip);
    return page.map((s) => this.view(s, actor));
  }

  byResource(resourceType: string, resourceId: string, showAll: boolean, actor: ReportActor): Array<Record<string, unknown>> {
    return this.ctx.orm
      .select()
      .from(reportSchedules)
      .where(and(eq(reportSchedules.resourceType, resourceType), eq(reportSchedules.resourceId, resourceId)))
      .orderBy(asc(reportSchedules.id))
      .all()
      .filter((s) => (showAll ? this.canSee(s, actor) : s.ownerId === actor.userId))
      .map((s) => this.view(s, actor));
  }

  resources(q: { limit: number; skip: number; title: string }, actor: ReportActor): Array<Record<string, unknown>> {
    const seen = new Map<string, Record<string, unknown>>();
    for (const s of this.ctx.orm.select().from(reportSchedules).orderBy(asc(reportSchedules.id)).all()) {
      if (!this.canSee(s, actor)) continue;
      const key = `${s.resourceType}:${s.resourceId}`;
      const title = this.resourceState(s).name;
      if (q.title && !title.toLowerCase().includes(q.title.toLowerCase())) continue;
      const entry = seen.get(key) ?? { resourceId: resourceIdOut(s.resourceId), title, type: s.resourceType, reportCount: 0 };
      entry.reportCount = (entry.reportCount as number) + 1;
      seen.set(key, entry);
    }
    return [...seen.values()].slice(q.skip, q.skip + q.limit);
  }

  /** Schedules that cannot run as set up: the resource, the owner or a USER/GROUP recipient no longer exists, or nobody would get it. */
  misconfigured(q: { limit: number; skip: number }, actor: ReportActor): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const s of this.ctx.orm.select().from(reportSchedules).orderBy(asc(reportSchedules.id)).all()) {
      if (!this.seesAll(actor) && s.ownerId !== actor.userId) continue;
      const problems = this.problems(s);
      if (problems.length) out.push({ ...this.view(s, actor), active: false, problems });
    }
    return out.slice(q.skip, q.skip + q.limit);
  }

  created(q: { filter: string; days: number; isAscending: boolean }, actor: ReportActor): Array<Record<string, unknown>> {
    const since = this.ctx.clock.nowMs() - q.days * DAY;
    return this.scoped(q.filter, actor)
      .filter((s) => s.created >= since)
      .sort((a, b) => (q.isAscending ? a.created - b.created || a.id - b.id : b.created - a.created || b.id - a.id))
      .map((s) => ({
        reportId: s.id,
        reportTitle: s.title,
        ownerId: s.ownerId,
        created: iso(s.created),
        resourceType: s.resourceType,
        resourceId: resourceIdOut(s.resourceId),
        resourceName: this.resourceState(s).name,
      }));
  }

  create(input: CreateScheduleInput, actor: ReportActor): Record<string, unknown> {
    this.ctx.access.require(actor, 'schedule.create');
    this.requireReadable(this.resourceOf(input), actor);
    const id = this.ctx.audit.write(actor, (sid) => ({ action: 'CREATED', type: 'REPORT_SCHEDULE', id: sid, name: input.title }), () => {
      const sid = this.insert({ ...input, id: this.ctx.ids.numeric(), ownerId: actor.userId });
      this.plan(this.row(sid));
      return sid;
    });
    return this.view(this.row(id), actor);
  }

  update(id: number, input: UpdateScheduleInput, actor: ReportActor): Record<string, unknown> {
    const s = this.owned(id, actor);
    const merged = { ...scheduleOf(s), ...stripUndefined(input.schedule ?? {}) };
    const recipients = input.schedule?.additionalRecipients;
    if (recipients) this.checkRecipients(recipients, 'body.schedule.additionalRecipients');
    this.ctx.audit.write(actor, { action: 'UPDATED', type: 'REPORT_SCHEDULE', id, name: input.title ?? s.title }, () => {
      this.ctx.orm
        .update(reportSchedules)
        .set({
          title: input.title ?? s.title,
          frequency: merged.frequency,
          daysToRun: merged.daysToRun,
          hourOfDay: merged.hourOfDay,
          minOfHour: merged.minOfHour,
          timezone: merged.timezone,
          enabled: merged.enabled,
          attachmentInclude: input.attachmentInclude ?? s.attachmentInclude,
          recipients: recipients ?? s.recipients,
          modified: this.ctx.clock.nowMs(),
        })
        .where(eq(reportSchedules.id, id))
        .run();
      this.plan(this.row(id));
    });
    return this.view(this.row(id), actor);
  }

  setEnabled(id: number, enabled: boolean, actor: ReportActor): void {
    const s = this.owned(id, actor);
    this.ctx.audit.write(actor, { action: 'UPDATED', type: 'REPORT_SCHEDULE', id, name: s.title, detail: enabled ? ' (enabled)' : ' (disabled)' }, () => {
      this.ctx.orm.update(reportSchedules).set({ enabled, modified: this.ctx.clock.nowMs() }).where(eq(reportSchedules.id, id)).run();
      this.plan(this.row(id));
    });
  }

  delete(id: number, actor: ReportActor): void {
    this.remove([this.owned(id, actor)], actor);
  }

  /** Deletes every schedule of a page; all must be the actor's to delete (else nothing is deleted). */
  deleteByPage(pageId: number, actor: ReportActor): number {
    const list = this.ctx.orm.select().from(reportSchedules).where(eq(reportSchedules.pageId, pageId)).all();
    if (!list.length) throw notFound(`Page ${pageId} has no report schedules`);
    for (const s of list) this.owned(s.id, actor);
    this.remove(list, actor);
    return list.length;
  }

  private remove(list: ScheduleRow[], actor: ReportActor): void {
    const ids = list.map((s) => s.id);
    this.ctx.sqlite.transaction(() => {
      for (const id of ids) this.plan(undefined, undefined, id);
      this.ctx.orm.delete(reportUnsubscribes).where(inArray(reportUnsubscribes.scheduleId, ids)).run();
      this.ctx.orm.delete(reportSchedules).where(inArray(reportSchedules.id, ids)).run();
      for (const s of list) this.ctx.audit.record(actor, { action: 'DELETED', type: 'REPORT_SCHEDULE', id: s.id, name: s.title });
    })();
  }

  // ------------------------------------------------------------------ the email switch and unsubscribes

  emailsEnabled(): boolean {
    const r = this.ctx.orm.select().from(reportSettings).where(eq(reportSettings.key, 'emailsEnabled')).get();
    return r ? r.value !== false : true;
  }

  setEmailsEnabled(enabled: boolean, actor: ReportActor): void {
    this.ctx.access.require(actor, 'reports.settings');
    // an instance setting, no one schedule: the entry names none
    this.ctx.audit.write(actor, { action: 'UPDATED', type: 'REPORT_SCHEDULE', detail: ` settings (emails ${enabled ? 'on' : 'off'} for every schedule)` }, () =>
      this.ctx.orm
        .insert(reportSettings)
        .values({ key: 'emailsEnabled', value: enabled })
        .onConflictDoUpdate({ target: reportSettings.key, set: { value: enabled } })
        .run(),
    );
  }

  /** The caller stops getting this schedule's emails. */
  unsubscribe(id: number, actor: ReportActor): void {
    const s = this.visible(id, actor);
    const email = this.userEmail(actor.userId);
    if (!email) throw notFound(`User ${actor.userId} not found`);
    this.ctx.audit.write(actor, { action: 'UNSUBSCRIBED', type: 'REPORT_SCHEDULE', id: s.id, name: s.title }, () =>
      this.ctx.orm
        .insert(reportUnsubscribes)
        .values({ scheduleId: s.id, email, userId: actor.userId, at: this.ctx.clock.nowMs() })
        .onConflictDoNothing()
        .run(),
    );
  }

  /** Who the userId/emailId query names (the caller when neither is given). */
  private who(q: { userId?: number; emailId?: string }, actor: ReportActor): { email: string; userId: number | null } {
    if (q.userId !== undefined) {
      const email = this.userEmail(q.userId);
      if (!email) throw notFound(`User ${q.userId} not found`);
      return { email, userId: q.userId };
    }
    if (q.emailId !== undefined) return { email: q.emailId.trim().toLowerCase(), userId: this.userByEmail(q.emailId)?.id ?? null };
    const email = this.userEmail(actor.userId);
    if (!email) throw notFound(`User ${actor.userId} not found`);
    return { email, userId: actor.userId };
  }

  /** Resubscribes a recipient: the caller themself, or anyone when the caller owns the schedule or is an admin. */
  resubscribe(id: number, q: { userId?: number; emailId?: string }, actor: ReportActor): void {
    const s = this.visible(id, actor);
    const w = this.who(q, actor);
    if (w.userId !== actor.userId) this.ctx.access.require(actor, 'schedule.update', this.resource(s, actor));
    this.ctx.audit.write(actor, { action: 'SUBSCRIBED', type: 'REPORT_SCHEDULE', id, name: s.title, detail: ` (${w.email})` }, () =>
      this.ctx.orm.delete(reportUnsubscribes).where(and(eq(reportUnsubscribes.scheduleId, id), eq(reportUnsubscribes.email, w.email))).run(),
    );
  }

  /** Removes an unsubscribed recipient: off the unsubscribed list and off the schedule's recipients. */
  deleteUnsubscribed(id: number, q: { userId?: number; emailId?: string }, actor: ReportActor): void {
    const s = this.owned(id, actor);
    const w = q.userId === undefined && q.emailId === undefined ? null : this.who(q, actor);
    if (!w) throw badRequest('Name the recipient with userId or emailId', [{ path: 'query.userId', message: 'userId or emailId is required' }]);
    const hit = this.ctx.orm
      .select()
      .from(reportUnsubscribes)
      .where(and(eq(reportUnsubscribes.scheduleId, id), eq(reportUnsubscribes.email, w.email)))
      .get();
    if (!hit) throw notFound(`${w.email} has not unsubscribed from report schedule ${id}`);
    const keep = s.recipients.filter((r) => {
      const resolved = this.resolve([r]);
      return !(r.type.toUpperCase() !== 'GROUP' && resolved.length === 1 && resolved[0].emailAddress.toLowerCase() === w.email);
    });
    this.ctx.sqlite.transaction(() => {
      this.ctx.orm.delete(reportUnsubscribes).where(and(eq(reportUnsubscribes.scheduleId, id), eq(reportUnsubscribes.email, w.email))).run();
      this.ctx.orm.update(reportSchedules).set({ recipients: keep, modified: this.ctx.clock.nowMs() }).where(eq(reportSchedules.id, id)).run();
      this.ctx.audit.record(actor, { action: 'UPDATED', type: 'REPORT_SCHEDULE', id, name: s.title, detail: ` (removed unsubscribed recipient ${w.email})` });
    })();
  }

  unsubscribed(id: number): string[] {
    return this.ctx.orm
      .select({ email: reportUnsubscribes.email })
      .from(reportUnsubscribes)
      .where(eq(reportUnsubscribes.scheduleId, id))
      .orderBy(asc(reportUnsubscribes.email))
      .all()
      .map((r) => r.email);
  }

  /** Emails an invitation to resubscribe to each named recipient who unsubscribed (others are skipped). Returns how many were sent. */
  sendResubscribe(id: number, recipients: ReportScheduleRecipient[], actor: ReportActor): number {
    const s = this.owned(id, actor);
    this.checkRecipients(recipients, 'body');
    const off = new Set(this.unsubscribed(id));
    const targets = this.resolve(recipients).filter((r) => off.has(r.emailAddress.toLowerCase()));
    this.ctx.audit.write(actor, { action: 'SENT', type: 'REPORT_SCHEDULE', id, name: s.title, detail: ` (resubscribe invitations to ${targets.length} recipients)` }, () => {
      for (const t of targets) {
        this.deps.outbox.send({
          kind: 'report-resubscribe',
          to: [t.emailAddress],
          subject: `Resubscribe to "${s.title}"`,
          body: `You unsubscribed from the scheduled report "${s.title}". Resubscribe: /api/content/v1/reportschedules/${id}/resubscribe?emailId=${encodeURIComponent(t.emailAddress)}`,
          meta: { scheduleId: id },
        });
      }
    });
    return targets.length;
  }

  // ------------------------------------------------------------------ runs (jobs on the instance clock)

  /**
   * Starts a run: a history entry in state `queued` that moves to `running` then completes on the clock,
   * when it emails each recipient (unless emails are switched off or they unsubscribed).
   * `recipients` empty means the schedule's own recipients.
   */
  send(
    id: number,
    opts: { kind: string; recipients?: ReportScheduleRecipient[]; direct?: ReportRecipient[]; attachmentInclude?: boolean; emailParams?: Record<string, unknown> },
    actor: ReportActor,
  ): Record<string, unknown> {
    const s = this.owned(id, actor);
    if (opts.recipients?.length) this.checkRecipients(opts.recipients, 'body');
    const targets = opts.direct?.length ? opts.direct : this.resolve(opts.recipients?.length ? opts.recipients : s.recipients);
    if (!targets.length) throw badRequest(`Report schedule ${id} has no recipients to send to`, [{ path: 'body', message: 'No recipients' }]);
    const hid = this.startRun(s, { kind: opts.kind, targets, automated: false, attachmentInclude: opts.attachmentInclude, emailParams: opts.emailParams }, actor);
    return this.historyView(this.historyRow(hid));
  }

  /** A run (a history entry), sent by `by`: the caller, or the schedule's owner when the schedule fired. */
  private startRun(
    s: ScheduleRow,
    o: { kind: string; targets: ReportRecipient[]; automated: boolean; attachmentInclude?: boolean; emailParams?: Record<string, unknown> },
    by: ReportActor,
  ): number {
    const id = this.ctx.ids.numeric();
    const now = this.ctx.clock.nowMs();
    const res = this.resourceState(s);
    const attach = o.attachmentInclude ?? s.attachmentInclude;
    const entry = { action: 'SENT', type: 'REPORT_SCHEDULE', id: s.id, name: s.title, detail: ` (${o.kind} run ${id} to ${o.targets.length} recipients)` } as const;
    return this.ctx.audit.write(by, entry, () => this.insertRun(s, o, id, now, res, attach));
  }

  private insertRun(
    s: ScheduleRow,
    o: { kind: string; targets: ReportRecipient[]; automated: boolean; emailParams?: Record<string, unknown> },
    id: number,
    now: number,
    res: { name: string; cardCount: number },
    attach: boolean,
  ): number {
    this.ctx.orm
      .insert(reportHistory)
      .values({
        id,
        scheduleId: s.id,
        kind: o.kind,
        reportTitle: s.title,
        reportSubject: `${s.title} - ${res.name}`,
        ownerId: s.ownerId,
        resourceType: s.resourceType,
        resourceId: s.resourceId,
        resourceName: res.name,
        startTime: now,
        automated: o.automated,
        cardCount: res.cardCount,
        attachmentCount: attach ? 1 : 0,
        status: 'queued',
        targets: o.targets,
        recipients: [],
        emailParams: o.emailParams ?? null,
      })
      .run();
    this.ctx.jobs.enqueue('report.running', { historyId: id }, { due: now + RUNNING_AFTER_MS });
    this.ctx.jobs.enqueue('report.complete', { historyId: id }, { due: now + SENT_AFTER_MS });
    return id;
  }

  /** Reruns every failed run that started in [start, end]; returns the new history ids. */
  rerunFailures(start: number, end: number, actor: ReportActor): number[] {
    const failed = this.ctx.orm
      .select()
      .from(reportHistory)
      .where(and(eq(reportHistory.status, 'failed'), sql`${reportHistory.startTime} between ${start} and ${end}`))
      .orderBy(asc(reportHistory.id))
      .all()
      .filter((h) => this.seesAll(actor) || h.ownerId === actor.userId);
    return this.ctx.sqlite.transaction(() =>
      failed.flatMap((h) => {
        const s = this.find(h.scheduleId);
        if (!s) return [];
        return [this.startRun(s, { kind: 'rerun', targets: h.targets, automated: h.automated, emailParams: h.emailParams ?? undefined }, actor)];
      }),
    )();
  }

  /** Completes the runs whose time has come (called on every clock change and before every read). */
  private complete(h: HistoryRow, endTime: number, card: CardEmail | null): void {
    const s = this.find(h.scheduleId);
    const problems = s ? this.problems(s).filter((p) => !p.startsWith('recipient')) : ['the schedule was deleted'];
    if (problems.length) {
      this.ctx.orm.update(reportHistory).set({ status: 'failed', endTime, message: problems.join('; ') }).where(eq(reportHistory.id, h.id)).run();
      return;
    }
    if (!this.emailsEnabled()) {
      this.ctx.orm
        .update(reportHistory)
        .set({ status: 'skipped', endTime, message: 'Scheduled report emails are turned off for this instance' })
        .where(eq(reportHistory.id, h.id))
        .run();
      return;
    }
    const off = new Set(this.unsubscribed(h.scheduleId));
    const to = h.targets.filter((t) => !off.has(t.emailAddress.toLowerCase()));
    const body = this.emailBody(s!, h, card);
    for (const t of to) {
      this.deps.outbox.send({
        kind: 'scheduled-report',
        to: [t.emailAddress],
        subject: h.reportSubject,
        body,
        meta: { scheduleId: h.scheduleId, historyId: h.id, resourceType: h.resourceType, resourceId: h.resourceId, attachmentCount: h.attachmentCount },
      });
    }
    const emailSize = Buffer.byteLength(body);
    this.ctx.orm
      .update(reportHistory)
      .set({
        status: 'success',
        endTime,
        recipients: to,
        emailSize: emailSize * to.length,
        attachmentSize: h.attachmentCount ? emailSize : 0,
        message: off.size && to.length < h.targets.length ? `${h.targets.length - to.length} recipient(s) unsubscribed` : null,
      })
      .where(eq(reportHistory.id, h.id))
      .run();
  }

  private emailBody(s: ScheduleRow, h: HistoryRow, card: CardEmail | null): string {
    const lines = [`${s.title}`, `${s.resourceType} ${s.resourceId}: ${h.resourceName}`];
    if (card) lines.push(`${card.summary.series.valueColumn}: ${card.summary.total.toLocaleString('en-US')}`);
    if (h.emailParams && Object.keys(h.emailParams).length) lines.push(`Parameters: ${JSON.stringify(h.emailParams)}`);
    lines.push(`Unsubscribe: /api/content/v1/reportschedules/${s.id}/unsubscribe`);
    return lines.join('\n');
  }

  // ------------------------------------------------------------------ history

  private historyRow(id: number): HistoryRow {
    const h = this.ctx.orm.select().from(reportHistory).where(eq(reportHistory.id, id)).get();
    if (!h) throw notFound(`Report history entry ${id} not found`);
    return h;
  }

  historyGet(id: number, actor: ReportActor): Record<string, unknown> {
    const h = this.historyRow(id);
    this.ctx.access.require(actor, 'schedule.history', { type: 'schedule', id: h.scheduleId, name: h.reportTitle, ownerIds: [h.ownerId] });
    return this.historyView(h, true);
  }

  scheduleHistory(id: number, q: { limit: number; skip: number }, actor: ReportActor): Array<Record<string, unknown>> {
    this.owned(id, actor);
    return this.ctx.orm
      .select()
      .from(reportHistory)
      .where(eq(reportHistory.scheduleId, id))
      .orderBy(sql`${reportHistory.startTime} desc, ${reportHistory.id} desc`)
      .all()
      .slice(q.skip, q.skip + q.limit)
      .map((h) => this.historyView(h));
  }

  history(
    q: { filter: string; limit: number; skip: number; orderBy: HistoryOrder; isAscending: boolean; days?: number; search?: HistorySearch },
    actor: ReportActor,
    extended = false,
  ): Array<Record<string, unknown>> {
    const all = this.filterAll(q.filter, actor);
    const since = q.days === undefined ? -Infinity : this.ctx.clock.nowMs() - q.days * DAY;
    const c = q.search ?? {};
    const rows = this.ctx.orm
      .select()
      .from(reportHistory)
      .all()
      .filter((h) => all || h.ownerId === actor.userId)
      .filter((h) => h.startTime >= since)
      .filter((h) => !c.includeTitleClause || !c.titleSearchText || h.reportTitle.toLowerCase().includes(c.titleSearchText.toLowerCase()))
      .filter((h) => !c.includeStatusClause || !c.status || h.status.toLowerCase() === c.status.toLowerCase())
      .filter((h) => !c.includeTypeClause || c.isAutomated === undefined || h.automated === c.isAutomated)
      .filter((h) => !c.includeScheduleIdClause || c.scheduleId === undefined || h.scheduleId === c.scheduleId);
    const col: Record<HistoryOrder, (h: HistoryRow) => string | number> = {
      reportTitle: (h) => h.reportTitle.toLowerCase(),
      startTime: (h) => h.startTime,
      endTime: (h) => h.endTime ?? Infinity,
      automated: (h) => (h.automated ? 1 : 0),
      cardCount: (h) => h.cardCount,
      attachmentCount: (h) => h.attachmentCount,
      attachmentSize: (h) => h.attachmentSize,
      emailSize: (h) => h.emailSize,
    };
    const key = col[q.orderBy];
    rows.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      const d = ka < kb ? -1 : ka > kb ? 1 : a.id - b.id;
      return q.isAscending ? d : -d;
    });
    return rows.slice(q.skip, q.skip + q.limit).map((h) => this.historyView(h, extended));
  }

  private historyView(h: HistoryRow, extended = false): Record<string, unknown> {
    const out: Record<string, unknown> = {
      id: h.id,
      reportId: h.scheduleId,
      reportTitle: h.reportTitle,
      reportSubject: h.reportSubject,
      startTime: iso(h.startTime),
      endTime: iso(h.endTime),
      automated: h.automated,
      cardCount: h.cardCount,
      attachmentCount: h.attachmentCount,
      attachmentSize: h.attachmentSize,
      emailSize: h.emailSize,
      status: h.status,
      recipients: finalStates.includes(h.status) ? h.recipients : h.targets,
    };
    if (h.message) out.message = h.message;
    if (extended) {
      Object.assign(out, {
        ownerId: h.ownerId,
        recipientCount: (finalStates.includes(h.status) ? h.recipients : h.targets).length,
        resourceType: h.resourceType,
        resourceId: resourceIdOut(h.resourceId),
        resourceName: h.resourceName,
      });
    }
    return out;
  }

  // ------------------------------------------------------------------ card rendering

  /** card-email-data: each card rendered from its dataset's current rows as `actor` may see them, keyed by card id. */
  async cardEmailData(cardIds: number[], actor: ReportActor): Promise<Record<string, Record<string, unknown>>> {
    const cards = cardIds.map((id) => this.deps.cards.get(id));
    for (const card of cards) this.ctx.access.require(actor, 'card.read', this.deps.cardContent.resource(card, actor));
    const out: Record<string, Record<string, unknown>> = {};
    for (const card of cards) out[String(card.id)] = this.cardView(card, await this.cardEmail(card, actor));
    return out;
  }

  /**
   * What a card's email shows, as `viewer` sees the card (PDP applies): the card's own summary (the one its
   * render computes) and the first five rows of its dataset. Null when the dataset is gone or has no columns.
   */
  private async cardEmail(card: CardRow, viewer: Principal): Promise<CardEmail | null> {
    if (!this.deps.datasets.find(card.datasourceId)) return null;
    let summary: CardSummary;
    try {
      summary = await this.deps.cardContent.summary(card.id, viewer);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) return null; // a dataset with no columns renders as empty
      throw e;
    }
    const src = this.deps.rows.source(card.datasourceId, viewer, { throughObject: true, cardId: card.id });
    const head = await this.deps.rows.rows(this.deps.rows.select(src, { columns: ['*'], limit: 5 }));
    return { summary, columns: src.target.columns.map((c) => c.name), rows: this.deps.rows.objects(head) };
  }

  private cardView(card: CardRow, email: CardEmail | null): Record<string, unknown> {
    const label = email?.summary.series.valueColumn ?? 'Rows';
    const value = email?.summary.total ?? 0;
    const rowCount = email?.summary.rowCount ?? 0;
    const columns = email?.columns ?? [];
    const rows = email?.rows ?? [];
    const certified = this.deps.cards.view(card).certification !== null;
    const esc = (v: unknown) => String(v ?? '').replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);
    const html =
      `<div class="card" data-card-id="${card.id}"><h3>${esc(card.title)}</h3><p>${esc(label)}: ${esc(value.toLocaleString('en-US'))}</p>` +
      `<table><tr>${columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>` +
      rows.map((r) => `<tr>${columns.map((c) => `<td>${esc(r[c])}</td>`).join('')}</tr>`).join('') +
      `</table><p>${rowCount} rows</p></div>`;
    return {
      title: card.title,
      encodedImage: Buffer.from(html).toString('base64'),
      encodedImageId: `card-${card.id}-${card.modified}`,
      timeframeLabel: 'All Time',
      summaryNumberValue: value.toLocaleString('en-US'),
      summaryNumberLabel: label,
      rowCount,
      htmlContent: html,
      cardType: card.type,
      cardLink: `/cards/${card.id}`,
      pdpEnabled: email?.summary.pdpEnabled ?? false,
      certified,
      companyCertified: certified,
    };
  }

  // ------------------------------------------------------------------ views and helpers

  view(s: ScheduleRow, actor: ReportActor): Record<string, unknown> {
    const res = this.resourceState(s);
    const recipients = this.resolve(s.recipients);
    return {
      id: s.id,
      reportViewId: s.reportViewId,
      pageId: s.pageId,
      title: s.title,
      viewName: s.viewName,
      type: s.type,
      ownerId: s.ownerId,
      embedViewId: s.embedViewId,
      owner: s.ownerId === actor.userId,
      cardCount: res.cardCount,
      recipientCount: recipients.length,
      cardId: s.cardId,
      resourceType: s.resourceType,
      resourceId: resourceIdOut(s.resourceId),
      resourceName: res.name,
      attachmentInclude: s.attachmentInclude,
      created: s.created,
      modified: s.modified,
      schedule: {
        ...scheduleOf(s),
        nextRunDate: this.nextRun(s),
        additionalRecipients: s.recipients,
      },
      unsubscribed: this.unsubscribed(s.id),
    };
  }

  private scoped(filter: string, actor: ReportActor): ScheduleRow[] {
    const all = this.filterAll(filter, actor);
    return this.ctx.orm
      .select()
      .from(reportSchedules)
      .orderBy(asc(reportSchedules.id))
      .all()
      .filter((s) => (all ? true : s.ownerId === actor.userId));
  }

  /** filter=USER: the caller's own; ALL (or ADMIN): everyone's, for admins only. */
  private filterAll(filter: string, actor: ReportActor): boolean {
    const f = filter.toUpperCase();
    if (f === 'USER') return false;
    if (f === 'ALL' || f === 'ADMIN') {
      this.ctx.access.require(actor, 'schedule.readAll');
      return true;
    }
    throw badRequest(`Unknown filter '${filter}' (USER, ALL)`, [{ path: 'query.filter', message: 'Expected USER or ALL' }]);
  }

  private resourceState(s: { resourceType: string; resourceId: string; resourceName: string; cardCount: number }): {
    exists: boolean;
    name: string;
    cardCount: number;
  } {
    if (s.resourceType === 'CARD') {
      const c = this.deps.cards.find(Number(s.resourceId));
      return { exists: !!c, name: c?.title ?? s.resourceName, cardCount: 1 };
    }
    if (s.resourceType === 'DATASET') {
      const d = this.deps.datasets.find(s.resourceId);
      return { exists: !!d, name: d?.name ?? s.resourceName, cardCount: this.deps.cards.byDataset(s.resourceId).length };
    }
    if (s.resourceType === 'PAGE' && this.pages) {
      const title = this.pages.pageTitle(Number(s.resourceId));
      return { exists: title !== undefined, name: title ?? s.resourceName, cardCount: s.cardCount };
    }
    return { exists: true, name: s.resourceName, cardCount: s.cardCount };
  }

  private problems(s: ScheduleRow): string[] {
    const out: string[] = [];
    if (!this.resourceState(s).exists) out.push(`resource ${s.resourceType} ${s.resourceId} no longer exists`);
    if (!this.userEmail(s.ownerId)) out.push(`owner ${s.ownerId} no longer exists`);
    for (const r of s.recipients) {
      const t = r.type.toUpperCase();
      if (t === 'USER' && !this.userEmail(Number(r.value))) out.push(`recipient USER ${r.value} no longer exists`);
      if (t === 'GROUP' && !this.ctx.orm.select({ id: groups.id }).from(groups).where(eq(groups.id, Number(r.value))).get()) {
        out.push(`recipient GROUP ${r.value} no longer exists`);
      }
    }
    if (!this.resolve(s.recipients).length) out.push('recipients: nobody would receive this report');
    return out;
  }

  private userEmail(id: number): string | undefined {
    if (!Number.isFinite(id)) return undefined;
    return this.ctx.orm.select({ e: users.emailAddress }).from(users).where(eq(users.id, id)).get()?.e.toLowerCase();
  }

  private userByEmail(email: string) {
    return this.ctx.orm
      .select({ id: users.id, displayName: users.displayName, emailAddress: users.emailAddress })
      .from(users)
      .where(sql`lower(${users.emailAddress}) = lower(${email.trim()})`)
      .get();
  }

  /** Schedule recipients -> people (USER by id, GROUP by its members, EMAIL as written), deduplicated by address; unknown ones skipped. */
  resolve(list: ReportScheduleRecipient[]): ReportRecipient[] {
    const out = new Map<string, ReportRecipient>();
    const addUser = (id: number) => {
      const u = this.ctx.orm.select().from(users).where(eq(users.id, id)).get();
      if (u) out.set(u.emailAddress.toLowerCase(), { userId: u.id, displayName: u.displayName, emailAddress: u.emailAddress });
    };
    for (const r of list) {
      const t = r.type.toUpperCase();
      if (t === 'USER') addUser(Number(r.value));
      else if (t === 'GROUP') {
        this.ctx.access.memberIdsOf(Number(r.value)).forEach((m) => addUser(m));
      } else {
        const u = this.userByEmail(r.value);
        const key = r.value.trim().toLowerCase();
        if (!out.has(key)) out.set(key, u ? { userId: u.id, displayName: u.displayName, emailAddress: u.emailAddress } : { userId: null, displayName: r.value.trim(), emailAddress: r.value.trim() });
      }
    }
    return [...out.values()];
  }

  /** 400 naming the first recipient that names nobody (an unknown USER or GROUP). */
  private checkRecipients(list: ReportScheduleRecipient[], where: string): void {
    list.forEach((r, i) => {
      const t = r.type.toUpperCase();
      if (t === 'USER' && !this.userEmail(Number(r.value))) {
        throw badRequest(`${where}[${i}]: user ${r.value} not found`, [{ path: `${where}.${i}.value`, message: `Unknown user ${r.value}` }]);
      }
      if (t === 'GROUP' && !this.ctx.orm.select({ id: groups.id }).from(groups).where(eq(groups.id, Number(r.value))).get()) {
        throw badRequest(`${where}[${i}]: group ${r.value} not found`, [{ path: `${where}.${i}.value`, message: `Unknown group ${r.value}` }]);
      }
    });
  }

  /** The resource a create body names: pageId, cardId, or resourceType + resourceId. */
  private resourceOf(input: CreateScheduleInput): { resourceType: string; resourceId: string; name: string; cardCount: number } {
    const type = (input.resourceType ?? (input.cardId !== undefined ? 'CARD' : input.pageId !== undefined ? 'PAGE' : '')).toUpperCase();
    const rid = input.resourceId ?? (type === 'CARD' ? input.cardId : input.pageId)?.toString();
    if (!type || rid === undefined) {
      throw badRequest('A report schedule needs a resource: pageId, cardId, or resourceType and resourceId', [{ path: 'body.pageId', message: 'Required' }]);
    }
    if (type === 'CARD') {
      const c = this.deps.cards.find(Number(rid));
      if (!c) throw notFound(`Card ${rid} not found`);
      return { resourceType: type, resourceId: String(c.id), name: c.title, cardCount: 1 };
    }
    if (type === 'DATASET') {
      const d = this.deps.datasets.find(rid);
      if (!d) throw notFound(`DataSet ${rid} not found`);
      return { resourceType: type, resourceId: d.id, name: d.name, cardCount: this.deps.cards.byDataset(d.id).length };
    }
    if (!/^\d+$/.test(rid)) throw badRequest(`${type} ids are numeric, got '${rid}'`, [{ path: 'body.resourceId', message: 'Expected a numeric id' }]);
    if (type === 'PAGE' && this.pages) {
      const title = this.pages.pageTitle(Number(rid));
      if (title === undefined) throw notFound(`Page ${rid} not found`);
      return { resourceType: type, resourceId: rid, name: title, cardCount: 0 };
    }
    return { resourceType: type, resourceId: rid, name: `${type === 'PAGE' ? 'Page' : type} ${rid}`, cardCount: 0 };
  }

  /** A schedule reports what its owner may see: its card, dataset or page must be readable by them. */
  private requireReadable(res: { resourceType: string; resourceId: string }, actor: ReportActor): void {
    if (res.resourceType === 'CARD') this.ctx.access.require(actor, 'card.read', this.deps.cardContent.resource(this.deps.cards.get(Number(res.resourceId)), actor));
    else if (res.resourceType === 'DATASET') this.deps.datasets.access(res.resourceId, actor, 'read');
    else if (res.resourceType === 'PAGE') {
      const page = this.pages.pageResource(Number(res.resourceId));
      if (page) this.ctx.access.require(actor, 'page.read', page);
    }
  }

  private insert(input: ScheduleSeed): number {
    const res = this.resourceOf(input);
    const recipients = input.schedule.additionalRecipients ?? [];
    this.checkRecipients(recipients, 'body.schedule.additionalRecipients');
    const viewId = input.viewId ?? this.ctx.ids.numeric();
    const taken = this.ctx.orm.select({ id: reportSchedules.id }).from(reportSchedules).where(eq(reportSchedules.reportViewId, viewId)).get();
    if (taken) throw conflict(`View ${viewId} already has a report schedule (${taken.id})`);
    if (this.find(input.id)) throw conflict(`Report schedule ${input.id} already exists`);
    this.writeRow(input, {
      ...res,
      viewId,
      pageId: res.resourceType === 'PAGE' ? Number(res.resourceId) : (input.pageId ?? null),
      cardId: res.resourceType === 'CARD' ? Number(res.resourceId) : (input.cardId ?? null),
    });
    return input.id;
  }

  // ------------------------------------------------------------------ fixtures

  seed(schedules: ScheduleSeed[], history: HistorySeed[]): void {
    for (const s of schedules) {
      this.insertSeed(s);
      this.plan(this.row(s.id));
    }
    for (const h of history) {
      const s = this.row(h.reportId);
      const res = this.resourceState(s);
      const recipients = (h.recipients ?? []).map((r) => {
        const u = r.userId ? this.ctx.orm.select().from(users).where(eq(users.id, r.userId)).get() : undefined;
        return u
          ? { userId: u.id, displayName: u.displayName, emailAddress: u.emailAddress }
          : { userId: null, displayName: r.emailAddress ?? '', emailAddress: r.emailAddress ?? '' };
      });
      this.ctx.orm
        .insert(reportHistory)
        .values({
          id: h.id,
          scheduleId: s.id,
          kind: 'scheduled',
          reportTitle: s.title,
          reportSubject: h.reportSubject ?? s.title,
          ownerId: s.ownerId,
          resourceType: s.resourceType,
          resourceId: s.resourceId,
          resourceName: res.name,
          startTime: Date.parse(h.startTime),
          endTime: h.endTime ? Date.parse(h.endTime) : null,
          automated: h.automated ?? true,
          cardCount: h.cardCount ?? res.cardCount,
          attachmentCount: h.attachmentCount ?? 0,
          attachmentSize: h.attachmentSize ?? 0,
          emailSize: h.emailSize ?? 0,
          status: h.status,
          targets: recipients,
          recipients,
        })
        .run();
    }
  }

  /** Fixture schedules may point at resources that no longer exist (that is what makes them misconfigured). */
  private insertSeed(s: ScheduleSeed): void {
    const type = (s.resourceType ?? (s.cardId !== undefined ? 'CARD' : 'PAGE')).toUpperCase();
    const rid = s.resourceId ?? String(type === 'CARD' ? s.cardId : s.pageId);
    const viewId = s.viewId ?? s.id;
    this.writeRow(s, { resourceType: type, resourceId: rid, name: `${type} ${rid}`, cardCount: 0, viewId, pageId: s.pageId ?? null, cardId: s.cardId ?? null });
  }

  /** One schedule row from a create body or a fixture, once its resource and view are known. */
  private writeRow(
    s: ScheduleSeed,
    r: { resourceType: string; resourceId: string; name: string; cardCount: number; viewId: number; pageId: number | null; cardId: number | null },
  ): void {
    const now = this.ctx.clock.nowMs();
    this.ctx.orm
      .insert(reportSchedules)
      .values({
        id: s.id,
        reportViewId: r.viewId,
        embedViewId: s.embedViewId ?? r.viewId,
        pageId: r.pageId,
        cardId: r.cardId,
        resourceType: r.resourceType,
        resourceId: r.resourceId,
        resourceName: s.resourceName ?? r.name,
        viewName: s.viewName ?? s.resourceName ?? r.name,
        cardCount: s.cardCount ?? r.cardCount,
        title: s.title,
        ownerId: s.ownerId,
        frequency: s.schedule.frequency,
        daysToRun: s.schedule.daysToRun ?? '',
        hourOfDay: s.schedule.hourOfDay ?? 0,
        minOfHour: s.schedule.minOfHour ?? 0,
        timezone: s.schedule.timezone ?? 'UTC',
        enabled: s.schedule.enabled ?? true,
        attachmentInclude: s.attachmentInclude ?? false,
        recipients: s.schedule.additionalRecipients ?? [],
        created: now,
        modified: now,
      })
      .run();
  }
}

function scheduleOf(s: ScheduleRow) {
  return { frequency: s.frequency, daysToRun: s.daysToRun, hourOfDay: s.hourOfDay, minOfHour: s.minOfHour, timezone: s.timezone, enabled: s.enabled };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Numeric resource ids come back as numbers, dataset ids as their UUID strings. */
function resourceIdOut(id: string): string | number {
  return /^\d+$/.test(id) ? Number(id) : id;
}
