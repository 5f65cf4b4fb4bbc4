import { and, eq } from 'drizzle-orm';
import { cards, certifications, datasets, pages, users } from '../../db/schema/index.js';
import { badRequest, notFound } from '../http/errors.js';
import type { Principal } from '../access/principal.js';
import type { StoreContext } from './context.js';

/** The entity types that can carry the CERTIFIED tag. */
export const certifiableTypes = ['DATA_SOURCE', 'CARD', 'PAGE'] as const;
export type CertifiableType = (typeof certifiableTypes)[number];

export interface CertificationSeed {
  entityType: CertifiableType;
  entityId: string;
  certifiedBy: number;
}

/** The CERTIFIED system tag of datasets, cards and pages. Admins certify and remove certifications. */
export class CertifiedContentStore {
  constructor(private readonly ctx: StoreContext) {}

  /** 404 unless the entity exists; its name. */
  private checkEntity(type: CertifiableType, id: string): string {
    let found: { name: string } | undefined;
    if (type === 'DATA_SOURCE') found = this.ctx.orm.select({ name: datasets.name }).from(datasets).where(eq(datasets.id, id)).get();
    else if (!/^\d+$/.test(id)) found = undefined;
    else if (type === 'CARD') found = this.ctx.orm.select({ name: cards.title }).from(cards).where(eq(cards.id, Number(id))).get();
    else found = this.ctx.orm.select({ name: pages.title }).from(pages).where(eq(pages.id, Number(id))).get();
    if (!found) throw notFound(`${type === 'DATA_SOURCE' ? 'DataSet' : type === 'CARD' ? 'Card' : 'Page'} ${id} not found`);
    return found.name;
  }

  static parseType(raw: string): CertifiableType {
    const t = raw.toUpperCase();
    if (!(certifiableTypes as readonly string[]).includes(t)) {
      throw badRequest(`Unknown entityType '${raw}': use one of ${certifiableTypes.join(', ')}`, [{ path: 'path.entityType', message: 'Unknown entity type' }]);
    }
    return t as CertifiableType;
  }

  state(type: CertifiableType, id: string): { tag: 'CERTIFIED'; state: string | null; metadata: Record<string, unknown> | null; updated: number | null } {
    this.checkEntity(type, id);
    const row = this.ctx.orm
      .select()
      .from(certifications)
      .where(and(eq(certifications.entityType, type), eq(certifications.entityId, id)))
      .get();
    if (!row) return { tag: 'CERTIFIED', state: null, metadata: null, updated: null };
    const by = this.ctx.orm.select({ name: users.displayName }).from(users).where(eq(users.id, row.certifiedBy)).get();
    return {
      tag: 'CERTIFIED',
      state: row.state,
      metadata: { certifiedBy: row.certifiedBy, certifiedByName: by?.name ?? null, entityType: type, entityId: id },
      updated: row.updated,
    };
  }

  /**
   * The certification badge an object shows in its own responses (datasets, cards, pages, card emails):
   * null when it is not certified.
   */
  badge(type: CertifiableType, id: string | number): { state: 'CERTIFIED'; adminCertified: true; certifiedBy: number; certifiedOn: number } | null {
    const row = this.ctx.orm
      .select()
      .from(certifications)
      .where(and(eq(certifications.entityType, type), eq(certifications.entityId, String(id)), eq(certifications.state, 'ACTIVE')))
      .get();
    return row ? { state: 'CERTIFIED', adminCertified: true, certifiedBy: row.certifiedBy, certifiedOn: row.updated } : null;
  }

  /** Removes an object's certification (the object was deleted). */
  forget(type: CertifiableType, id: string | number): void {
    this.ctx.orm.delete(certifications).where(and(eq(certifications.entityType, type), eq(certifications.entityId, String(id)))).run();
  }

  private checkAdmin(actor: Principal): void {
    this.ctx.access.require(actor, 'certification.manage');
  }

  /** Idempotent: certifying certified content keeps its first certification. */
  certify(type: CertifiableType, id: string, actor: Principal) {
    const name = this.checkEntity(type, id);
    this.checkAdmin(actor);
    this.ctx.audit.write(actor, { action: 'CERTIFIED', type, id, name }, () =>
      this.ctx.orm
        .insert(certifications)
        .values({ entityType: type, entityId: id, state: 'ACTIVE', certifiedBy: actor.userId, updated: this.ctx.clock.nowMs() })
        .onConflictDoNothing()
        .run(),
    );
    return this.state(type, id);
  }

  /** Idempotent: removing a certification that is not there is a success too. */
  remove(type: CertifiableType, id: string, actor: Principal): void {
    const name = this.checkEntity(type, id);
    this.checkAdmin(actor);
    this.ctx.audit.write(actor, { action: 'UNCERTIFIED', type, id, name }, () =>
      this.ctx.orm
        .delete(certifications)
        .where(and(eq(certifications.entityType, type), eq(certifications.entityId, id)))
        .run(),
    );
  }

  seed(list: CertificationSeed[]): void {
    const now = this.ctx.clock.nowMs();
    for (const c of list) {
      this.checkEntity(c.entityType, c.entityId);
      this.ctx.orm.insert(certifications).values({ entityType: c.entityType, entityId: c.entityId, state: 'ACTIVE', certifiedBy: c.certifiedBy, updated: now }).run();
    }
  }
}
