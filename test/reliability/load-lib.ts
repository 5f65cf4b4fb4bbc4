/**
 * A mixed load against a running emulator: N concurrent clients for a bounded time, each one a kind
 * (users, datasets, AppDB, files, reader), each verifying what it wrote (read back, counted, compared
 * byte for byte). Used by test/reliability/load.test.ts (assertions) and bench/load.ts (latencies).
 */
import { createHash } from 'node:crypto';
import { prng } from './helpers.js';

export interface LoadOptions {
  url: string;
  token: string;
  clients: number;
  durationMs: number;
  seed: number;
}

export interface LoadReport {
  ops: number;
  requests: number;
  errors: string[];
  /** request latencies in ms, by kind of client */
  latencies: Record<string, number[]>;
  ms: number;
}

const PEOPLE = '94a4edfa-5926-4f0c-ad1e-a341f53f6113';
const kinds = ['users', 'datasets', 'appdb', 'files', 'reader'] as const;
type Kind = (typeof kinds)[number];

class Client {
  constructor(
    private readonly o: LoadOptions,
    readonly kind: Kind,
    private readonly report: LoadReport,
  ) {}

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; bytes: Buffer }> {
    const started = performance.now();
    const raw = body === undefined ? undefined : Buffer.isBuffer(body) || typeof body === 'string' ? body : JSON.stringify(body);
    const res = await fetch(this.o.url + path, {
      method,
      headers: { 'X-DOMO-Developer-Token': this.o.token, ...(raw !== undefined && !headers['Content-Type'] ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: raw,
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    (this.report.latencies[this.kind] ??= []).push(performance.now() - started);
    this.report.requests += 1;
    let json: any;
    if ((res.headers.get('content-type') ?? '').includes('json')) json = bytes.length ? JSON.parse(bytes.toString('utf8')) : undefined;
    if (res.status >= 300) throw new Error(`${method} ${path} -> ${res.status} ${bytes.toString('utf8').slice(0, 300)}`);
    return { status: res.status, json, bytes };
  }
}

const same = (what: string, got: unknown, want: unknown) => {
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
};

/** One client's loop: its kind's operation, again and again, until the deadline. */
async function runClient(c: Client, id: number, deadline: number, report: LoadReport, seed: number, baseline: { peopleRows: number }): Promise<void> {
  const rnd = prng(seed * 1000 + id);
  let n = 0;
  let dataset: string | undefined;
  let rowsSoFar = 0;
  let sumSoFar = 0;
  let docsSoFar = 0;
  while (performance.now() < deadline) {
    n += 1;
    switch (c.kind) {
      case 'users': {
        const email = `load${id}.${n}@example.com`;
        const u = (await c.call('POST', '/api/identity/v1/users', { displayName: `Load ${id}-${n}`, emailAddress: email, roleId: 4 })).json;
        const back = (await c.call('GET', `/api/identity/v1/users/${u.id}`)).json.users[0];
        same('user read back', [back.displayName, back.emailAddress], [`Load ${id}-${n}`, email]);
        await c.call('PATCH', `/api/identity/v1/users/${u.id}`, { title: `t${n}` });
        same('user title', (await c.call('GET', `/api/identity/v1/users/${u.id}?parts=DETAILED`)).json.users[0].title, `t${n}`);
        break;
      }
      case 'datasets': {
        dataset ??= (
          await c.call('POST', '/api/data/v2/datasources', {
            dataSourceName: `load ${id}`,
            schema: { columns: [{ name: 'c', type: 'LONG' }, { name: 'n', type: 'LONG' }, { name: 'v', type: 'DOUBLE' }] },
          })
        ).json.id as string;
        const up = (await c.call('POST', `/api/data/v3/datasources/${dataset}/uploads`, { action: 'APPEND' })).json.uploadId;
        let csv = '';
        const rows = 20 + rnd.int(80);
        for (let i = 0; i < rows; i++) {
          const v = rnd.int(1000);
          sumSoFar += v;
          csv += `${id},${n},${v}\n`;
        }
        rowsSoFar += rows;
        await c.call('PUT', `/api/data/v3/datasources/${dataset}/uploads/${up}/parts/1`, csv, { 'Content-Type': 'text/csv' });
        await c.call('PUT', `/api/data/v3/datasources/${dataset}/uploads/${up}/commit`, { action: 'APPEND', index: true });
        const q = (await c.call('POST', `/api/query/v1/execute/${dataset}`, { sql: 'SELECT COUNT(*) AS n, SUM(v) AS s, MIN(c) AS lo, MAX(c) AS hi FROM t' })).json;
        same('dataset totals', q.rows[0], [rowsSoFar, sumSoFar, id, id]);
        break;
      }
      case 'appdb': {
        const docs = Array.from({ length: 20 }, (_, i) => ({ content: { c: id, n, i } }));
        same('bulk create', (await c.call('POST', '/api/datastores/v1/collections/load/documents/bulk', docs)).json, { Created: 20 });
        docsSoFar += 20;
        const counted = (await c.call('POST', '/api/datastores/v1/collections/load/documents/query?count=k', { 'content.c': id })).json;
        same('my documents', counted, [{ k: docsSoFar }]);
        const changed = (await c.call('PUT', '/api/datastores/v1/collections/load/documents/update', { query: { 'content.c': id, 'content.n': n }, operation: { $inc: { 'content.i': 100 } } })).json;
        same('partial update', changed, 20);
        const mine = (await c.call('POST', '/api/datastores/v1/collections/load/documents/query', { 'content.c': id, 'content.n': n })).json as Array<{ content: { i: number } }>;
        same('updated values', mine.map((d) => d.content.i).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 100));
        break;
      }
      case 'files': {
        const bytes = Buffer.from(Array.from({ length: 5000 + rnd.int(40_000) }, () => rnd.int(256)));
        const f = (await c.call('POST', `/api/data/v1/data-files?name=load-${id}-${n}`, bytes, { 'Content-Type': 'application/octet-stream' })).json;
        const got = (await c.call('GET', `/api/data/v1/data-files/${f.dataFileId}`)).bytes;
        same('file bytes', createHash('sha256').update(got).digest('hex'), createHash('sha256').update(bytes).digest('hex'));
        const next = Buffer.concat([bytes, Buffer.from(`rev ${n}`)]);
        await c.call('PUT', `/api/data/v1/data-files/${f.dataFileId}`, next, { 'Content-Type': 'application/octet-stream' });
        const got2 = (await c.call('GET', `/api/data/v1/data-files/${f.dataFileId}`)).bytes;
        same('new revision bytes', got2.equals(next), true);
        break;
      }
      case 'reader': {
        const users = (await c.call('GET', '/api/identity/v1/users?limit=50')).json;
        if (!Array.isArray(users.users) || users.users.length === 0) throw new Error('users list empty');
        const q = (await c.call('POST', `/api/query/v1/execute/${PEOPLE}`, { sql: 'SELECT COUNT(*) FROM t' })).json;
        same('fixture rows', q.rows[0][0], baseline.peopleRows);
        await c.call('GET', `/api/data/v3/datasources/${PEOPLE}`);
        await c.call('POST', '/api/datastores/v1/collections/campaigns/documents/query', {});
        await c.call('GET', '/api/data/v1/data-files/90356/details');
        break;
      }
    }
    report.ops += 1;
  }
}

/** Runs the load; errors are collected (the first per client), never thrown. */
export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  const report: LoadReport = { ops: 0, requests: 0, errors: [], latencies: {}, ms: 0 };
  const setup = new Client(o, 'reader', { ...report, latencies: {}, requests: 0 } as LoadReport);
  await setup.call('POST', '/api/datastores/v1/collections', { name: 'load' });
  const peopleRows = (await setup.call('POST', `/api/query/v1/execute/${PEOPLE}`, { sql: 'SELECT COUNT(*) FROM t' })).json.rows[0][0] as number;
  const started = performance.now();
  const deadline = started + o.durationMs;
  await Promise.all(
    Array.from({ length: o.clients }, (_, id) => {
      const c = new Client(o, kinds[id % kinds.length], report);
      return runClient(c, id, deadline, report, o.seed, { peopleRows }).catch((e: Error) => {
        report.errors.push(`client ${id} (${c.kind}): ${e.message}`);
      });
    }),
  );
  report.ms = performance.now() - started;
  return report;
}

export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
