import { and, desc, gte, inArray, lte, sql } from 'drizzle-orm';
import { activityLog } from '../../db/schema/index.js';
import type { Principal } from '../access/principal.js';
import type { Clock } from '../clock.js';
import type { Sqlite } from '../../db/client.js';
import type { StoreContext } from './context.js';

/**
 * The object types this emulator records, with Domo's activity-log names (the objectType values Domo's
 * activity log and its clients use) and the words its sentences use for them. docs/activity-log.md has
 * the table of which write records which type.
 */
export const objectTypeWords = {
  ACCOUNT: 'account',
  ACTIVITY_LOG: 'activity log',
  ADC_POLICY: 'PDP policy',
  ALERT: 'alert',
  BEAST_MODE_FORMULA: 'Beast Mode',
  CARD: 'card',
  CODEENGINE_PACKAGE: 'Code Engine package',
  DATAFLOW_TYPE: 'DataFlow',
  DATA_SOURCE: 'DataSet',
  EXECUTOR_JOB: 'toolkit job',
  FILE: 'file',
  FILE_REVISION: 'file version',
  FILESET: 'FileSet',
  FILESET_FILE: 'FileSet file',
  GROUP: 'group',
  HOPPER_QUEUE: 'queue',
  HOPPER_TASK: 'task',
  MAGNUM_COLLECTION: 'AppDB collection',
  PAGE: 'page',
  REPORT_SCHEDULE: 'scheduled report',
  ROLE: 'role',
  STREAM: 'stream',
  USER: 'user',
  WORKFLOW_INSTANCE: 'workflow execution',
  WORKFLOW_MODEL: 'workflow',
} as const;
export type ObjectType = keyof typeof objectTypeWords;

/** The action types, with the verb the entry's sentence uses. */
export const actionVerbs = {
  CREATED: 'created',
  UPDATED: 'updated',
  DELETED: 'deleted',
  VIEWED: 'viewed',
  SHARED: 'shared',
  UNSHARED: 'removed access to',
  EXECUTED: 'ran',
  EXPORTED: 'exported',
  STARTED: 'started',
  CANCELED: 'canceled',
  COMPLETED: 'completed',
  VOIDED: 'voided',
  MOVED: 'moved',
  ASSIGNED: 'assigned',
  RELEASED: 'released',
  CERTIFIED: 'certified',
  UNCERTIFIED: 'removed the certification of',
  MIGRATED: 'migrated',
  SENT: 'sent',
  SUBSCRIBED: 'subscribed to',
  UNSUBSCRIBED: 'unsubscribed from',
} as const;
export type ActionType = keyof typeof actionVerbs;

/** One activity-log entry, as a store describes its write: the actor comes from the principal, the time from the clock. */
export interface AuditEntry {
  action: ActionType;
  type: ObjectType;
  id?: string | number | null;
  name?: string | null;
  /** The rest of the sentence after the object, when it says more: " to queue 'Review'", " (500 documents)". */
  detail?: string;
}

/** A fixture entry (fixtures/activity-log/activity.json): every field given, at its own time. */
export interface ActivitySeed {
  userId: number;
  userName: string;
  userType?: string;
  actionType: string;
  objectType: string;
  objectId?: string | number | null;
  objectName?: string | null;
  additionalComment?: string;
  eventText?: string;
  time: number;
}

/**
 * The one way anything reaches the activity log: a store records the entry of its write inside the write's
 * own transaction (so a write that rolls back leaves no entry, and an entry that fails undoes the write).
 * `record` inside a transaction the store opened; `write` opens one around the store's statements;
 * `viewed` for the reads Domo logs. Every store gets it as `ctx.audit`.
 */
export class Audit {
  private readonly insert;

  constructor(
    private readonly sqlite: Sqlite,
    private readonly clock: Clock,
  ) {
    this.insert = sqlite.prepare(
      `insert into activity_log (time, user_id, user_name, user_type, action_type, object_type, object_id, object_name, additional_comment, event_text)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Records `entry` as done by `actor`, in the transaction of the write it describes (an error outside one). */
  record(actor: Principal, entry: AuditEntry): void {
    if (!this.sqlite.inTransaction) {
      throw new Error(`activity log: ${entry.action} ${entry.type} ${entry.id ?? ''} recorded outside its write's transaction`);
    }
    this.put(actor, entry);
  }

  /**
   * Runs `fn` (the write's statements) and records its entry, in one transaction. `entry` may be built
   * from what `fn` returned (a created object's id); null records nothing (the write changed nothing).
   */
  write<T>(actor: Principal, entry: AuditEntry | ((result: T) => AuditEntry | null), fn: () => T): T {
    return this.sqlite.transaction(() => {
      const result = fn();
      const e = typeof entry === 'function' ? entry(result) : entry;
      if (e) this.put(actor, e);
      return result;
    })();
  }

  /** A read Domo logs (VIEWED): recorded once the read succeeded (it has no transaction to join). */
  viewed(actor: Principal, entry: Omit<AuditEntry, 'action'>): void {
    this.put(actor, { ...entry, action: 'VIEWED' });
  }

  private put(actor: Principal, e: AuditEntry): void {
    const { comment, eventText } = describe(actor.displayName, e);
    this.insert.run(
      this.clock.nowMs(),
      actor.userId,
      actor.displayName,
      'USER',
      e.action,
      e.type,
      e.id == null ? null : String(e.id),
      e.name ?? null,
      comment,
      eventText,
    );
  }
}

/** The entry's sentences, as Domo writes them: "Jae Wilson viewed page 'Sales'." and "Viewed page". */
function describe(userName: string, e: AuditEntry): { comment: string; eventText: string } {
  const verb: string = actionVerbs[e.action];
  const words: string = objectTypeWords[e.type];
  const object = e.type === 'ACTIVITY_LOG' ? 'the activity log' : e.name ? `${words} '${e.name}'` : e.id != null ? `${words} ${e.id}` : words;
  return { comment: `${userName} ${verb} ${object}${e.detail ?? ''}.`, eventText: `${verb.charAt(0).toUpperCase()}${verb.slice(1)} ${words}` };
}

/** The activity log, read (GET /api/audit/v1/user-audits); entries are written through `Audit` only. */
export class ActivityStore {
  constructor(private readonly ctx: StoreContext) {}

  /** Entries with start <= time <= end, newest first (ties: latest recorded first). */
  list(q: { start: number; end: number; objectTypes?: string[]; limit: number; offset: number }) {
    const conds = [gte(activityLog.time, q.start), lte(activityLog.time, q.end)];
    if (q.objectTypes?.length) conds.push(inArray(activityLog.objectType, q.objectTypes));
    return this.ctx.orm
      .select()
      .from(activityLog)
      .where(and(...conds))
      .orderBy(desc(activityLog.time), desc(activityLog.id))
      .limit(q.limit)
      .offset(q.offset)
      .all()
      .map((r) => ({
        userName: r.userName,
        userId: String(r.userId),
        userType: r.userType,
        actionType: r.actionType,
        objectType: r.objectType,
        objectId: r.objectId,
        objectName: r.objectName,
        additionalComment: r.additionalComment,
        time: r.time,
        eventText: r.eventText,
      }));
  }

  /** Reading the log is itself logged (as the reference's example shows): after the read, so the answer does not contain its own view. */
  view(q: Parameters<ActivityStore['list']>[0], actor: Principal) {
    const entries = this.list(q);
    this.ctx.audit.viewed(actor, { type: 'ACTIVITY_LOG' });
    return entries;
  }

  /** Every type this emulator records, and any other a fixture brought. */
  objectTypes(): string[] {
    const seen = this.ctx.orm.select({ t: sql<string>`distinct ${activityLog.objectType}` }).from(activityLog).all().map((r) => r.t);
    return [...new Set([...Object.keys(objectTypeWords), ...seen])].sort();
  }

  count(): number {
    return this.ctx.orm.select({ n: sql<number>`count(*)` }).from(activityLog).get()!.n;
  }

  /** Fixture entries, as given (seeding records nothing else: the fixtures' objects are not "created" by anyone). */
  seed(list: ActivitySeed[]): void {
    for (const e of list) {
      const verb = (actionVerbs as Record<string, string>)[e.actionType] ?? e.actionType.toLowerCase();
      const words = (objectTypeWords as Record<string, string>)[e.objectType] ?? e.objectType.toLowerCase().replace(/_/g, ' ');
      const named = e.objectName ? ` ${words} '${e.objectName}'` : e.objectId != null ? ` ${words} ${e.objectId}` : ` ${words}`;
      this.ctx.orm
        .insert(activityLog)
        .values({
          time: e.time,
          userId: e.userId,
          userName: e.userName,
          userType: e.userType ?? 'USER',
          actionType: e.actionType,
          objectType: e.objectType,
          objectId: e.objectId == null ? null : String(e.objectId),
          objectName: e.objectName ?? null,
          additionalComment: e.additionalComment ?? `${e.userName} ${verb}${named}.`,
          eventText: e.eventText ?? `${verb.charAt(0).toUpperCase()}${verb.slice(1)} ${words}`,
        })
        .run();
    }
  }
}
