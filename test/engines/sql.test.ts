import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/http/errors.js';
import {
  compileDomoExpression,
  compileDomoSql,
  iterateQuery,
  registerSqlFunctions,
  runQuery,
  type DatasetColumn,
} from '../../src/engines/sql/index.js';
import { quoteIdent, sqliteDeclaredType } from '../../src/engines/sql/types.js';

const TABLE = 'ds_sales';
const COLUMNS: DatasetColumn[] = [
  { name: 'region', type: 'STRING' },
  { name: 'amount', type: 'DECIMAL' },
  { name: 'qty', type: 'LONG' },
  { name: 'price', type: 'DOUBLE' },
  { name: 'd', type: 'DATE' },
  { name: 'ts', type: 'DATETIME' },
  { name: 'note', type: 'STRING' },
  { name: 'Order Date', type: 'DATE' },
];
const ROWS: unknown[][] = [
  ['East', 10.5, 3, 1.25, '2024-01-15', '2024-01-15T10:30:00', 'hello', '2024-01-16'],
  ['West', 20, 7, 2.5, '2024-02-29', '2024-02-29T23:59:59.500', null, '2024-03-01'],
  ['East', 5.25, 2, null, '2023-12-31', '2023-12-31T00:00:00', "it's", '2024-01-02'],
  ['North', null, null, 4, null, null, 'DROP TABLE x; --', null],
];
/** 2024-06-15T12:34:56.789Z, a Saturday. */
const NOW = Date.UTC(2024, 5, 15, 12, 34, 56, 789);

let db: Database.Database;
let clock: number;

beforeEach(() => {
  db = new Database(':memory:');
  db.exec(`CREATE TABLE ${quoteIdent(TABLE)} (${COLUMNS.map((c) => `${quoteIdent(c.name)} ${sqliteDeclaredType(c.type)}`).join(', ')})`);
  db.exec(`CREATE INDEX ds_sales_region ON ${quoteIdent(TABLE)} (region)`);
  const ins = db.prepare(`INSERT INTO ${quoteIdent(TABLE)} VALUES (${COLUMNS.map(() => '?').join(', ')})`);
  for (const r of ROWS) ins.run(...r);
  // Another table in the same database: no query may ever read it.
  db.exec(`CREATE TABLE other_secret (secret TEXT); INSERT INTO other_secret VALUES ('top secret')`);
  clock = NOW;
  registerSqlFunctions(db, () => clock);
});
afterEach(() => db.close());

const target = { table: TABLE, columns: COLUMNS };
const compile = (sql: string) => compileDomoSql(sql, target);
const query = (sql: string) => runQuery(db, compile(sql));
/** The single value of `SELECT <expr>`. */
const val = (expr: string) => query(`SELECT ${expr}`).rows[0][0];
const typeOf = (expr: string) => query(`SELECT ${expr}`).types[0];

/** The ApiError a call throws (fails if it does not throw one). */
function apiError(f: () => unknown): ApiError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected an ApiError');
}
const refused = (sql: string) => apiError(() => query(sql));
const tableCount = () => (db.prepare(`SELECT count(*) AS n FROM ${quoteIdent(TABLE)}`).get() as { n: number }).n;

describe('compileDomoSql: one read-only SELECT', () => {
  it.each([
    ['INSERT INTO t VALUES (1)', /INSERT is refused because it changes data/],
    ['UPDATE t SET qty = 0', /UPDATE is refused because it changes data/],
    ['DELETE FROM t', /DELETE is refused because it changes data/],
    ['REPLACE INTO t (region) VALUES (1)', /REPLACE is refused because it changes data/],
    ['TRUNCATE TABLE t', /TRUNCATE is refused because it deletes data/],
    ['CREATE TABLE x (a)', /CREATE is refused because it changes the schema/],
    ['DROP TABLE t', /DROP is refused because it changes the schema/],
    ['ALTER TABLE t ADD COLUMN z', /ALTER is refused because it changes the schema/],
    ['PRAGMA table_info(t)', /PRAGMA is refused/],
    ["ATTACH DATABASE 'x.db' AS x", /ATTACH is refused because a query can read only its own dataset/],
    ['DETACH DATABASE x', /DETACH is refused/],
    ['VACUUM', /VACUUM is refused/],
    ['REINDEX', /REINDEX is refused/],
    ['ANALYZE', /ANALYZE is refused/],
    ['BEGIN', /BEGIN is refused/],
    ['EXPLAIN SELECT 1', /EXPLAIN is refused/],
    ['SHOW TABLES', /SHOW is refused/],
    ['WITH x AS (SELECT 1) DELETE FROM t', /DELETE is refused/],
    ['WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x', /INSERT is refused/],
    ['WITH x AS (SELECT 1) UPDATE t SET qty = 1', /UPDATE is refused/],
  ])('refuses %s', (sql, why) => {
    const err = refused(sql);
    expect(err.status).toBe(400);
    expect(err.message).toMatch(why);
    expect(tableCount()).toBe(4);
  });

  it('refuses several statements, whatever the second one is', () => {
    for (const sql of ['SELECT 1; SELECT 2', 'SELECT * FROM t; DROP TABLE t', 'SELECT 1;DELETE FROM t;', 'SELECT 1; -- c\n SELECT 2']) {
      expect(refused(sql).message).toMatch(/Only one SQL statement is allowed/);
    }
    expect(tableCount()).toBe(4);
  });

  it('accepts one trailing semicolon, and comments around the statement', () => {
    expect(query('SELECT COUNT(*) FROM t;').rows).toEqual([[4]]);
    expect(query('/* head */ SELECT COUNT(*) -- tail\nFROM t # mysql comment\n ; ').rows).toEqual([[4]]);
  });

  it('refuses an empty query or one that does not start with SELECT or WITH', () => {
    expect(refused('').message).toMatch(/empty/);
    expect(refused('  -- nothing\n').message).toMatch(/empty/);
    expect(refused(';').message).toMatch(/empty/);
    expect(refused('SELEC 1').message).toMatch(/starts with SELEC/);
    expect(refused('(SELECT 1)').message).toMatch(/must start with SELECT or WITH/);
  });

  it.each([
    'SELECT * FROM sqlite_master',
    'SELECT * FROM sqlite_schema',
    'SELECT * FROM main.sqlite_master',
    'SELECT * FROM temp.sqlite_temp_master',
    'SELECT * FROM `sqlite_master`',
    'SELECT * FROM t JOIN sqlite_sequence s ON 1 = 1',
    'SELECT * FROM t, sqlite_stat1',
    'SELECT (SELECT sql FROM sqlite_master LIMIT 1) FROM t',
  ])('refuses internal tables: %s', (sql) => {
    expect(refused(sql).message).toMatch(/internal table: a query can read only its dataset/);
  });

  it('refuses pragma_* tables and table-valued functions', () => {
    expect(refused("SELECT * FROM pragma_table_info('ds_sales')").message).toMatch(/PRAGMA functions/);
    expect(refused('SELECT * FROM pragma_database_list').message).toMatch(/PRAGMA tables/);
    expect(refused('SELECT * FROM t, pragma_index_list(t.region)').message).toMatch(/PRAGMA/);
    expect(refused("SELECT * FROM json_each('[1,2]')").message).toMatch(/Table-valued functions/);
    expect(refused("SELECT pragma_table_info('x')").message).toMatch(/PRAGMA functions/);
  });

  it('refuses IN followed by a table name (SQLite would read that table)', () => {
    expect(refused("SELECT 1 FROM t WHERE 'x' IN other_secret").message).toMatch(/IN must be followed by a parenthesised/);
    expect(refused('SELECT 1 FROM t WHERE region NOT IN sqlite_master').message).toMatch(/IN must be followed/);
  });

  it.each([
    ["SELECT load_extension('/tmp/evil.so')", /load_extension\(\) is not allowed: it loads native extensions/],
    ["SELECT LOAD_EXTENSION('/tmp/evil.so')", /not allowed: it loads native extensions/],
    ["SELECT `load_extension`('/tmp/evil.so')", /not allowed: it loads native extensions/],
    ["SELECT readfile('/etc/passwd')", /readfile\(\) is not allowed: it touches files/],
    ["SELECT writefile('/tmp/x', 'data')", /writefile\(\) is not allowed: it touches files/],
    ["SELECT edit('x')", /touches files/],
    ["SELECT fts3_tokenizer('simple')", /fts3_tokenizer\(\) is not allowed/],
    ['SELECT sqlite_version()', /sqlite_version\(\) is not allowed/],
    ['SELECT randomblob(1000000000)', /randomblob\(\) is not allowed/],
    ['SELECT region FROM t WHERE length(zeroblob(999999999)) > 0', /zeroblob\(\) is not allowed/],
  ])('refuses functions that touch files or extensions: %s', (sql, why) => {
    expect(refused(sql).message).toMatch(why);
  });

  it('refuses SELECT ... INTO, parameters and variables', () => {
    expect(refused("SELECT * FROM t INTO OUTFILE '/tmp/x.csv'").message).toMatch(/INTO is not allowed/);
    expect(refused('SELECT region INTO @r FROM t').message).toMatch(/variables/);
    expect(refused('SELECT * FROM t WHERE qty = ?').message).toMatch(/Parameters and variables/);
    expect(refused('SELECT * FROM t WHERE qty = :q').message).toMatch(/Parameters and variables/);
    expect(refused('SELECT * FROM t WHERE qty = $q').message).toMatch(/Parameters and variables/);
    expect(refused('SELECT @@version').message).toMatch(/Parameters and variables/);
    expect(refused('SELECT [region] FROM t').message).toMatch(/Square brackets/);
  });

  it('does not refuse forbidden words inside string literals, quoted identifiers or comments', () => {
    expect(query("SELECT region FROM t WHERE note = 'DROP TABLE x; --'").rows).toEqual([['North']]);
    expect(query("SELECT 'DELETE FROM t; ATTACH x' AS s").rows).toEqual([['DELETE FROM t; ATTACH x']]);
    expect(query('SELECT "sqlite_master; PRAGMA x" AS s').rows).toEqual([['sqlite_master; PRAGMA x']]);
    expect(query("SELECT 'load_extension(1)' AS s").rows).toEqual([['load_extension(1)']]);
    expect(query("SELECT 'it''s; DROP' AS a, 'it\\'s; DROP' AS b").rows).toEqual([["it's; DROP", "it's; DROP"]]);
    expect(query("SELECT COUNT(*) FROM t /* ; DROP TABLE t; */ WHERE note <> '; INSERT'").rows).toEqual([[3]]);
    expect(query('SELECT COUNT(*) FROM t -- ; DELETE FROM t\n').rows).toEqual([[4]]);
    expect(tableCount()).toBe(4);
  });

  it('keeps table rewriting out of string literals', () => {
    const q = compile("SELECT 'FROM other_secret' AS s, \"JOIN x\" AS j FROM other_secret");
    expect(q.sql).toContain("'FROM other_secret'");
    expect(q.sql).toContain("'JOIN x'");
    expect(runQuery(db, q).rows[0]).toEqual(['FROM other_secret', 'JOIN x']);
  });

  it('runQuery is a second guard: writes and several statements are refused even without compileDomoSql', () => {
    expect(apiError(() => runQuery(db, { sql: `DELETE FROM ${quoteIdent(TABLE)}` })).message).toMatch(/read-only SELECT/);
    expect(apiError(() => runQuery(db, { sql: 'SELECT 1; SELECT 2' })).message).toMatch(/more than one statement/);
    expect(apiError(() => iterateQuery(db, { sql: `DROP TABLE ${quoteIdent(TABLE)}` })).status).toBe(400);
    expect(tableCount()).toBe(4);
  });

  it('runQuery checks SQLite\'s own program: nothing but the target (and its indexes) is opened', () => {
    // SQL that did not come from compileDomoSql, as if the compiler had missed something
    const forged = (sql: string) => ({ sql, target });
    expect(runQuery(db, forged(`SELECT COUNT(*) FROM ${quoteIdent(TABLE)} WHERE region = 'East'`)).rows).toEqual([[2]]);
    expect(apiError(() => runQuery(db, forged('SELECT * FROM other_secret'))).message).toBe('A query can read only its own dataset');
    expect(apiError(() => runQuery(db, forged(`SELECT * FROM ${quoteIdent(TABLE)} WHERE note IN (SELECT secret FROM other_secret)`))).message).toBe(
      'A query can read only its own dataset',
    );
    expect(apiError(() => runQuery(db, forged("SELECT 1 WHERE 'x' IN other_secret"))).status).toBe(400);
    expect(apiError(() => runQuery(db, forged('SELECT * FROM sqlite_master'))).message).toBe('A query can read only its own dataset');
    expect(apiError(() => runQuery(db, forged("SELECT * FROM json_each('[1]')"))).message).toMatch(/virtual tables/);
    expect(apiError(() => runQuery(db, forged('SELECT * FROM pragma_table_list'))).message).toMatch(/virtual tables/);
    expect(apiError(() => runQuery(db, forged("SELECT load_extension('x')"))).message).toBe('Function load_extension() is not allowed');
    expect(apiError(() => iterateQuery(db, forged('SELECT * FROM other_secret'))).message).toBe('A query can read only its own dataset');
  });

  it('a view as the target: its tables and their indexes may be read, nothing else', () => {
    db.exec(`CREATE TEMP VIEW visible_sales AS SELECT * FROM ${quoteIdent(TABLE)} WHERE region <> 'North'`);
    const viewTarget = { table: 'visible_sales', columns: COLUMNS };
    const r = runQuery(db, compileDomoSql("SELECT region, SUM(qty) AS n FROM t WHERE region = 'East' GROUP BY region", viewTarget));
    expect(r.rows).toEqual([['East', 5]]);
    expect(runQuery(db, compileDomoSql('SELECT * FROM whatever ORDER BY d', viewTarget)).types).toEqual(COLUMNS.map((c) => c.type));
    expect(apiError(() => runQuery(db, { sql: 'SELECT * FROM other_secret', target: viewTarget })).message).toBe(
      'A query can read only its own dataset',
    );
  });

  it('follows the target when the dataset table is swapped (new root pages after a REPLACE)', () => {
    expect(query('SELECT COUNT(*) FROM t').rows).toEqual([[4]]);
    db.exec(`CREATE TABLE ds_next AS SELECT * FROM ${quoteIdent(TABLE)} WHERE region = 'East'`);
    db.exec(`DROP TABLE ${quoteIdent(TABLE)}; ALTER TABLE ds_next RENAME TO ${quoteIdent(TABLE)}`);
    expect(query('SELECT COUNT(*) FROM t').rows).toEqual([[2]]);
    expect(apiError(() => runQuery(db, { sql: 'SELECT * FROM other_secret', target })).message).toBe('A query can read only its own dataset');
  });

  it('stops a runaway WITH RECURSIVE (MySQL stops at its recursion depth; SQLite would never return)', () => {
    const r = query('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*), MAX(i) FROM n');
    expect(r.rows).toEqual([[1_000_000, 1_000_000]]);
    expect(query('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 5) SELECT COUNT(*) FROM n').rows).toEqual([[5]]);
  });

  it('special argument syntax cannot smuggle a table: POSITION(a IN b IN t), `POSITION`(a IN t), TRIM(... FROM ... FROM t)', () => {
    expect(refused("SELECT POSITION('a' IN region IN other_secret) FROM t").message).toMatch(/IN may appear only once/);
    expect(refused("SELECT `POSITION`('a' IN other_secret)").message).toMatch(/IN must be followed by a parenthesised/);
    expect(refused("SELECT TRIM(LEADING 'a' FROM region FROM other_secret) FROM t").message).toMatch(/FROM may appear only once/);
    expect(refused('SELECT EXTRACT(YEAR FROM d FROM other_secret) FROM t').message).toMatch(/FROM may appear only once/);
    expect(refused("SELECT `TRIM`('a' FROM other_secret)").message).toMatch(/syntax error/);
    expect(query('SELECT SUBSTRING((SELECT MAX(region) FROM other_secret) FROM 2 FOR 2)').rows).toEqual([['es']]);
  });

  it('reports unterminated strings, identifiers, comments and unbalanced parentheses', () => {
    expect(refused("SELECT 'abc FROM t").message).toMatch(/Unterminated string/);
    expect(refused('SELECT `abc FROM t').message).toMatch(/Unterminated identifier/);
    expect(refused('SELECT 1 /* open').message).toMatch(/Unterminated \/\* comment/);
    expect(refused('SELECT (1 FROM t').message).toMatch(/never closed/);
    expect(refused('SELECT 1) FROM t').message).toMatch(/unexpected "\)"/);
  });
});

describe('compileDomoSql: every table reads the dataset', () => {
  it('a made-up name, the dataset id, backticks and schema-qualified names all read the target', () => {
    for (const from of ['t', 'sales', 'table', '`my table`', '`7e1c8a9c-1234-4bcd-9abc-0123456789ab`', 'domo.sales', 'main.other_secret', 'temp.x', 'other_secret', 'dbstat']) {
      expect(query(`SELECT COUNT(*), SUM(qty), MAX(region) FROM ${from}`).rows).toEqual([[4, 12, 'West']]);
    }
  });

  it('reads the target directly, aliased by the name used, so qualified columns work', () => {
    const q = compile('SELECT sales.region FROM sales WHERE sales.qty > 2');
    expect(q.sql).toBe('SELECT sales.region FROM "ds_sales" AS "sales" WHERE sales.qty > 2');
    expect(runQuery(db, q).rows).toEqual([['East'], ['West']]);
    const id = '7e1c8a9c-1234-4bcd-9abc-0123456789ab';
    expect(query(`SELECT \`${id}\`.region FROM \`${id}\` WHERE \`${id}\`.qty = 2`).rows).toEqual([['East']]);
    expect(query('SELECT sales.region FROM domo.sales WHERE qty = 7').rows).toEqual([['West']]);
  });

  it('keeps aliases, with or without AS (and a quoted-string alias)', () => {
    expect(compile('SELECT x.region FROM t AS x').sql).toBe('SELECT x.region FROM "ds_sales" AS x');
    expect(compile('SELECT x.region FROM t x').sql).toBe('SELECT x.region FROM "ds_sales" x');
    expect(query("SELECT x.region FROM t AS 'x' WHERE x.qty = 7").rows).toEqual([['West']]);
  });

  it('rewrites subqueries in FROM, in expressions, IN and EXISTS', () => {
    expect(query('SELECT s.region FROM (SELECT region, qty FROM whatever WHERE qty > 2) AS s').rows).toEqual([['East'], ['West']]);
    expect(query('SELECT (SELECT COUNT(*) FROM other_secret) AS n FROM t LIMIT 1').rows).toEqual([[4]]);
    expect(query('SELECT region FROM t WHERE qty = (SELECT MAX(qty) FROM anything)').rows).toEqual([['West']]);
    expect(query("SELECT COUNT(*) FROM t WHERE region IN (SELECT region FROM t2 WHERE qty = 7)").rows).toEqual([[1]]);
    expect(query('SELECT COUNT(*) FROM t a WHERE EXISTS (SELECT 1 FROM other_secret b WHERE b.qty > a.qty)').rows).toEqual([[2]]);
  });

  it('joins the dataset to itself (JOIN, comma list, parenthesised join)', () => {
    expect(query('SELECT a.region, b.qty FROM t a JOIN t b ON a.region = b.region AND a.qty > b.qty').rows).toEqual([['East', 2]]);
    expect(query('SELECT COUNT(*) FROM t a, t b').rows).toEqual([[16]]);
    expect(query('SELECT COUNT(*) FROM t a LEFT JOIN other_secret b ON a.qty = b.qty').rows).toEqual([[4]]);
    expect(query('SELECT COUNT(*) FROM (t a JOIN t b ON a.region = b.region)').rows).toEqual([[6]]);
    expect(query('SELECT COUNT(*) FROM t a STRAIGHT_JOIN t b ON a.qty = b.qty').rows).toEqual([[3]]);
  });

  it('keeps CTE names as themselves and rewrites every other table', () => {
    const q = compile('WITH big AS (SELECT * FROM t WHERE qty > 2) SELECT region FROM big');
    expect(q.sql).toBe('WITH "domo_cte_1" AS (SELECT * FROM "ds_sales" AS "t" WHERE qty > 2) SELECT region FROM "domo_cte_1" AS "big"');
    expect(runQuery(db, q).rows).toEqual([['East'], ['West']]);
    // a CTE named like the dataset reads the dataset in its own body, as in MySQL
    expect(query('WITH sales AS (SELECT * FROM sales WHERE qty > 2) SELECT COUNT(*) FROM sales').rows).toEqual([[2]]);
    // later CTEs see earlier ones
    expect(query('WITH a AS (SELECT qty FROM t), b AS (SELECT SUM(qty) AS s FROM a) SELECT s FROM b').rows).toEqual([[12]]);
    // recursive CTEs see themselves
    expect(query('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) SELECT i FROM n').rows).toEqual([[1], [2], [3]]);
    // CTE columns can be qualified by the CTE's name or an alias
    expect(query('WITH c AS (SELECT region, qty FROM t) SELECT c.region, x.qty FROM c JOIN c x ON c.qty = x.qty WHERE c.qty = 7').rows).toEqual([
      ['West', 7],
    ]);
    // a CTE named like a real table is still the CTE, and never the table
    expect(query("WITH other_secret AS (SELECT 'cte' AS secret) SELECT secret FROM other_secret").rows).toEqual([['cte']]);
    // a CTE named in a nested query is scoped to it
    expect(query('SELECT (WITH x AS (SELECT 5 AS v) SELECT v FROM x) AS v, (SELECT COUNT(*) FROM x) AS n').rows).toEqual([[5, 4]]);
  });

  it('rewrites every branch of a UNION and drops FROM DUAL', () => {
    expect(query('SELECT region FROM a WHERE qty = 7 UNION ALL SELECT region FROM b WHERE qty = 2').rows).toEqual([['West'], ['East']]);
    expect(query('SELECT 1 + 1 AS two FROM DUAL').rows).toEqual([[2]]);
  });

  it('never reads another table of the database', () => {
    const r = query('SELECT * FROM other_secret');
    expect(r.columns).toEqual(COLUMNS.map((c) => c.name));
    expect(JSON.stringify(r.rows)).not.toContain('top secret');
    expect(refused('SELECT secret FROM other_secret').message).toMatch(/no such column: secret/);
  });

  it('does not wrap the target in a subquery, so its indexes are used', () => {
    const q = compile("SELECT region, SUM(amount) FROM t WHERE region = 'East' GROUP BY region");
    expect(q.sql).not.toMatch(/FROM \(SELECT/i);
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING (COVERING )?INDEX ds_sales_region/);
  });

  it('drops MySQL index hints', () => {
    expect(query('SELECT COUNT(*) FROM t USE INDEX (idx_region) WHERE qty > 0').rows).toEqual([[3]]);
    expect(query('SELECT COUNT(*) FROM t AS x FORCE INDEX FOR JOIN (i1)').rows).toEqual([[4]]);
  });
});

describe('Domo SQL dialect', () => {
  it('LIMIT n, LIMIT m,n and LIMIT n OFFSET m page like MySQL', () => {
    const all = query('SELECT qty FROM t ORDER BY qty').rows;
    expect(all).toEqual([[null], [2], [3], [7]]);
    expect(query('SELECT qty FROM t ORDER BY qty LIMIT 2').rows).toEqual([[null], [2]]);
    expect(query('SELECT qty FROM t ORDER BY qty LIMIT 1, 2').rows).toEqual([[2], [3]]);
    expect(query('SELECT qty FROM t ORDER BY qty LIMIT 2 OFFSET 2').rows).toEqual([[3], [7]]);
  });

  it('backtick identifiers, including names with spaces', () => {
    const r = query('SELECT `region`, `Order Date` FROM `t` WHERE `Order Date` > \'2024-01-10\' ORDER BY `Order Date`');
    expect(r.columns).toEqual(['region', 'Order Date']);
    expect(r.rows).toEqual([['East', '2024-01-16'], ['West', '2024-03-01']]);
    expect(r.types).toEqual(['STRING', 'DATE']);
    expect(query('SELECT `a``b` FROM (SELECT 1 AS `a``b`) x').columns).toEqual(['a`b']);
  });

  it('double quotes are strings and backslash escapes work, as in MySQL', () => {
    expect(val('"East"')).toBe('East');
    expect(query('SELECT COUNT(*) FROM t WHERE region = "East"').rows).toEqual([[2]]);
    expect(val("'a\\tb\\nc\\\\d'")).toBe('a\tb\nc\\d');
    expect(val('"say \\"hi\\""')).toBe('say "hi"');
    expect(val("'Hello' ' ' 'World'")).toBe('Hello World');
    expect(val("X'4142'")).toBe('AB');
    expect(val("N'text'")).toBe('text');
    expect(val("_utf8mb4'text'")).toBe('text');
  });

  it('-- needs a space to start a comment (1--1 is 2, as in MySQL)', () => {
    expect(val('1--1')).toBe(2);
    expect(val('1 -- comment\n + 1')).toBe(2);
  });

  it('aliases: AS name, implicit, AS \'string\'; unaliased expressions are named as written', () => {
    const r = query(
      "SELECT region AS r, COUNT(*) n, SUM(qty) AS 'total qty', MAX(qty) \"top\", YEAR(d), qty / 2, CURRENT_DATE, 'lit' FROM t GROUP BY region ORDER BY region",
    );
    expect(r.columns).toEqual(['r', 'n', 'total qty', 'top', 'YEAR(d)', 'qty / 2', 'CURRENT_DATE', 'lit']);
    expect(r.rows[0]).toEqual(['East', 2, 5, 3, 2024, 1.5, '2024-06-15', 'lit']);
  });

  it('GROUP BY / HAVING on an alias / ORDER BY an alias', () => {
    const r = query('SELECT region, SUM(amount) AS total FROM t GROUP BY region HAVING total > 10 ORDER BY total DESC');
    expect(r.rows).toEqual([['West', 20], ['East', 15.75]]);
    expect(r.types).toEqual(['STRING', 'DOUBLE']);
  });

  it('window functions', () => {
    const r = query('SELECT region, qty, ROW_NUMBER() OVER (PARTITION BY region ORDER BY qty DESC) AS rn, SUM(qty) OVER () AS total FROM t WHERE qty IS NOT NULL ORDER BY region, rn');
    expect(r.rows).toEqual([['East', 3, 1, 12], ['East', 2, 2, 12], ['West', 7, 1, 12]]);
    expect(r.types).toEqual(['STRING', 'LONG', 'LONG', 'LONG']);
  });

  it('COUNT(DISTINCT x) and MySQL\'s COUNT(DISTINCT a, b)', () => {
    expect(val('COUNT(DISTINCT region) FROM t')).toBe(3);
    expect(query('SELECT COUNT(DISTINCT region, qty) FROM (SELECT region, qty FROM t UNION ALL SELECT region, qty FROM t) x').rows).toEqual([[3]]);
  });

  it('GROUP_CONCAT with DISTINCT, ORDER BY, SEPARATOR and several expressions', () => {
    expect(val('GROUP_CONCAT(region ORDER BY region) FROM t')).toBe('East,East,North,West');
    expect(val("GROUP_CONCAT(region ORDER BY region SEPARATOR '; ') FROM t")).toBe('East; East; North; West');
    expect(val('GROUP_CONCAT(DISTINCT region ORDER BY region DESC) FROM t')).toBe('West,North,East');
    expect(val("GROUP_CONCAT(DISTINCT region ORDER BY region SEPARATOR '|') FROM t")).toBe('East|North|West');
    expect(val("GROUP_CONCAT(region, ':', qty ORDER BY qty SEPARATOR ' ') FROM t")).toBe('East:2 East:3 West:7');
    expect(val('GROUP_CONCAT(note) FROM t WHERE 1 = 0')).toBe(null);
  });

  it('MySQL operators: <=>, &&, !, DIV, MOD, %, RLIKE, LIKE with backslash escapes', () => {
    expect(val('NULL <=> NULL')).toBe(1);
    expect(val('1 <=> NULL')).toBe(0);
    expect(val('1 && 0')).toBe(0);
    expect(val('!0')).toBe(1);
    expect(val('10 DIV 4')).toBe(2);
    expect(val('-7 DIV 2')).toBe(-3);
    expect(val('29 MOD 9')).toBe(2);
    expect(val('253 % 7')).toBe(1);
    expect(val('7.5 % 2')).toBe(1.5);
    expect(val("'abc' RLIKE '^A'")).toBe(1);
    expect(val("'a_c' LIKE 'a\\_c'")).toBe(1);
    expect(val("'abc' LIKE 'a\\_c'")).toBe(0);
    expect(val("'ABC' LIKE 'a%'")).toBe(1);
  });

  it('DATETIME literals in comparisons match the stored ISO form', () => {
    expect(query("SELECT region FROM t WHERE ts >= '2024-02-29 23:00:00'").rows).toEqual([['West']]);
    expect(query("SELECT region FROM t WHERE ts BETWEEN '2024-01-01 00:00' AND '2024-01-31 00:00:00'").rows).toEqual([['East']]);
    expect(query("SELECT region FROM t WHERE ts IN ('2023-12-31 00:00:00')").rows).toEqual([['East']]);
  });
});

describe('real division and NULL semantics', () => {
  it('divides integers as real numbers, as MySQL does', () => {
    expect(val('7/2')).toBe(3.5);
    expect(val('7 / 2')).toBe(3.5);
    expect(typeOf('7/2')).toBe('DOUBLE');
    expect(val('1 + 6 / 4 * 2')).toBe(4);
    expect(val('(1 + 2) / 2')).toBe(1.5);
    expect(val('-7 / 2')).toBe(-3.5);
    expect(val("'7' / '2'")).toBe(3.5);
    expect(query('SELECT qty / 2 FROM t ORDER BY qty').rows).toEqual([[null], [1], [1.5], [3.5]]);
    expect(val('SUM(qty) / COUNT(qty) FROM t')).toBe(4);
    expect(val('SUM(qty) / COUNT(*) FROM t')).toBe(3);
    expect(val('MAX(qty) / MIN(qty) FROM t')).toBe(3.5);
    expect(val('qty / (qty - 1) FROM t WHERE qty = 3')).toBe(1.5);
    expect(val('ABS(-7) / 2')).toBe(3.5);
    expect(val('CASE WHEN 1 THEN 7 END / 2')).toBe(3.5);
  });

  it('division by zero is NULL', () => {
    expect(val('1 / 0')).toBe(null);
    expect(val('1 DIV 0')).toBe(null);
    expect(val('MOD(5, 0)')).toBe(null);
  });

  it('NULL propagates through arithmetic and functions', () => {
    expect(query('SELECT amount + 1, CONCAT(region, note), UPPER(note), YEAR(d) FROM t WHERE region = \'North\'').rows).toEqual([
      [null, 'NorthDROP TABLE x; --', 'DROP TABLE X; --', null],
    ]);
    expect(query("SELECT CONCAT(region, '-', note) FROM t WHERE region = 'West'").rows).toEqual([[null]]);
    expect(val('IFNULL(NULL, 5)')).toBe(5);
    expect(val('COALESCE(NULL, NULL, 3)')).toBe(3);
    expect(val('SUM(amount) FROM t WHERE region = \'North\'')).toBe(null);
    expect(val('COUNT(amount) FROM t')).toBe(3);
    expect(val('AVG(qty) FROM t')).toBe(4);
  });
});

describe('functions', () => {
  const cases: Array<[string, unknown]> = [
    // control flow
    ["IF(1 > 2, 'a', 'b')", 'b'],
    ["IF(NULL, 'a', 'b')", 'b'],
    ["IFNULL(NULL, 'x')", 'x'],
    ['IFNULL(0, 1)', 0],
    ['NULLIF(1, 1)', null],
    ['COALESCE(NULL, 2, 3)', 2],
    ["CASE WHEN 1 = 0 THEN 'a' WHEN 2 = 2 THEN 'b' ELSE 'c' END", 'b'],
    ["CASE 3 WHEN 1 THEN 'one' WHEN 3 THEN 'three' END", 'three'],
    ['ISNULL(NULL)', 1],
    ['ISNULL(0)', 0],
    // strings
    ["CONCAT('My', 'S', 'QL')", 'MySQL'],
    ["CONCAT('My', NULL, 'QL')", null],
    ["CONCAT('a', 1, 2.5)", 'a12.5'],
    ["CONCAT_WS(',', 'First name', 'Second name', 'Last Name')", 'First name,Second name,Last Name'],
    ["CONCAT_WS(',', 'First name', NULL, 'Last Name')", 'First name,Last Name'],
    ["CONCAT_WS(NULL, 'a', 'b')", null],
    ["UPPER('Hej é')", 'HEJ É'],
    ["UCASE('abc')", 'ABC'],
    ["LOWER('QUADRATICALLY')", 'quadratically'],
    ["LCASE('ÉCOLE')", 'école'],
    ["SUBSTRING('Quadratically', 5)", 'ratically'],
    ["SUBSTRING('foobarbar' FROM 4)", 'barbar'],
    ["SUBSTRING('Quadratically', 5, 6)", 'ratica'],
    ["SUBSTRING('Sakila', -3)", 'ila'],
    ["SUBSTRING('Sakila', -5, 3)", 'aki'],
    ["SUBSTRING('Sakila' FROM -4 FOR 2)", 'ki'],
    ["SUBSTRING('Sakila', 0)", ''],
    ["SUBSTRING('Sakila', 2, -1)", ''],
    ["SUBSTR('hello', 2)", 'ello'],
    ["MID('hello', 2, 2)", 'el'],
    ["TRIM('  bar   ')", 'bar'],
    ["TRIM(LEADING 'x' FROM 'xxxbarxxx')", 'barxxx'],
    ["TRIM(BOTH 'x' FROM 'xxxbarxxx')", 'bar'],
    ["TRIM(TRAILING 'xyz' FROM 'barxxyz')", 'barx'],
    ["TRIM('x' FROM 'xxbarxx')", 'bar'],
    ["LTRIM('  barbar')", 'barbar'],
    ["RTRIM('barbar   ')", 'barbar'],
    ["LENGTH('text')", 4],
    ["LENGTH('é')", 2],
    ["CHAR_LENGTH('é')", 1],
    ["LEFT('foobarbar', 5)", 'fooba'],
    ["RIGHT('foobarbar', 4)", 'rbar'],
    ["LEFT('abc', 0)", ''],
    ["LPAD('hi', 4, '??')", '??hi'],
    ["LPAD('hi', 1, '??')", 'h'],
    ["RPAD('hi', 5, '?')", 'hi???'],
    ["RPAD('hi', 6, 'ab')", 'hiabab'],
    ["LOCATE('bar', 'foobarbar')", 4],
    ["LOCATE('xbar', 'foobar')", 0],
    ["LOCATE('bar', 'foobarbar', 5)", 7],
    ["POSITION('bar' IN 'foobarbar')", 4],
    ["INSTR('foobarbar', 'bar')", 4],
    ["SUBSTRING_INDEX('www.mysql.com', '.', 2)", 'www.mysql'],
    ["SUBSTRING_INDEX('www.mysql.com', '.', -2)", 'mysql.com'],
    ["SUBSTRING_INDEX('www.mysql.com', '.', 0)", ''],
    ["REPLACE('www.mysql.com', 'w', 'Ww')", 'WwWwWw.mysql.com'],
    ["REVERSE('abc')", 'cba'],
    ["REPEAT('ab', 3)", 'ababab'],
    ["FORMAT(12332.123456, 4)", '12,332.1235'],
    ["FORMAT(12332.2, 0)", '12,332'],
    ["FIND_IN_SET('b', 'a,b,c,d')", 2],
    ["STRCMP('text', 'text2')", -1],
    ["INSERT('Quadratic', 3, 4, 'What')", 'QuWhattic'],
    ["ELT(2, 'Aa', 'Bb', 'Cc')", 'Bb'],
    ["FIELD('Bb', 'Aa', 'Bb', 'Cc')", 2],
    ["ASCII('dx')", 100],
    ['HEX(255)', 'FF'],
    ["HEX('abc')", '616263'],
    ["REGEXP_LIKE('Michael!', '.*')", 1],
    ["'abc' REGEXP '[[:digit:]]'", 0],
    ["REGEXP_REPLACE('a b c', 'b', 'X')", 'a X c'],
    ["REGEXP_SUBSTR('abc def ghi', '[a-z]+')", 'abc'],
    // numbers
    ['ROUND(-1.23)', -1],
    ['ROUND(-1.58)', -2],
    ['ROUND(1.58)', 2],
    ['ROUND(2.5)', 3],
    ['ROUND(-2.5)', -3],
    ['ROUND(1.298, 1)', 1.3],
    ['ROUND(1.298, 0)', 1],
    ['ROUND(23.298, -1)', 20],
    ['ROUND(1.005, 2)', 1.01],
    ['ROUND(150, -2)', 200],
    ['ROUND(7)', 7],
    ['ROUND(NULL)', null],
    ['CEIL(1.23)', 2],
    ['CEILING(-1.23)', -1],
    ['FLOOR(1.23)', 1],
    ['FLOOR(-1.23)', -2],
    ['TRUNCATE(1.223, 1)', 1.2],
    ['TRUNCATE(1.999, 1)', 1.9],
    ['TRUNCATE(1.999, 0)', 1],
    ['TRUNCATE(-1.999, 1)', -1.9],
    ['TRUNCATE(122, -2)', 100],
    ['MOD(234, 10)', 4],
    ['MOD(29, 9)', 2],
    ['MOD(34.5, 3)', 1.5],
    ['MOD(-7, 3)', -1],
    ['GREATEST(2, 0, 34, 6)', 34],
    ['LEAST(2, 0, 34, 6)', 0],
    ["GREATEST('B', 'A', 'C')", 'C'],
    ['GREATEST(1, NULL, 3)', null],
    ['ABS(-32)', 32],
    ['SIGN(-32)', -1],
    ['POW(2, 10)', 1024],
    ['POWER(2, -2)', 0.25],
    ['SQRT(16)', 4],
    ['LOG(2, 65536)', 16],
    ['LOG10(100)', 2],
    ['LN(1)', 0],
    ['EXP(0)', 1],
    ['PI()', Math.PI],
    // casts
    ["CAST('12abc' AS SIGNED)", 12],
    ['CAST(2.5 AS SIGNED)', 3],
    ['CAST(-2.5 AS SIGNED INTEGER)', -3],
    ["CAST('  42' AS UNSIGNED)", 42],
    ['CAST(3.14159 AS DECIMAL(5,2))', 3.14],
    ['CAST(2.675 AS DECIMAL(10,2))', 2.68],
    ['CAST(12345.678 AS DECIMAL(4,1))', 999.9],
    ['CAST(7.6 AS DECIMAL)', 8],
    ['CAST(42 AS CHAR)', '42'],
    ["CAST('abcdef' AS CHAR(3))", 'abc'],
    ["CAST('2024-01-05 10:00:00' AS DATE)", '2024-01-05'],
    ["CAST('2024-01-05' AS DATETIME)", '2024-01-05T00:00:00'],
    ["CAST('1.5' AS DOUBLE)", 1.5],
    ["CONVERT('42', SIGNED)", 42],
    ["CONVERT('abc' USING utf8mb4)", 'abc'],
    // dates
    ["YEAR('2024-03-05')", 2024],
    ["MONTH('2024-03-05 10:00:00')", 3],
    ["DAY('2024-03-05')", 5],
    ["DAYOFMONTH('2024-03-05')", 5],
    ["DATEDIFF('2007-12-31 23:59:59', '2007-12-30')", 1],
    ["DATEDIFF('2010-11-30 23:59:59', '2010-12-31')", -31],
    ["DATE_FORMAT('2009-10-04 22:23:00', '%W %M %Y')", 'Sunday October 2009'],
    ["DATE_FORMAT('2007-10-04 22:23:00', '%H:%i:%s')", '22:23:00'],
    ["DATE_FORMAT('1900-10-04 22:23:00', '%D %y %a %d %m %b %j')", '4th 00 Thu 04 10 Oct 277'],
    ["DATE_FORMAT('1997-10-04 22:23:00', '%H %k %I %r %T %S %w')", '22 22 10 10:23:00 PM 22:23:00 00 6'],
    ["DATE_FORMAT('1999-01-01', '%X %V')", '1998 52'],
    ["DATE_FORMAT('2006-06-01', '%d')", '01'],
    ["DATE_FORMAT('2024-03-05 14:07:09', '%c/%e/%y %l:%i %p %%')", '3/5/24 2:07 PM %'],
    ["DATE_FORMAT('2024-03-05', '%U %u %v %x')", '09 10 10 2024'],
    ["DATE_FORMAT('2024-03-05 01:02:03.250', '%f')", '250000'],
    ["DATE_FORMAT('not a date', '%Y')", null],
    ["DATE_ADD('2024-01-31', INTERVAL 1 MONTH)", '2024-02-29'],
    ["DATE_ADD('2024-01-31', INTERVAL 1 DAY)", '2024-02-01'],
    ["DATE_ADD('2024-01-31', INTERVAL 1 HOUR)", '2024-01-31T01:00:00'],
    ["DATE_ADD('2018-05-01', INTERVAL 1 DAY)", '2018-05-02'],
    ["DATE_ADD('2020-12-31 23:59:59', INTERVAL 1 SECOND)", '2021-01-01T00:00:00'],
    ["DATE_ADD('2100-12-31 23:59:59', INTERVAL '1:1' MINUTE_SECOND)", '2101-01-01T00:01:00'],
    ["DATE_ADD('1900-01-01 00:00:00', INTERVAL '-1 10' DAY_HOUR)", '1899-12-30T14:00:00'],
    ["DATE_ADD('2024-01-01', INTERVAL 2 WEEK)", '2024-01-15'],
    ["DATE_ADD('2024-01-01', INTERVAL 1 QUARTER)", '2024-04-01'],
    ["DATE_ADD('2024-02-29', INTERVAL 1 YEAR)", '2025-02-28'],
    ["DATE_ADD('2024-01-01 00:00:00', INTERVAL 1.5 SECOND)", '2024-01-01T00:00:01.500'],
    ["DATE_SUB('2018-05-01', INTERVAL 1 YEAR)", '2017-05-01'],
    ["DATE_SUB('2024-03-31', INTERVAL 1 MONTH)", '2024-02-29'],
    ["DATE_SUB('2024-03-01 00:00:00', INTERVAL 1 MINUTE)", '2024-02-29T23:59:00'],
    ["ADDDATE('2008-01-02', 31)", '2008-02-02'],
    ["ADDDATE('2008-01-02', INTERVAL 31 DAY)", '2008-02-02'],
    ["SUBDATE('2008-01-02', 31)", '2007-12-02'],
    ["'2024-12-31' + INTERVAL 1 DAY", '2025-01-01'],
    ["INTERVAL 1 DAY + '2024-12-31'", '2025-01-01'],
    ["'2025-01-01' - INTERVAL 1 SECOND", '2024-12-31T23:59:59'],
    ["LAST_DAY('2003-02-05')", '2003-02-28'],
    ["LAST_DAY('2004-02-05')", '2004-02-29'],
    ["LAST_DAY('2004-01-01 01:01:01')", '2004-01-31'],
    ["LAST_DAY('2003-03-32')", null],
    ["QUARTER('2008-04-01')", 2],
    ["WEEK('2008-02-20')", 7],
    ["WEEK('2008-02-20', 0)", 7],
    ["WEEK('2008-02-20', 1)", 8],
    ["WEEK('2008-12-31', 1)", 53],
    ["WEEK('2024-01-01')", 0],
    ["WEEK('2024-12-31', 3)", 1],
    ["WEEKOFYEAR('2008-02-20')", 8],
    ["YEARWEEK('1987-01-01')", 198652],
    ["DAYOFWEEK('2007-02-03')", 7],
    ["WEEKDAY('2008-02-03 22:23:00')", 6],
    ["DAYNAME('2007-02-03')", 'Saturday'],
    ["MONTHNAME('2008-02-03')", 'February'],
    ["DAYOFYEAR('2007-02-03')", 34],
    ["HOUR('10:05:03')", 10],
    ["HOUR('2024-01-01 22:05:03')", 22],
    ["MINUTE('2008-02-03 10:05:03')", 5],
    ["SECOND('10:05:03')", 3],
    ["DATE('2003-12-31 01:02:03')", '2003-12-31'],
    ["TIME('2003-12-31 01:02:03')", '01:02:03'],
    ["TIMESTAMP('2003-12-31')", '2003-12-31T00:00:00'],
    ["TIMESTAMP('2003-12-31 12:00:00', '12:00:00')", '2004-01-01T00:00:00'],
    ["TIMESTAMPDIFF(MONTH, '2003-02-01', '2003-05-01')", 3],
    ["TIMESTAMPDIFF(YEAR, '2002-05-01', '2001-01-01')", -1],
    ["TIMESTAMPDIFF(MINUTE, '2003-02-01', '2003-05-01 12:05:55')", 128885],
    ["TIMESTAMPDIFF(MONTH, '2024-01-31', '2024-02-29')", 0],
    ["TIMESTAMPADD(MINUTE, 1, '2003-01-02')", '2003-01-02T00:01:00'],
    ["TIMESTAMPADD(WEEK, 1, '2003-01-02')", '2003-01-09'],
    ["EXTRACT(YEAR FROM '2019-07-02')", 2019],
    ["EXTRACT(YEAR_MONTH FROM '2019-07-02 01:02:03')", 201907],
    ["EXTRACT(DAY_MINUTE FROM '2019-07-02 01:02:03')", 20102],
    ["TIME_FORMAT('100:00:00', '%H %k %h %I %l')", '100 100 04 04 4'],
    ["STR_TO_DATE('01,5,2013', '%d,%m,%Y')", '2013-05-01'],
    ["STR_TO_DATE('May 1, 2013', '%M %d,%Y')", '2013-05-01'],
    ["STR_TO_DATE('a09:30:17', 'a%h:%i:%s')", '09:30:17'],
    ["STR_TO_DATE('09:30:17a', '%h:%i:%s')", '09:30:17'],
    ["STR_TO_DATE('2013-05-01 10:11:12', '%Y-%m-%d %H:%i:%s')", '2013-05-01T10:11:12'],
    ["STR_TO_DATE('9:30 PM', '%h:%i %p')", '21:30:00'],
    ["STR_TO_DATE('15/06/24', '%d/%m/%y')", '2024-06-15'],
    ["STR_TO_DATE('2013-02-30', '%Y-%m-%d')", null],
    ["STR_TO_DATE('abc', '%Y')", null],
    ["UNIX_TIMESTAMP('2015-11-13 10:20:19')", 1447410019],
    ['FROM_UNIXTIME(1447410019)', '2015-11-13T10:20:19'],
    ["FROM_UNIXTIME(1447410019, '%Y %D %M %h:%i:%s %x')", '2015 13th November 10:20:19 2015'],
    ["MAKEDATE(2011, 32)", '2011-02-01'],
    ["TO_DAYS('2007-10-07')", 733321],
    ["YEAR('2024-01-15T10:30:00Z')", 2024],
    ["DATE('2024-01-15T23:30:00-02:00')", '2024-01-16'],
  ];
  it.each(cases)('%s = %j', (expr, expected) => {
    expect(val(expr)).toEqual(expected);
  });

  it('read dataset columns of every type', () => {
    const r = query(
      "SELECT YEAR(d), MONTH(ts), DAY(`Order Date`), DATE_FORMAT(ts, '%Y-%m-%d %H:%i'), DATEDIFF(`Order Date`, d), ROUND(amount), ROUND(price, 1), HOUR(ts) FROM t WHERE region = 'West'",
    );
    expect(r.rows).toEqual([[2024, 2, 1, '2024-02-29 23:59', 1, 20, 2.5, 23]]);
    expect(r.types).toEqual(['LONG', 'LONG', 'LONG', 'STRING', 'LONG', 'DOUBLE', 'DOUBLE', 'LONG']);
  });

  it('checks argument counts with the MySQL name', () => {
    expect(refused("SELECT YEAR('2024-01-01', 2)").message).toBe('YEAR() takes 1 argument, got 2');
    expect(refused("SELECT IF(1, 2)").message).toBe('IF() takes 3 arguments, got 2');
    expect(refused('SELECT GREATEST(1)').message).toBe('GREATEST() takes at least 2 arguments, got 1');
    expect(refused("SELECT DATE_ADD('2024-01-01', 1)").message).toMatch(/DATE_ADD: expected INTERVAL <n> <unit>/);
    expect(refused("SELECT DATE_ADD('2024-01-01', INTERVAL 1 FORTNIGHT)").message).toMatch(/expected a unit/);
    expect(refused('SELECT CAST(1 AS BOOLEAN)').message).toMatch(/CAST to BOOLEAN is not supported/);
  });

  it('registering does not change SQLite built-ins the stores use on the same connection', () => {
    expect(db.prepare("SELECT concat('a', NULL) AS v").get()).toEqual({ v: 'a' });
    expect(db.prepare('SELECT 7 / 2 AS v').get()).toEqual({ v: 3 });
    expect(db.prepare("SELECT upper('é') AS v").get()).toEqual({ v: 'é' });
  });

  it('registerSqlFunctions is idempotent per connection', () => {
    expect(() => registerSqlFunctions(db, () => clock)).not.toThrow();
    expect(val('YEAR(NOW())')).toBe(2024);
  });

  it('runQuery refuses a connection without the functions', () => {
    const other = new Database(':memory:');
    expect(() => runQuery(other, { sql: 'SELECT 1' })).toThrow(/registerSqlFunctions/);
    other.close();
  });
});

describe('the instance clock', () => {
  it('NOW(), CURRENT_DATE and friends read the instance clock, never the real time', () => {
    const r = query(
      'SELECT NOW(), NOW(3), CURRENT_TIMESTAMP, CURRENT_TIMESTAMP(), LOCALTIME, SYSDATE(), CURRENT_DATE, CURRENT_DATE(), CURDATE(), UTC_DATE(), CURTIME(), CURRENT_TIME, UNIX_TIMESTAMP()',
    );
    expect(r.rows[0]).toEqual([
      '2024-06-15T12:34:56',
      '2024-06-15T12:34:56.789',
      '2024-06-15T12:34:56',
      '2024-06-15T12:34:56',
      '2024-06-15T12:34:56',
      '2024-06-15T12:34:56',
      '2024-06-15',
      '2024-06-15',
      '2024-06-15',
      '2024-06-15',
      '12:34:56',
      '12:34:56',
      1718454896,
    ]);
    expect(r.types.slice(0, 2)).toEqual(['DATETIME', 'DATETIME']);
    expect(r.types[6]).toBe('DATE');
    expect(r.types[12]).toBe('LONG');
  });

  it('reads the clock at call time: moving the clock changes the next result', () => {
    const q = compile('SELECT CURRENT_DATE, DATEDIFF(CURRENT_DATE, d) FROM t WHERE region = \'West\'');
    expect(runQuery(db, q).rows).toEqual([['2024-06-15', 107]]);
    clock = Date.UTC(2001, 0, 2, 3, 4, 5);
    expect(runQuery(db, q).rows).toEqual([['2001-01-02', -8458]]);
    expect(val('NOW()')).toBe('2001-01-02T03:04:05');
  });

  it('date arithmetic on the clock', () => {
    expect(val('CURRENT_DATE - INTERVAL 7 DAY')).toBe('2024-06-08');
    expect(val('DATE_SUB(NOW(), INTERVAL 1 HOUR)')).toBe('2024-06-15T11:34:56');
    expect(query('SELECT d FROM t WHERE d >= CURDATE() - INTERVAL 6 MONTH ORDER BY d').rows).toEqual([
      ['2023-12-31'],
      ['2024-01-15'],
      ['2024-02-29'],
    ]);
    expect(query('SELECT d FROM t WHERE d >= CURDATE() - INTERVAL 5 MONTH ORDER BY d').rows).toEqual([['2024-01-15'], ['2024-02-29']]);
  });

  it("SQLite's own date('now') functions also use the instance clock", () => {
    expect(val("datetime('now')")).toBe('2024-06-15 12:34:56');
    expect(val("strftime('%Y-%m-%d', 'now')")).toBe('2024-06-15');
    expect(val("unixepoch('now')")).toBe(1718454896);
    expect(val('julianday()')).toBeCloseTo(2460477.024268, 5);
  });

  it('registering again on the same connection replaces the clock', () => {
    registerSqlFunctions(db, () => Date.UTC(1999, 11, 31, 23, 59, 59));
    expect(val('NOW()')).toBe('1999-12-31T23:59:59');
  });
});

describe('typed results', () => {
  it('plain columns carry the dataset type; values are numbers, ISO dates and null', () => {
    const r = query('SELECT * FROM t ORDER BY region, qty');
    expect(r.columns).toEqual(COLUMNS.map((c) => c.name));
    expect(r.types).toEqual(COLUMNS.map((c) => c.type));
    expect(r.rows).toEqual([
      ['East', 5.25, 2, null, '2023-12-31', '2023-12-31T00:00:00', "it's", '2024-01-02'],
      ['East', 10.5, 3, 1.25, '2024-01-15', '2024-01-15T10:30:00', 'hello', '2024-01-16'],
      ['North', null, null, 4, null, null, 'DROP TABLE x; --', null],
      ['West', 20, 7, 2.5, '2024-02-29', '2024-02-29T23:59:59.500', null, '2024-03-01'],
    ]);
  });

  it('plain columns keep their type through aliases, subqueries and CTEs', () => {
    const r = query('WITH c AS (SELECT d AS day, amount FROM t) SELECT x.day, x.amount AS a FROM (SELECT * FROM c) x LIMIT 1');
    expect(r.columns).toEqual(['day', 'a']);
    expect(r.types).toEqual(['DATE', 'DECIMAL']);
  });

  it('computed columns are inferred from their values', () => {
    const r = query(
      "SELECT COUNT(*), SUM(qty), SUM(amount), AVG(qty), MAX(d), MIN(ts), CONCAT(region, '!'), CASE WHEN qty > 2 THEN 1 ELSE 1.5 END, NULL, DATE_ADD(d, INTERVAL 1 DAY) FROM t WHERE region = 'East' GROUP BY region",
    );
    expect(r.types).toEqual(['LONG', 'LONG', 'DOUBLE', 'DOUBLE', 'DATE', 'DATETIME', 'STRING', 'DOUBLE', 'STRING', 'DATE']);
    expect(r.rows[0]).toEqual([2, 5, 15.75, 2.5, '2024-01-15', '2023-12-31T00:00:00', 'East!', 1.5, null, '2024-01-01']);
  });

  it('a column mixing numbers and text is STRING, with every value as text', () => {
    const r = query("SELECT CASE WHEN qty > 2 THEN qty ELSE 'few' END AS v FROM t WHERE qty IS NOT NULL ORDER BY qty");
    expect(r.types).toEqual(['STRING']);
    expect(r.rows).toEqual([['few'], ['3'], ['7']]);
  });

  it('iterateQuery streams the same rows and types as runQuery', () => {
    const sql = 'SELECT region, qty / 2 AS half, d FROM t ORDER BY region, qty';
    const all = query(sql);
    const s = iterateQuery(db, compile(sql));
    expect(s.columns).toEqual(all.columns);
    expect(s.types).toEqual(['STRING', 'DOUBLE', 'DATE']);
    expect([...s.rows]).toEqual(all.rows);
  });

  it('iterateQuery can be abandoned early and the connection stays usable', () => {
    const s = iterateQuery(db, compile('SELECT region FROM t'));
    const first = s.rows.next();
    expect(first.value).toEqual(['East']);
    s.rows.return?.();
    expect(query('SELECT COUNT(*) FROM t').rows).toEqual([[4]]);
    db.prepare(`INSERT INTO ${quoteIdent(TABLE)} (region) VALUES ('South')`).run();
    expect(tableCount()).toBe(5);
  });

  it('iterateQuery types computed columns from the leading rows of a large result', () => {
    const s = iterateQuery(db, compile('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) SELECT i, i * 2 AS twice FROM n'));
    expect(s.types).toEqual(['LONG', 'LONG']);
    let count = 0;
    let last: unknown[] = [];
    for (const row of s.rows) {
      count++;
      last = row;
    }
    expect(count).toBe(5000);
    expect(last).toEqual([5000, 10000]);
  });
});

describe('errors carry SQLite\'s message as a 400', () => {
  it('syntax errors', () => {
    const err = refused('SELECT region FROM t WHERE');
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/incomplete input|syntax error/);
    expect(refused('SELECT region, FROM t').message).toBe('near "FROM": syntax error');
  });

  it('unknown columns and functions', () => {
    expect(refused('SELECT nope FROM t').message).toBe('no such column: nope');
    expect(refused('SELECT `no pe` FROM t').message).toBe('no such column: `no pe`');
    expect(refused('SELECT NOSUCHFN(1)').message).toBe('no such function: NOSUCHFN');
  });

  it('an invalid regular expression', () => {
    expect(refused("SELECT 'a' REGEXP '('").message).toMatch(/Invalid regular expression/);
  });
});

describe('limits: nesting depth and the string cap', () => {
  it('refuses parentheses nested deeper than MAX_NESTING with a 400 naming the limit', () => {
    const err = apiError(() => compile(`SELECT ${'('.repeat(10_000)}1${')'.repeat(10_000)}`));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/nested more than 200 levels deep/);
    expect(val(`${'('.repeat(200)}1${')'.repeat(200)}`)).toBe(1);
  });

  it('REPEAT, LPAD, SPACE, REPLACE, INSERT, CONCAT and GROUP_CONCAT stop at the connection\'s cap before building the string', () => {
    registerSqlFunctions(db, () => clock, { maxBytes: 1000 });
    try {
      for (const expr of [
        "REPEAT('ab', 501)",
        "LPAD('x', 1001, 'y')",
        "RPAD('x', 1001, 'y')",
        'SPACE(1001)',
        "REPLACE(REPEAT('a', 100), 'a', 'bbbbbbbbbbb')",
        "INSERT(REPEAT('a', 600), 1, 0, REPEAT('b', 600))",
        "CONCAT(REPEAT('a', 600), REPEAT('b', 600))",
        "CONCAT_WS(',', REPEAT('a', 600), REPEAT('b', 600))",
        "REGEXP_REPLACE(REPEAT('a', 500), 'a', 'bbb')",
        "GROUP_CONCAT(REPEAT('x', 400)) FROM t",
        "GROUP_CONCAT(DISTINCT REPEAT(region, 100) SEPARATOR '--') FROM t",
        "STRING_AGG(REPEAT(region, 100), ',') FROM t",
      ]) {
        const err = apiError(() => val(expr));
        expect(err.message, expr).toMatch(/^A string built by the query is larger than the 1000-byte limit \(--max-result-bytes\)/);
      }
      expect(val("LENGTH(REPEAT('ab', 500))")).toBe(1000);
      expect(val("LENGTH(GROUP_CONCAT(REPEAT('x', 100)))")).toBe(100);
    } finally {
      registerSqlFunctions(db, () => clock);
    }
  });

  it('keeps SQLite\'s text of values in the capped REPLACE and GROUP_CONCAT', () => {
    expect(val("REPLACE(2.5, '.', ',')")).toBe('2,5');
    expect(val("REPLACE('abc', '', 'x')")).toBe('abc');
    expect(val('REPLACE(NULL, \'a\', \'b\')')).toBe(null);
    expect(val('GROUP_CONCAT(price ORDER BY price) FROM t')).toBe('1.25,2.5,4.0');
    expect(val("STRING_AGG(region, '/') FROM t WHERE qty IS NOT NULL")).toBe('East/West/East');
  });
});

describe('compile targets with a source (the row service\'s derived tables)', () => {
  const source = {
    table: TABLE,
    columns: [...COLUMNS, { name: 'twice', type: 'LONG' as const }],
    source: `(SELECT v.*, v."qty" * 2 AS "twice" FROM ${quoteIdent(TABLE)} AS v WHERE v."region" = @r)`,
    params: { r: 'East' },
  };

  it('reads the source at every table reference, with its parameters bound', () => {
    expect(runQuery(db, compileDomoSql('SELECT region, twice FROM t ORDER BY twice', source)).rows).toEqual([
      ['East', 4],
      ['East', 6],
    ]);
    expect(runQuery(db, compileDomoSql('WITH x AS (SELECT * FROM t) SELECT COUNT(*) FROM x a, t b', source)).rows).toEqual([[4]]);
  });

  it('still lets a query read only the table itself', () => {
    const leak = { ...source, source: `(SELECT v.* FROM ${quoteIdent(TABLE)} AS v WHERE v."region" IN (SELECT secret FROM other_secret))` };
    expect(apiError(() => runQuery(db, compileDomoSql('SELECT * FROM t', leak))).message).toBe('A query can read only its own dataset');
  });

  it('compiles one expression (a formula) with the dialect and the confinement', () => {
    const target = { table: TABLE, columns: COLUMNS };
    expect(compileDomoExpression("IF(qty > 2, 'big', 'small')", target)).toBe("iif(qty > 2, 'big', 'small')");
    expect(runQuery(db, compileDomoSql('SELECT region, bigness FROM t WHERE qty IS NOT NULL ORDER BY qty', {
      ...target,
      source: `(SELECT v.*, ${compileDomoExpression("IF(qty > 2, 'big', 'small')", target)} AS "bigness" FROM ${quoteIdent(TABLE)} AS v)`,
    })).rows).toEqual([['East', 'small'], ['East', 'big'], ['West', 'big']]);
    expect(compileDomoExpression('(SELECT MAX(qty) FROM anything)', target)).toContain(`FROM ${quoteIdent(TABLE)} AS "anything"`);
    for (const bad of ['SELECT 1', 'qty FROM t', 'qty; DROP TABLE t', '']) expect(apiError(() => compileDomoExpression(bad, target)).status).toBe(400);
  });
});

describe('compile targets with several tables in scope (a DataFlow statement)', () => {
  beforeEach(() => {
    db.exec(`CREATE TABLE ds_regions ("code" TEXT, "name" TEXT); INSERT INTO ds_regions VALUES ('East', 'Eastern'), ('West', 'Western')`);
  });
  const scope = (extra: Partial<Parameters<typeof compileDomoSql>[1]> = {}) => ({
    table: '',
    columns: [],
    tables: {
      sales: { source: quoteIdent(TABLE), columns: COLUMNS },
      Regions: { source: `(SELECT v.* FROM "ds_regions" AS v WHERE v."code" <> @in1_pdp_0)`, columns: [] },
    },
    readable: [TABLE, 'ds_regions'],
    params: { in1_pdp_0: 'Nowhere' },
    ...extra,
  });

  it('each name reads its own table (case-insensitively); a JOIN of two works', () => {
    const q = compileDomoSql('SELECT r.`name`, SUM(s.qty) AS q FROM sales s JOIN REGIONS r ON r.code = s.region GROUP BY r.`name` ORDER BY r.`name`', scope());
    expect(runQuery(db, q).rows).toEqual([
      ['Eastern', 5],
      ['Western', 7],
    ]);
  });

  it('names the tables in scope when a query names another, and refuses schema-qualified names', () => {
    expect(apiError(() => compileDomoSql('SELECT * FROM other_secret', scope())).message).toMatch(/^Unknown table `other_secret`: .*\(`sales`, `Regions`\)/);
    expect(apiError(() => compileDomoSql('SELECT * FROM main.sales', scope())).message).toMatch(/^Unknown table main\.sales/);
    // a query's own CTE of the same name wins, as in SQL
    expect(runQuery(db, compileDomoSql('WITH sales AS (SELECT 1 AS x) SELECT * FROM sales', scope())).rows).toEqual([[1]]);
  });

  it('begins every statement with the scope’s named queries, merged with the query’s own WITH', () => {
    const made = compileDomoSql('SELECT region, qty FROM sales WHERE qty > 2', scope()).sql;
    const withMade = scope({
      tables: { ...scope().tables, big: { source: quoteIdent('domo_tbl_1'), columns: [] } },
      with: [{ name: 'domo_tbl_1', sql: made }],
    });
    expect(runQuery(db, compileDomoSql('SELECT COUNT(*) FROM big', withMade)).rows).toEqual([[2]]);
    const q = compileDomoSql('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2) SELECT b.region, n.i FROM big b, n ORDER BY b.region, n.i', withMade);
    expect(q.sql.startsWith('WITH RECURSIVE "domo_tbl_1" AS (')).toBe(true);
    expect(runQuery(db, q).rows).toEqual([
      ['East', 1],
      ['East', 2],
      ['West', 1],
      ['West', 2],
    ]);
  });

  it('the read-only guard allows the readable tables only, whatever a source adds', () => {
    const leak = scope({ tables: { sales: { source: `(SELECT v.* FROM ${quoteIdent(TABLE)} AS v WHERE v.note IN (SELECT secret FROM other_secret))`, columns: [] } } });
    expect(apiError(() => runQuery(db, compileDomoSql('SELECT * FROM sales', leak))).message).toBe('A query can read only its own dataset');
    const narrow = scope({ readable: [TABLE] });
    expect(apiError(() => runQuery(db, compileDomoSql('SELECT * FROM Regions', narrow))).message).toBe('A query can read only its own dataset');
    for (const bad of ["SELECT readfile('/etc/passwd')", 'INSERT INTO sales VALUES (1)', "ATTACH '/tmp/x' AS x", 'SELECT * FROM sales; DELETE FROM sales']) {
      expect(apiError(() => compileDomoSql(bad, scope())).status).toBe(400);
    }
  });
});
