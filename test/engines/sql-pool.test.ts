import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/http/errors.js';
import { compileDomoSql, QueryPool, registerSqlFunctions, runQuery, type QueryJob } from '../../src/engines/sql/index.js';
import { workerEntry } from '../../src/engines/sql/pool.js';
import { quoteIdent, sqliteDeclaredType, type DatasetColumn } from '../../src/engines/sql/types.js';

// A database file as an instance has it (WAL), with a 430-row table: 430^4 = 3.4e10 rows in a 4-way join.
const COLUMNS: DatasetColumn[] = [
  { name: 'region', type: 'STRING' },
  { name: 'amount', type: 'DECIMAL' },
  { name: 'units', type: 'LONG' },
  { name: 'sold', type: 'DATE' },
];
let dir: string;
let file: string;
let db: Database.Database;
const target = { table: 'ds', columns: COLUMNS };
const NOW = Date.UTC(2026, 0, 15, 12);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pool-test-'));
  file = join(dir, 'instance.db');
  db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE ds (${COLUMNS.map((c) => `${quoteIdent(c.name)} ${sqliteDeclaredType(c.type)}`).join(', ')})`);
  db.exec('CREATE TABLE secret (s TEXT); INSERT INTO secret VALUES (\'top secret\')');
  const ins = db.prepare('INSERT INTO ds VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < 430; i++) ins.run(['East', 'West', 'North'][i % 3], i / 4, i, `2026-01-${String((i % 28) + 1).padStart(2, '0')}`);
  })();
  registerSqlFunctions(db, () => NOW);
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const job = (sql: string, over: Partial<QueryJob> = {}): QueryJob => ({
  file,
  query: compileDomoSql(sql, target),
  now: NOW,
  maxBytes: 64 * 1024 * 1024,
  output: { kind: 'rows' },
  ...over,
});

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('expected the query to fail');
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('QueryPool', () => {
  it('runs the prebuilt JS worker under vitest (no tsx in the child)', () => {
    const e = workerEntry();
    expect(e.path).toMatch(/query-worker\.mjs$/);
    expect(e.execArgv).toEqual([]);
  });

  it('answers what runQuery answers on the same connection, types and NOW() included', async () => {
    const pool = new QueryPool({ timeoutMs: 10_000, maxResultBytes: 64 << 20 });
    try {
      for (const sql of [
        'SELECT region, SUM(amount) AS total, COUNT(*) AS n, MAX(sold) FROM t GROUP BY region ORDER BY region',
        'SELECT * FROM t ORDER BY units DESC LIMIT 7',
        "SELECT NOW(), CURDATE(), DATE_FORMAT(sold, '%W %M %Y'), CONCAT(region, '-', units) FROM t LIMIT 3",
      ]) {
        const here = runQuery(db, compileDomoSql(sql, target));
        const there = await pool.run(job(sql));
        expect({ columns: there.columns, types: there.types, rows: there.rows }).toEqual(here);
      }
      // the guard runs in the worker too
      const forged = { sql: 'SELECT * FROM secret', target };
      expect((await rejection(pool.run({ ...job('SELECT 1'), query: forged }))).message).toBe('A query can read only its own dataset');
      expect((await rejection(pool.run(job('SELECT nope FROM t')))).status).toBe(400);
    } finally {
      pool.close();
    }
  });

  it('stops a query at its deadline by killing its worker, and the next query gets a fresh one', async () => {
    const pool = new QueryPool({ timeoutMs: 2000, maxResultBytes: 64 << 20 });
    try {
      await pool.run(job('SELECT 1'));
      const [pid] = pool.pids();
      const started = performance.now();
      const err = await rejection(pool.run(job('SELECT COUNT(*) FROM t a, t b, t c, t d')));
      const ms = performance.now() - started;
      expect(err.status).toBe(400);
      expect(err.message).toMatch(/longer than the 2000 ms limit/);
      expect(ms).toBeGreaterThan(1900);
      expect(ms).toBeLessThan(6000);
      await expect.poll(() => alive(pid), { timeout: 3000 }).toBe(false);
      expect((await pool.run(job('SELECT COUNT(*) FROM t'))).rows).toEqual([[430]]);
      expect(pool.pids()).not.toContain(pid);
    } finally {
      pool.close();
    }
  });

  it('runs two queries at once on two workers; a third waits its turn', async () => {
    const pool = new QueryPool({ timeoutMs: 20_000, maxResultBytes: 64 << 20 });
    try {
      const slow = 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 2000000) SELECT COUNT(*) FROM n';
      const answers = await Promise.all([pool.run(job(slow)), pool.run(job(slow)), pool.run(job('SELECT COUNT(*) FROM t'))]);
      expect(answers.map((a) => a.rows)).toEqual([[[2000000]], [[2000000]], [[430]]]);
      expect(pool.pids().length).toBeLessThanOrEqual(2);
    } finally {
      pool.close();
    }
  });

  it('caps the result: rows past --max-result-bytes and strings past it are refused, in the worker', async () => {
    const pool = new QueryPool({ timeoutMs: 20_000, maxResultBytes: 1_000_000 });
    try {
      const rows = await rejection(pool.run(job("SELECT REPEAT('x', 1000) FROM t a, t b", { maxBytes: 1_000_000 })));
      expect(rows.message).toMatch(/query result is larger than the 1000000-byte limit/);
      for (const sql of [
        "SELECT GROUP_CONCAT(REPEAT('x', 100000)) FROM t",
        "SELECT REPEAT('ab', 600000)",
        "SELECT LENGTH(LPAD('x', 2000000, 'y'))",
        "SELECT LENGTH(REPLACE(REPEAT('a', 100000), 'a', 'bbbbbbbbbbbbbbbbbbbbbbbbbb'))",
        "SELECT LENGTH(CONCAT(REPEAT('a', 600000), REPEAT('b', 600000)))",
        'SELECT LENGTH(SPACE(2000000))',
      ]) {
        const err = await rejection(pool.run(job(sql, { maxBytes: 1_000_000 })));
        expect(err.message, sql).toMatch(/larger than the 1000000-byte limit/);
      }
      // under the cap they work
      expect((await pool.run(job("SELECT LENGTH(GROUP_CONCAT(REPEAT('x', 1000))) FROM t", { maxBytes: 1_000_000 }))).rows).toEqual([[430 * 1001 - 1]]);
    } finally {
      pool.close();
    }
  });

  it.runIf(process.platform === 'linux')('kills a worker whose memory outgrows the cap (SQLite built-ins the functions do not cover)', async () => {
    const pool = new QueryPool({ timeoutMs: 30_000, maxResultBytes: 1_000_000 });
    try {
      // json_group_array is SQLite's own: only the memory watchdog (256 MB + 6 x the cap) stops it
      const err = await rejection(pool.run(job("SELECT LENGTH(json_group_array(REPEAT('x', 100000))) FROM t a, t b", { maxBytes: 1_000_000 })));
      expect(err.status).toBe(400);
      expect(err.message).toMatch(/^The data this query builds is larger than the 1000000-byte limit/);
      expect((await pool.run(job('SELECT COUNT(*) FROM t'))).rows).toEqual([[430]]);
    } finally {
      pool.close();
    }
  });

  it('writes CSV in the worker: text when small, a spill file when large', async () => {
    const pool = new QueryPool({ timeoutMs: 20_000, maxResultBytes: 64 << 20 });
    try {
      const csv = { kind: 'csv' as const, header: true, file: join(dir, 'out.csv'), spillBytes: 1000 };
      const small = await pool.run(job('SELECT region, units FROM t ORDER BY units LIMIT 2', { output: csv }));
      expect(small.csv).toEqual({ text: 'region,units\nEast,0\nWest,1\n' });
      const big = await pool.run(job('SELECT region, units FROM t ORDER BY units', { output: csv }));
      expect(big.csv).toEqual({ file: csv.file });
      expect(big.rowCount).toBe(430);
    } finally {
      pool.close();
    }
  });

  it('never outlives its parent: a worker stuck in a query dies when the server process is killed', async () => {
    // A parent process with a pool whose worker runs a 3.4e10-row join with no deadline.
    const script = `
      import { QueryPool } from ${JSON.stringify(join(import.meta.dirname, '..', '..', 'src', 'engines', 'sql', 'pool.ts'))};
      import { compileDomoSql } from ${JSON.stringify(join(import.meta.dirname, '..', '..', 'src', 'engines', 'sql', 'compile.ts'))};
      const pool = new QueryPool({ timeoutMs: 0, maxResultBytes: 1 << 20 });
      const query = compileDomoSql('SELECT COUNT(*) FROM t a, t b, t c, t d', ${JSON.stringify(target)});
      pool.run({ file: ${JSON.stringify(file)}, query, now: 0, maxBytes: 1 << 20, output: { kind: 'rows' } });
      const wait = setInterval(() => { if (pool.pids().length) { console.log('PID ' + pool.pids()[0]); clearInterval(wait); } }, 20);
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      parent.stdout!.on('data', (d) => {
        out += d;
        const m = /PID (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      parent.once('exit', (code) => reject(new Error(`parent exited ${code}`)));
    });
    // let the worker get into the statement, then kill the parent without any chance to clean up
    await new Promise((r) => setTimeout(r, 800));
    expect(alive(pid)).toBe(true);
    parent.kill('SIGKILL');
    await expect.poll(() => alive(pid), { timeout: 5000, interval: 100 }).toBe(false);
  });
});
