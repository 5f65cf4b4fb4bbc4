import { eq, sql } from 'drizzle-orm';
import { cards } from '../../db/schema/index.js';
import { renderPdf, renderPng, type ChartSeries } from '../engines/card-render.js';
import { quoteIdent } from '../engines/sql/types.js';
import { ApiError, badRequest, conflict } from '../http/errors.js';
import type { Resource } from '../access/resources.js';
import { defaultDefinition, filterCondition, labelExpression, valueExpression, valueLabel, type QueryOverrides } from '../engines/card-definition.js';
import type { CardsStore } from './cards.js';
import type { StoreContext } from './context.js';
import type { Actor, DatasetsStore } from './datasets/index.js';
import type { RowService } from './rows.js';

export const renderParts = [
  'title',
  'chartType',
  'queryResult',
  'data',
  'image',
  'imagePDF',
  'graph',
  'dynamic',
  'summary',
  'summaryImage',
  'dataSource',
  'pdp',
  'annotations',
  'extendedDateInfo',
  'table',
] as const;
export type RenderPart = (typeof renderParts)[number];


/** The card endpoints of the Cards family: title updates and KPI rendering (over the datasets family's cards). */
/** A card's computed data: what its render draws and its report email summarizes. */
export interface CardSummary {
  series: ChartSeries;
  total: number;
  rowCount: number;
  datasetId: string;
  datasetName: string;
  pdpEnabled: boolean;
}

export class CardContentStore {
  constructor(
    private readonly ctx: StoreContext,
    private readonly cards: CardsStore,
    private readonly datasets: DatasetsStore,
    private readonly rows: RowService,
  ) {}

  /**
   * A card as the access policy sees it: its owner, and CAN_VIEW for whoever may read its dataset
   * (the emulator has no card shares of its own).
   */
  resource(card: { id: number; title: string; ownerId: number; datasourceId: string }, actor: Actor): Resource {
    const ds = this.datasets.find(card.datasourceId);
    const viaDataset = ds !== undefined && this.datasets.allows(ds, actor, 'read');
    return { type: 'card', id: card.id, name: card.title, ownerIds: [card.ownerId], everyone: viaDataset ? ['CAN_VIEW'] : [] };
  }

  /** Whether `actor` may see and render the card (the `access` flag of card listings). */
  canRead(card: { id: number; title: string; ownerId: number; datasourceId: string }, actor: Actor): boolean {
    return this.ctx.access.can(actor, 'card.read', this.resource(card, actor));
  }

  /** A card's definition (its own, or the default it renders with), for those who may see the card. */
  definition(id: number, actor: Actor): Record<string, unknown> {
    const card = this.cards.get(id);
    this.ctx.access.require(actor, 'card.read', this.resource(card, actor));
    const ds = this.datasets.find(card.datasourceId);
    return { cardId: card.id, dataSourceId: card.datasourceId, chartType: card.chartType, custom: card.definition !== null, definition: card.definition ?? defaultDefinition(ds?.columns ?? []) };
  }

  /** Replaces a card's definition (its editors). */
  setDefinition(id: number, definition: unknown, actor: Actor): Record<string, unknown> {
    const card = this.cards.get(id);
    this.ctx.access.require(actor, 'card.update', this.resource(card, actor));
    this.ctx.audit.write(actor, { action: 'UPDATED', type: 'CARD', id, name: card.title, detail: ' (definition)' }, () => this.cards.setDefinition(id, definition));
    return this.definition(id, actor);
  }

  /** Sets a card's title and/or description. The card's owner or a content admin may. */
  updateText(id: number, patch: { title?: string; description?: string }, actor: Actor): void {
    const card = this.cards.get(id);
    this.ctx.access.require(actor, 'card.update', this.resource(card, actor));
    const changed = [patch.title !== undefined && 'title', patch.description !== undefined && 'description'].filter(Boolean).join(', ');
    this.ctx.audit.write(actor, { action: 'UPDATED', type: 'CARD', id, name: patch.title ?? card.title, detail: ` (${changed})` }, () =>
      this.ctx.orm
        .update(cards)
        .set({
          ...(patch.title !== undefined ? { title: patch.title } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          modified: this.ctx.clock.nowMs(),
        })
        .where(eq(cards.id, id))
        .run(),
    );
  }

  /**
   * The card's data, computed from its definition (src/engines/card-definition.ts) through the row service,
   * as `viewer` sees it (through the card; PDP applies): the series the chart shows (at most the
   * definition's limit of groups), and the summary over every row that passes the filters. The card
   * render and the report email both use this one summary. `overrides` are a render's queryOverrides.
   */
  async summary(id: number, viewer: Actor, overrides: QueryOverrides = {}): Promise<CardSummary> {
    const card = this.cards.get(id);
    if (!this.datasets.find(card.datasourceId)) throw conflict(`Card ${id} cannot render: its DataSet ${card.datasourceId} no longer exists`);
    // the card's owner (and whoever may see the card) sees its data through the card
    this.ctx.access.require(viewer, 'card.read', this.resource(card, viewer));
    try {
      const src = this.rows.source(card.datasourceId, viewer, { throughObject: true, cardId: card.id });
      const def = card.definition ?? defaultDefinition(src.target.columns);
      const filters = [...def.filters, ...(overrides.filters ?? [])];
      const where = filters.length ? filters.map(filterCondition).join(' AND ') : undefined;
      const value = valueExpression(def);
      const label = labelExpression(def);
      const groups = await this.rows.rows(
        this.rows.select(src, {
          columns: [{ expr: label?.expr ?? `'Total'`, as: 'label' }, { expr: `COALESCE(${value}, 0)`, as: 'value' }],
          where,
          ...(label ? { groupBy: ['1'] } : {}),
          orderBy: [{ expr: def.sort.by === 'value' ? '2' : '1', desc: def.sort.desc }],
          limit: overrides.limit ?? def.limit,
        }),
      );
      const total = await this.rows.rows(this.rows.select(src, { columns: [{ expr: `COALESCE(${value}, 0)`, as: 'value' }, { expr: 'COUNT(*)', as: 'n' }], where }));
      const round = (n: unknown) => Math.round(Number(n) * 100) / 100;
      return {
        series: {
          title: card.title,
          labelColumn: label?.label ?? 'Total',
          valueColumn: valueLabel(def),
          rows: groups.rows.map(([l, v]) => ({ label: String(l), value: round(v) })),
        },
        total: round(total.rows[0]?.[0] ?? 0),
        rowCount: Number(total.rows[0]?.[1] ?? 0),
        datasetId: src.dataset.id,
        datasetName: src.dataset.name,
        pdpEnabled: src.pdpEnabled ?? false,
      };
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) throw conflict(`Card ${id} cannot render: ${e.message}`);
      throw e;
    }
  }

  /** A render is a card view (Domo's "Card Views"): it is logged, and counts in the card's and its dataset's view counts. */
  private viewed(card: { id: number; title: string }, actor: Actor): void {
    this.ctx.sqlite.transaction(() => {
      this.ctx.orm.update(cards).set({ viewCount: sql`${cards.viewCount} + 1` }).where(eq(cards.id, card.id)).run();
      this.ctx.audit.viewed(actor, { type: 'CARD', id: card.id, name: card.title });
    })();
  }

  /**
   * Renders the requested parts. Image parts (image, graph, summaryImage: PNG; imagePDF: PDF) go into
   * `data` as base64, in the order asked; every other part is a key of its own (data and table give the
   * query result too).
   */
  async render(id: number, parts: RenderPart[], locale: string | undefined, actor: Actor, overrides: QueryOverrides = {}): Promise<Record<string, unknown>> {
    let fmt: Intl.NumberFormat;
    try {
      fmt = new Intl.NumberFormat(locale ?? 'en-US', { maximumFractionDigits: 2 });
    } catch {
      throw badRequest(`Unknown locale '${locale}'`, [{ path: 'query.locale', message: 'Invalid locale' }]);
    }
    const card = this.cards.get(id);
    const { series, datasetId, datasetName, total, pdpEnabled } = await this.summary(id, actor, overrides);
    this.viewed(card, actor);
    const queryResult = {
      columns: [series.labelColumn, series.valueColumn],
      rows: series.rows.map((r) => [r.label, r.value]),
      numRows: series.rows.length,
      numColumns: 2,
    };
    const out: Record<string, unknown> = { data: [] as string[] };
    const data = out.data as string[];
    for (const p of parts) {
      switch (p) {
        case 'image':
        case 'graph':
          data.push(renderPng(series).toString('base64'));
          break;
        case 'summaryImage':
          data.push(renderPng(series, 160, 80).toString('base64'));
          break;
        case 'imagePDF':
          data.push(renderPdf(series).toString('base64'));
          break;
        case 'title':
          out.title = card.title;
          break;
        case 'chartType':
          out.chartType = card.chartType;
          break;
        case 'queryResult':
        case 'data':
          out.queryResult = queryResult;
          break;
        case 'table':
          out.table = queryResult;
          break;
        case 'dynamic':
          out.dynamic = { title: card.title, description: card.description };
          break;
        case 'summary':
          out.summary = { label: series.valueColumn, value: total, formattedValue: fmt.format(total) };
          break;
        case 'dataSource':
          out.dataSource = { id: datasetId, name: datasetName };
          break;
        case 'pdp':
          out.pdp = { enabled: pdpEnabled, policies: [] };
          break;
        case 'annotations':
          out.annotations = [];
          break;
        case 'extendedDateInfo':
          out.extendedDateInfo = {};
          break;
      }
    }
    return out;
  }
}
