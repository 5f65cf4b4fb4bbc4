import { and, desc, gte, inArray, lte, sql } from 'drizzle-orm';
import { activityLog } from '../../db/schema/index.js';
import type { StoreContext } from './context.js';

export interface ActivityInput {
  userId: number;
  userName: string;
  userType?: string;
  actionType: string;
  objectType: string;
  objectId?: string | number | null;
  objectName?: string | null;
  additionalComment?: string;
  eventText?: string;
  /** epoch ms; the instance clock when omitted (fixtures give their own) */
  time?: number;
}

/** The object types GET .../objectTypes always lists (the reference's three plus what this emulator records). */
export const knownObjectTypes = [
  'ACCOUNT',
  'ACTIVITY_LOG',
  'CARD',
  'CODE_ENGINE_FUNCTION',
  'DATAFLOW_TYPE',
  'DATA_SOURCE',
  'GROUP',
  'PAGE',
  'TASK',
  'TASK_QUEUE',
  'USER',
  'WORKFLOW',
  'WORKFLOW_INSTANCE',
];

const pastTense: Record<string, string> = {
  CREATED: 'created',
  UPDATED: 'updated',
  DELETED: 'deleted',
  VIEWED: 'viewed',
  COMPLETED: 'completed',
  VOIDED: 'voided',
  MOVED: 'moved',
  ASSIGNED: 'assigned',
  STARTED: 'started',
  CANCELED: 'canceled',
  EXECUTED: 'ran',
  SHARED: 'changed permissions of',
};

function words(type: string): string {
  return type.toLowerCase().replace(/_/g, ' ');
}

/** The activity log: who did what to which object, when. Every family records through record(). */
export class ActivityStore {
  constructor(private readonly ctx: StoreContext) {}

  record(e: ActivityInput): void {
    const verb = pastTense[e.actionType] ?? e.actionType.toLowerCase();
    const object = words(e.objectType);
    const named = e.objectName ? ` ${object} '${e.objectName}'` : e.objectId != null ? ` ${object} ${e.objectId}` : ` ${object}`;
    this.ctx.orm
      .insert(activityLog)
      .values({
        time: e.time ?? this.ctx.clock.nowMs(),
        userId: e.userId,
        userName: e.userName,
        userType: e.userType ?? 'USER',
        actionType: e.actionType,
        objectType: e.objectType,
        objectId: e.objectId == null ? null : String(e.objectId),
        objectName: e.objectName ?? null,
        additionalComment: e.additionalComment ?? `${e.userName} ${verb}${named}.`,
        eventText: e.eventText ?? `${verb.charAt(0).toUpperCase()}${verb.slice(1)} ${object}`,
      })
      .run();
  }

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

  objectTypes(): string[] {
    const seen = this.ctx.orm.select({ t: sql<string>`distinct ${activityLog.objectType}` }).from(activityLog).all().map((r) => r.t);
    return [...new Set([...knownObjectTypes, ...seen])].sort();
  }

  count(): number {
    return this.ctx.orm.select({ n: sql<number>`count(*)` }).from(activityLog).get()!.n;
  }
}
