/**
 * AppDB: queries over 100,000 documents of about 1 KB through the HTTP API of the built server
 * (127.0.0.1), against the same filter in the same run as
 *   - direct SQL over SQLite JSON (better-sqlite3 in this process: JSONB column, the same expression
 *     indexes the emulator creates, json_extract comparisons without the emulator's type guards), and
 *   - mingo in memory (the documents as plain objects in this process).
 * Also bulk create of 10,000 documents (POST .../documents/bulk) against a direct SQLite insert.
 *   node --import tsx bench/appdb.ts [documents=100000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Query } from 'mingo';
import { ADMIN_TOKEN, ensureBuilt, fmt, median, spawnServer, writeResult } from './lib.js';

const N = Math.max(10_000, Math.min(200_000, Number(process.argv[2] ?? 100_000)));
const BATCH = 5_000;
const POINT_ROUNDS = 300;
const COMPOUND_ROUNDS = 60;
const MINGO_ROUNDS = 15;
const BULK_ROUNDS = 3;

// ---------------------------------------------------------------- deterministic documents (~1 KB)
let seed = 7;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const words = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu'.split(' ');
const categories = 'ABCDEFGHIJ'.split('');
const regions = ['West', 'East', 'North', 'South', 'Central'];

function makeDoc(i: number): Record<string, unknown> {
  const text: string[] = [];
  while (text.join(' ').length < 700) text.push(words[Math.floor(rand() * words.length)]);
  return {
    userId: `u-${String(i).padStart(7, '0')}`,
    amount: Math.floor(rand() * 10_000),
    category: categories[Math.floor(rand() * categories.length)],
    region: regions[Math.floor(rand() * regions.length)],
    active: rand() < 0.7,
    tags: [words[Math.floor(rand() * words.length)], words[Math.floor(rand() * words.length)]],
    profile: { score: Math.round(rand() * 1000) / 10, level: Math.floor(rand() * 5), since: `20${10 + Math.floor(rand() * 15)}-0${1 + Math.floor(rand() * 9)}-15` },
    description: text.join(' '),
  };
}

const docs = Array.from({ length: N }, (_, i) => makeDoc(i));
const avgBytes = Math.round(docs.slice(0, 1000).reduce((n, d) => n + JSON.stringify(d).length, 0) / 1000);

// ---------------------------------------------------------------- HTTP helpers
let base = '';
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(base + path, {
    method,
    headers: { 'X-DOMO-Developer-Token': ADMIN_TOKEN, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}
async function must(method: string, path: string, body?: unknown): Promise<string> {
  const r = await call(method, path, body);
  if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${r.text.slice(0, 300)}`);
  return r.text;
}

/** One query over HTTP: time to the whole body as text, and to parsed documents. */
async function timeHttp(path: string, body: unknown): Promise<{ ms: number; parsedMs: number; count: number; bytes: number }> {
  const payload = JSON.stringify(body);
  const t0 = performance.now();
  const res = await fetch(base + path, { method: 'POST', headers: { 'X-DOMO-Developer-Token': ADMIN_TOKEN, 'Content-Type': 'application/json' }, body: payload });
  const text = await res.text();
  const ms = performance.now() - t0;
  const parsed = JSON.parse(text) as unknown[];
  const parsedMs = performance.now() - t0;
  if (res.status !== 200) throw new Error(`query answered ${res.status}: ${text.slice(0, 300)}`);
  return { ms, parsedMs, count: parsed.length, bytes: Buffer.byteLength(text) };
}

/** One query straight on SQLite: time to the rows, and to parsed documents. */
function timeSql(stmt: Database.Statement, params: unknown[]): { ms: number; parsedMs: number; count: number } {
  const t0 = performance.now();
  const rows = stmt.all(...params) as Array<{ id: string; content: string }>;
  const ms = performance.now() - t0;
  const docs = rows.map((r) => ({ id: r.id, content: JSON.parse(r.content) as unknown }));
  return { ms, parsedMs: performance.now() - t0, count: docs.length };
}

/** The server's own time for the last `n` requests to `path` (its request journal: from receiving the request to the response being ready to write). */
async function serverTimes(path: string, n: number): Promise<number[]> {
  const j = JSON.parse(await must('GET', `/_emulator/requests?limit=${n + 5}`)) as Array<{ path: string; method: string; ms: number }>;
  return j.filter((e) => e.path === path && e.method === 'POST').slice(-n).map((e) => e.ms);
}

// ---------------------------------------------------------------- queries (the same filter three ways)
const pointIds = Array.from({ length: POINT_ROUNDS }, () => `u-${String(Math.floor(rand() * N)).padStart(7, '0')}`);
const compound = Array.from({ length: COMPOUND_ROUNDS }, () => {
  const lo = Math.floor(rand() * 9_000);
  const cats = [...categories].sort(() => rand() - 0.5).slice(0, 3);
  return { lo, hi: lo + 200, cats };
});
const compoundFilter = (q: (typeof compound)[number]) => ({
  $and: [{ 'content.amount': { $gte: q.lo, $lt: q.hi } }, { 'content.category': { $in: q.cats } }],
});

async function main() {
  ensureBuilt();
  const work = mkdtempSync(join(tmpdir(), 'bench-appdb-'));
  const server = await spawnServer(['--db', join(work, 'emu'), '--log-level', 'error']);
  base = server.url;
  const lines: string[] = [];
  try {
    // ---------------- baseline database (same documents, same indexes, this process)
    const db = new Database(join(work, 'baseline.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`CREATE TABLE docs (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, content BLOB NOT NULL)`);
    const ins = db.prepare(`INSERT INTO docs (id, content) VALUES (?, jsonb(?))`);

    // ---------------- bulk create: 10,000 documents, emulator vs direct insert
    const bulkDocs = docs.slice(0, 10_000);
    const bulkHttp: number[] = [];
    const bulkSql: number[] = [];
    for (let r = 0; r < BULK_ROUNDS; r++) {
      await must('POST', '/api/datastores/v1/collections', { name: `bulk${r}` });
      const t0 = performance.now();
      for (let i = 0; i < bulkDocs.length; i += BATCH) {
        const text = await must('POST', `/api/datastores/v1/collections/bulk${r}/documents/bulk`, bulkDocs.slice(i, i + BATCH).map((content) => ({ content })));
        if (JSON.parse(text).Created !== Math.min(BATCH, bulkDocs.length - i)) throw new Error(`bulk create answered ${text}`);
      }
      bulkHttp.push(performance.now() - t0);
      const t1 = performance.now();
      db.exec('DELETE FROM docs');
      db.transaction(() => bulkDocs.forEach((d, i) => ins.run(`b${r}-${i}`, JSON.stringify(d))))();
      bulkSql.push(performance.now() - t1);
    }
    db.exec('DELETE FROM docs');

    // ---------------- load 100,000 documents
    await must('POST', '/api/datastores/v1/collections', { name: 'bench' });
    const tl = performance.now();
    for (let i = 0; i < N; i += BATCH) {
      await must('POST', `/api/datastores/v1/collections/bench/documents/bulk`, docs.slice(i, i + BATCH).map((content) => ({ content })));
    }
    const loadMs = performance.now() - tl;
    db.transaction(() => docs.forEach((d, i) => ins.run(`d${i}`, JSON.stringify(d))))();
    db.exec(`CREATE INDEX ix_user ON docs (json_extract(content, '$."userId"'))`);
    db.exec(`CREATE INDEX ix_amount ON docs (json_extract(content, '$."amount"'))`);
    db.exec(`CREATE INDEX ix_category ON docs (json_extract(content, '$."category"'))`);
    db.exec('ANALYZE');
    const pointSql = db.prepare(`SELECT id, json(content) AS content FROM docs WHERE json_extract(content, '$."userId"') = ?`);
    const compoundSql = db.prepare(
      `SELECT id, json(content) AS content FROM docs WHERE json_extract(content, '$."amount"') >= ? AND json_extract(content, '$."amount"') < ? AND json_extract(content, '$."category"') IN (?, ?, ?) ORDER BY seq`,
    );
    const mingoDocs = docs.map((content, i) => ({ id: `d${i}`, content }));
    const queryPath = '/api/datastores/v2/collections/bench/documents/query';

    // warm-up: the first query of a path creates the emulator's expression index
    const warm = [await timeHttp(queryPath, { 'content.userId': pointIds[0] }), await timeHttp(queryPath, compoundFilter(compound[0]))];

    /** Times one kind of query over HTTP, as direct SQL and with mingo, checking they find the same rows. */
    async function measure<Q>(
      label: string,
      cases: Q[],
      filterOf: (q: Q) => Record<string, unknown>,
      sql: typeof pointSql,
      paramsOf: (q: Q) => unknown[],
      rounds: number,
    ) {
      const r = { http: [] as number[], httpParsed: [] as number[], sql: [] as number[], sqlParsed: [] as number[], mingo: [] as number[], server: [] as number[], bytes: [] as number[], count: [] as number[] };
      for (const q of cases) {
        const h = await timeHttp(queryPath, filterOf(q));
        const s = timeSql(sql, paramsOf(q));
        if (s.count !== h.count) throw new Error(`${label} query: HTTP ${h.count} rows, SQL ${s.count}`);
        r.http.push(h.ms);
        r.httpParsed.push(h.parsedMs);
        r.sql.push(s.ms);
        r.sqlParsed.push(s.parsedMs);
        r.bytes.push(h.bytes);
        r.count.push(h.count);
      }
      r.server = await serverTimes(queryPath, rounds);
      cases.slice(0, MINGO_ROUNDS).forEach((q, i) => {
        const t0 = performance.now();
        const found = new Query(filterOf(q)).find(mingoDocs).all();
        r.mingo.push(performance.now() - t0);
        if (found.length !== r.count[i]) throw new Error(`mingo ${label} query found ${found.length}, HTTP ${r.count[i]}`);
      });
      return r;
    }

    const point = await measure('point', pointIds, (id) => ({ 'content.userId': id }), pointSql, (id) => [id], POINT_ROUNDS);
    if (point.count.some((n) => n !== 1)) throw new Error('point query: expected exactly one match each time');
    const comp = await measure('compound', compound, compoundFilter, compoundSql, (q) => [q.lo, q.hi, ...q.cats], COMPOUND_ROUNDS);
    db.close();

    const m = (xs: number[]) => median(xs);
    const kb = (xs: number[]) => `${fmt(m(xs) / 1024, 1)} KB`;
    type Series = typeof point;
    const timing = (name: string, r: Series) =>
      `| ${name} | ${fmt(m(r.http))} ms | ${fmt(m(r.httpParsed))} ms | ${fmt(m(r.server))} ms | ${fmt(m(r.sql), 3)} ms | ${fmt(m(r.sqlParsed), 3)} ms | ${fmt(m(r.mingo))} ms |`;
    const ratios = (name: string, r: Series, target: string) =>
      `| ${name} | ${fmt(m(r.http) / m(r.sql))}x | ${fmt(m(r.httpParsed) / m(r.sqlParsed))}x | ${fmt(m(r.server) / m(r.sql))}x | ${fmt(m(r.httpParsed) / m(r.mingo), 3)}x | ${target} |`;
    const bulkRate = (10_000 / m(bulkHttp)) * 1000;
    const sqlRate = (10_000 / m(bulkSql)) * 1000;
    const pointName = `point: \`{"content.userId": <id>}\` (1 match, ${kb(point.bytes)}; ${POINT_ROUNDS} rounds)`;
    const compName = `compound: \`$and\` of a \`content.amount\` range (2%) and \`content.category\` \`$in\` 3 of 10 (median ${m(comp.count)} matches, ${kb(comp.bytes)}; ${COMPOUND_ROUNDS} rounds)`;
    const compRatio = m(comp.httpParsed) / m(comp.sqlParsed);
    lines.push(
      `### AppDB: ${N.toLocaleString('en-US')} documents of about ${avgBytes} bytes, HTTP API vs direct SQLite JSON vs mingo in memory`,
      '',
      `Command: \`node --import tsx bench/appdb.ts ${N}\``,
      '',
      'Medians. HTTP: from sending the request to the whole body as text, then to parsed documents (`JSON.parse`). Server: the server\'s own time for the request (its request journal: from receiving the request to the response being ready to write). SQL: the same filter on the same documents in this process, to rows (id, JSON text), then to parsed documents. mingo: the same filter over the documents held as objects.',
      '',
      '| Query | HTTP (text) | HTTP (parsed) | Server | Direct SQL (rows) | Direct SQL (parsed) | mingo |',
      '|---|---:|---:|---:|---:|---:|---:|',
      timing(pointName, point),
      timing(compName, comp),
      '',
      '| Query | HTTP / SQL (text vs rows) | HTTP / SQL (both parsed) | Server / SQL rows | HTTP (parsed) / mingo | Target |',
      '|---|---:|---:|---:|---:|---|',
      ratios('point', point, `HTTP median under 5 ms: ${m(point.httpParsed) < 5 ? 'met' : 'NOT met'} (${fmt(m(point.httpParsed))} ms)`),
      ratios('compound', comp, `within 1.5x of direct SQLite: ${compRatio <= 1.5 ? 'met' : 'NOT met'} when both deliver parsed documents (${fmt(compRatio)}x); ${m(comp.http) / m(comp.sql) <= 1.5 ? 'met' : 'NOT met'} as text vs rows (${fmt(m(comp.http) / m(comp.sql))}x)`),
      '',
      '| Bulk create, 10,000 documents (2 requests of 5,000; median of 3) | Time | Documents/s | vs direct SQLite insert | Target |',
      '|---|---:|---:|---:|---|',
      `| \`POST .../documents/bulk\` over HTTP | ${fmt(m(bulkHttp))} ms | ${Math.round(bulkRate).toLocaleString('en-US')} | ${fmt(bulkRate / sqlRate)}x the rate | 5,000 documents/s: ${bulkRate >= 5000 ? 'met' : 'NOT met'} |`,
      `| baseline: one-transaction INSERT of JSONB rows (this process) | ${fmt(m(bulkSql))} ms | ${Math.round(sqlRate).toLocaleString('en-US')} | 1.00x | - |`,
      '',
      `Loading the ${N.toLocaleString('en-US')} documents through the bulk route took ${fmt(loadMs / 1000)} s (${Math.round((N / loadMs) * 1000).toLocaleString('en-US')} documents/s). ` +
        `First queries (each creating the emulator's expression indexes: userId, then amount and category): ${fmt(warm[0].ms)} ms and ${fmt(warm[1].ms)} ms. ` +
        `Server peak RSS: ${fmt(server.peakRssMb(), 0)} MB.`,
      '',
      'The SQL baseline has the same expression indexes and planner statistics (ANALYZE) as the emulator keeps; its SQL has no type guards. ' +
        'Every HTTP answer was checked against the baseline row count (and mingo\'s).',
    );
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
  writeResult('appdb', lines.join('\n'));
}

await main();
