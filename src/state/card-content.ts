import { eq } from 'drizzle-orm';
import { cards } from '../../db/schema/index.js';
import { renderPdf, renderPng, type ChartSeries } from '../engines/card-render.js';
import { quoteIdent } from '../engines/sql/types.js';
import { ApiError, badRequest, conflict } from '../http/errors.js';
import type { Resource } from '../access/resources.js';
import type { CardsStore } from './cards.js';
import type { StoreContext } from './context.js';
import type { Actor, DatasetsStore } from './datasets.js';
import { ident, type RowService, type RowSource } from './rows.js';

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

const numericTypes = new Set(['LONG', 'DOUBLE', 'DECIMAL']);
const MAX_GROUPS = 20;

/** The card endpoints of the Cards family: title updates and KPI rendering (over the datasets family's cards). */
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

  /** Sets a card's title and/or description. The card's owner or a content admin may. */
  updateText(id: number, patch: { title?: string; description?: string }, actor: Actor): void {
    const card = this.cards.get(id);
    this.ctx.access.require(actor, 'card.update', this.resource(card, actor));
    this.ctx.orm
      .update(cards)
      .set({
        ...(patch.title !== undefined ? { title: patch.title } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        modified: this.ctx.clock.nowMs(),
      })
      .where(eq(cards.id, id))
      .run();
  }

  /**
   * The card's data: the last numeric column summed by the first text column (a KPI card of the
   * emulator has no saved query), ordered by label, at most 20 groups.
   */
  async series(id: number, actor: Actor): Promise<{ series: ChartSeries; datasetId: string; datasetName: string; total: number }> {
    const card = this.cards.get(id);
    if (!this.datasets.find(card.datasourceId)) throw conflict(`Card ${id} cannot render: its DataSet ${card.datasourceId} no longer exists`);
    // the card's owner (and whoever may see the card) sees its data through the card
    this.ctx.access.require(actor, 'card.read', this.resource(card, actor));
    let src: RowSource;
    try {
      src = this.rows.source(card.datasourceId, actor, { throughObject: true });
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) throw conflict(`Card ${id} cannot render: ${e.message}`);
      throw e;
    }
    const columns = src.target.columns;
    const label = columns.find((c) => c.type === 'STRING');
    const value = [...columns].reverse().find((c) => numericTypes.has(c.type));
    const valueExpr = value ? `COALESCE(SUM(${ident(value.name)}), 0)` : 'COUNT(*)';
    const labelExpr = `COALESCE(CAST(${label ? ident(label.name) : `'Total'`} AS CHAR), '')`;
    const groups = await this.rows.rows(
      this.rows.select(src, {
        columns: [{ expr: labelExpr, as: 'label' }, { expr: valueExpr, as: 'value' }],
        groupBy: ['1'],
        orderBy: [{ expr: '1' }],
        limit: MAX_GROUPS,
      }),
    );
    const total = await this.rows.rows(this.rows.select(src, { columns: [{ expr: valueExpr, as: 'value' }] }));
    const round = (n: unknown) => Math.round(Number(n) * 100) / 100;
    return {
      series: {
        title: card.title,
        labelColumn: label?.name ?? 'Total',
        valueColumn: value?.name ?? 'Row Count',
        rows: groups.rows.map(([l, v]) => ({ label: String(l), value: round(v) })),
      },
      datasetId: src.dataset.id,
      datasetName: src.dataset.name,
      total: round(total.rows[0]?.[0] ?? 0),
    };
  }

  /**
   * Renders the requested parts. Image parts (image, graph, summaryImage: PNG; imagePDF: PDF) go into
   * `data` as base64, in the order asked; every other part is a key of its own (data and table give the
   * query result too).
   */
  async render(id: number, parts: RenderPart[], locale: string | undefined, actor: Actor): Promise<Record<string, unknown>> {
    let fmt: Intl.NumberFormat;
    try {
      fmt = new Intl.NumberFormat(locale ?? 'en-US', { maximumFractionDigits: 2 });
    } catch {
      throw badRequest(`Unknown locale '${locale}'`, [{ path: 'query.locale', message: 'Invalid locale' }]);
    }
    const card = this.cards.get(id);
    const { series, datasetId, datasetName, total } = await this.series(id, actor);
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
          out.pdp = { enabled: false, policies: [] };
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
