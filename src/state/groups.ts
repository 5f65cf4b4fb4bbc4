import { asc, eq, inArray, sql } from 'drizzle-orm';
import { groupMembers, groups, users } from '../../db/schema/index.js';
import { conflict, notFound } from '../http/errors.js';
import type { StoreContext } from './context.js';

export type GroupType = 'closed' | 'open' | 'dynamic';

export interface GroupSeed {
  id: number;
  name: string;
  description?: string;
  type: GroupType;
  creatorId: number;
  userIds: number[];
  guid?: string;
  hidden?: boolean;
  default?: boolean;
}

export interface GroupView {
  id: number;
  name: string;
  type: string;
  userIds: number[];
  creatorId: number;
  memberCount: number;
  guid: string;
  description: string;
  hidden: boolean;
  default: boolean;
  active: boolean;
}

export class GroupsStore {
  constructor(private readonly ctx: StoreContext) {}

  get(id: number): GroupView {
    const g = this.ctx.orm.select().from(groups).where(eq(groups.id, id)).get();
    if (!g) throw notFound(`Group ${id} not found`);
    const userIds = this.memberIds(id);
    return {
      id: g.id,
      name: g.name,
      type: g.type,
      userIds,
      creatorId: g.creatorId,
      memberCount: userIds.length,
      guid: g.guid,
      description: g.description,
      hidden: g.hidden,
      default: g.isDefault,
      active: g.active,
    };
  }

  list(opts: { limit: number; offset: number }): GroupView[] {
    return this.ctx.orm
      .select({ id: groups.id })
      .from(groups)
      .orderBy(asc(groups.id))
      .limit(opts.limit)
      .offset(opts.offset)
      .all()
      .map((r) => this.get(r.id));
  }

  /** Group ids a user belongs to (security filters, permissions). */
  groupIdsOf(userId: number): number[] {
    return this.ctx.orm
      .select({ id: groupMembers.groupId })
      .from(groupMembers)
      .where(eq(groupMembers.userId, userId))
      .all()
      .map((r) => r.id);
  }

  create(input: { name: string; description?: string; type: GroupType }, creatorId: number): GroupView {
    const hit = this.ctx.orm.select({ id: groups.id }).from(groups).where(sql`lower(${groups.name}) = lower(${input.name})`).get();
    if (hit) throw conflict(`A group named '${input.name}' already exists (id ${hit.id})`);
    const id = this.ctx.ids.numeric();
    this.ctx.orm
      .insert(groups)
      .values({
        id,
        name: input.name,
        description: input.description ?? '',
        type: input.type,
        guid: this.ctx.ids.uuid(),
        creatorId,
        created: this.ctx.clock.nowMs(),
      })
      .run();
    return this.get(id);
  }

  addUser(groupId: number, userId: number): void {
    this.get(groupId);
    this.assertUser(userId);
    this.ctx.orm.insert(groupMembers).values({ groupId, userId, added: this.ctx.clock.nowMs() }).onConflictDoNothing().run();
  }

  removeUser(groupId: number, userId: number): void {
    this.get(groupId);
    this.assertUser(userId);
    this.ctx.orm.delete(groupMembers).where(sql`${groupMembers.groupId} = ${groupId} and ${groupMembers.userId} = ${userId}`).run();
  }

  /** Removes many members from many groups: all are checked first, then all are removed in one transaction. */
  removeMany(changes: Array<{ groupId: number; userIds: number[] }>): void {
    for (const ch of changes) {
      this.get(ch.groupId);
      ch.userIds.forEach((u) => this.assertUser(u));
    }
    this.ctx.sqlite.transaction(() => {
      for (const ch of changes) {
        if (!ch.userIds.length) continue;
        this.ctx.orm
          .delete(groupMembers)
          .where(sql`${groupMembers.groupId} = ${ch.groupId} and ${inArray(groupMembers.userId, ch.userIds)}`)
          .run();
      }
    })();
  }

  seed(list: GroupSeed[]): void {
    const now = this.ctx.clock.nowMs();
    for (const g of list) {
      this.ctx.orm
        .insert(groups)
        .values({
          id: g.id,
          name: g.name,
          description: g.description ?? '',
          type: g.type,
          guid: g.guid ?? this.ctx.ids.uuid(),
          creatorId: g.creatorId,
          hidden: g.hidden ?? false,
          isDefault: g.default ?? false,
          created: now,
        })
        .run();
      if (g.userIds.length) this.ctx.orm.insert(groupMembers).values(g.userIds.map((userId) => ({ groupId: g.id, userId, added: now }))).run();
    }
  }

  private memberIds(groupId: number): number[] {
    return this.ctx.orm
      .select({ id: groupMembers.userId })
      .from(groupMembers)
      .where(eq(groupMembers.groupId, groupId))
      .orderBy(asc(groupMembers.userId))
      .all()
      .map((r) => r.id);
  }

  private assertUser(userId: number): void {
    if (!this.ctx.orm.select({ id: users.id }).from(users).where(eq(users.id, userId)).get()) {
      throw notFound(`User ${userId} not found`);
    }
  }
}
