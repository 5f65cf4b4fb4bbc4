import { and, asc, eq, gte, sql } from 'drizzle-orm';
import { outbox } from '../../db/schema/index.js';
import type { StoreContext } from './context.js';

export interface OutboxMessage {
  kind: string;
  to: string[];
  subject: string;
  body: string;
  meta?: Record<string, unknown>;
}

/** The emails and notifications an instance "sent". Every family sends through send(). */
export class OutboxStore {
  constructor(private readonly ctx: StoreContext) {}

  send(msg: OutboxMessage): number {
    const row = this.ctx.orm
      .insert(outbox)
      .values({
        kind: msg.kind,
        recipients: msg.to,
        subject: msg.subject,
        body: msg.body,
        meta: msg.meta ?? null,
        time: this.ctx.clock.nowMs(),
      })
      .returning({ id: outbox.id })
      .get();
    return row.id;
  }

  list(filter: { kind?: string; to?: string; since?: number } = {}) {
    const conds = [];
    if (filter.kind) conds.push(eq(outbox.kind, filter.kind));
    if (filter.since !== undefined) conds.push(gte(outbox.time, filter.since));
    if (filter.to) {
      conds.push(sql`exists (select 1 from json_each(${outbox.recipients}) where lower(value) = lower(${filter.to}))`);
    }
    return this.ctx.orm
      .select()
      .from(outbox)
      .where(conds.length ? and(...conds) : undefined)
      .orderBy(asc(outbox.id))
      .all()
      .map((r) => ({
        id: r.id,
        kind: r.kind,
        recipients: r.recipients,
        subject: r.subject,
        body: r.body,
        meta: r.meta ?? undefined,
        time: new Date(r.time).toISOString(),
      }));
  }
}
