import { createHash } from 'node:crypto';
import { and, asc, eq, inArray, or } from 'drizzle-orm';
import { beastModeLinks, beastModes, cards, datasets } from '../../db/schema/index.js';
import { badRequest, notFound } from '../http/errors.js';
import type { Principal } from '../access/principal.js';
import type { StoreContext } from './context.js';

export interface BeastModeSeed {
  id: number;
  name: string;
  owner: number;
  expression: string;
  locked?: boolean;
  global?: boolean;
  legacyId: string;
  dataType?: string;
  cacheWindow?: string;
  archived?: boolean;
  hidden?: boolean;
  variable?: boolean;
  created?: number;
  lastModified?: number;
  links: Array<{ type: 'CARD' | 'DATA_SOURCE'; id: string; visible?: boolean; active?: boolean }>;
}

/** Who is calling: the request's principal. */
export type BeastModeActor = Principal;

/** A search filter: {"field": "notvariable"}, {"field": "owner", "values": [27]}, {"field": "dataSource", "value": "<id>"}. */
export interface BeastModeFilter {
  field: string;
  value?: unknown;
  values?: unknown[];
}

export const beastModeFilterFields = ['notvariable', 'variable', 'archived', 'notarchived', 'locked', 'notlocked', 'global', 'notglobal', 'owner', 'status', 'dataSource', 'dataset', 'card', 'invalidLink'];
export const beastModeSortFields = ['name', 'id', 'owner', 'created', 'lastModified'];

type Row = typeof beastModes.$inferSelect;
type Link = { resource: { type: string; id: string }; visible: boolean; active: boolean; valid: string };

const aggregates = new Set(['SUM', 'AVG', 'COUNT', 'MIN', 'MAX', 'MEDIAN', 'STDDEV', 'STDDEV_POP', 'STDDEV_SAMP', 'VARIANCE', 'COUNT_DISTINCT', 'GROUP_CONCAT']);
const operators: Record<string, string> = { '*': 'DOMO_OP_MULTIPLY', '/': 'DOMO_OP_DIVIDE', '+': 'DOMO_OP_ADD', '-': 'DOMO_OP_SUBTRACT' };

/** What the emulator reads from a Beast Mode expression (no full parser: a scan outside quotes and backticks). */
export function analyzeExpression(expression: string): {
  columnPositions: Array<{ columnName: string; columnPosition: number }>;
  columns: string[];
  functions: string[];
  aggregated: boolean;
  analytic: boolean;
  syntaxError: string | null;
} {
  const columnPositions: Array<{ columnName: string; columnPosition: number }> = [];
  const functions: string[] = [];
  let depth = 0;
  let syntaxError: string | null = null;
  let i = 0;
  const s = expression;
  while (i < s.length) {
    const ch = s[i];
    if (ch === '`') {
      const end = s.indexOf('`', i + 1);
      if (end < 0) {
        syntaxError ??= `Unclosed backtick at position ${i}`;
        break;
      }
      columnPositions.push({ columnName: s.slice(i, end + 1), columnPosition: i });
      i = end + 1;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const end = s.indexOf(ch, i + 1);
      if (end < 0) {
        syntaxError ??= `Unclosed string at position ${i}`;
        break;
      }
      i = end + 1;
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth < 0) syntaxError ??= `Unexpected ')' at position ${i}`;
    } else if (operators[ch]) {
      if (!functions.includes(operators[ch])) functions.push(operators[ch]);
    } else if (/[A-Za-z_]/.test(ch)) {
      let j = i;
      while (j < s.length && /[A-Za-z0-9_]/.test(s[j])) j++;
      const word = s.slice(i, j).toUpperCase();
      let k = j;
      while (k < s.length && s[k] === ' ') k++;
      if (s[k] === '(' && !functions.includes(word)) functions.push(word);
      i = j;
      continue;
    }
    i++;
  }
  if (!syntaxError && depth > 0) syntaxError = `${depth} unclosed '('`;
  if (!syntaxError && expression.trim() === '') syntaxError = 'Empty expression';
  const t = expression.trim();
  if (!syntaxError && /^[<>=*/,]/.test(t)) syntaxError = `The expression starts with the operator '${t[0]}' (no left operand)`;
  if (!syntaxError && /[<>=*/+,-]$/.test(t)) syntaxError = `The expression ends with the operator '${t[t.length - 1]}' (no right operand)`;
  if (!syntaxError && /^\s*(SELECT|WITH)\b[\s\S]*\bFROM\b/i.test(t)) syntaxError = 'A Beast Mode is a formula over columns, not a SQL statement (no SELECT ... FROM)';
  const columns = [...new Set(columnPositions.map((c) => c.columnName.slice(1, -1)))];
  return {
    columnPositions,
    columns,
    functions,
    aggregated: functions.some((f) => aggregates.has(f)),
    analytic: /\bOVER\s*\(/i.test(expression),
    syntaxError,
  };
}

/** Beast Modes: calculations saved on datasets and cards. Validity is computed from the current datasets and cards. */
export class BeastModesStore {
  constructor(private readonly ctx: StoreContext) {}

  private row(id: number): Row {
    const r = this.ctx.orm.select().from(beastModes).where(eq(beastModes.id, id)).get();
    if (!r) throw notFound(`Beast Mode ${id} not found`);
    return r;
  }

  private links(id: number): Link[] {
    return this.ctx.orm
      .select()
      .from(beastModeLinks)
      .where(eq(beastModeLinks.beastModeId, id))
      .orderBy(asc(beastModeLinks.resourceType), asc(beastModeLinks.resourceId))
      .all()
      .map((l) => {
        let exists = false;
        if (l.resourceType === 'DATA_SOURCE') exists = !!this.ctx.orm.select({ id: datasets.id }).from(datasets).where(eq(datasets.id, l.resourceId)).get();
        else if (l.resourceType === 'CARD' && /^\d+$/.test(l.resourceId)) {
          exists = !!this.ctx.orm.select({ id: cards.id }).from(cards).where(eq(cards.id, Number(l.resourceId))).get();
        }
        return { resource: { type: l.resourceType, id: l.resourceId }, visible: l.visible, active: l.active, valid: exists ? 'VALID' : 'ILLEGAL_REFERENCE' };
      });
  }

  /**
   * The formulas a dataset's rows can be read with (the row service makes them usable by name in Domo SQL
   * and card definitions): its beast modes, and a card's own when it reads through that card. Beast modes
   * whose expression is invalid for the dataset, and archived ones, are left out.
   */
  formulas(datasetId: string, cardId?: number): Record<string, string> {
    const links = this.ctx.orm
      .select({ id: beastModeLinks.beastModeId })
      .from(beastModeLinks)
      .where(
        cardId === undefined
          ? and(eq(beastModeLinks.resourceType, 'DATA_SOURCE'), eq(beastModeLinks.resourceId, datasetId))
          : or(and(eq(beastModeLinks.resourceType, 'DATA_SOURCE'), eq(beastModeLinks.resourceId, datasetId)), and(eq(beastModeLinks.resourceType, 'CARD'), eq(beastModeLinks.resourceId, String(cardId)))),
      )
      .all();
    if (!links.length) return {};
    const rows = this.ctx.orm.select().from(beastModes).where(inArray(beastModes.id, [...new Set(links.map((l) => l.id))])).orderBy(asc(beastModes.id)).all();
    const columns = new Set((this.ctx.orm.select({ columns: datasets.columns }).from(datasets).where(eq(datasets.id, datasetId)).get()?.columns ?? []).map((c) => c.name.toLowerCase()));
    const names = new Set(rows.map((r) => r.name.toLowerCase()));
    const out: Record<string, string> = {};
    for (const r of rows) {
      if (r.archived) continue;
      const a = analyzeExpression(r.expression);
      if (a.syntaxError || a.columns.some((c) => !columns.has(c.toLowerCase()) && !names.has(c.toLowerCase()))) continue;
      out[r.name] = r.expression;
    }
    return out;
  }

  /** Drops links to objects that are being deleted (the beast modes stay, as Domo keeps them). */
  unlink(resourceType: 'DATA_SOURCE' | 'CARD', ids: Array<string | number>): void {
    if (ids.length) this.ctx.orm.delete(beastModeLinks).where(and(eq(beastModeLinks.resourceType, resourceType), inArray(beastModeLinks.resourceId, ids.map(String)))).run();
  }

  /** A dataset's beast modes as its metadata lists them (properties.formulas.formulas). */
  datasetFormulas(datasetId: string): Record<string, unknown> {
    const ids = this.ctx.orm
      .select({ id: beastModeLinks.beastModeId })
      .from(beastModeLinks)
      .where(and(eq(beastModeLinks.resourceType, 'DATA_SOURCE'), eq(beastModeLinks.resourceId, datasetId)))
      .all()
      .map((l) => l.id);
    if (!ids.length) return {};
    const out: Record<string, unknown> = {};
    for (const r of this.ctx.orm.select().from(beastModes).where(inArray(beastModes.id, ids)).orderBy(asc(beastModes.id)).all()) {
      const full = this.full(r);
      out[r.legacyId] = {
        id: r.legacyId,
        templateId: r.id,
        name: r.name,
        formula: r.expression,
        status: full.status,
        dataType: r.dataType,
        persistedOnDataSource: true,
        isAggregatable: !full.aggregated,
        bignumber: false,
        locked: r.locked,
      };
    }
    return out;
  }

  /** Why an expression is invalid for the datasets it is linked to (null when valid). */
  private problem(expression: string, links: Link[]): string | null {
    const a = analyzeExpression(expression);
    if (a.syntaxError) return a.syntaxError;
    for (const l of links) {
      if (l.resource.type !== 'DATA_SOURCE' || l.valid !== 'VALID') continue;
      const ds = this.ctx.orm.select({ columns: datasets.columns }).from(datasets).where(eq(datasets.id, l.resource.id)).get();
      const names = new Set((ds?.columns ?? []).map((c) => c.name.toLowerCase()));
      const formulas = new Set(this.ctx.orm.select({ n: beastModes.name }).from(beastModes).all().map((b) => b.n.toLowerCase()));
      const missing = a.columns.filter((c) => !names.has(c.toLowerCase()) && !formulas.has(c.toLowerCase()));
      if (missing.length) return `Unknown column(s) ${missing.map((m) => `\`${m}\``).join(', ')} in DataSet ${l.resource.id}`;
    }
    return null;
  }

  full(r: Row): Record<string, unknown> {
    const links = this.links(r.id);
    const a = analyzeExpression(r.expression);
    return {
      id: r.id,
      name: r.name,
      owner: r.owner,
      locked: r.locked,
      global: r.global,
      expression: r.expression,
      checkSum: createHash('sha1').update(r.expression).digest('hex'),
      links,
      legacyId: r.legacyId,
      lastModified: r.lastModified,
      created: r.created,
      aggregated: a.aggregated,
      analytic: a.analytic,
      nonAggregatedColumns: a.aggregated ? [] : a.columns,
      dataType: r.dataType,
      status: this.problem(r.expression, links) ? 'INVALID' : 'VALID',
      cacheWindow: r.cacheWindow,
      columnPositions: a.columnPositions,
      functions: a.functions,
      functionTemplateDependencies: this.dependencies(r, a.columns),
      archived: r.archived,
      hidden: r.hidden,
      variable: r.variable,
    };
  }

  get(id: number): Record<string, unknown> {
    return this.full(this.row(id));
  }

  /** The beast modes an expression names (by name, in backticks): Domo's functionTemplateDependencies. */
  private dependencies(r: Row, names: string[]): Array<{ id: number; name: string; legacyId: string }> {
    if (!names.length) return [];
    const lower = new Set(names.map((n) => n.toLowerCase()));
    return this.ctx.orm
      .select({ id: beastModes.id, name: beastModes.name, legacyId: beastModes.legacyId })
      .from(beastModes)
      .orderBy(asc(beastModes.id))
      .all()
      .filter((b) => b.id !== r.id && lower.has(b.name.toLowerCase()));
  }

  private all(): Array<Record<string, any>> {
    return this.ctx.orm
      .select()
      .from(beastModes)
      .orderBy(asc(beastModes.id))
      .all()
      .map((r) => this.full(r));
  }

  statistics(): Record<string, number> {
    const list = this.all();
    const count = (f: (b: Record<string, any>) => boolean) => list.filter(f).length;
    const has = (b: Record<string, any>, f: (l: Link) => boolean) => (b.links as Link[]).some(f);
    return {
      total: list.length,
      onDatasets: count((b) => has(b, (l) => l.resource.type === 'DATA_SOURCE')),
      onCards: count((b) => has(b, (l) => l.resource.type === 'CARD')),
      inVisualizations: count((b) => has(b, (l) => l.resource.type === 'CARD' && l.active)),
      locked: count((b) => b.locked),
      invalid: count((b) => b.status !== 'VALID'),
      invalidLink: count((b) => has(b, (l) => l.valid !== 'VALID')),
      archived: count((b) => b.archived),
    };
  }

  search(q: { name?: string; filters: BeastModeFilter[]; sort: { field: string; ascending: boolean }; limit: number; offset: number }) {
    const tests = q.filters.map((f, i) => this.filterTest(f, i));
    if (!beastModeSortFields.includes(q.sort.field)) {
      throw badRequest(`Cannot sort Beast Modes by '${q.sort.field}': use one of ${beastModeSortFields.join(', ')}`, [
        { path: 'body.sort.field', message: 'Unknown sort field' },
      ]);
    }
    const needle = (q.name ?? '').trim().toLowerCase();
    const hits = this.all().filter((b) => (!needle || String(b.name).toLowerCase().includes(needle)) && tests.every((t) => t(b)));
    const key = q.sort.field;
    const dir = q.sort.ascending ? 1 : -1;
    hits.sort((a, b) => {
      const x = key === 'name' ? String(a.name).toLowerCase() : a[key];
      const y = key === 'name' ? String(b.name).toLowerCase() : b[key];
      return (x < y ? -1 : x > y ? 1 : 0) * dir || a.id - b.id;
    });
    const page = hits.slice(q.offset, q.offset + q.limit);
    return {
      totalHits: hits.length,
      results: page.map((b) => ({
        id: b.id,
        name: b.name,
        owner: b.owner,
        lastModified: b.lastModified,
        created: b.created,
        global: b.global,
        locked: b.locked,
        legacyId: b.legacyId,
        status: b.status,
        links: b.links,
        archived: b.archived,
        activeLinks: Object.fromEntries((b.links as Link[]).filter((l) => l.active).map((l) => [`${l.resource.type}:${l.resource.id}`, l.resource])),
      })),
      hasMore: q.offset + page.length < hits.length,
      degraded: false,
    };
  }

  private filterTest(f: BeastModeFilter, i: number): (b: Record<string, any>) => boolean {
    const values = (f.values ?? (f.value === undefined ? [] : [f.value])).map(String);
    const needValues = () => {
      if (!values.length) throw badRequest(`Filter '${f.field}' needs a value (or values)`, [{ path: `body.filters.${i}.value`, message: 'Required' }]);
      return values;
    };
    const linked = (type: string) => {
      const ids = needValues();
      return (b: Record<string, any>) => (b.links as Link[]).some((l) => l.resource.type === type && ids.includes(l.resource.id));
    };
    switch (f.field) {
      case 'notvariable':
        return (b) => !b.variable;
      case 'variable':
        return (b) => b.variable;
      case 'archived':
        return (b) => b.archived;
      case 'notarchived':
        return (b) => !b.archived;
      case 'locked':
        return (b) => b.locked;
      case 'notlocked':
        return (b) => !b.locked;
      case 'global':
        return (b) => b.global;
      case 'notglobal':
        return (b) => !b.global;
      case 'owner': {
        const ids = needValues();
        return (b) => ids.includes(String(b.owner));
      }
      case 'status': {
        const st = needValues().map((v) => v.toUpperCase());
        return (b) => st.includes(b.status);
      }
      case 'dataset': // what public clients send for dataSource
      case 'dataSource':
        return linked('DATA_SOURCE');
      case 'card':
        return linked('CARD');
      case 'invalidLink':
        return (b) => (b.links as Link[]).some((l) => l.valid !== 'VALID');
      default:
        throw badRequest(`Unknown Beast Mode filter field '${f.field}': use one of ${beastModeFilterFields.join(', ')}`, [
          { path: `body.filters.${i}.field`, message: 'Unknown filter field' },
        ]);
    }
  }

  /**
   * Partial update (Update a Beast Mode / Lock Beast Mode): expression and/or locked.
   * Locking and unlocking: the owner or an admin. A locked Beast Mode's expression: the owner or an admin.
   * strict: an expression that is invalid for its datasets is a 400 instead of being saved as INVALID.
   */
  update(id: number, patch: { expression?: string; locked?: boolean; name?: string }, strict: boolean, actor: BeastModeActor): Record<string, unknown> {
    const r = this.row(id);
    const res = { type: 'beastmode' as const, id, name: r.name, ownerIds: [r.owner] };
    this.ctx.access.require(actor, 'beastmode.update', res);
    const editsContent = (patch.expression !== undefined && patch.expression !== r.expression) || (patch.name !== undefined && patch.name !== r.name);
    // (un)locking, and changing a locked Beast Mode: its owner (or a content admin) only
    if ((patch.locked !== undefined && patch.locked !== r.locked) || (editsContent && r.locked)) this.ctx.access.require(actor, 'beastmode.lock', res);
    if (patch.expression !== undefined) {
      // a syntax error is refused whatever `strict` says (Domo's validator runs on every save); strict also checks columns
      const syntax = analyzeExpression(patch.expression).syntaxError;
      if (syntax) throw badRequest(`Invalid Beast Mode expression: ${syntax}`, [{ path: 'body.expression', message: syntax }]);
    }
    if (patch.expression !== undefined && strict) {
      const why = this.problem(patch.expression, this.links(id));
      if (why) throw badRequest(`Invalid Beast Mode expression: ${why}`, [{ path: 'body.expression', message: why }]);
    }
    const changed = (['expression', 'locked', 'name'] as const).filter((k) => patch[k] !== undefined).join(', ');
    this.ctx.audit.write(actor, { action: 'UPDATED', type: 'BEAST_MODE_FORMULA', id, name: patch.name ?? r.name, detail: ` (${changed || 'nothing'})` }, () =>
      this.ctx.orm
        .update(beastModes)
        .set({
          ...(patch.expression !== undefined ? { expression: patch.expression } : {}),
          ...(patch.locked !== undefined ? { locked: patch.locked } : {}),
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          lastModified: this.ctx.clock.nowMs(),
        })
        .where(eq(beastModes.id, id))
        .run(),
    );
    return this.get(id);
  }

  seed(list: BeastModeSeed[]): void {
    const now = this.ctx.clock.nowMs();
    this.ctx.sqlite.transaction(() => {
      for (const b of list) {
        this.ctx.orm
          .insert(beastModes)
          .values({
            id: b.id,
            name: b.name,
            owner: b.owner,
            expression: b.expression,
            locked: b.locked ?? false,
            global: b.global ?? false,
            legacyId: b.legacyId,
            dataType: b.dataType ?? 'DECIMAL',
            cacheWindow: b.cacheWindow ?? 'day',
            archived: b.archived ?? false,
            hidden: b.hidden ?? false,
            variable: b.variable ?? false,
            created: b.created ?? now,
            lastModified: b.lastModified ?? b.created ?? now,
          })
          .run();
        for (const l of b.links) {
          this.ctx.orm
            .insert(beastModeLinks)
            .values({ beastModeId: b.id, resourceType: l.type, resourceId: l.id, visible: l.visible ?? true, active: l.active ?? false })
            .run();
        }
      }
    })();
  }
}
