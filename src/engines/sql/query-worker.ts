/**
 * A query worker: a child process of the server that runs Domo SQL on read-only connections to instance
 * database files, one query at a time, and sends the rows back (protocol.ts). A query that runs past its
 * deadline is stopped by the server killing this process: better-sqlite3 has no interrupt and no progress
 * callback, and a stuck statement cannot be stopped any other way (a worker thread cannot be terminated
 * while inside SQLite either).
 *
 * It never outlives the server: it exits when the IPC channel closes, and a watchdog thread (which runs even
 * while the main thread is inside a long statement) kills the process once its parent is gone.
 */
import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { ApiError } from '../../http/errors.js';
import { registerConvertFunction } from './convert.js';
import { registerSqlFunctions } from './functions.js';
import type { FromWorker, QueryJob, ToWorker, WireError } from './protocol.js';
import { asApiError, queryToCsv, runQuery } from './run.js';

/** Rows go back in batches of about this many (JSON) bytes, so the server decodes them a slice at a time. */
const BATCH_BYTES = 1 << 20;

const send = (m: FromWorker) => process.send!(m);

function watchParent(): void {
  // Eval'd CommonJS in a thread of its own: polls the parent pid (re-parenting changes it) twice a second.
  const code = `
    const { workerData } = require('node:worker_threads');
    setInterval(() => { if (process.ppid !== workerData.ppid) process.kill(workerData.pid, 'SIGKILL'); }, 500);
  `;
  const w = new Worker(code, { eval: true, workerData: { ppid: process.ppid, pid: process.pid } });
  w.unref();
}

interface Conn {
  db: Database.Database;
  dev: number;
  ino: number;
  /** The instance clock of the job running now (what the registered functions read). */
  now: number;
}
const conns = new Map<string, Conn>();

/** The cached read-only connection to `file`, reopened when the file was replaced (an instance reset). */
function connection(file: string, now: number, maxBytes: number): Database.Database {
  const st = statSync(file);
  let conn = conns.get(file);
  if (conn && (conn.dev !== st.dev || conn.ino !== st.ino)) {
    forget(file);
    conn = undefined;
  }
  if (!conn) {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    registerConvertFunction(db);
    conn = { db, dev: st.dev, ino: st.ino, now };
    conns.set(file, conn);
  }
  const c = conn;
  c.now = now;
  registerSqlFunctions(c.db, () => c.now, { maxBytes });
  return c.db;
}

function forget(file: string): void {
  const c = conns.get(file);
  conns.delete(file);
  if (c?.db.open) c.db.close();
}

function wire(err: unknown): WireError {
  const e = asApiError(err);
  if (e instanceof ApiError) return { status: e.status, message: e.message, details: e.details };
  return { message: e instanceof Error ? e.message : String(e) };
}

function cost(row: unknown[]): number {
  let n = 2;
  for (const v of row) n += typeof v === 'string' ? v.length + 3 : 8;
  return n;
}

/**
 * Runs a job inside one read transaction: the guard's EXPLAIN and the statement then see the same snapshot
 * and schema. This connection does not make the schema changes (the server does: views are rebuilt as data
 * versions come and go), so it first runs a statement that reads sqlite_schema: SQLite notices a changed
 * schema cookie only when a statement starts a read, and EXPLAIN alone would compile against the old schema.
 */
function run(id: number, job: QueryJob): void {
  const db = connection(job.file, job.now, job.maxBytes);
  db.exec('BEGIN');
  try {
    db.prepare('SELECT 1 FROM sqlite_schema LIMIT 1').get();
    runIn(db, id, job);
  } finally {
    if (db.inTransaction) db.exec('COMMIT');
  }
}

function runIn(db: Database.Database, id: number, job: QueryJob): void {
  if (job.output.kind === 'csv') {
    const out = queryToCsv(db, job.query, job.output);
    send({ type: 'done', id, columns: out.columns, types: [], rowCount: out.rowCount, csv: out.file ? { file: out.file } : { text: out.text } });
    return;
  }
  const res = runQuery(db, job.query, { maxBytes: job.maxBytes });
  let batch: unknown[][] = [];
  let bytes = 0;
  for (const row of res.rows) {
    batch.push(row);
    bytes += cost(row);
    if (bytes > BATCH_BYTES) {
      send({ type: 'rows', id, rows: batch });
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length) send({ type: 'rows', id, rows: batch });
  send({ type: 'done', id, columns: res.columns, types: res.types, rowCount: res.rows.length });
}

if (!process.send) {
  console.error('query-worker is started by the emulator (child_process.fork), not by hand');
  process.exit(2);
}
watchParent();
process.on('disconnect', () => process.exit(0));
process.on('message', (m: ToWorker) => {
  if (m.type === 'forget') return forget(m.file);
  try {
    run(m.id, m.job);
  } catch (err) {
    send({ type: 'error', id: m.id, error: wire(err) });
  }
});
send({ type: 'ready' });
