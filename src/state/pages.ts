import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { cards, pageAccess, pageCards, pages, users } from '../../db/schema/index.js';
import { conflict, notFound } from '../http/errors.js';
import type { Principal } from '../access/principal.js';
import type { Resource } from '../access/resources.js';
import type { StoreContext } from './context.js';

export interface PageSeed {
  id: number;
  parentId?: number | null;
  title: string;
  ownerId: number;
  locked?: boolean;
  mobileEnabled?: boolean;
  sharedViewPage?: boolean;
  virtualPage?: boolean;
  hasLayout?: boolean;
  cardIds?: number[];
  sharedWith?: number[];
}

export type PageRow = typeof pages.$inferSelect;

/** Who is asking: the request's principal. */
export type PageActor = Principal;

/** Pages (dashboards), their subpages, the cards they show and the users they are shared with. */
export class PagesStore {
  constructor(
    private readonly ctx: StoreContext,
    private readonly certs: { badge(type: 'PAGE', id: number): Record<string, unknown> | null },
  ) {}

  find(id: number): PageRow | undefined {
    return this.ctx.orm.select().from(pages).where(eq(pages.id, id)).get();
  }

  row(id: number): PageRow {
    const p = this.find(id);
    if (!p) throw notFound(`Page ${id} not found`);
    return p;
  }

  cardIds(pageId: number): number[] {
    return this.ctx.orm
      .select({ id: pageCards.cardId })
      .from(pageCards)
      .where(eq(pageCards.pageId, pageId))
      .orderBy(asc(pageCards.position), asc(pageCards.cardId))
      .all()
      .map((r) => r.id);
  }

  /** User ids the page is shared with (the owner is not listed). */
  sharedWith(pageId: number): number[] {
    return this.ctx.orm
      .select({ id: pageAccess.userId })
      .from(pageAccess)
      .where(eq(pageAccess.pageId, pageId))
      .orderBy(asc(pageAccess.userId))
      .all()
      .map((r) => r.id);
  }

  childIds(pageId: number): number[] {
    return this.ctx.orm
      .select({ id: pages.id })
      .from(pages)
      .where(eq(pages.parentId, pageId))
      .orderBy(asc(pages.id))
      .all()
      .map((r) => r.id);
  }

  /** A page as the access policy sees it: its owner and the users it is shared with (CAN_VIEW). */
  resource(p: PageRow): Resource {
    const shared = this.ctx.orm.select({ u: pageAccess.userId }).from(pageAccess).where(eq(pageAccess.pageId, p.id)).all();
    return { type: 'page', id: p.id, name: p.title, ownerIds: [p.ownerId], grants: shared.map((r) => ({ type: 'USER', id: r.u, perms: ['CAN_VIEW'] })) };
  }

  /** A page as the policy sees it, by id (undefined: no such page): how other families ask about pages. */
  pageResource(id: number): Resource | undefined {
    const p = this.find(id);
    return p && this.resource(p);
  }

  /** Takes deleted cards off every page. */
  removeCards(cardIds: number[]): void {
    if (cardIds.length) this.ctx.orm.delete(pageCards).where(inArray(pageCards.cardId, cardIds)).run();
  }

  /** A page's title (undefined: no such page): how other families name pages. */
  pageTitle(id: number): string | undefined {
    return this.find(id)?.title;
  }

  canView(p: PageRow, actor: PageActor): boolean {
    return this.ctx.access.can(actor, 'page.read', this.resource(p));
  }

  /** Adding pages under `parent`: seeing it, and owning it when it is locked. */
  private requireParent(parent: PageRow, actor: PageActor): void {
    const res = this.resource(parent);
    this.ctx.access.require(actor, 'page.read', res);
    if (parent.locked) this.ctx.access.require(actor, 'page.update', res);
  }

  /** The page as Create Subpage answers it, plus its cards, children and who it is shared with. */
  view(p: PageRow): Record<string, unknown> {
    const owner = this.ctx.orm.select({ name: users.displayName }).from(users).where(eq(users.id, p.ownerId)).get();
    return {
      pageId: p.id,
      parentPageId: p.parentId,
      ownerId: p.ownerId,
      owners: [{ id: p.ownerId, type: 'USER', displayName: owner?.name ?? null }],
      type: 'page',
      title: p.title,
      pageName: p.title,
      locked: p.locked,
      mobileEnabled: p.mobileEnabled,
      sharedViewPage: p.sharedViewPage,
      metadata: JSON.stringify({ pageTitle: p.title, title: p.title, type: 'page' }),
      virtualPage: p.virtualPage,
      hasLayout: p.hasLayout,
      cardIds: this.cardIds(p.id),
      childPageIds: this.childIds(p.id),
      sharedWith: this.sharedWith(p.id),
      certification: this.certs.badge('PAGE', p.id),
    };
  }

  get(id: number): Record<string, unknown> {
    return this.view(this.row(id));
  }

  private titleTaken(parentId: number | null, title: string, exceptId?: number): PageRow | undefined {
    const parentCond = parentId === null ? sql`${pages.parentId} is null` : eq(pages.parentId, parentId);
    return this.ctx.orm
      .select()
      .from(pages)
      .where(and(parentCond, sql`lower(${pages.title}) = lower(${title})`, exceptId === undefined ? undefined : sql`${pages.id} <> ${exceptId}`))
      .get();
  }

  createSubpage(input: { parentPageId: number; title: string; hasLayout: boolean }, actor: PageActor): Record<string, unknown> {
    const parent = this.row(input.parentPageId);
    this.ctx.access.require(actor, 'page.create');
    this.requireParent(parent, actor);
    const taken = this.titleTaken(parent.id, input.title);
    if (taken) throw conflict(`Page ${parent.id} already has a subpage titled '${taken.title}' (id ${taken.id})`);
    const id = this.ctx.ids.numeric();
    const now = this.ctx.clock.nowMs();
    this.ctx.audit.write(actor, { action: 'CREATED', type: 'PAGE', id, name: input.title, detail: ` under page '${parent.title}'` }, () =>
      this.ctx.orm
        .insert(pages)
        .values({ id, parentId: parent.id, title: input.title, ownerId: actor.userId, hasLayout: input.hasLayout, created: now, modified: now })
        .run(),
    );
    return this.get(id);
  }

  /** Moves pages under a new parent, all or nothing. */
  bulkMove(pageIds: number[], parentPageId: number, actor: PageActor): Record<string, unknown>[] {
    const parent = this.row(parentPageId);
    const moving = pageIds.map((id) => this.row(id));
    this.requireParent(parent, actor);
    for (const p of moving) this.ctx.access.require(actor, 'page.update', this.resource(p));
    // no page may become its own ancestor
    const ancestors = new Set<number>();
    for (let p: PageRow | undefined = parent; p; p = p.parentId === null ? undefined : this.find(p.parentId)) {
      if (ancestors.has(p.id)) break;
      ancestors.add(p.id);
    }
    const cycle = moving.find((p) => ancestors.has(p.id));
    if (cycle) throw conflict(`Page ${cycle.id} cannot move under page ${parent.id}: it is that page or one of its ancestors`);
    const titles = new Map<string, number>();
    for (const p of moving) {
      const key = p.title.toLowerCase();
      const clash = this.titleTaken(parent.id, p.title, p.id);
      if ((clash && !pageIds.includes(clash.id)) || (titles.has(key) && titles.get(key) !== p.id)) {
        throw conflict(`Page ${parent.id} already has a subpage titled '${p.title}'`);
      }
      titles.set(key, p.id);
    }
    const now = this.ctx.clock.nowMs();
    this.ctx.sqlite.transaction(() => {
      this.ctx.orm.update(pages).set({ parentId: parent.id, modified: now }).where(inArray(pages.id, pageIds)).run();
      for (const p of moving) this.ctx.audit.record(actor, { action: 'MOVED', type: 'PAGE', id: p.id, name: p.title, detail: ` under page '${parent.title}'` });
    })();
    return pageIds.map((id) => this.get(id));
  }

  /** Takes a user's access to a page away: the page owner, an admin, or the user themselves may. */
  revoke(pageId: number, userId: number, actor: PageActor): void {
    const p = this.row(pageId);
    const user = this.ctx.orm.select({ id: users.id }).from(users).where(eq(users.id, userId)).get();
    if (!user) throw notFound(`User ${userId} not found`);
    if (actor.userId !== userId) this.ctx.access.require(actor, 'page.update', this.resource(p));
    if (p.ownerId === userId) throw conflict(`User ${userId} owns page ${pageId}; an owner's access cannot be revoked`);
    this.ctx.audit.write(actor, { action: 'UNSHARED', type: 'PAGE', id: pageId, name: p.title, detail: ` for USER ${userId}` }, () => {
      const had = this.ctx.orm
        .delete(pageAccess)
        .where(and(eq(pageAccess.pageId, pageId), eq(pageAccess.userId, userId)))
        .run();
      if (had.changes === 0) throw conflict(`Page ${pageId} is not shared with user ${userId}; there is no access to revoke`);
    });
  }

  /** Page ids that show a card. */
  pagesOfCard(cardId: number): number[] {
    return this.ctx.orm
      .select({ id: pageCards.pageId })
      .from(pageCards)
      .where(eq(pageCards.cardId, cardId))
      .all()
      .map((r) => r.id);
  }

  seed(list: PageSeed[]): void {
    const now = this.ctx.clock.nowMs();
    this.ctx.sqlite.transaction(() => {
      for (const p of list) {
        this.ctx.orm
          .insert(pages)
          .values({
            id: p.id,
            parentId: p.parentId ?? null,
            title: p.title,
            ownerId: p.ownerId,
            locked: p.locked ?? false,
            mobileEnabled: p.mobileEnabled ?? true,
            sharedViewPage: p.sharedViewPage ?? true,
            virtualPage: p.virtualPage ?? false,
            hasLayout: p.hasLayout ?? true,
            created: now,
            modified: now,
          })
          .run();
        (p.cardIds ?? []).forEach((cardId, position) => {
          const known = this.ctx.orm.select({ id: cards.id }).from(cards).where(eq(cards.id, cardId)).get();
          if (!known) throw new Error(`fixtures: page ${p.id} shows card ${cardId}, which is not a fixture card`);
          this.ctx.orm.insert(pageCards).values({ pageId: p.id, cardId, position }).run();
        });
        for (const userId of p.sharedWith ?? []) this.ctx.orm.insert(pageAccess).values({ pageId: p.id, userId, granted: now }).run();
      }
    })();
  }
}
