import type { RoleJson } from '../schemas/identity.js';
import { asc, eq, sql } from 'drizzle-orm';
import { roleAuthorities, roles } from '../../db/schema/index.js';
import type { Principal } from '../access/principal.js';
import { conflict, forbidden, notFound } from '../http/errors.js';
import type { StoreContext } from './context.js';

/** A role as the API answers it (src/schemas/identity.ts roleJson). */
export type RoleView = RoleJson;

export interface RoleSeed {
  id: number;
  name: string;
  description?: string;
  system?: boolean;
  authorities: string[];
}

export class RolesStore {
  private readonly byIdStmt;

  constructor(private readonly ctx: StoreContext) {
    this.byIdStmt = ctx.sqlite.prepare(
      `select r.id, r.name, r.description, r.created, r.modified,
        (select count(*) from role_authorities a where a.role_id = r.id) as authorityCount,
        (select count(*) from users u where u.role_id = r.id) as userCount
       from roles r where r.id = ?`,
    );
  }

  exists(id: number): boolean {
    return this.ctx.orm.select({ id: roles.id }).from(roles).where(eq(roles.id, id)).get() !== undefined;
  }

  get(id: number): RoleView {
    const row = this.byIdStmt.get(id) as RoleView | undefined;
    if (!row) throw notFound(`Role ${id} not found`);
    return row;
  }

  list(): RoleView[] {
    const ids = this.ctx.orm.select({ id: roles.id }).from(roles).orderBy(asc(roles.id)).all();
    return ids.map((r) => this.get(r.id));
  }

  authorities(id: number): string[] {
    this.get(id);
    return this.ctx.orm
      .select({ a: roleAuthorities.authority })
      .from(roleAuthorities)
      .where(eq(roleAuthorities.roleId, id))
      .orderBy(asc(roleAuthorities.authority))
      .all()
      .map((r) => r.a);
  }

  /**
   * Creates a role as `p` (role managers), with a copy of `fromRoleId`'s authorities, or none when no
   * source role is given (as Domo does). It may hold no authority `p` lacks.
   */
  create(p: Principal, input: { name: string; description?: string; fromRoleId?: number }): RoleView {
    this.ctx.access.require(p, 'role.create');
    const source = input.fromRoleId === undefined ? [] : this.authorities(input.fromRoleId);
    this.ctx.access.requireRoleAuthorities(p, null, source);
    this.assertNameFree(input.name);
    const now = this.ctx.clock.nowMs();
    const id = this.ctx.ids.numeric();
    this.ctx.sqlite.transaction(() => {
      this.ctx.orm.insert(roles).values({ id, name: input.name, description: input.description ?? '', created: now, modified: now }).run();
      if (source.length) this.ctx.orm.insert(roleAuthorities).values(source.map((a) => ({ roleId: id, authority: a }))).run();
      this.ctx.audit.record(p, { action: 'CREATED', type: 'ROLE', id, name: input.name });
    })();
    return this.get(id);
  }

  /** Replaces the authority list as `p` (role managers; no authority `p` lacks; admins stay admins). */
  setAuthorities(p: Principal, id: number, list: string[]): void {
    const role = this.get(id);
    const unique = [...new Set(list)];
    this.ctx.access.requireRoleAuthorities(p, id, unique);
    this.ctx.sqlite.transaction(() => {
      this.ctx.orm.delete(roleAuthorities).where(eq(roleAuthorities.roleId, id)).run();
      if (unique.length) this.ctx.orm.insert(roleAuthorities).values(unique.map((a) => ({ roleId: id, authority: a }))).run();
      this.ctx.orm.update(roles).set({ modified: this.ctx.clock.nowMs() }).where(eq(roles.id, id)).run();
      this.ctx.audit.record(p, { action: 'UPDATED', type: 'ROLE', id, name: role.name, detail: ` (${unique.length} authorities)` });
    })();
    this.ctx.access.invalidate();
  }

  /** Domo refuses to delete its system roles and roles that still have users. */
  delete(p: Principal, id: number): void {
    const role = this.get(id);
    this.ctx.access.require(p, 'role.delete', { type: 'role', id });
    const sys = this.ctx.orm.select({ system: roles.system }).from(roles).where(eq(roles.id, id)).get();
    if (sys?.system) throw forbidden(`Role ${id} (${role.name}) is a system role and cannot be deleted`);
    if (role.userCount > 0) {
      throw conflict(`Role ${id} (${role.name}) still has ${role.userCount} user(s); assign them another role first`);
    }
    this.ctx.audit.write(p, { action: 'DELETED', type: 'ROLE', id, name: role.name }, () => this.ctx.orm.delete(roles).where(eq(roles.id, id)).run());
    this.ctx.access.invalidate();
  }

  seed(list: RoleSeed[]): void {
    const now = this.ctx.clock.nowMs();
    for (const r of list) {
      this.ctx.orm
        .insert(roles)
        .values({ id: r.id, name: r.name, description: r.description ?? '', system: r.system ?? false, created: now, modified: now })
        .run();
      if (r.authorities.length) {
        this.ctx.orm.insert(roleAuthorities).values(r.authorities.map((a) => ({ roleId: r.id, authority: a }))).run();
      }
    }
  }

  private assertNameFree(name: string): void {
    const hit = this.ctx.orm
      .select({ id: roles.id })
      .from(roles)
      .where(sql`lower(${roles.name}) = lower(${name})`)
      .get();
    if (hit) throw conflict(`A role named '${name}' already exists (id ${hit.id})`);
  }
}
