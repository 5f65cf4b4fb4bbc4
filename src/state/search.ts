import { asc, eq } from 'drizzle-orm';
import { accounts, cards, datasets, groups, pages, users } from '../../db/schema/index.js';
import { badRequest } from '../http/errors.js';
import type { StoreContext } from './context.js';
import type { AccountsStore } from './accounts.js';
import type { CardContentStore } from './card-content.js';
import type { DatasetsStore } from './datasets/index.js';
import type { PagesStore } from './pages.js';
import type { Caller } from './task-center.js';

/** One searchable object: its response fields plus the flat fields filters and sorts read. */
interface Doc {
  entity: string;
  fields: Record<string, string | number | boolean | null>;
  view: Record<string, unknown>;
}

export type SearchFilter =
  | { filterType: 'term'; field: string; value?: unknown; values?: unknown[]; not?: boolean }
  | { filterType: 'wildcard'; field: string; query: string }
  | { filterType: 'queryString'; field: string; queryString: string }
  | { filterType: 'dateBucket'; field: string; value: 'LAST_DAY' | 'LAST_WEEK' | 'LAST_MONTH' | 'LAST_QUARTER' }
  | { filterType: 'dateRange'; field: string; from?: number | string; to?: number | string; not?: boolean }
  | { filterType: 'numeric'; field: string; longNumber?: number; floatNumber?: number; operator: 'LT' | 'LTE' | 'EQ' | 'GT' | 'GTE'; not?: boolean }
  | { filterType: 'range'; field: string; from?: number | string; to?: number | string }
  | { filterType: 'boolean'; field: string; value: boolean }
  | { filterType: 'missing'; field: string; not?: boolean };

export interface SearchQuery {
  count: number;
  offset: number;
  query: string;
  filters: SearchFilter[];
  orFilters: SearchFilter[];
  notFilters: SearchFilter[];
  sort?: { fieldSorts?: Array<{ field: string; sortOrder: 'ASC' | 'DESC' }> | null; isRelevance?: boolean };
  facetValuesToInclude: string[];
  facetValueLimit: number;
  facetValueOffset: number;
  entityList: string[][];
  fieldsToReturn?: string[];
}

export const searchableEntities = ['user', 'group', 'dataset', 'card', 'account', 'page'];
const facetFields: Record<string, string> = { OWNER_ID: 'owned_by_id', OWNED_BY_ID: 'owned_by_id', ENTITY_TYPE: 'entity_type', DATAPROVIDERNAME: 'data_provider_type', TYPE: 'type' };
const buckets = { LAST_DAY: 86_400_000, LAST_WEEK: 7 * 86_400_000, LAST_MONTH: 30 * 86_400_000, LAST_QUARTER: 91 * 86_400_000 };

const wildcardRe = (q: string) => new RegExp(`^${q.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
const toMs = (v: number | string | undefined) => (v === undefined ? undefined : typeof v === 'number' ? v : Date.parse(v));

/** The Search Product API over the instance's real objects, with a deterministic relevance order. */
export class SearchStore {
  constructor(
    private readonly ctx: StoreContext,
    private readonly datasets: DatasetsStore,
    private readonly pages: PagesStore,
    /** Cards and accounts are shown only to who may read them, as their own families decide. */
    private readonly cardContent: CardContentStore,
    private readonly accounts: AccountsStore,
  ) {}

  private docs(entities: Set<string>, user: Caller): Doc[] {
    const names = new Map(this.ctx.orm.select({ id: users.id, n: users.displayName }).from(users).all().map((u) => [u.id, u.n]));
    const out: Doc[] = [];
    const doc = (entity: string, id: string | number, name: string, description: string, ownerId: number | null, created: number, modified: number, extra: Record<string, string | number | boolean | null> = {}) => {
      const fields = { id: String(id), name, display_name: name, name_sort: name.toLowerCase(), display_name_sort: name.toLowerCase(), description, owned_by_id: ownerId == null ? null : String(ownerId), owned_by_name: ownerId == null ? null : (names.get(ownerId) ?? null), entity_type: entity.toUpperCase(), create_date: created, last_modified_date: modified, ...extra };
      out.push({
        entity,
        fields,
        view: { entityType: entity.toUpperCase(), databaseId: String(id), name, description, ownedById: fields.owned_by_id, ownedByName: fields.owned_by_name, createDate: created, lastModified: modified, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k.replace(/_([a-z])/g, (_m, ch: string) => ch.toUpperCase()), v])) },
      });
    };
    if (entities.has('user')) for (const u of this.ctx.orm.select().from(users).orderBy(asc(users.id)).all()) doc('user', u.id, u.displayName, u.title ?? '', null, u.created, u.modified, { email_address: u.emailAddress, role_id: u.roleId });
    if (entities.has('group')) for (const g of this.ctx.orm.select().from(groups).orderBy(asc(groups.id)).all()) doc('group', g.id, g.name, g.description, g.creatorId, g.created, g.created, { type: g.type });
    if (entities.has('dataset')) {
      for (const d of this.ctx.orm.select().from(datasets).orderBy(asc(datasets.id)).all()) {
        if (!this.datasets.allows(d, user, 'read')) continue;
        doc('dataset', d.id, d.name, d.description, d.ownerId, d.created, d.lastUpdated, { data_provider_type: d.dataProviderType });
      }
    }
    if (entities.has('card')) for (const c of this.ctx.orm.select().from(cards).orderBy(asc(cards.id)).all()) if (this.ctx.access.can(user, 'card.read', this.cardContent.resource(c, user))) doc('card', c.id, c.title, c.description, c.ownerId, c.created, c.modified, { type: c.type, chart_type: c.chartType, dataset_id: c.datasourceId });
    if (entities.has('page')) {
      for (const p of this.ctx.orm.select().from(pages).orderBy(asc(pages.id)).all()) {
        if (!this.pages.canView(p, user)) continue;
        doc('page', p.id, p.title, '', p.ownerId, p.created, p.modified, { parent_id: p.parentId ?? null, locked: p.locked });
      }
    }
    if (entities.has('account')) for (const a of this.accounts.list(user)) doc('account', a.id, a.displayName, '', a.ownerId, a.created, a.modified, { data_provider_type: a.dataProviderType, status: a.status });
    return out;
  }

  /** Relevance of a doc to the query: 0 = no match. Exact name > name prefix > name word > name substring > description. */
  private relevance(d: Doc, query: string): number {
    const q = query.trim().toLowerCase();
    if (q === '' || q === '*') return 1;
    const name = String(d.fields.name).toLowerCase();
    const desc = String(d.fields.description ?? '').toLowerCase();
    if (q.includes('*')) {
      const re = wildcardRe(q);
      return re.test(name) ? 50 : name.split(/\s+/).some((w) => re.test(w)) ? 30 : re.test(desc) ? 5 : 0;
    }
    const terms = q.split(/\s+/).filter(Boolean);
    let score = name === q ? 100 : name.startsWith(q) ? 60 : name.includes(q) ? 40 : 0;
    for (const t of terms) {
      if (name.split(/[^\p{L}\p{N}]+/u).includes(t)) score += 10;
      else if (name.includes(t)) score += 5;
      else if (desc.includes(t)) score += 2;
      else if (score === 0) return 0;
    }
    return score;
  }

  private test(f: SearchFilter, d: Doc): boolean {
    const v = d.fields[f.field];
    switch (f.filterType) {
      case 'term': {
        const vals = (f.values ?? (f.value !== undefined ? [f.value] : [])).map((x) => String(x).toLowerCase());
        const hit = v != null && vals.includes(String(v).toLowerCase());
        return f.not ? !hit : hit;
      }
      case 'wildcard':
        return v != null && wildcardRe(f.query).test(String(v).toLowerCase());
      case 'queryString':
        return v != null && String(v).toLowerCase().includes(f.queryString.toLowerCase().replace(/\*/g, ''));
      case 'dateBucket':
        return typeof v === 'number' && v >= this.ctx.clock.nowMs() - buckets[f.value];
      case 'dateRange':
      case 'range': {
        const from = toMs(f.from);
        const to = toMs(f.to);
        const n = typeof v === 'number' ? v : Number(v);
        const hit = v != null && !Number.isNaN(n) && (from === undefined || n >= from) && (to === undefined || n <= to);
        return f.filterType === 'dateRange' && f.not ? !hit : hit;
      }
      case 'numeric': {
        const target = f.longNumber ?? f.floatNumber ?? 0;
        const n = Number(v);
        const hit = v != null && !Number.isNaN(n) && { LT: n < target, LTE: n <= target, EQ: n === target, GT: n > target, GTE: n >= target }[f.operator];
        return f.not ? !hit : hit;
      }
      case 'boolean':
        return Boolean(v) === f.value;
      case 'missing': {
        const missing = v === undefined || v === null || v === '';
        return f.not ? !missing : missing;
      }
    }
  }

  query(q: SearchQuery, user: Caller) {
    this.ctx.access.require(user, 'search.use');
    const requested = q.entityList.flat().map((e) => e.toLowerCase());
    // entity types the emulator does not index (package, form, workflow_model, ...) match nothing, as on Domo
    if (q.offset + q.count > 10_000) throw badRequest('At most 10,000 results can be reached with count + offset', [{ path: 'body.offset', message: 'count + offset must not exceed 10000' }]);
    const scored = this.docs(new Set(requested), user)
      .map((d) => ({ d, score: this.relevance(d, q.query) }))
      .filter(({ d, score }) => score > 0 && q.filters.every((f) => this.test(f, d)) && (!q.orFilters.length || q.orFilters.some((f) => this.test(f, d))) && !q.notFilters.some((f) => this.test(f, d)));
    const fieldSorts = q.sort?.fieldSorts ?? [];
    scored.sort((a, b) => {
      for (const s of fieldSorts) {
        const x = a.d.fields[s.field] ?? null;
        const y = b.d.fields[s.field] ?? null;
        if (x === y) continue;
        const c = x === null ? 1 : y === null ? -1 : x < y ? -1 : 1;
        return s.sortOrder === 'DESC' ? -c : c;
      }
      return b.score - a.score || String(a.d.fields.name_sort).localeCompare(String(b.d.fields.name_sort)) || a.d.entity.localeCompare(b.d.entity) || String(a.d.fields.id).localeCompare(String(b.d.fields.id));
    });
    const page = scored.slice(q.offset, q.offset + q.count).map(({ d, score }) => {
      const view: Record<string, unknown> = { ...d.view, score };
      if (q.fieldsToReturn?.length) for (const k of Object.keys(view)) if (!['entityType', 'databaseId'].includes(k) && !q.fieldsToReturn.includes(k)) delete view[k];
      return { entity: d.entity, view };
    });
    const facetMap: Record<string, unknown> = {};
    for (const name of q.facetValuesToInclude) {
      const field = facetFields[name.toUpperCase()] ?? name.toLowerCase();
      const counts = new Map<string, number>();
      for (const { d } of scored) {
        const v = d.fields[field];
        if (v != null) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
      }
      const values = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([value, count]) => ({ value, count }));
      facetMap[name] = { fieldName: field, searchFacetEnum: name, facetValues: q.facetValueLimit > 0 ? values.slice(q.facetValueOffset, q.facetValueOffset + q.facetValueLimit) : [] };
    }
    const searchResultsMap: Record<string, unknown[]> = {};
    for (const e of requested) searchResultsMap[e] = page.filter((p) => p.entity === e).map((p) => p.view);
    const relevance = !fieldSorts.length;
    return {
      facetMap,
      totalResultCount: scored.length,
      sort: { fieldSorts: fieldSorts.length ? fieldSorts : null, activity: null, activitySortType: null, metricAction: null, isHotness: false, isRelevance: relevance },
      queryUuid: this.ctx.ids.uuid(),
      hideSearchObjects: false,
      searchObjects: page.map((p) => p.view),
      searchResultsMap,
    };
  }
}
