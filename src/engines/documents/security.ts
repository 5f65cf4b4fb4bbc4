/**
 * Document-level security filters of a collection (Domo's "filters" in the manifest or collection):
 * which rules apply to a user for an operation, and the filter they add to the user's own query.
 * Rules that apply combine with OR; each rule is its query AND (limitToOwner ? owner = user).
 */
import { andFilters, parseFilter, type Filter } from './filter.js';
import { DocumentsError, isPlainObject, type JsonValue } from './values.js';

export type SecurityOp = 'READ' | 'UPDATE' | 'DELETE';

export interface SecurityRule {
  name?: string;
  applyOn: SecurityOp[];
  applyTo?: Array<{ type: 'USER_ID' | 'GROUP_ID'; values: Array<string | number> }>;
  applyToAll?: boolean;
  limitToOwner?: boolean;
  query?: Record<string, unknown>;
}

export interface Viewer {
  userId: number;
  groupIds: number[];
}

const USER = '%userId%';
const GROUPS = '%groupIds%';

function ruleApplies(rule: SecurityRule, viewer: Viewer): boolean {
  if (rule.applyToAll) return true;
  return (rule.applyTo ?? []).some((cond) =>
    cond.values.some((v) => {
      if (cond.type === 'USER_ID') return v === USER || String(v) === String(viewer.userId);
      if (v === GROUPS) return viewer.groupIds.length > 0;
      return viewer.groupIds.some((g) => String(g) === String(v));
    }),
  );
}

/** The ids a wildcard stands for, as numbers and as strings (content may hold either). */
function expand(token: string, viewer: Viewer): JsonValue[] {
  const ids = token === USER ? [viewer.userId] : viewer.groupIds;
  return [...ids, ...ids.map(String)];
}

const isWildcard = (v: unknown): v is string => v === USER || v === GROUPS;

/** Replaces %userId% / %groupIds% in a rule's query for this viewer. */
export function substituteWildcards(query: unknown, viewer: Viewer): unknown {
  const fieldValue = (v: unknown): unknown => {
    if (isWildcard(v)) return { $in: expand(v, viewer) };
    if (typeof v === 'string') return v.split(USER).join(String(viewer.userId));
    if (isPlainObject(v) && Object.keys(v)[0]?.startsWith('$')) {
      const out: Record<string, unknown> = {};
      for (const [op, arg] of Object.entries(v)) {
        if ((op === '$eq' || op === '$ne') && isWildcard(arg)) out[op === '$eq' ? '$in' : '$nin'] = expand(arg, viewer);
        else if ((op === '$in' || op === '$nin' || op === '$all') && Array.isArray(arg)) {
          out[op] = arg.flatMap((a: unknown) => (isWildcard(a) ? expand(a, viewer) : [typeof a === 'string' ? a.split(USER).join(String(viewer.userId)) : a]));
        } else if (op === '$elemMatch' || op === '$not') out[op] = op === '$elemMatch' ? walkDoc(arg) : fieldValue(arg);
        else out[op] = typeof arg === 'string' && op !== '$regex' ? arg.split(USER).join(String(viewer.userId)) : arg;
      }
      return out;
    }
    return v;
  };
  const walkDoc = (q: unknown): unknown => {
    if (!isPlainObject(q)) return q;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(q)) {
      if (k === '$and' || k === '$or' || k === '$nor') out[k] = Array.isArray(v) ? v.map(walkDoc) : v;
      else out[k] = fieldValue(v);
    }
    return out;
  };
  return walkDoc(query);
}

/**
 * The filter the rules add for `viewer` doing `op`: null when no rule applies (no restriction).
 * A rule with no query and no limitToOwner restricts nothing.
 */
export function restrictionFor(rules: SecurityRule[] | undefined, viewer: Viewer, op: SecurityOp): Filter | null {
  const applicable = (rules ?? []).filter((r) => r.applyOn.includes(op) && ruleApplies(r, viewer));
  if (applicable.length === 0) return null;
  const parts = applicable.map((r, i) =>
    andFilters(
      r.query && Object.keys(r.query).length ? parseFilter(substituteWildcards(r.query, viewer), `filters[${i}].query`) : null,
      r.limitToOwner ? { kind: 'field', path: ['owner'], cond: { op: 'eq', value: viewer.userId } } : null,
    ),
  );
  if (parts.some((p) => p.kind === 'const' && p.value)) return null;
  return parts.length === 1 ? parts[0] : { kind: 'or', items: parts };
}

/** Checks a rule list once, when a collection is defined (wildcards replaced by a sample viewer). */
export function validateRules(rules: SecurityRule[], where: string): void {
  rules.forEach((r, i) => {
    if (r.query === undefined) return;
    try {
      parseFilter(substituteWildcards(r.query, { userId: 1, groupIds: [1] }), `${where}[${i}].query`);
    } catch (e) {
      if (e instanceof DocumentsError) throw e;
      throw new DocumentsError(String(e), `${where}[${i}].query`);
    }
  });
}
