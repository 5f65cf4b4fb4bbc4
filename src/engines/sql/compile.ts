/**
 * Domo SQL -> SQLite.
 *
 * 1. tokenize + nest by parentheses (lexer.ts), refusing what SQLite must never see (parameters, brackets);
 * 2. statement guard: exactly one statement, a SELECT or WITH ... SELECT;
 * 3. confinement (pass A): every table position (FROM, JOIN, comma lists, derived tables, parenthesised joins)
 *    is rewritten to the target table, except names of CTEs in scope; `IN table`, table-valued functions,
 *    sqlite_* / pragma_* names and file/extension functions are refused;
 * 4. dialect (pass B): MySQL functions and operators become SQLite expressions or registered domo_* functions;
 * 5. emit canonical SQLite text.
 *
 * The output reads the target table directly (`FROM "target" AS "name"`), never through a wrapping subquery,
 * so SQLite's planner uses the target's indexes exactly as it would for hand-written SQL. When the target
 * has a `source` (the row service's derived table: computed columns, a row filter), every table reference
 * reads that instead; SQLite flattens such a simple subquery into the query, so indexes still apply.
 */
import { badRequest } from '../../http/errors.js';
import type { DatasetColumn } from './types.js';
import { quoteIdent } from './types.js';
import { INTERVAL_UNITS } from './datetime.js';
import {
  buildTree,
  emit,
  isName,
  isOp,
  isWord,
  nameOf,
  raw,
  splitArgs,
  tokenize,
  type Group,
  type Node,
  type Token,
  upOf,
} from './lexer.js';

export interface CompileTarget {
  /**
   * The SQLite table or view holding the dataset's visible rows: the bare name, unquoted. The read-only
   * guard allows exactly the b-trees `SELECT * FROM table` reads, whatever `source` adds.
   */
  table: string;
  /** The columns a query may name (the dataset's, plus any computed column `source` adds). */
  columns: DatasetColumn[];
  /**
   * What every table reference reads instead of the bare table: SQLite text for a derived table over it,
   * e.g. `(SELECT v.*, <expr> AS "name" FROM "dataset_<seq>" AS v WHERE <predicate>)`. Built by the row service
   * only (never from client text); it may use named parameters (`@name`) bound from `params`, since a query
   * can name its table several times (self-joins, CTEs).
   */
  source?: string;
  /** Values for the named parameters of `source`. */
  params?: Record<string, unknown>;
  /**
   * Named formulas (beast modes): a query or expression that names one (in backticks, or as a bare word)
   * reads its Domo SQL expression in its place, parenthesised, so aggregated formulas work in SELECT and
   * HAVING like Domo's. A real column of the same name wins.
   */
  macros?: Record<string, string>;
  /**
   * Several tables in scope by name (a DataFlow transform reads its inputs and the tables earlier
   * transforms made). With `tables`, a table reference must name one of them (case-insensitively, after the
   * query's own CTEs), or the query is a 400 naming what it may read; `table`/`source` are then unused.
   */
  tables?: Record<string, ScopeTable>;
  /**
   * Named queries every statement over this scope begins with, in order: emitted as the statement's
   * top-level WITH clause (merged with the query's own). A DataFlow's intermediate tables are these, so each
   * is written once however often later transforms name it. Compiled SQLite text built by the row service.
   */
  with?: Array<{ name: string; sql: string }>;
  /** With `tables`: the bare tables (views) the read-only guard allows, every input's. */
  readable?: string[];
}

/** A table of a scope: what a reference to it reads (SQLite text: a quoted view, a derived table, a `with` name). */
export interface ScopeTable {
  source: string;
  columns: DatasetColumn[];
}

export interface CompiledQuery {
  sql: string;
  /** The dataset the query reads (used to type plain output columns when SQLite cannot say). */
  target?: CompileTarget;
}

const bad = badRequest;

/** Rows a WITH RECURSIVE query without its own LIMIT may produce. */
export const MAX_RECURSIVE_ROWS = 1_000_000;

/**
 * Words that can never be an operand, a function name or a table name: the skeleton of a statement.
 * (Deliberately narrow: `day`, `month`, `first`, `table` are ordinary column or table names in datasets.)
 */
const STRUCTURAL = new Set(
  (
    'SELECT FROM WHERE GROUP BY HAVING ORDER LIMIT OFFSET UNION EXCEPT INTERSECT DISTINCT AS ON USING JOIN INNER ' +
    'OUTER CROSS NATURAL AND OR NOT IS LIKE GLOB REGEXP MATCH BETWEEN IN EXISTS WHEN THEN ELSE END ASC DESC WITH ' +
    'OVER ESCAPE COLLATE INTERVAL DIV MOD SEPARATOR INTO ALL ANY SOME'
  ).split(' '),
);
/** Words that are never a table alias or an implicit select-item alias. */
const KEYWORDS = new Set([
  ...STRUCTURAL,
  ...(
    'LEFT RIGHT FULL STRAIGHT_JOIN XOR NULL CASE RLIKE DISTINCTROW RECURSIVE WINDOW PARTITION FILTER ROWS RANGE ' +
    'GROUPS PRECEDING FOLLOWING UNBOUNDED CURRENT ROW TRUE FALSE VALUES SET INSERT UPDATE DELETE REPLACE CREATE ' +
    'DROP ALTER TABLE INDEX VIEW TRIGGER PRAGMA ATTACH DETACH VACUUM BINARY FOR INDEXED USE IGNORE FORCE LOCK ' +
    'RETURNING NULLS FIRST LAST ROLLUP'
  ).split(' '),
]);
/** Keywords that still end an expression (so a name after them is an alias). */
const VALUE_KEYWORDS = new Set(['END', 'NULL', 'TRUE', 'FALSE']);
const CLAUSE_END_FROM = new Set(['WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'WINDOW', 'UNION', 'EXCEPT', 'INTERSECT']);
const SELECT_LIST_END = new Set([...CLAUSE_END_FROM, 'FROM', 'INTO']);
const SELECT_MODIFIERS = new Set([
  'DISTINCT', 'ALL', 'DISTINCTROW', 'HIGH_PRIORITY', 'STRAIGHT_JOIN', 'SQL_SMALL_RESULT', 'SQL_BIG_RESULT',
  'SQL_BUFFER_RESULT', 'SQL_NO_CACHE', 'SQL_CACHE', 'SQL_CALC_FOUND_ROWS',
]);
const DROPPED_MODIFIERS = new Set([
  'HIGH_PRIORITY', 'SQL_SMALL_RESULT', 'SQL_BIG_RESULT', 'SQL_BUFFER_RESULT', 'SQL_NO_CACHE', 'SQL_CACHE',
  'SQL_CALC_FOUND_ROWS',
]);
/** Function argument lists in which FROM / IN are part of the function's own syntax. */
const SPECIAL_ARG_FUNCS = new Set(['TRIM', 'SUBSTRING', 'SUBSTR', 'MID', 'EXTRACT', 'POSITION']);
const UNITS = new Set<string>(INTERVAL_UNITS);

/** Functions that read or write files, load code, log, or allocate at will: refused wherever they appear. */
const DENIED_FUNCTIONS: Array<[RegExp, string]> = [
  [/^(load_extension)$/, 'it loads native extensions'],
  [/^(readfile|writefile|edit|fsdir|lsmode|zipfile.*|sqlar_.*|shell_.*)$/, 'it touches files'],
  [/^(fts3_tokenizer|fts5.*|fts3.*|fts4.*)$/, 'it reaches SQLite internals'],
  [/^(sqlite_.*)$/, 'it reaches SQLite internals'],
  [/^(randomblob|zeroblob)$/, 'it allocates arbitrary blobs'],
  [/^(pragma_.*)$/, 'PRAGMA functions read database internals'],
];

const STATEMENT_REASONS: Record<string, string> = {
  INSERT: 'it changes data',
  UPDATE: 'it changes data',
  DELETE: 'it changes data',
  REPLACE: 'it changes data',
  MERGE: 'it changes data',
  UPSERT: 'it changes data',
  TRUNCATE: 'it deletes data',
  LOAD: 'it changes data',
  CREATE: 'it changes the schema (DDL)',
  DROP: 'it changes the schema (DDL)',
  ALTER: 'it changes the schema (DDL)',
  RENAME: 'it changes the schema (DDL)',
  PRAGMA: 'it reads or changes database settings',
  ATTACH: 'a query can read only its own dataset',
  DETACH: 'a query can read only its own dataset',
  VACUUM: 'it is database maintenance',
  REINDEX: 'it is database maintenance',
  ANALYZE: 'it is database maintenance',
  OPTIMIZE: 'it is database maintenance',
  BEGIN: 'transactions are not part of a query',
  START: 'transactions are not part of a query',
  COMMIT: 'transactions are not part of a query',
  ROLLBACK: 'transactions are not part of a query',
  SAVEPOINT: 'transactions are not part of a query',
  RELEASE: 'transactions are not part of a query',
  END: 'transactions are not part of a query',
  LOCK: 'locking is not part of a query',
  UNLOCK: 'locking is not part of a query',
  SET: 'it changes session settings',
  USE: 'a query can read only its own dataset',
  GRANT: 'it changes permissions',
  REVOKE: 'it changes permissions',
  CALL: 'stored procedures do not exist here',
  DO: 'only SELECT queries return rows',
  EXPLAIN: 'only SELECT queries are supported',
  DESCRIBE: 'use the schema endpoint instead',
  DESC: 'use the schema endpoint instead',
  SHOW: 'use the schema endpoint instead',
  HANDLER: 'only SELECT queries are supported',
  FLUSH: 'it is server administration',
  KILL: 'it is server administration',
  INSTALL: 'it is server administration',
  UNINSTALL: 'it is server administration',
};

function refuseStatement(kind: string): never {
  const reason = STATEMENT_REASONS[kind];
  if (reason) throw bad(`Only a read-only SELECT (or WITH ... SELECT) query is allowed: ${kind} is refused because ${reason}`);
  throw bad(`Only a read-only SELECT (or WITH ... SELECT) query is allowed; this query starts with ${kind}`);
}

function deniedReason(name: string): string | null {
  const lower = name.toLowerCase();
  for (const [re, why] of DENIED_FUNCTIONS) if (re.test(lower)) return why;
  return null;
}

const qident = (name: string, at?: { start: number; end: number }): Node => ({
  k: 'qident',
  name,
  start: at?.start ?? -1,
  end: at?.end ?? -1,
});
const word = (text: string): Node => ({ k: 'word', text, up: text.toUpperCase(), start: -1, end: -1 });

const isQueryList = (items: Node[]) => isWord(items[0], 'SELECT', 'WITH', 'VALUES');

// ================================================================================================
// Pass A: statement guard and confinement
// ================================================================================================

/** SQLite folds identifier case for ASCII letters only. */
const foldCase = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** CTE names in scope: the name as written (case-folded) -> the generated name it is renamed to. */
type Scope = Map<string, string>;

class Confiner {
  private cteCount = 0;

  /** The SQL every table reference becomes: the quoted table, or the target's derived-table source. */
  private readonly from: string;
  /** A scope's tables by case-folded name (null: every reference reads `from`). */
  private readonly named: Map<string, ScopeTable> | null;
  private readonly scopeNames: string[];

  constructor(
    target: CompileTarget,
    private readonly source: string,
  ) {
    this.from = target.source ?? quoteIdent(target.table);
    this.named = target.tables ? new Map(Object.entries(target.tables).map(([k, v]) => [foldCase(k), v])) : null;
    this.scopeNames = Object.keys(target.tables ?? {});
  }

  /** What a reference to a table of the scope reads; a 400 naming the tables in scope for any other name. */
  private scoped(parts: string[]): string {
    const list = this.scopeNames.length ? this.scopeNames.map((n) => `\`${n}\``).join(', ') : 'none';
    if (parts.length !== 1) throw bad(`Unknown table ${parts.join('.')}: name a table of this DataFlow without a schema (tables: ${list})`);
    const hit = this.named!.get(foldCase(parts[0]));
    if (!hit) throw bad(`Unknown table \`${parts[0]}\`: this statement can read the DataFlow's inputs and the tables made before it (${list})`);
    return hit.source;
  }

  /** One expression (a formula): its subqueries are confined like any query's. */
  expression(items: Node[]): void {
    this.scan(items, 0, new Map(), {});
  }

  query(items: Node[], scope: Scope): void {
    let i = 0;
    if (isWord(items[0], 'WITH')) {
      const r = this.withClause(items, scope);
      i = r.next;
      scope = r.scope;
      const main = items[i];
      if (!isWord(main, 'SELECT', 'VALUES')) {
        if (main && main.k === 'word') refuseStatement(main.up);
        throw bad('A WITH clause must be followed by a SELECT');
      }
    }
    this.scan(items, i, scope, { isQuery: true });
  }

  /**
   * Every CTE gets a generated name (domo_cte_N) and references to it become `"domo_cte_N" AS "name"`.
   * Should the scoping below ever disagree with SQLite's, SQLite answers "no such table: domo_cte_N"
   * instead of reading a real table that happens to share the CTE's name.
   */
  private withClause(items: Node[], outer: Scope): { next: number; scope: Scope } {
    let i = 1;
    const recursive = isWord(items[i], 'RECURSIVE');
    if (recursive) i++;
    const bodies: Group[] = [];
    const names: Array<[string, string]> = [];
    for (;;) {
      const n = items[i];
      if (!isName(n) || (n.k === 'word' && STRUCTURAL.has(upOf(n)))) {
        throw bad('WITH must be followed by a name: WITH name AS (SELECT ...)');
      }
      const name = nameOf(n);
      if (/^(sqlite_|pragma_)/i.test(name)) throw bad(`A WITH query cannot be named ${name}: that name is reserved`);
      const generated = `domo_cte_${++this.cteCount}`;
      names.push([foldCase(name), generated]);
      items[i] = qident(generated, n);
      i++;
      if (items[i]?.k === 'group') i++; // column list
      if (!isWord(items[i], 'AS')) throw bad(`WITH ${name}: expected AS (SELECT ...)`);
      i++;
      if (isWord(items[i], 'NOT')) i++;
      if (isWord(items[i], 'MATERIALIZED')) i++;
      const body = items[i];
      if (!body || body.k !== 'group') throw bad(`WITH ${name} AS: expected a parenthesised SELECT`);
      bodies.push(body);
      i++;
      if (isOp(items[i], ',')) {
        i++;
        continue;
      }
      break;
    }
    // As in MySQL: WITH RECURSIVE bodies see every name of the clause (themselves included); otherwise a
    // body sees only the CTEs defined before it, so `WITH sales AS (SELECT * FROM sales)` reads the dataset.
    bodies.forEach((b, k) => {
      if (!isQueryList(b.items)) throw bad('A WITH query must be a SELECT');
      this.query(b.items, new Map([...outer, ...(recursive ? names : names.slice(0, k))]));
      // A runaway recursion would hold the (synchronous) server forever: SQLite stops a recursive CTE at its
      // LIMIT, so one without a LIMIT gets MAX_RECURSIVE_ROWS (MySQL stops at cte_max_recursion_depth).
      if (recursive && !b.items.some((x) => isWord(x, 'LIMIT'))) {
        b.items.push(word('LIMIT'), { k: 'num', text: String(MAX_RECURSIVE_ROWS), start: -1, end: -1 });
      }
    });
    return { next: i, scope: new Map([...outer, ...names]) };
  }

  /** Walks one parenthesis level. */
  private scan(items: Node[], from: number, scope: Scope, opts: { isQuery?: boolean; inFrom?: boolean; fn?: string }) {
    let inFrom = opts.inFrom ?? false;
    const special = opts.fn !== undefined && SPECIAL_ARG_FUNCS.has(opts.fn);
    if (special) {
      // TRIM(x FROM s), SUBSTRING(s FROM p FOR n), EXTRACT(unit FROM d), POSITION(a IN b): the keyword once.
      for (const kw of opts.fn === 'POSITION' ? ['IN'] : ['FROM', 'FOR']) {
        if (items.filter((n) => isWord(n, kw)).length > 1) throw bad(`${opts.fn}(): ${kw} may appear only once`);
      }
    }
    for (let i = from; i < items.length; i++) {
      const n = items[i];
      if (isName(n) && items[i + 1]?.k === 'group') {
        const why = deniedReason(nameOf(n));
        if (why) throw bad(`Function ${nameOf(n)}() is not allowed: ${why}`);
      }
      if (n.k === 'word') {
        const up = n.up;
        if (special && up === 'SELECT') throw bad(`${opts.fn}(): a subquery must be in parentheses`);
        if (up === 'SELECT' && opts.isQuery) {
          this.aliasSelectList(items, i);
          continue;
        }
        if (up === 'FROM' && !special) {
          if (isWord(items[i + 1], 'DUAL') && !isOp(items[i + 2], '.')) {
            items.splice(i, 2); // MySQL's FROM DUAL: no table at all
            i--;
            continue;
          }
          i = this.tableItem(items, i + 1, scope) - 1;
          inFrom = true;
          continue;
        }
        if (up === 'JOIN' || up === 'STRAIGHT_JOIN') {
          if (up === 'STRAIGHT_JOIN') items[i] = word('JOIN');
          i = this.tableItem(items, i + 1, scope) - 1;
          inFrom = true;
          continue;
        }
        if (up === 'IN' && opts.fn !== 'POSITION' && items[i + 1]?.k !== 'group') {
          throw bad('IN must be followed by a parenthesised list or subquery');
        }
        if (up === 'INTO') throw bad('SELECT ... INTO is not allowed: a query cannot write files, variables or tables');
        if (CLAUSE_END_FROM.has(up)) inFrom = false;
        continue;
      }
      if (inFrom && isOp(n, ',')) {
        i = this.tableItem(items, i + 1, scope) - 1;
        continue;
      }
      if (isOp(n, ';')) throw bad('Only one SQL statement is allowed');
      if (n.k === 'group') {
        if (isQueryList(n.items)) this.query(n.items, scope);
        else {
          // Only an unquoted name gets the special argument syntax (`POSITION`(a IN t) stays a plain call).
          const fn = upOf(items[i - 1]) || undefined;
          this.scan(n.items, 0, scope, { fn });
        }
      }
    }
  }

  /** Rewrites the table item at items[j]; returns the index after it (and its alias and index hints). */
  private tableItem(items: Node[], j: number, scope: Scope): number {
    const n = items[j];
    if (!n) throw bad('Expected a table name after FROM or JOIN');
    if (n.k === 'group') {
      if (isQueryList(n.items)) this.query(n.items, scope);
      else {
        if (!n.items.length) throw bad('Expected a table name inside the parentheses');
        const k = this.tableItem(n.items, 0, scope);
        this.scan(n.items, k, scope, { inFrom: true });
      }
      return this.afterTable(items, j + 1);
    }
    if (n.k === 'str') throw bad(`A table name cannot be a quoted string ('${n.value}'): quote it with backticks`);
    if (!isName(n) || (n.k === 'word' && STRUCTURAL.has(n.up))) {
      throw bad(`Expected a table name after FROM or JOIN, found ${describe(n)}`);
    }
    const parts = [nameOf(n)];
    let e = j;
    while (isOp(items[e + 1], '.') && isName(items[e + 2])) {
      parts.push(nameOf(items[e + 2]));
      e += 2;
    }
    const full = parts.join('.');
    if (items[e + 1]?.k === 'group') {
      if (/^pragma_/i.test(parts[parts.length - 1])) {
        throw bad(`${full}() is not allowed: PRAGMA functions read database internals`);
      }
      throw bad(`Table-valued functions such as ${full}() are not allowed: a query reads its dataset only`);
    }
    for (const p of parts) {
      if (/^sqlite_/i.test(p)) throw bad(`${full} is an internal table: a query can read only its dataset`);
      if (/^pragma_/i.test(p)) throw bad(`${full} is not allowed: PRAGMA tables read database internals`);
    }
    const cte = parts.length === 1 ? scope.get(foldCase(parts[0])) : undefined;
    const aliased = this.aliasAt(items, e + 1);
    const read = cte ? quoteIdent(cte) : this.named ? this.scoped(parts) : this.from;
    const sql = read + (aliased ? '' : ` AS ${quoteIdent(parts[parts.length - 1])}`);
    items.splice(j, e - j + 1, raw(sql, { start: n.start, end: items[e].end }));
    return this.afterTable(items, j + 1);
  }

  private aliasAt(items: Node[], k: number): boolean {
    const n = items[k];
    if (isWord(n, 'AS')) return true;
    return isName(n) && !(n.k === 'word' && KEYWORDS.has(n.up));
  }

  /** Skips a table alias (turning a 'string' alias into an identifier) and drops MySQL index hints. */
  private afterTable(items: Node[], j: number): number {
    if (isWord(items[j], 'AS')) {
      const a = items[j + 1];
      if (a && a.k === 'str') items[j + 1] = qident(a.value, a);
      else if (!isName(a)) throw bad('Expected an alias after AS');
      j += 2;
    } else if (this.aliasAt(items, j)) j += 1;
    // USE|IGNORE|FORCE INDEX|KEY [FOR JOIN|ORDER BY|GROUP BY] (names)
    while (isWord(items[j], 'USE', 'IGNORE', 'FORCE') && isWord(items[j + 1], 'INDEX', 'KEY')) {
      let e = j + 2;
      if (isWord(items[e], 'FOR')) {
        e++;
        if (isWord(items[e], 'JOIN')) e++;
        else if (isWord(items[e], 'ORDER', 'GROUP') && isWord(items[e + 1], 'BY')) e += 2;
      }
      if (items[e]?.k === 'group') e++;
      items.splice(j, e - j);
    }
    return j;
  }

  /**
   * Names every unaliased expression in a select list after its text as written, as MySQL does
   * (`SELECT YEAR(d)` gives a column named `YEAR(d)`, not the rewritten SQLite expression).
   */
  private aliasSelectList(items: Node[], selectAt: number) {
    let s = selectAt + 1;
    while (isWord(items[s]) && SELECT_MODIFIERS.has((items[s] as Token & { up: string }).up)) {
      const up = (items[s] as Token & { up: string }).up;
      if (DROPPED_MODIFIERS.has(up)) items.splice(s, 1);
      else {
        if (up === 'DISTINCTROW' || up === 'STRAIGHT_JOIN') items[s] = word(up === 'DISTINCTROW' ? 'DISTINCT' : 'ALL');
        s++;
      }
    }
    let e = s;
    while (e < items.length && !(isWord(items[e]) && SELECT_LIST_END.has((items[e] as Token & { up: string }).up)) && !isOp(items[e], ';')) e++;
    // item boundaries
    const bounds: Array<[number, number]> = [];
    let a = s;
    for (let k = s; k <= e; k++) {
      if (k === e || isOp(items[k], ',')) {
        bounds.push([a, k]);
        a = k + 1;
      }
    }
    for (let b = bounds.length - 1; b >= 0; b--) {
      const [from, to] = bounds[b];
      const item = items.slice(from, to);
      const alias = this.aliasFor(item);
      if (alias === null) continue;
      if (alias === 'str-alias') {
        const last = item[item.length - 1] as Token & { k: 'str' };
        items[to - 1] = qident(last.value, last);
        continue;
      }
      items.splice(to, 0, word('AS'), qident(alias));
    }
  }

  /** null: leave as is; 'str-alias': `AS 'name'` to turn into an identifier; else the alias to add. */
  private aliasFor(item: Node[]): string | null {
    const len = item.length;
    if (!len) return null;
    const last = item[len - 1];
    const prev = item[len - 2];
    if (isWord(prev, 'AS')) return last.k === 'str' ? 'str-alias' : null;
    // `expr 'alias'`
    if (len >= 2 && last.k === 'str' && prev && !isOp(prev) && !(prev.k === 'word' && KEYWORDS.has(prev.up) && !VALUE_KEYWORDS.has(prev.up))) {
      return 'str-alias';
    }
    // plain column, t.col, *, t.*
    const plain = item.every((n, i) => (i % 2 === 1 ? isOp(n, '.') : isName(n) || (i === len - 1 && isOp(n, '*'))));
    if (plain && !(len === 1 && isWord(last) && (KEYWORDS.has(upOf(last)) || upOf(last) in CLOCK_KEYWORDS))) return null;
    if (len === 1 && (last.k === 'num' || last.k === 'blob')) return null;
    if (len === 1 && last.k === 'str') return last.value;
    // implicit alias: `expr name`
    const intervalEnd = len >= 3 && isWord(item[len - 3], 'INTERVAL');
    if (len >= 2 && !intervalEnd && isName(last) && !(last.k === 'word' && KEYWORDS.has(last.up)) && prev && !isOp(prev)) {
      if (prev.k !== 'word' || !KEYWORDS.has(prev.up) || VALUE_KEYWORDS.has(prev.up)) return null;
    }
    const first = item[0];
    if (first.start < 0 || last.end < 0) return null;
    const text = this.source.slice(first.start, last.end);
    // a formula named alone keeps its name (not its backticks)
    const lone = /^`((?:[^`]|``)+)`$/.exec(text);
    return lone ? lone[1].replace(/``/g, '`') : text;
  }
}

function describe(n: Node): string {
  switch (n.k) {
    case 'word':
      return n.text;
    case 'qident':
      return `\`${n.name}\``;
    case 'str':
      return `'${n.value}'`;
    case 'num':
      return n.text;
    case 'op':
      return `"${n.text}"`;
    default:
      return 'an expression';
  }
}

// ================================================================================================
// Pass B: MySQL dialect -> SQLite
// ================================================================================================

type Handler = (call: { name: string; items: Node[]; args: Node[][] }) => string;

const e = (nodes: Node[]) => emit(nodes);

function arity(name: string, args: Node[][], min: number, max: number) {
  const n = args.length;
  if (n < min || n > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw bad(`${name}() takes ${want} argument${want === '1' ? '' : 's'}, got ${n}`);
  }
}

/** A handler that checks the argument count and calls `impl` with the arguments unchanged. */
const call =
  (impl: string, min: number, max = min): Handler =>
  ({ name, args }) => {
    arity(name, args, min, max);
    return `${impl}(${args.map(e).join(', ')})`;
  };

const asText = (nodes: Node[]) => `CAST((${e(nodes)}) AS TEXT)`;

/** A plain operand: a column (t.col), a literal. Concatenating plain operands cannot outgrow the data. */
const isPlainOperand = (nodes: Node[]) =>
  nodes.length > 0 &&
  nodes.every((n, i) => (i % 2 === 1 ? isOp(n, '.') : n.k === 'word' || n.k === 'qident' || n.k === 'str' || n.k === 'num'));

/**
 * CONCAT of computed parts (REPEAT, nested CONCAT, subqueries) is checked against the string cap, so that
 * doubling a string level by level stops at the first level over the cap; plain columns and literals stay
 * SQLite's native ||.
 */
const capped = (args: Node[][], sql: string) => (args.every(isPlainOperand) ? sql : `domo_cap(${sql})`);

function indexOfWord(items: Node[], ...ups: string[]): number {
  return items.findIndex((n) => isWord(n, ...ups));
}

function unitOf(name: string, nodes: Node[]): string {
  const u = nodes.length === 1 ? nodes[0] : undefined;
  const unit = u && (u.k === 'word' ? u.up : u.k === 'str' ? u.value.toUpperCase() : '');
  if (!unit || !UNITS.has(unit)) {
    throw bad(`${name}: expected a unit such as DAY, MONTH or YEAR, found ${nodes.length ? e(nodes) : 'nothing'}`);
  }
  return unit;
}

function intervalArgs(name: string, nodes: Node[]): { value: string; unit: string } {
  if (!isWord(nodes[0], 'INTERVAL') || nodes.length < 3) throw bad(`${name}: expected INTERVAL <n> <unit>`);
  return { value: e(nodes.slice(1, -1)), unit: unitOf(name, nodes.slice(-1)) };
}

function castType(name: string, expr: string, type: Node[]): string {
  const t = type[0];
  if (!t || t.k !== 'word') throw bad(`${name}: expected a type after AS`);
  const size = type[1]?.k === 'group' ? splitArgs((type[1] as Group).items).map(e) : [];
  switch (t.up) {
    case 'SIGNED':
    case 'INTEGER':
    case 'INT':
    case 'BIGINT':
      return `domo_cast_signed(${expr})`;
    case 'UNSIGNED':
      return `domo_cast_unsigned(${expr})`;
    case 'DECIMAL':
    case 'DEC':
    case 'NUMERIC':
    case 'FIXED':
      return `domo_cast_decimal(${expr}, ${size[0] ?? 10}, ${size[1] ?? 0})`;
    case 'CHAR':
    case 'VARCHAR':
    case 'NCHAR':
    case 'TEXT':
    case 'BINARY':
    case 'VARBINARY':
    case 'STRING':
      return size.length ? `domo_cast_char(${expr}, ${size[0]})` : `domo_cast_char(${expr})`;
    case 'DATE':
      return `domo_date(${expr})`;
    case 'DATETIME':
    case 'TIMESTAMP':
      return size.length ? `domo_datetime(${expr}, ${size[0]})` : `domo_datetime(${expr})`;
    case 'TIME':
      return `domo_time(${expr})`;
    case 'DOUBLE':
    case 'FLOAT':
    case 'REAL':
      return `CAST(${expr} AS REAL)`;
    case 'JSON':
      return `(${expr})`;
    default:
      throw bad(`${name} to ${e(type)} is not supported (use SIGNED, UNSIGNED, DECIMAL(p,s), CHAR, DATE, DATETIME, TIME or DOUBLE)`);
  }
}

/** SQLite's own date functions read the real clock for 'now': point them at the instance clock. */
const sqliteClockFn =
  (impl: string, nowWhenEmpty: number): Handler =>
  ({ args }) => {
    const out = args.map((a) =>
      a.length === 1 && a[0].k === 'str' && a[0].value.trim().toLowerCase() === 'now' ? 'domo_now_text()' : e(a),
    );
    if (out.length < nowWhenEmpty) out.push('domo_now_text()');
    return `${impl}(${out.join(', ')})`;
  };

const HANDLERS: Record<string, Handler> = {
  // ---- control flow ----
  IF: call('iif', 3),
  IFNULL: call('ifnull', 2),
  NULLIF: call('nullif', 2),
  ISNULL: ({ name, args }) => (arity(name, args, 1, 1), `((${e(args[0])}) IS NULL)`),
  ANY_VALUE: ({ name, args }) => (arity(name, args, 1, 1), `(${e(args[0])})`),

  // ---- strings ----
  // || gives NULL when any argument is NULL, exactly MySQL's CONCAT (SQLite's concat() skips NULLs).
  CONCAT: ({ name, args }) => {
    arity(name, args, 1, Infinity);
    return capped(args, args.length === 1 ? `((${e(args[0])}) || '')` : `(${args.map((a) => `(${e(a)})`).join(' || ')})`);
  },
  CONCAT_WS: ({ name, args }) => {
    arity(name, args, 2, Infinity);
    return capped(args, `concat_ws(${args.map(e).join(', ')})`);
  },
  UPPER: call('domo_upper', 1),
  UCASE: call('domo_upper', 1),
  LOWER: call('domo_lower', 1),
  LCASE: call('domo_lower', 1),
  SUBSTRING: substringHandler,
  SUBSTR: substringHandler,
  MID: substringHandler,
  LEFT: call('domo_left', 2),
  RIGHT: call('domo_right', 2),
  LPAD: call('domo_lpad', 3),
  RPAD: call('domo_rpad', 3),
  LOCATE: call('domo_locate', 2, 3),
  INSTR: call('instr', 2),
  POSITION: ({ name, items }) => {
    const k = indexOfWord(items, 'IN');
    if (k <= 0 || k === items.length - 1) throw bad(`${name}: expected POSITION(substr IN str)`);
    return `domo_locate(${e(items.slice(0, k))}, ${e(items.slice(k + 1))})`;
  },
  SUBSTRING_INDEX: call('domo_substring_index', 3),
  TRIM: ({ name, items, args }) => {
    const k = indexOfWord(items, 'FROM');
    if (k < 0) {
      if (isWord(items[0], 'BOTH', 'LEADING', 'TRAILING')) throw bad(`${name}: expected TRIM(${upOf(items[0])} [str] FROM str)`);
      arity(name, args, 1, 1);
      return `trim(${e(args[0])})`;
    }
    let before = items.slice(0, k);
    let mode = 'BOTH';
    if (isWord(before[0], 'BOTH', 'LEADING', 'TRAILING')) {
      mode = (before[0] as Token & { up: string }).up;
      before = before.slice(1);
    }
    const rem = before.length ? e(before) : "' '";
    return `domo_trim('${mode}', ${rem}, ${e(items.slice(k + 1))})`;
  },
  LTRIM: call('ltrim', 1),
  RTRIM: call('rtrim', 1),
  LENGTH: call('octet_length', 1),
  OCTET_LENGTH: call('octet_length', 1),
  CHAR_LENGTH: call('length', 1),
  CHARACTER_LENGTH: call('length', 1),
  REPLACE: ({ name, args }) => {
    arity(name, args, 3, 3);
    return `domo_replace(${args.map((a) => asText(a)).join(', ')})`;
  },
  REVERSE: call('domo_reverse', 1),
  REPEAT: call('domo_repeat', 2),
  SPACE: call('domo_space', 1),
  ASCII: call('domo_ascii', 1),
  ORD: call('domo_ascii', 1),
  STRCMP: call('domo_strcmp', 2),
  FIND_IN_SET: call('domo_find_in_set', 2),
  FORMAT: call('domo_format', 2, 3),
  INSERT: call('domo_insert', 4),
  ELT: call('domo_elt', 2, Infinity),
  FIELD: call('domo_field', 2, Infinity),
  HEX: call('domo_hex', 1),
  REGEXP_LIKE: call('domo_regexp_like', 2, 3),
  REGEXP_REPLACE: call('domo_regexp_replace', 3),
  REGEXP_SUBSTR: call('domo_regexp_substr', 2),

  // ---- numbers ----
  ROUND: call('domo_round', 1, 2),
  TRUNCATE: call('domo_truncate', 2),
  CEIL: call('domo_ceil', 1),
  CEILING: call('domo_ceil', 1),
  FLOOR: call('domo_floor', 1),
  MOD: call('domo_mod', 2),
  LOG: ({ name, args }) => (arity(name, args, 1, 2), args.length === 1 ? `ln(${e(args[0])})` : `log(${args.map(e).join(', ')})`),
  RAND: call('domo_rand', 0, 1),
  GREATEST: call('max', 2, Infinity),
  LEAST: call('min', 2, Infinity),

  // ---- aggregates ----
  GROUP_CONCAT: ({ name, items }) => {
    let k = 0;
    const distinct = isWord(items[0], 'DISTINCT');
    if (distinct) k = 1;
    const sepAt = indexOfWord(items, 'SEPARATOR');
    const stop = sepAt >= 0 ? sepAt : items.length;
    let orderAt = -1;
    for (let i = k; i < stop; i++) if (isWord(items[i], 'ORDER') && isWord(items[i + 1], 'BY')) orderAt = i;
    const exprs = splitArgs(items.slice(k, orderAt >= 0 ? orderAt : stop));
    if (!exprs.length || exprs.some((x) => !x.length)) throw bad(`${name}: expected an expression`);
    const expr = exprs.length === 1 ? e(exprs[0]) : exprs.map((x) => `(${e(x)})`).join(' || ');
    const order = orderAt >= 0 ? ' ' + e(items.slice(orderAt, stop)) : '';
    let sep: string | null = null;
    if (sepAt >= 0) {
      const s = items.slice(sepAt + 1);
      if (s.length !== 1 || s[0].k !== 'str') throw bad(`${name}: SEPARATOR must be followed by a string`);
      sep = e(s);
    }
    // Registered aggregates that count the length they build (--max-result-bytes); CAST AS TEXT keeps
    // SQLite's own conversion of numbers to text, as group_concat() has it.
    const text = `CAST((${expr}) AS TEXT)`;
    if (!distinct) return `domo_group_concat(${text}, ${sep ?? "','"}${order})`;
    if (sep === null) return `domo_group_concat(DISTINCT ${text}${order})`;
    return `domo_group_concat_distinct(${text}, ${sep}${order})`;
  },
  // SQLite's (and PostgreSQL's) name for it: the same capped aggregate.
  STRING_AGG: ({ name, args }) => {
    arity(name, args, 2, 2);
    return `domo_group_concat(CAST((${e(args[0])}) AS TEXT), ${e(args[1])})`;
  },
  COUNT: ({ items }) => {
    if (isWord(items[0], 'DISTINCT')) {
      const parts = splitArgs(items.slice(1));
      if (parts.length > 1) {
        const anyNull = parts.map((p) => `(${e(p)}) IS NULL`).join(' OR ');
        return `count(DISTINCT CASE WHEN ${anyNull} THEN NULL ELSE json_array(${parts.map(e).join(', ')}) END)`;
      }
    }
    return `count(${e(items)})`;
  },
  STD: call('domo_stddev_pop', 1),
  STDDEV: call('domo_stddev_pop', 1),
  STDDEV_POP: call('domo_stddev_pop', 1),
  STDDEV_SAMP: call('domo_stddev_samp', 1),
  VARIANCE: call('domo_var_pop', 1),
  VAR_POP: call('domo_var_pop', 1),
  VAR_SAMP: call('domo_var_samp', 1),

  // ---- casts ----
  CAST: ({ name, items }) => {
    let k = -1;
    for (let i = items.length - 1; i >= 0; i--) if (isWord(items[i], 'AS')) { k = i; break; }
    if (k <= 0) throw bad(`${name}: expected CAST(expr AS type)`);
    return castType(name, e(items.slice(0, k)), items.slice(k + 1));
  },
  CONVERT: ({ name, items, args }) => {
    const using = indexOfWord(items, 'USING');
    if (using > 0) return `(${e(items.slice(0, using))})`;
    arity(name, args, 2, 2);
    return castType(name, e(args[0]), args[1]);
  },

  // ---- dates and times (instance clock) ----
  NOW: call('domo_now', 0, 1),
  SYSDATE: call('domo_now', 0, 1),
  CURRENT_TIMESTAMP: call('domo_now', 0, 1),
  LOCALTIME: call('domo_now', 0, 1),
  LOCALTIMESTAMP: call('domo_now', 0, 1),
  UTC_TIMESTAMP: call('domo_now', 0, 1),
  CURDATE: call('domo_curdate', 0),
  CURRENT_DATE: call('domo_curdate', 0),
  UTC_DATE: call('domo_curdate', 0),
  CURTIME: call('domo_curtime', 0, 1),
  CURRENT_TIME: call('domo_curtime', 0, 1),
  UTC_TIME: call('domo_curtime', 0, 1),
  UNIX_TIMESTAMP: call('domo_unix_timestamp', 0, 1),
  FROM_UNIXTIME: call('domo_from_unixtime', 1, 2),
  DATE: call('domo_date', 1),
  TIME: call('domo_time', 1),
  TIMESTAMP: call('domo_timestamp', 1, 2),
  YEAR: call('domo_year', 1),
  MONTH: call('domo_month', 1),
  DAY: call('domo_day', 1),
  DAYOFMONTH: call('domo_day', 1),
  DAYOFWEEK: call('domo_dayofweek', 1),
  WEEKDAY: call('domo_weekday', 1),
  DAYOFYEAR: call('domo_dayofyear', 1),
  DAYNAME: call('domo_dayname', 1),
  MONTHNAME: call('domo_monthname', 1),
  QUARTER: call('domo_quarter', 1),
  WEEK: call('domo_week', 1, 2),
  YEARWEEK: call('domo_yearweek', 1, 2),
  WEEKOFYEAR: call('domo_weekofyear', 1),
  HOUR: call('domo_hour', 1),
  MINUTE: call('domo_minute', 1),
  SECOND: call('domo_second', 1),
  MICROSECOND: call('domo_microsecond', 1),
  LAST_DAY: call('domo_last_day', 1),
  TO_DAYS: call('domo_to_days', 1),
  MAKEDATE: call('domo_makedate', 2),
  DATEDIFF: call('domo_datediff', 2),
  DATE_FORMAT: call('domo_date_format', 2),
  TIME_FORMAT: call('domo_time_format', 2),
  STR_TO_DATE: call('domo_str_to_date', 2),
  DATE_ADD: ({ name, args }) => {
    arity(name, args, 2, 2);
    const iv = intervalArgs(name, args[1]);
    return `domo_date_add(${e(args[0])}, ${iv.value}, '${iv.unit}')`;
  },
  DATE_SUB: ({ name, args }) => {
    arity(name, args, 2, 2);
    const iv = intervalArgs(name, args[1]);
    return `domo_date_sub(${e(args[0])}, ${iv.value}, '${iv.unit}')`;
  },
  ADDDATE: ({ name, args }) => {
    arity(name, args, 2, 2);
    if (!isWord(args[1][0], 'INTERVAL')) return `domo_date_add(${e(args[0])}, ${e(args[1])}, 'DAY')`;
    const iv = intervalArgs(name, args[1]);
    return `domo_date_add(${e(args[0])}, ${iv.value}, '${iv.unit}')`;
  },
  SUBDATE: ({ name, args }) => {
    arity(name, args, 2, 2);
    if (!isWord(args[1][0], 'INTERVAL')) return `domo_date_sub(${e(args[0])}, ${e(args[1])}, 'DAY')`;
    const iv = intervalArgs(name, args[1]);
    return `domo_date_sub(${e(args[0])}, ${iv.value}, '${iv.unit}')`;
  },
  TIMESTAMPDIFF: ({ name, args }) => {
    arity(name, args, 3, 3);
    return `domo_timestampdiff('${unitOf(name, args[0])}', ${e(args[1])}, ${e(args[2])})`;
  },
  TIMESTAMPADD: ({ name, args }) => {
    arity(name, args, 3, 3);
    return `domo_date_add(${e(args[2])}, ${e(args[1])}, '${unitOf(name, args[0])}')`;
  },
  EXTRACT: ({ name, items }) => {
    const k = indexOfWord(items, 'FROM');
    if (k !== 1) throw bad(`${name}: expected EXTRACT(unit FROM date)`);
    return `domo_extract('${unitOf(name, items.slice(0, 1))}', ${e(items.slice(2))})`;
  },
  // SQLite's own date functions, kept for users who write them, but on the instance clock.
  DATETIME: sqliteClockFn('datetime', 1),
  JULIANDAY: sqliteClockFn('julianday', 1),
  UNIXEPOCH: sqliteClockFn('unixepoch', 1),
  STRFTIME: sqliteClockFn('strftime', 2),
  TIMEDIFF: sqliteClockFn('timediff', 0),
};

function substringHandler({ name, items, args }: { name: string; items: Node[]; args: Node[][] }): string {
  const from = indexOfWord(items, 'FROM');
  if (from < 0) {
    arity(name, args, 2, 3);
    return `domo_substring(${args.map(e).join(', ')})`;
  }
  const forAt = indexOfWord(items, 'FOR');
  const s = e(items.slice(0, from));
  if (forAt < 0) return `domo_substring(${s}, ${e(items.slice(from + 1))})`;
  return `domo_substring(${s}, ${e(items.slice(from + 1, forAt))}, ${e(items.slice(forAt + 1))})`;
}

/** Keywords usable without parentheses that read the clock. */
const CLOCK_KEYWORDS: Record<string, string> = {
  CURRENT_DATE: 'domo_curdate()',
  UTC_DATE: 'domo_curdate()',
  CURRENT_TIME: 'domo_curtime()',
  UTC_TIME: 'domo_curtime()',
  CURRENT_TIMESTAMP: 'domo_now()',
  LOCALTIME: 'domo_now()',
  LOCALTIMESTAMP: 'domo_now()',
  UTC_TIMESTAMP: 'domo_now()',
};

const COMPARISON = ['=', '==', '<', '>', '<=', '>=', '<>', '!='];
const SPACE_DATETIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})(:\d{2}(\.\d+)?)?$/;

const isFuncName = (n: Node | undefined) => !!n && (n.k === 'qident' || (n.k === 'word' && !STRUCTURAL.has(n.up)));
const isOperandWord = (n: Node): boolean => n.k === 'qident' || (n.k === 'word' && !STRUCTURAL.has(n.up));

class Dialect {
  rewrite(items: Node[]): Node[] {
    const a = this.calls(items);
    this.operators(a);
    return a;
  }

  /** Sub-pass 1: function calls, clock keywords, MySQL-only operators and keywords. */
  private calls(items: Node[]): Node[] {
    const out: Node[] = [];
    for (let i = 0; i < items.length; i++) {
      const n = items[i];
      const next = items[i + 1];
      if (n.k === 'group') {
        out.push({ ...n, items: this.rewrite(n.items) });
        continue;
      }
      if (n.k === 'word' && next?.k === 'group' && !isWord(out[out.length - 1], 'AS')) {
        const h = HANDLERS[n.up];
        if (h) {
          const inner = this.rewrite(next.items);
          out.push(raw(h({ name: n.up, items: inner, args: splitArgs(inner) }), { start: n.start, end: next.end }));
          i++;
          continue;
        }
      }
      if (n.k === 'word') {
        if (n.up in CLOCK_KEYWORDS) {
          out.push(raw(CLOCK_KEYWORDS[n.up], n));
          continue;
        }
        if (n.up === 'RLIKE') {
          out.push(word('REGEXP'));
          continue;
        }
        if (n.up === 'BINARY' && !isWord(out[out.length - 1], 'AS')) continue; // BINARY x: comparisons are already case-sensitive
        if (n.up === 'XOR') throw bad('XOR is not supported: write (a AND NOT b) OR (b AND NOT a)');
      }
      if (n.k === 'op') {
        if (n.text === '&&') {
          out.push(word('AND'));
          continue;
        }
        if (n.text === '!') {
          out.push(word('NOT'));
          continue;
        }
        if (n.text === '<=>') {
          out.push(word('IS'));
          continue;
        }
        if (n.text === '^') throw bad('The ^ (bitwise XOR) operator is not supported');
      }
      if (n.k === 'str' && isWord(out[out.length - 1], 'AS')) {
        out.push(qident(n.value, n));
        continue;
      }
      out.push(n);
    }
    return out;
  }

  /** Sub-pass 2: operators whose operands must be found: INTERVAL arithmetic, / DIV % MOD, LIKE escapes. */
  private operators(a: Node[]) {
    for (let i = 0; i < a.length; i++) {
      const n = a[i];
      if (isWord(n, 'INTERVAL')) {
        const v = unaryForward(a, i + 1);
        if (v < 0 || !isWord(a[v]) || !UNITS.has((a[v] as Token & { up: string }).up)) continue;
        const unit = (a[v] as Token & { up: string }).up;
        const value = e(a.slice(i + 1, v));
        const op = a[i - 1];
        if (isOp(op, '+', '-')) {
          const s = leftChain(a, i - 1);
          if (s >= 0) {
            const fn = isOp(op, '+') ? 'domo_date_add' : 'domo_date_sub';
            a.splice(s, v + 1 - s, raw(`${fn}(${e(a.slice(s, i - 1))}, ${value}, '${unit}')`));
            i = s;
            continue;
          }
        }
        if (isOp(a[v + 1], '+')) {
          const r = unaryForward(a, v + 2);
          if (r > v + 2) {
            a.splice(i, r - i, raw(`domo_date_add(${e(a.slice(v + 2, r))}, ${value}, '${unit}')`));
            continue;
          }
        }
        // `f(d, INTERVAL 1 DAY)`: DATE_ADD and friends read it from their arguments.
        if (i === 0 || isOp(op, ',')) continue;
        throw bad('INTERVAL can only be added to or subtracted from a date (d + INTERVAL 1 DAY) or used in DATE_ADD/DATE_SUB');
      }
      if (isOp(n, '/')) {
        // MySQL's / is real division; SQLite divides two integers as integers.
        const r = unaryForward(a, i + 1);
        if (r > i + 1) {
          const operand = a.slice(i + 1, r);
          const only = operand.length === 1 ? operand[0] : null;
          const sql = only && only.k === 'num' && /^\d+$/.test(only.text) ? `${only.text}.0` : `CAST(${e(operand)} AS REAL)`;
          a.splice(i + 1, r - i - 1, raw(sql));
        }
        continue;
      }
      if (isWord(n, 'DIV', 'MOD') || isOp(n, '%')) {
        const s = leftChain(a, i);
        const r = unaryForward(a, i + 1);
        const label = n.k === 'op' ? n.text : (n as Token & { up: string }).up;
        if (s < 0 || r <= i + 1) throw bad(`Cannot read the operands of ${label}`);
        const left = e(a.slice(s, i));
        const right = e(a.slice(i + 1, r));
        const sql = label === 'DIV' ? `CAST((${left}) / (${right}) AS INTEGER)` : `domo_mod(${left}, ${right})`;
        a.splice(s, r - s, raw(sql));
        i = s;
        continue;
      }
      if (isWord(n, 'LIKE')) {
        // MySQL's LIKE escapes with a backslash by default.
        const p = a[i + 1];
        if (p && p.k === 'str' && p.value.includes('\\') && !isWord(a[i + 2], 'ESCAPE')) {
          a.splice(i + 2, 0, word('ESCAPE'), { k: 'str', value: '\\', start: -1, end: -1 });
        }
        continue;
      }
      if (n.k === 'str' && SPACE_DATETIME.test(n.value)) {
        // DATETIME values are stored as 'YYYY-MM-DDTHH:MM:SS'; a literal compared with one gets the same form.
        const compared =
          isOp(a[i - 1], ...COMPARISON) ||
          isOp(a[i + 1], ...COMPARISON) ||
          isWord(a[i - 1], 'BETWEEN') ||
          (isWord(a[i - 1], 'AND') && isWord(a[i - 3], 'BETWEEN'));
        if (compared) a[i] = { ...n, value: isoDateTime(n.value) };
        continue;
      }
      if (isWord(n, 'IN') && a[i + 1]?.k === 'group') {
        const g = a[i + 1] as Group;
        if (g.items.length && g.items.every((x) => isOp(x, ',') || x.k === 'str')) {
          g.items = g.items.map((x) => (x.k === 'str' && SPACE_DATETIME.test(x.value) ? { ...x, value: isoDateTime(x.value) } : x));
        }
      }
    }
  }
}

function isoDateTime(v: string): string {
  const m = SPACE_DATETIME.exec(v)!;
  return `${m[1]}T${m[2]}${m[3] ?? ':00'}`;
}

/** End (exclusive) of the unary operand starting at j, or -1. */
function unaryForward(a: Node[], j: number): number {
  let k = j;
  while (isOp(a[k], '-', '+', '~')) k++;
  const n = a[k];
  if (!n) return -1;
  if (n.k === 'group' || n.k === 'raw' || n.k === 'num' || n.k === 'str' || n.k === 'blob') k++;
  else if (isWord(n, 'CASE')) {
    let depth = 0;
    for (; k < a.length; k++) {
      if (isWord(a[k], 'CASE')) depth++;
      else if (isWord(a[k], 'END') && --depth === 0) break;
    }
    if (k >= a.length) return -1;
    k++;
  } else if (isOperandWord(n)) {
    if (a[k + 1]?.k === 'group' && isFuncName(n)) k += 2;
    else {
      k++;
      while (isOp(a[k], '.') && (isName(a[k + 1]) || isOp(a[k + 1], '*'))) k += 2;
    }
  } else return -1;
  if (isWord(a[k], 'COLLATE') && isName(a[k + 1])) k += 2;
  return k;
}

/** Start of the unary operand ending at p, or -1. */
function primaryBack(a: Node[], p: number): number {
  const n = a[p];
  if (!n) return -1;
  let s: number;
  if (n.k === 'group') s = p > 0 && isFuncName(a[p - 1]) ? p - 1 : p;
  else if (n.k === 'raw' || n.k === 'num' || n.k === 'str' || n.k === 'blob') s = p;
  else if (isWord(n, 'END')) {
    let depth = 0;
    s = -1;
    for (let k = p; k >= 0; k--) {
      if (isWord(a[k], 'END')) depth++;
      else if (isWord(a[k], 'CASE') && --depth === 0) {
        s = k;
        break;
      }
    }
    if (s < 0) return -1;
  } else if (isOperandWord(n)) s = p;
  else return -1;
  while (s >= 2 && isOp(a[s - 1], '.') && isName(a[s - 2])) s -= 2;
  while (s > 0 && isOp(a[s - 1], '-', '+', '~')) {
    const before = a[s - 2];
    const unary = !before || isOp(before) || (before.k === 'word' && STRUCTURAL.has(before.up) && before.up !== 'END');
    if (!unary) break;
    s--;
  }
  return s;
}

/** Start of the multiplicative chain (a * b / c ...) ending just before the operator at i, or -1. */
function leftChain(a: Node[], i: number): number {
  let s = primaryBack(a, i - 1);
  if (s < 0) return -1;
  while (s >= 2 && (isOp(a[s - 1], '*', '/', '%') || isWord(a[s - 1], 'DIV', 'MOD'))) {
    const t = primaryBack(a, s - 2);
    if (t < 0) break;
    s = t;
  }
  return s;
}

// ================================================================================================

/**
 * Checks a Domo SQL query is one read-only SELECT/WITH statement and rewrites it for SQLite so that every
 * table it names reads `target.table`. Throws ApiError 400 saying why.
 */
export function compileDomoSql(sql: string, target: CompileTarget): CompiledQuery {
  if (typeof sql !== 'string' || !sql.trim()) throw bad('The SQL query is empty');
  if (!target?.table && !target?.tables) throw new Error('compileDomoSql: target.table (or target.tables) is required');
  const tree = buildTree(expandMacros(tokenize(sql), target));

  // exactly one statement (trailing semicolons are fine)
  const semi = tree.findIndex((n) => isOp(n, ';'));
  if (semi >= 0) {
    if (tree.slice(semi).some((n) => !isOp(n, ';'))) {
      throw bad('Only one SQL statement is allowed per query: remove everything after the ";"');
    }
    tree.splice(semi);
  }
  if (!tree.length) throw bad('The SQL query is empty');
  const first = tree[0];
  if (!isWord(first, 'SELECT', 'WITH')) {
    if (first.k === 'word') refuseStatement(first.up);
    if (first.k === 'group') throw bad('A query must start with SELECT or WITH, not a parenthesis');
    throw bad(`A query must start with SELECT or WITH, found ${describe(first)}`);
  }

  new Confiner(target, sql).query(tree, new Map());
  const out = new Dialect().rewrite(tree);
  if (target.with?.length) prependWith(out, target.with);
  return { sql: emit(out), target };
}

/**
 * Puts a scope's named queries first in the statement's top-level WITH clause (after RECURSIVE, before the
 * query's own CTEs, which may then name them), or adds one.
 */
function prependWith(out: Node[], named: Array<{ name: string; sql: string }>): void {
  const head = named.map((w) => `${quoteIdent(w.name)} AS (${w.sql})`).join(', ');
  if (isWord(out[0], 'WITH')) out.splice(isWord(out[1], 'RECURSIVE') ? 2 : 1, 0, raw(`${head},`));
  else out.unshift(raw(`WITH ${head}`));
}


const MAX_MACRO_DEPTH = 8;

/**
 * Replaces every name of a target's formula (not shadowed by a column) by `( <its tokens> )`. The
 * parentheses keep the original name's position, so a bare select item is still named as written.
 * Formulas may name other formulas, up to MAX_MACRO_DEPTH deep (a cycle is a 400).
 */
function expandMacros(tokens: Token[], target: CompileTarget, depth = 0): Token[] {
  const macros = target.macros;
  if (!macros || !Object.keys(macros).length) return tokens;
  const byName = new Map(Object.entries(macros).map(([k, v]) => [foldCase(k), { name: k, expr: v }]));
  const columns = new Set(target.columns.map((c) => foldCase(c.name)));
  const out: Token[] = [];
  tokens.forEach((t, i) => {
    const name = t.k === 'qident' ? t.name : t.k === 'word' && !isOp(tokens[i + 1], '(') && !isOp(tokens[i - 1], '.') ? t.text : null;
    const hit = name !== null && !columns.has(foldCase(name)) ? byName.get(foldCase(name)) : undefined;
    if (!hit) {
      out.push(t);
      return;
    }
    if (depth >= MAX_MACRO_DEPTH) throw bad(`Beast Mode \`${hit.name}\` names formulas more than ${MAX_MACRO_DEPTH} deep (a cycle?)`);
    const inner = expandMacros(
      tokenize(hit.expr).map((x) => ({ ...x, start: -1, end: -1 })),
      target,
      depth + 1,
    );
    out.push({ k: 'op', text: '(', start: t.start, end: t.start + 1 }, ...inner, { k: 'op', text: ')', start: t.end - 1, end: t.end });
  });
  return out;
}

/** Top-level words that make text more than one expression. */
const NOT_IN_EXPRESSION = new Set(['SELECT', 'WITH', 'FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'UNION', 'EXCEPT', 'INTERSECT', 'WINDOW', 'INTO']);

/**
 * Compiles one Domo SQL expression (a beast mode formula, a card filter) to SQLite text over `target`, with the
 * same dialect and confinement as a query: `SUM(amount) / COUNT(*)`, `CASE WHEN region = 'West' THEN 1 END`.
 * The row service puts the result in a derived table (`SELECT v.*, <expr> AS "name" FROM view v`) or a WHERE.
 */
export function compileDomoExpression(text: string, target: CompileTarget): string {
  if (typeof text !== 'string' || !text.trim()) throw bad('The expression is empty');
  const tree = buildTree(expandMacros(tokenize(text), target));
  for (const n of tree) {
    if (isOp(n, ';')) throw bad('An expression cannot contain ";"');
    if (n.k === 'word' && NOT_IN_EXPRESSION.has(n.up)) throw bad(`An expression cannot contain ${n.up} outside parentheses: write one value, e.g. SUM(\`amount\`)`);
  }
  if (!tree.length) throw bad('The expression is empty');
  new Confiner(target, text).expression(tree);
  return emit(new Dialect().rewrite(tree));
}
