import type { GroupJson } from '../schemas/identity.js';
import { asc, eq, inArray, sql } from 'drizzle-orm';
import { groupMembers, groupOwners, groups, users } from '../../db/schema/index.js';
import type { Principal } from '../access/principal.js';
import type { Resource } from '../access/resources.js';
import { badRequest, conflict, notFound } from '../http/errors.js';
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
  /** Owners besides the creator. */
  owners?: number[];
}

/** A group as the API answers it (src/schemas/identity.ts groupJson). */
export type GroupView = GroupJson;

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
      owners: this.ownerIds(id),
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

  /** A group as the access policy sees it: its owners, and its kind (open, closed, dynamic). */
  resource(id: number): Resource & { kind: string } {
    const g = this.ctx.orm.select({ id: groups.id, name: groups.name, type: groups.type }).from(groups).where(eq(groups.id, id)).get();
    if (!g) throw notFound(`Group ${id} not found`);
    return { type: 'group', id, name: g.name, ownerIds: this.ownerIds(id), kind: g.type };
  }

  /** The members of a group (for notification fan-out: alerts, reports). */
  memberIds(groupId: number): number[] {
    return this.ctx.access.memberIdsOf(groupId);
  }

  private ownerIds(groupId: number): number[] {
    return this.ctx.orm
      .select({ id: groupOwners.userId })
      .from(groupOwners)
      .where(eq(groupOwners.groupId, groupId))
      .orderBy(asc(groupOwners.userId))
      .all()
      .map((r) => r.id);
  }

  create(p: Principal, input: { name: string; description?: string; type: GroupType }): GroupView {
    this.ctx.access.require(p, 'group.create');
    const creatorId = p.userId;
    const hit = this.ctx.orm.select({ id: groups.id }).from(groups).where(sql`lower(${groups.name}) = lower(${input.name})`).get();
    if (hit) throw conflict(`A group named '${input.name}' already exists (id ${hit.id})`);
    const id = this.ctx.ids.numeric();
    return this.ctx.audit.write(p, { action: 'CREATED', type: 'GROUP', id, name: input.name }, () => {
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
      this.ctx.orm.insert(groupOwners).values({ groupId: id, userId: creatorId }).run();
      return this.get(id);
    });
  }

  addUser(p: Principal, groupId: number, userId: number): void {
    this.changeMembers(p, [{ groupId, add: [userId], remove: [] }]);
  }

  removeUser(p: Principal, groupId: number, userId: number): void {
    this.changeMembers(p, [{ groupId, add: [], remove: [userId] }]);
  }

  /** Removes many members from many groups: all are checked first, then all are removed in one transaction. */
  removeMany(p: Principal, changes: Array<{ groupId: number; userIds: number[] }>): void {
    this.changeMembers(p, changes.map((ch) => ({ groupId: ch.groupId, add: [], remove: ch.userIds })));
  }

  /**
   * The access PUT (`[{groupId, addMembers, removeMembers, addOwners, removeOwners}]`): members change
   * under the membership rules, owners under group.update; all is checked first, then done in one
   * transaction (one activity-log entry per group).
   */
  changeAccess(p: Principal, changes: Array<{ groupId: number; add: number[]; remove: number[]; addOwners: number[]; removeOwners: number[] }>): void {
    for (const ch of changes) {
      if (!ch.addOwners.length && !ch.removeOwners.length) continue;
      const group = this.resource(ch.groupId);
      this.ctx.access.require(p, 'group.update', group);
      for (const u of [...ch.addOwners, ...ch.removeOwners]) this.assertUser(u);
      const left = new Set(this.ownerIds(ch.groupId));
      for (const u of ch.addOwners) left.add(u);
      for (const u of ch.removeOwners) left.delete(u);
      if (!left.size) throw badRequest(`Group ${ch.groupId} would be left without an owner`, [{ path: 'body.removeOwners', message: 'A group keeps at least one owner' }]);
    }
    this.ctx.sqlite.transaction(() => {
      this.changeMembers(p, changes.map((ch) => ({ groupId: ch.groupId, add: ch.add, remove: ch.remove, addOwners: ch.addOwners, removeOwners: ch.removeOwners })));
    })();
  }

  /** Deletes groups as `p` (group.delete on each, checked first); memberships and ownerships go with them. */
  deleteMany(p: Principal, ids: number[]): void {
    const found = ids.map((id) => ({ ...this.resource(id), id }));
    for (const g of found) this.ctx.access.require(p, 'group.delete', g);
    this.ctx.sqlite.transaction(() => {
      for (const g of found) {
        this.ctx.audit.record(p, { action: 'DELETED', type: 'GROUP', id: g.id, name: g.name ?? '' });
        this.ctx.orm.delete(groups).where(eq(groups.id, g.id)).run();
      }
    })();
    this.ctx.access.invalidate();
  }

  /**
   * Membership changes as `p`: every group, user and permission is checked first (the policy decides:
   * owners and group managers change anyone, anyone joins or leaves an open group themselves), then
   * every change is made in one transaction.
   */
  changeMembers(p: Principal, changes: Array<{ groupId: number; add: number[]; remove: number[]; addOwners?: number[]; removeOwners?: number[] }>): void {
    const names = new Map<number, string>();
    for (const ch of changes) {
      const group = this.resource(ch.groupId);
      names.set(ch.groupId, group.name ?? '');
      for (const u of [...ch.add, ...ch.remove]) {
        this.assertUser(u);
        this.ctx.access.requireMembership(p, group, u);
      }
    }
    const now = this.ctx.clock.nowMs();
    this.ctx.sqlite.transaction(() => {
      for (const ch of changes) {
        for (const userId of ch.add) this.ctx.orm.insert(groupMembers).values({ groupId: ch.groupId, userId, added: now }).onConflictDoNothing().run();
        if (ch.remove.length) {
          this.ctx.orm
            .delete(groupMembers)
            .where(sql`${groupMembers.groupId} = ${ch.groupId} and ${inArray(groupMembers.userId, ch.remove)}`)
            .run();
        }
        for (const userId of ch.addOwners ?? []) this.ctx.orm.insert(groupOwners).values({ groupId: ch.groupId, userId }).onConflictDoNothing().run();
        if (ch.removeOwners?.length) {
          this.ctx.orm
            .delete(groupOwners)
            .where(sql`${groupOwners.groupId} = ${ch.groupId} and ${inArray(groupOwners.userId, ch.removeOwners)}`)
            .run();
        }
        this.ctx.audit.record(p, { action: 'UPDATED', type: 'GROUP', id: ch.groupId, name: names.get(ch.groupId), detail: memberDetail(ch) });
      }
    })();
    this.ctx.access.invalidate();
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
      const owners = [...new Set([g.creatorId, ...(g.owners ?? [])])];
      this.ctx.orm.insert(groupOwners).values(owners.map((userId) => ({ groupId: g.id, userId }))).run();
    }
  }

  private assertUser(userId: number): void {
    if (!this.ctx.orm.select({ id: users.id }).from(users).where(eq(users.id, userId)).get()) {
      throw notFound(`User ${userId} not found`);
    }
  }
}

/** " (added 2 members, removed 1)": what a membership change did, for its activity-log entry. */
function memberDetail(ch: { add: number[]; remove: number[]; addOwners?: number[]; removeOwners?: number[] }): string {
  const parts = [];
  const n = (ids: number[]) => (ids.length === 1 ? `user ${ids[0]}` : `${ids.length} users`);
  if (ch.add.length) parts.push(`added ${ch.add.length === 1 ? `user ${ch.add[0]}` : `${ch.add.length} users`}`);
  if (ch.remove.length) parts.push(`removed ${ch.remove.length === 1 ? `user ${ch.remove[0]}` : `${ch.remove.length} users`}`);
  if (ch.addOwners?.length) parts.push(`made ${n(ch.addOwners)} owner${ch.addOwners.length === 1 ? '' : 's'}`);
  if (ch.removeOwners?.length) parts.push(`removed ${n(ch.removeOwners)} as owner${ch.removeOwners.length === 1 ? '' : 's'}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}
