/**
 * Messages between the query pool (pool.ts, in the server) and a query worker (query-worker.ts, a child
 * process). Plain data only: they travel over Node's IPC channel with the structured-clone ("advanced")
 * serialization, which keeps bigint, Buffer and null as they are.
 */
import type { ErrorDetail } from '../../http/errors.js';
import type { CompiledQuery } from './compile.js';
import type { CsvOptions } from './run.js';
import type { ColumnType } from './types.js';

/** One query for a worker to run. */
export interface QueryJob {
  /** The instance database file; the worker opens it read-only (WAL lets it read beside the server's writes). */
  file: string;
  query: CompiledQuery;
  /** The instance clock, in ms since the epoch: what NOW(), CURDATE() ... return during this query. */
  now: number;
  /** --max-result-bytes: the cap on the rows' JSON cost and on any string a function builds. */
  maxBytes: number;
  output: { kind: 'rows' } | ({ kind: 'csv' } & CsvOptions);
}

/** What a job gives back: typed rows (`kind: 'rows'`), or a CSV text or file (`kind: 'csv'`, rows empty). */
export interface JobResult {
  columns: string[];
  types: ColumnType[];
  rows: unknown[][];
  rowCount: number;
  csv?: { text?: string; file?: string };
}

/** An error as the worker saw it: an ApiError's status, message and details, or an unexpected error (no status). */
export interface WireError {
  status?: number;
  message: string;
  details?: ErrorDetail[];
}

export type ToWorker = { type: 'run'; id: number; job: QueryJob } | { type: 'forget'; file: string };

export type FromWorker =
  | { type: 'ready' }
  /** Rows of a `rows` job, in batches of about a megabyte, before its `done`. */
  | { type: 'rows'; id: number; rows: unknown[][] }
  | { type: 'done'; id: number; columns: string[]; types: ColumnType[]; rowCount: number; csv?: { text?: string; file?: string } }
  | { type: 'error'; id: number; error: WireError };
