/**
 * The access policy: the only place that answers "may this principal do this action (on this object)".
 * Role authorities for actions, object grants for objects, ownership, and content admins, plus the
 * identity rules (role ceilings, the last admin). Stores describe their objects as Resources and ask;
 * none compares role ids or reads group membership itself.
 *
 * `--authz off` (enforce = false) lets every known token act with every right; decisions still record.
 */
import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Sqlite } from '../../db/client.js';
import { conflict, forbidden } from '../http/errors.js';
import { ACTIONS, type Action, type ActionSpec } from './actions.js';
import { ADMIN_AUTHORITIES } from './authorities.js';
import { Principal, type AppIdentity, type PrincipalSource, type TokenKind } from './principal.js';
import { expand, RESOURCE_MODELS, type Resource, type ResourceModel } from './resources.js';

/** The authority that lets its holder act on every object as its owner. */
export const CONTENT_ADMIN = 'content.admin';

export interface PrincipalUser {
  id: number;
  roleId: number;
  displayName: string;
}

const describe = (res: Resource): string => {
  const model: ResourceModel = RESOURCE_MODELS[res.type];
  return `${model.label} ${res.id}`;
};

export class AccessPolicy implements PrincipalSource {
  private readonly authCache = new Map<number, ReadonlySet<string>>();
  private readonly groupCache = new Map<number, readonly number[]>();
  private readonly authStmt;
  private readonly groupsStmt;
  private readonly membersStmt;

  constructor(
    private readonly sqlite: Sqlite,
    readonly enforce: boolean,
  ) {
    this.authStmt = sqlite.prepare('select authority from role_authorities where role_id = ?').pluck();
    this.groupsStmt = sqlite.prepare('select group_id from group_members where user_id = ? order by group_id').pluck();
    this.membersStmt = sqlite.prepare('select user_id from group_members where group_id = ? order by user_id').pluck();
  }

  // ---------------------------------------------------------------- principals

  principal(user: PrincipalUser, tokenKind: TokenKind, method = '', app: AppIdentity | null = null): Principal {
    return new Principal(user.id, user.roleId, user.displayName, tokenKind, this, method, tokenKind === 'app' ? app : null);
  }

  /** The role's authorities (cached until an identity write calls invalidate()). */
  authoritiesOf(roleId: number): ReadonlySet<string> {
    let hit = this.authCache.get(roleId);
    if (!hit) {
      hit = new Set(this.authStmt.all(roleId) as string[]);
      this.authCache.set(roleId, hit);
    }
    return hit;
  }

  /** The groups a user belongs to: the one group-membership lookup of the emulator. */
  groupIdsOf(userId: number): readonly number[] {
    let hit = this.groupCache.get(userId);
    if (!hit) {
      hit = this.groupsStmt.all(userId) as number[];
      if (this.groupCache.size > 10_000) this.groupCache.clear();
      this.groupCache.set(userId, hit);
    }
    return hit;
  }

  /** The members of a group (notification fan-out: shares, alerts, reports). */
  memberIdsOf(groupId: number): number[] {
    return this.membersStmt.all(groupId) as number[];
  }

  /** Roles, role authorities, users' roles or group membership changed. */
  invalidate(): void {
    this.authCache.clear();
    this.groupCache.clear();
  }

  // ---------------------------------------------------------------- questions

  /** Acts on every object as its owner (content.admin), or --authz off. */
  isContentAdmin(p: Principal): boolean {
    return !this.enforce || p.has(CONTENT_ADMIN);
  }

  /** Holds the authority (always, with --authz off). */
  holds(p: Principal, authority: string): boolean {
    return !this.enforce || p.has(authority);
  }

  /** Acts on every object of this type as its owner (content.admin, or the type's own override authority). */
  overrides(p: Principal, model: ResourceModel): boolean {
    return !this.enforce || (model.overrideBy ?? [CONTENT_ADMIN]).some((a) => p.has(a));
  }

  /** Every permission the principal holds on the object (owners and override holders: all of its type). */
  permissions(p: Principal, res: Resource): Set<string> {
    const model: ResourceModel = RESOURCE_MODELS[res.type];
    if (this.overrides(p, model) || (res.ownerIds ?? []).some((o) => o != null && Number(o) === p.userId)) return new Set(model.all);
    const held: string[] = [...(res.everyone ?? [])];
    let grantsHeld = false;
    for (const g of res.grants ?? []) {
      if (!this.isGrantee(p, g.type, g.id)) continue;
      grantsHeld = true;
      held.push(...g.perms);
    }
    if (grantsHeld && model.anyGrantReads) held.push(model.anyGrantReads);
    return expand(model, held);
  }

  /** The strongest permission held, in the type's order (null: none). */
  level(p: Principal, res: Resource): string | null {
    const held = this.permissions(p, res);
    return RESOURCE_MODELS[res.type].all.find((x) => held.has(x)) ?? null;
  }

  can(p: Principal, action: Action, res?: Resource): boolean {
    return this.decide(p, action, res) === null;
  }

  /** Throws a 403 that names the action and what was missing; records the decision on the principal. */
  require(p: Principal, action: Action, res?: Resource): void {
    const reason = this.decide(p, action, res);
    p.record({ action, object: res ? describe(res) : undefined, allowed: reason === null, reason: reason ?? (this.enforce ? 'granted' : 'authz off') });
    if (reason !== null) throw forbidden(reason);
  }

  /**
   * Nobody hands out rights they lack: the entries a caller gives, changes or takes away on an object may
   * hold only permissions the caller holds there (owners and override holders hold all). `perms` are the
   * permissions of every such entry; names outside the type's vocabulary enforce nothing, so they pass.
   */
  requireWithin(p: Principal, action: Action, res: Resource, perms: Iterable<string>): void {
    if (!this.enforce) return;
    const model: ResourceModel = RESOURCE_MODELS[res.type];
    const held = this.permissions(p, res);
    const asked = new Set(perms);
    const missing = model.all.filter((x) => asked.has(x) && [...expand(model, [x])].some((y) => !held.has(y)));
    if (!missing.length) return;
    const has = model.all.filter((x) => held.has(x));
    const reason = `Missing grant ${missing.join(' and ')} on ${describe(res)} to hand it out (user ${p.userId} holds ${has.length ? has.join(', ') : 'no grant on it'})`;
    p.record({ action, object: describe(res), allowed: false, reason });
    throw forbidden(reason);
  }

  /** Whether a grant entry (USER/GROUP/ROLE id) names this principal. */
  isGrantee(p: Principal, type: string, id: string | number): boolean {
    const t = type.toUpperCase();
    const n = Number(id);
    if (t === 'USER') return n === p.userId;
    if (t === 'GROUP') return p.groupIds.includes(n);
    if (t === 'ROLE') return n === p.roleId;
    // an app grant holds for app sessions only: of that app (its design id or proxy id), or of no named app
    if (t === 'RYUU_APP') return p.tokenKind === 'app' && (!p.app || String(id) === p.app.id || (!!p.app.proxyId && String(id) === p.app.proxyId));
    return false;
  }

  /**
   * A SQL condition "this (type, id) pair names the principal" for list queries over a family's grant
   * table: `type = 'USER' and id = <user>` or `type = 'GROUP' and id in (<groups>)`.
   */
  granteeSql(p: Principal, typeCol: SQLWrapper, idCol: SQLWrapper): SQL {
    const groups = p.groupIds;
    const inGroups = groups.length ? sql`(upper(${typeCol}) = 'GROUP' and ${idCol} in (${sql.join(groups.map((g) => sql`${g}`), sql`, `)}))` : sql`0`;
    return sql`((upper(${typeCol}) = 'USER' and ${idCol} = ${p.userId}) or ${inGroups})`;
  }

  /** null when allowed, else the explanation. */
  private decide(p: Principal, action: Action, res?: Resource): string | null {
    if (!this.enforce) return null;
    const spec: ActionSpec = ACTIONS[action];
    const doing = p.method ? `${p.method} ${res ? describe(res) : spec.does}` : `${spec.does}${res ? ` (${describe(res)})` : ''}`;
    if (spec.authority && !spec.authority.some((a) => p.has(a))) {
      return `Missing authority ${spec.authority.join(' or ')} to ${doing}`;
    }
    if (spec.resource && spec.need) {
      if (!res) throw new Error(`action ${action} needs a ${spec.resource} resource`);
      const held = this.permissions(p, res);
      if (!spec.need.some((n) => held.has(n))) {
        const has = RESOURCE_MODELS[res.type].all.filter((x) => held.has(x));
        return `Missing grant ${spec.need.join(' or ')} on ${describe(res)} to ${p.method ? `${p.method} it` : spec.does} (user ${p.userId} holds ${has.length ? has.join(', ') : 'no grant on it'})`;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- identity rules

  /** An administrator can restore every other right: their role holds user.manage and role.manage. */
  isAdministratorRole(roleId: number): boolean {
    const a = this.authoritiesOf(roleId);
    return ADMIN_AUTHORITIES.every((x) => a.has(x));
  }

  /** How many users are administrators (optionally not counting one user). */
  private administrators(exceptUserId?: number): number {
    let n = 0;
    const rows = this.sqlite.prepare('select id, role_id as roleId from users').all() as Array<{ id: number; roleId: number }>;
    for (const u of rows) if (u.id !== exceptUserId && this.isAdministratorRole(u.roleId)) n++;
    return n;
  }

  /** Authorities of `authorities` the principal does not hold (nobody hands out rights they lack). */
  private beyond(p: Principal, authorities: Iterable<string>): string[] {
    if (!this.enforce) return [];
    return [...authorities].filter((a) => !p.has(a)).sort();
  }

  /**
   * Assigning `roleId` to user `targetId` (a new user when targetId is null): needs user.manage; the role
   * may hold no authority the caller lacks; nobody raises their own role; the last admin stays one.
   */
  requireRoleAssignment(p: Principal, targetId: number | null, currentRoleId: number | null, roleId: number): void {
    this.require(p, targetId === null ? 'user.create' : 'user.assignRole', targetId === null ? undefined : { type: 'user', id: targetId });
    const extra = this.beyond(p, this.authoritiesOf(roleId));
    if (extra.length) {
      throw forbidden(`Role ${roleId} holds authorities user ${p.userId} lacks (${extra.join(', ')}); nobody assigns rights they do not hold`);
    }
    if (targetId !== null && currentRoleId !== null && currentRoleId !== roleId) {
      if (targetId === p.userId && this.enforce) {
        const gained = [...this.authoritiesOf(roleId)].filter((a) => !this.authoritiesOf(currentRoleId).has(a));
        if (gained.length) throw forbidden(`User ${p.userId} may not raise their own role (role ${roleId} adds ${gained.sort().join(', ')})`);
      }
      if (this.isAdministratorRole(currentRoleId) && !this.isAdministratorRole(roleId) && this.administrators(targetId) === 0) {
        throw conflict(`User ${targetId} is the last administrator (holds ${ADMIN_AUTHORITIES.join(' and ')}); make another user one first`);
      }
    }
  }

  /** Deleting a user: needs user.manage; never yourself; never the last administrator. */
  requireUserDelete(p: Principal, target: { id: number; roleId: number }): void {
    this.require(p, 'user.delete', { type: 'user', id: target.id });
    if (target.id === p.userId) throw conflict(`User ${p.userId} may not delete their own user`);
    if (this.isAdministratorRole(target.roleId) && this.administrators(target.id) === 0) {
      throw conflict(`User ${target.id} is the last administrator and cannot be deleted`);
    }
  }

  /** A role's authorities become `authorities` (or a new role gets them): no rights the caller lacks; admins remain. */
  requireRoleAuthorities(p: Principal, roleId: number | null, authorities: readonly string[]): void {
    this.require(p, roleId === null ? 'role.create' : 'role.update', roleId === null ? undefined : { type: 'role', id: roleId });
    const current = roleId === null ? new Set<string>() : this.authoritiesOf(roleId);
    const extra = this.beyond(p, authorities.filter((a) => !current.has(a)));
    if (extra.length) throw forbidden(`User ${p.userId} may not grant authorities they lack (${extra.join(', ')})`);
    if (roleId !== null && this.isAdministratorRole(roleId) && !ADMIN_AUTHORITIES.every((a) => authorities.includes(a))) {
      const users = this.sqlite.prepare('select id from users where role_id = ?').pluck().all(roleId) as number[];
      const others = users.length ? this.administrators() - users.length : this.administrators();
      if (users.length && others === 0) {
        throw conflict(`Role ${roleId} is the only role of the instance's administrators; it keeps ${ADMIN_AUTHORITIES.join(' and ')}`);
      }
    }
  }

  /**
   * Adding or removing `userId` in a group: owners and group managers may change any member; anyone may
   * join or leave an open group themselves; a closed group changes only through its owners.
   */
  requireMembership(p: Principal, group: Resource & { kind: string }, userId: number): void {
    if (this.holds(p, 'group.manage')) return this.require(p, 'group.members', group);
    if (group.kind === 'open' && userId === p.userId) {
      p.record({ action: 'group.members', object: describe(group), allowed: true, reason: 'open group, for themselves' });
      return;
    }
    if (group.kind === 'dynamic' && this.enforce) {
      throw forbidden(`Group ${group.id} is dynamic: its members change only through group.manage (user ${p.userId} lacks it)`);
    }
    this.require(p, 'group.members', group);
  }
}

export const actionSpec = (a: Action): ActionSpec => ACTIONS[a];
