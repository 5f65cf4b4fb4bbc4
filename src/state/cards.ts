import { asc, eq } from 'drizzle-orm';
import { cards, users } from '../../db/schema/index.js';
import { cardDefinition, type CardDefinition } from '../engines/card-definition.js';
import { notFound } from '../http/errors.js';
import { parseOrThrow } from '../http/validate.js';
import type { StoreContext } from './context.js';

export interface CardSeed {
  id: number;
  title: string;
  type?: string;
  chartType: string;
  ownerId: number;
  datasourceId: string;
  description?: string;
  viewCount?: number;
  /** What the card computes (see src/engines/card-definition.ts); omitted: the default. */
  definition?: unknown;
}

export type CardRow = typeof cards.$inferSelect;

function parseDefinition(v: unknown, where: string): CardDefinition {
  return parseOrThrow(cardDefinition, v, where);
}

/** Cards, as far as datasets need them: which cards a dataset powers (fixtures seed them). */
export class CardsStore {
  constructor(
    private readonly ctx: StoreContext,
    private readonly certs: { badge(type: 'CARD', id: number): Record<string, unknown> | null },
  ) {}

  find(id: number): CardRow | undefined {
    return this.ctx.orm.select().from(cards).where(eq(cards.id, id)).get();
  }

  get(id: number): CardRow {
    const c = this.find(id);
    if (!c) throw notFound(`Card ${id} not found`);
    return c;
  }

  byDataset(datasourceId: string): CardRow[] {
    return this.ctx.orm.select().from(cards).where(eq(cards.datasourceId, datasourceId)).orderBy(asc(cards.id)).all();
  }

  /** Deletes a dataset's cards (the dataset is being deleted); their ids. */
  removeByDataset(datasourceId: string): number[] {
    const ids = this.byDataset(datasourceId).map((c) => c.id);
    if (ids.length) this.ctx.orm.delete(cards).where(eq(cards.datasourceId, datasourceId)).run();
    return ids;
  }

  /** Replaces a card's definition (validated; 400 naming the field). */
  setDefinition(id: number, definition: unknown): CardRow {
    this.get(id);
    this.ctx.orm.update(cards).set({ definition: parseDefinition(definition, 'body'), modified: this.ctx.clock.nowMs() }).where(eq(cards.id, id)).run();
    return this.get(id);
  }

  updateTitle(id: number, title: string): CardRow {
    this.get(id);
    this.ctx.orm.update(cards).set({ title, modified: this.ctx.clock.nowMs() }).where(eq(cards.id, id)).run();
    return this.get(id);
  }

  /**
   * The shape of GET /api/content/v1/datasources/:id/cards entries. `access` (whether the caller may see the
   * card, the access policy's answer: CardContentStore.canRead) is listed only when given.
   */
  view(c: CardRow, opts: { drill?: boolean; access?: boolean } = {}): Record<string, unknown> {
    const owner = this.ctx.orm.select({ name: users.displayName }).from(users).where(eq(users.id, c.ownerId)).get();
    const out: Record<string, unknown> = {
      id: c.id,
      urn: String(c.id),
      type: c.type,
      chartType: c.chartType,
      title: c.title,
      description: c.description,
      ownerId: c.ownerId,
      owners: [{ id: String(c.ownerId), type: 'USER', displayName: owner?.name ?? null }],
      ...(opts.access === undefined ? {} : { access: opts.access }),
      certification: this.certs.badge('CARD', c.id),
      datasourceId: c.datasourceId,
      lastModified: c.modified,
    };
    if (opts.drill) out.drillPathURNs = [];
    return out;
  }

  seed(list: CardSeed[]): void {
    const now = this.ctx.clock.nowMs();
    for (const c of list) {
      this.ctx.orm
        .insert(cards)
        .values({
          id: c.id,
          title: c.title,
          type: c.type ?? 'kpi',
          chartType: c.chartType,
          ownerId: c.ownerId,
          datasourceId: c.datasourceId,
          description: c.description ?? '',
          viewCount: c.viewCount ?? 0,
          definition: c.definition === undefined ? null : parseDefinition(c.definition, `fixtures: card ${c.id}`),
          created: now,
          modified: now,
        })
        .run();
    }
  }
}
