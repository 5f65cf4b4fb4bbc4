import { expect } from 'vitest';
import { ADMIN_TOKEN, type testApp } from '../helpers/app.js';

export type App = ReturnType<typeof testApp>;

export const SALES = '0dbe6a6a-5588-4a1e-9db4-989ca98762a5';
export const COVID = 'dcad2f50-e65e-4259-a9e8-214a3d1e18a7';
export const ACTIVITY = '61c4e63d-0627-41f7-b138-74968ebd7634';
export const PEOPLE = '94a4edfa-5926-4f0c-ad1e-a341f53f6113';

export const ds = (id: string, rest = '') => `/api/data/v3/datasources/${id}${rest}`;

/** Creates a dataset through the API and returns its id. */
export async function createDataset(
  t: App,
  columns: Array<{ name: string; type: string }>,
  opts: { name?: string; token?: string } = {},
): Promise<string> {
  const res = await t.call('POST', '/api/data/v2/datasources', {
    body: { userDefinedType: 'api', dataSourceName: opts.name ?? 'Test dataset', schema: { columns } },
    token: opts.token,
  });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json.id as string;
}

export const salesColumns = [
  { name: 'region', type: 'STRING' },
  { name: 'amount', type: 'DECIMAL' },
  { name: 'sold', type: 'DATE' },
  { name: 'units', type: 'LONG' },
];

export async function startUpload(t: App, id: string, query = '', body: unknown = { action: null, appendId: null }): Promise<number> {
  const res = await t.call('POST', ds(id, `/uploads${query}`), { body });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json.uploadId as number;
}

export async function putPart(t: App, id: string, uploadId: number, part: number, csv: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) {
  if (typeof csv === 'string') {
    return t.call('PUT', ds(id, `/uploads/${uploadId}/parts/${part}`), { raw: csv, headers: { 'Content-Type': 'text/csv', ...headers } });
  }
  // a streamed body (fetch needs duplex: 'half' for it)
  const res = await t.app.request(ds(id, `/uploads/${uploadId}/parts/${part}`), {
    method: 'PUT',
    headers: { 'X-DOMO-Developer-Token': ADMIN_TOKEN, 'Content-Type': 'text/csv', ...headers },
    body: csv,
    duplex: 'half',
  } as RequestInit);
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export function commit(t: App, id: string, uploadId: number, body: unknown, query = '') {
  return t.call('PUT', ds(id, `/uploads/${uploadId}/commit${query}`), { body });
}

/** Uploads parts (in the order given) and commits; returns the commit response body. */
export async function load(t: App, id: string, parts: Array<[number, string]>, body: Record<string, unknown>): Promise<any> {
  const up = await startUpload(t, id);
  for (const [n, csv] of parts) {
    const r = await putPart(t, id, up, n, csv);
    expect(r.status, r.text).toBe(200);
  }
  const c = await commit(t, id, up, body);
  expect(c.status, c.text).toBe(200);
  return c.json;
}

/** Runs Domo SQL and returns the rows (as arrays). */
export async function sqlRows(t: App, id: string, sql: string, token?: string): Promise<unknown[][]> {
  const res = await t.call('POST', `/api/query/v1/execute/${id}`, { body: { sql }, token });
  expect(res.status, res.text).toBe(200);
  return res.json.rows;
}

/** A body that arrives in several chunks with pauses, so concurrent requests interleave. */
export function slowBody(text: string, pieces = 4): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  const size = Math.ceil(bytes.length / pieces);
  let i = 0;
  return new ReadableStream({
    async pull(ctrl) {
      await new Promise((r) => setTimeout(r, 2));
      if (i >= bytes.length) return ctrl.close();
      ctrl.enqueue(bytes.slice(i, i + size));
      i += size;
    },
  });
}

/** Advances the instance clock (the test app starts frozen). */
export async function advance(t: App, duration: string): Promise<void> {
  const r = await t.call('POST', '/_emulator/clock', { body: { advance: duration }, token: null });
  expect(r.status).toBe(200);
}

export async function tokenFor(t: App, userId: number): Promise<string> {
  const r = await t.call('POST', '/_emulator/tokens', { body: { userId }, token: null });
  expect(r.status).toBe(200);
  return r.json.token as string;
}
