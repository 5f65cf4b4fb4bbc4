import type { UserJson } from '../schemas/identity.js';
import { asc, eq, inArray, sql } from 'drizzle-orm';
import { groups, roles, tokens, users } from '../../db/schema/index.js';
import type { Principal } from '../access/principal.js';
import { badRequest, conflict, notFound } from '../http/errors.js';
import type { StoreContext } from './context.js';

export type UserRecord = typeof users.$inferSelect;

export interface UserInput {
  displayName?: string;
  emailAddress?: string;
  userName?: string;
  roleId?: number;
  title?: string | null;
  department?: string | null;
  phoneNumber?: string | null;
  location?: string | null;
  employeeId?: string | null;
  managerId?: number | null;
  timeZone?: string | null;
  locale?: string | null;
}

export interface UserSeed extends UserInput {
  id: number;
  displayName: string;
  emailAddress: string;
  roleId: number;
  tokens?: string[];
}

/** parts of GET /api/identity/v1/users: MINIMAL, SIMPLE, DETAILED, GROUPS, ROLE. */
export type UserPart = 'MINIMAL' | 'SIMPLE' | 'DETAILED' | 'GROUPS' | 'ROLE';

/** Fields shown as `attributes` entries at each level of detail. */
const simpleAttrs = ['title', 'department', 'phoneNumber'] as const;
const detailedAttrs = ['location', 'employeeId', 'managerId', 'timeZone', 'locale'] as const;
const allAttrs = [...simpleAttrs, ...detailedAttrs] as const;

/** Whose a token is, its kind, and (app sessions) the app it belongs to. */
export interface TokenHit {
  user: UserRecord;
  kind: string;
  appId: string | null;
}

export class UsersStore {
  private readonly byIdStmt;
  private readonly byTokenStmt;
  private readonly nameStmt;
  private readonly tokenCache = new Map<string, TokenHit | null>();

  constructor(private readonly ctx: StoreContext) {
    // the hot path (every GET of a user) uses a plain prepared statement with the columns aliased to the record's names
    this.byIdStmt = ctx.sqlite.prepare(
      `select id, display_name as displayName, user_name as userName, email_address as emailAddress, role_id as roleId,
        title, department, phone_number as phoneNumber, location, employee_id as employeeId, manager_id as managerId,
        time_zone as timeZone, locale, created, modified from users where id = ?`,
    );
    this.nameStmt = ctx.sqlite.prepare('select display_name from users where id = ?').pluck();
    this.byTokenStmt = ctx.orm
      .select({ user: users, kind: tokens.kind, appId: tokens.appId })
      .from(tokens)
      .innerJoin(users, eq(users.id, tokens.userId))
      .where(eq(tokens.token, sql.placeholder('token')))
      .prepare();
  }

  find(id: number): UserRecord | undefined {
    return this.byIdStmt.get(id) as UserRecord | undefined;
  }

  get(id: number): UserRecord {
    const u = this.find(id);
    if (!u) throw notFound(`User ${id} not found`);
    return u;
  }

  /**
   * The user a developer or session token belongs to. Every request asks this, so answers are cached;
   * any write to users or tokens (all through this store) clears the cache.
   */
  byToken(token: string): TokenHit | undefined {
    let hit = this.tokenCache.get(token);
    if (hit === undefined) {
      hit = this.byTokenStmt.get({ token }) ?? null;
      if (this.tokenCache.size > 10_000) this.tokenCache.clear();
      this.tokenCache.set(token, hit);
    }
    return hit ?? undefined;
  }

  list(opts: { limit: number; offset: number }): { users: UserRecord[]; total: number } {
    const total = this.ctx.orm.select({ n: sql<number>`count(*)` }).from(users).get()!.n;
    const rows = this.ctx.orm.select().from(users).orderBy(asc(users.id)).limit(opts.limit).offset(opts.offset).all();
    return { users: rows, total };
  }

  /** Creates a user as `p` (user managers only; the role may hold no authority `p` lacks). */
  create(p: Principal, input: UserInput & { displayName: string; emailAddress: string; roleId: number }, id = this.ctx.ids.numeric()): UserRecord {
    this.ctx.access.require(p, 'user.create');
    this.assertRole(input.roleId);
    this.ctx.access.requireRoleAssignment(p, null, null, input.roleId);
    this.assertEmailFree(input.emailAddress);
    const now = this.ctx.clock.nowMs();
    return this.ctx.audit.write(p, { action: 'CREATED', type: 'USER', id, name: input.displayName }, () => {
      this.ctx.orm
        .insert(users)
        .values({ ...this.columns(input), id, userName: input.userName ?? input.emailAddress, created: now, modified: now } as typeof users.$inferInsert)
        .run();
      return this.get(id);
    });
  }

  /**
   * Changes a user as `p`: profile fields for themselves or a user manager; the role only through a user
   * manager, never upwards for oneself, never away from the last administrator.
   */
  update(p: Principal, id: number, patch: UserInput): UserRecord {
    const current = this.get(id);
    const { roleId, ...profile } = patch;
    if (Object.values(profile).some((v) => v !== undefined)) this.ctx.access.require(p, 'user.update', { type: 'user', id, ownerIds: [id] });
    if (roleId !== undefined) {
      this.assertRole(roleId);
      this.ctx.access.requireRoleAssignment(p, id, current.roleId, roleId);
    }
    this.tokenCache.clear();
    this.ctx.access.invalidate();
    if (patch.emailAddress !== undefined && patch.emailAddress.toLowerCase() !== current.emailAddress.toLowerCase()) {
      this.assertEmailFree(patch.emailAddress);
    }
    return this.ctx.audit.write(p, (u) => ({ action: 'UPDATED', type: 'USER', id, name: u.displayName }), () => {
      this.ctx.orm.update(users).set({ ...this.columns(patch), modified: this.ctx.clock.nowMs() }).where(eq(users.id, id)).run();
      return this.get(id);
    });
  }

  /** Deletes a user as `p` (not themselves, not the last administrator); memberships and tokens go too. */
  delete(p: Principal, id: number): void {
    const target = this.get(id);
    this.ctx.access.requireUserDelete(p, target);
    this.tokenCache.clear();
    this.ctx.audit.write(p, { action: 'DELETED', type: 'USER', id, name: target.displayName }, () => this.ctx.orm.delete(users).where(eq(users.id, id)).run());
    this.ctx.access.invalidate();
  }

  groupsOf(id: number): Array<{ id: number; name: string }> {
    const ids = this.ctx.access.groupIdsOf(id);
    if (!ids.length) return [];
    return this.ctx.orm.select({ id: groups.id, name: groups.name }).from(groups).where(inArray(groups.id, [...ids])).orderBy(asc(groups.id)).all();
  }

  /** Adds a token of a kind (`app`: an app session, of the app `appId` when given). */
  addToken(userId: number, token: string, kind = 'developer', appId: string | null = null): void {
    this.tokenCache.clear();
    this.ctx.orm
      .insert(tokens)
      .values({ token, userId, kind, appId, created: this.ctx.clock.nowMs() })
      .onConflictDoUpdate({ target: tokens.token, set: { userId, kind, appId } })
      .run();
  }

  /**
   * The shape Domo's identity API answers with: `{id, displayName, userName, roleId, emailAddress,
   * attributes: [{key, values}]}`. No parts (or DETAILED) gives every attribute; SIMPLE the basic ones;
   * MINIMAL only id and displayName. An explicit DETAILED also adds the flat fields the Group
   * documentation's "Fetch User Details" reads (name, title, location, phoneNumber, manager).
   * GROUPS adds `groups`, ROLE adds `role`.
   */
  view(u: UserRecord, parts: UserPart[] = []): UserJson {
    const want = new Set(parts);
    const out: UserJson = { id: u.id, displayName: u.displayName };
    if (want.size === 1 && want.has('MINIMAL')) return out;
    out.userName = u.userName;
    out.roleId = u.roleId;
    out.emailAddress = u.emailAddress;
    const detailed = want.size === 0 || want.has('DETAILED');
    const attributes: Array<{ key: string; values: Array<string | number> }> = [];
    for (const k of detailed ? allAttrs : simpleAttrs) {
      const v = u[k];
      if (v !== null && v !== undefined) attributes.push({ key: k, values: [v as string | number] });
    }
    if (detailed) attributes.push({ key: 'created', values: [u.created] }, { key: 'lastModified', values: [u.modified] });
    out.attributes = attributes;
    if (want.has('DETAILED')) {
      out.name = u.displayName;
      out.title = u.title ?? '';
      out.location = u.location ?? '';
      out.phoneNumber = u.phoneNumber ?? '';
      out.manager = u.managerId ? ((this.nameStmt.get(u.managerId) as string | undefined) ?? '') : '';
    }
    if (want.has('GROUPS')) out.groups = this.groupsOf(u.id);
    if (want.has('ROLE')) {
      const r = this.ctx.orm.select({ id: roles.id, name: roles.name }).from(roles).where(eq(roles.id, u.roleId)).get();
      out.role = r ?? null;
    }
    return out;
  }

  seed(list: UserSeed[]): void {
    const now = this.ctx.clock.nowMs();
    for (const u of list) {
      this.ctx.orm
        .insert(users)
        .values({ ...this.columns(u), id: u.id, userName: u.userName ?? u.emailAddress, created: now, modified: now } as typeof users.$inferInsert)
        .run();
      for (const t of u.tokens ?? []) this.addToken(u.id, t);
    }
  }

  private columns(input: UserInput): Partial<typeof users.$inferInsert> {
    const out: Partial<typeof users.$inferInsert> = {};
    for (const k of ['displayName', 'emailAddress', 'userName', 'roleId', ...simpleAttrs, ...detailedAttrs] as const) {
      if (input[k] !== undefined) (out as Record<string, unknown>)[k] = input[k];
    }
    return out;
  }

  private assertRole(roleId: number): void {
    const r = this.ctx.orm.select({ id: roles.id }).from(roles).where(eq(roles.id, roleId)).get();
    if (!r) throw badRequest(`roleId ${roleId} does not name an existing role`, [{ path: 'body.roleId', message: `Role ${roleId} does not exist` }]);
  }

  private assertEmailFree(email: string): void {
    const hit = this.ctx.orm
      .select({ id: users.id })
      .from(users)
      .where(sql`lower(${users.emailAddress}) = lower(${email})`)
      .get();
    if (hit) throw conflict(`A user with emailAddress '${email}' already exists (id ${hit.id})`);
  }
}
