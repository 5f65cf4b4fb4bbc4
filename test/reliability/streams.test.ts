/**
 * Every stream turns its errors into a 400/413 in the one error shape, against the real CLI (a crash here
 * is a dead process, as it was before: busboy's "Unexpected end of form" thrown outside any handler).
 * Truncated uploads leave nothing behind; long CSV lines and gzip bombs are refused in bounded memory
 * and time; dot segments never reach a route.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceBundle, startCli, type CliProcess } from '../helpers/cli.js';
import { ADMIN, ASSETS_FILESET, PEOPLE, expectShape, peakRssMb, rawHttp } from './helpers.js';

let cli: CliProcess;
let dir: string;
const auth = { 'X-DOMO-Developer-Token': ADMIN };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'domo-rel-streams-'));
  cli = await startCli(['--port', '0', '--db', dir, '--log-level', 'warn'], {}, { entry: await sourceBundle() });
}, 60_000);

afterAll(async () => {
  await cli?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, init: { headers?: Record<string, string>; body?: RequestInit['body'] } = {}) {
  const res = await fetch(cli.url + path, { method, headers: { ...auth, ...init.headers }, body: init.body });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** The server is alive and still answers the fixtures as before. */
async function alive() {
  const h = await fetch(`${cli.url}/_emulator/health`);
  expect(h.status).toBe(200);
  expect(cli.proc.exitCode).toBeNull();
}

const stagingFiles = () => {
  try {
    return readdirSync(join(dir, 'default.data', 'files', 'tmp'));
  } catch {
    return [];
  }
};
const fileIds = async () => ((await call('GET', '/api/data/v1/data-files/details')).json as Array<{ dataFileId: number }>).map((f) => f.dataFileId).sort();
const filesetCount = async () => (await call('GET', `/api/files/v1/filesets/${ASSETS_FILESET}`)).json.fileCount as number;

const cutForm = '--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello';

describe('multipart bodies that end early or do not match their boundary', () => {
  it('Files upload: 400 in the error shape, no file, no staged bytes, the server keeps serving', async () => {
    const before = await fileIds();
    for (const [type, body] of [
      ['multipart/form-data; boundary=b', cutForm], // no closing boundary (the crash in the issue)
      ['multipart/form-data; boundary=zzz', cutForm + '\r\n--b--\r\n'], // wrong boundary
      ['multipart/form-data', cutForm], // no boundary at all
      ['multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'], // cut inside the part headers
    ]) {
      const r = await call('POST', '/api/data/v1/data-files?name=x', { headers: { 'Content-Type': type }, body });
      expectShape(r.status, r.json, 400);
      await alive();
    }
    expect(await fileIds()).toEqual(before);
    expect(stagingFiles()).toEqual([]);
  });

  it('FileSets upload: the same', async () => {
    const before = await filesetCount();
    for (const boundary of ['b', 'zzz']) {
      const r = await call('POST', `/api/files/v1/filesets/${ASSETS_FILESET}/files`, { headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` }, body: cutForm });
      expectShape(r.status, r.json, 400);
      await alive();
    }
    expect(await filesetCount()).toBe(before);
    expect(stagingFiles()).toEqual([]);
  });

  it('a client that disconnects mid-body leaves no file and no staged bytes', async () => {
    const before = await fileIds();
    const head =
      `POST /api/data/v1/data-files?name=cut HTTP/1.1\r\nHost: x\r\nX-DOMO-Developer-Token: ${ADMIN}\r\n` +
      `Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n`;
    await rawHttp(cli.url, head + cutForm + 'x'.repeat(5000), { destroyAfterWrite: true, waitMs: 1500 });
    const raw = `POST /api/data/v1/data-files?name=cut HTTP/1.1\r\nHost: x\r\nX-DOMO-Developer-Token: ${ADMIN}\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\nabc`;
    await rawHttp(cli.url, raw, { destroyAfterWrite: true, waitMs: 1500 });
    await alive();
    expect(await fileIds()).toEqual(before);
    await expect.poll(stagingFiles, { timeout: 3000 }).toEqual([]);
  });
});

describe('dataset upload parts', () => {
  async function openUpload() {
    const r = await call('POST', `/api/data/v3/datasources/${PEOPLE}/uploads`, { headers: { 'Content-Type': 'application/json' }, body: '{"action":"APPEND"}' });
    expect(r.status).toBe(200);
    return r.json.uploadId as number;
  }
  const rowCount = async () => (await call('GET', `/api/data/v3/datasources/${PEOPLE}`)).json.rowCount as number;
  const part = (up: number, n: number, body: RequestInit['body'], headers: Record<string, string> = {}) =>
    call('PUT', `/api/data/v3/datasources/${PEOPLE}/uploads/${up}/parts/${n}`, { headers: { 'Content-Type': 'text/csv', ...headers }, body });
  /** Commits the upload and returns how many parts it had: refused parts must not be among them. */
  const commitParts = async (up: number) => {
    const r = await call('PUT', `/api/data/v3/datasources/${PEOPLE}/uploads/${up}/commit`, { headers: { 'Content-Type': 'application/json' }, body: '{"action":"APPEND"}' });
    expect(r.status).toBe(200);
    return r.json.parts as number;
  };

  it('Content-Encoding: gzip with a body that is not gzip, cut short or corrupt: 400, no part recorded', async () => {
    const rows = await rowCount();
    const up = await openUpload();
    const good = gzipSync('a,b,c,d,e,2026-01-01\n'.repeat(1000));
    const corrupt = Buffer.from(good);
    corrupt.fill(0xff, 40, 80);
    for (const body of [Buffer.from('not gzip at all'), good.subarray(0, good.length >> 1), corrupt, Buffer.alloc(3_000_000, 0x41)]) {
      const r = await part(up, 1, body, { 'Content-Encoding': 'gzip' });
      expectShape(r.status, r.json, 400);
      expect(r.json.message).toMatch(/gzip|ended before/);
      await alive();
    }
    expect(await commitParts(up)).toBe(0);
    expect(await rowCount()).toBe(rows);
  });

  it('a part whose client disconnects mid-body is not recorded', async () => {
    const up = await openUpload();
    const head =
      `PUT /api/data/v3/datasources/${PEOPLE}/uploads/${up}/parts/1 HTTP/1.1\r\nHost: x\r\nX-DOMO-Developer-Token: ${ADMIN}\r\n` +
      `Content-Type: text/csv\r\nContent-Length: 1000000\r\n\r\n`;
    await rawHttp(cli.url, head + 'a,b,c,d,e,2026-01-01\n'.repeat(100), { destroyAfterWrite: true, waitMs: 1500 });
    await alive();
    expect(await commitParts(up)).toBe(0);
  });

  it('a 40 MB line with no newline is refused naming the limit and the line, in bounded memory', async () => {
    const up = await openUpload();
    const before = peakRssMb(cli.proc.pid!);
    const started = performance.now();
    const r = await part(up, 1, Buffer.alloc(40 * 1024 * 1024, 0x61));
    const ms = performance.now() - started;
    expectShape(r.status, r.json, 400);
    expect(r.json.message).toMatch(/line 1: .*longer than the limit of 8388608 characters \(--max-line\)/);
    // generous bounds: before, this took 500 MB and quadratic time
    expect(ms).toBeLessThan(10_000);
    if (!Number.isNaN(before)) expect(peakRssMb(cli.proc.pid!) - before).toBeLessThan(200);
    await alive();
  });

  it('a gzip bomb (20 KB expanding to 20 MB of "a") is refused quickly in bounded memory', async () => {
    const up = await openUpload();
    const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x61), { level: 9 });
    expect(bomb.length).toBeLessThan(30_000);
    const before = peakRssMb(cli.proc.pid!);
    const started = performance.now();
    const r = await part(up, 1, bomb, { 'Content-Encoding': 'gzip' });
    const ms = performance.now() - started;
    expectShape(r.status, r.json, 400);
    expect(r.json.message).toMatch(/longer than the limit/);
    expect(ms).toBeLessThan(5_000); // was 15 s, quadrupling as the length doubled
    if (!Number.isNaN(before)) expect(peakRssMb(cli.proc.pid!) - before).toBeLessThan(150);
  });

  it('a gzip part may not expand past --max-upload (a bomb of blank lines is a 413)', async () => {
    const small = await startCli(['--port', '0', '--db', ':memory:', '--log-level', 'warn', '--max-upload', '5000000'], {}, { entry: await sourceBundle() });
    try {
      const r0 = await fetch(`${small.url}/api/data/v3/datasources/${PEOPLE}/uploads`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{}' });
      const up = ((await r0.json()) as { uploadId: number }).uploadId;
      const bomb = gzipSync(Buffer.alloc(50_000_000, 0x0a), { level: 9 });
      const r = await fetch(`${small.url}/api/data/v3/datasources/${PEOPLE}/uploads/${up}/parts/1`, {
        method: 'PUT',
        headers: { ...auth, 'Content-Type': 'text/csv', 'Content-Encoding': 'gzip' },
        body: bomb,
      });
      expectShape(r.status, await r.json(), 413);
    } finally {
      await small.stop();
    }
  });
});

describe('dot segments', () => {
  it('are refused with a 400 before routing, raw or percent-encoded, in any case; nothing is deleted', async () => {
    const send = (method: string, path: string) =>
      rawHttp(cli.url, `${method} ${path} HTTP/1.1\r\nHost: x\r\nX-DOMO-Developer-Token: ${ADMIN}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    for (const [method, path] of [
      ['DELETE', '/api/data/v1/data-files/90356/revisions/%2e%2e'],
      ['DELETE', '/api/data/v1/data-files/90356/revisions/..'],
      ['DELETE', '/api/data/v1/data-files/90356/revisions/%2E%2e'],
      ['DELETE', '/api/data/v1/data-files/90356/revisions/.%2E'],
      ['DELETE', '/api/datastores/v1/collections/campaigns/documents/..'],
      ['GET', '/api/data/v1/data-files/./90356/details'],
      ['GET', '/api/data/v1/data-files/90356/%2e/details'],
      ['GET', '/_emulator/../api/identity/v1/users'],
    ]) {
      const r = await send(method, path);
      expect(r.status, `${method} ${path}`).toBe(400);
      expectShape(400, JSON.parse(r.body));
      expect(JSON.parse(r.body).message).toMatch(/'\.' or '\.\.' segment/);
    }
    // a backslash (which URL parsing would turn into a separator) is refused by the HTTP adapter, in the shape
    const bs = await send('DELETE', '/api/data/v1/data-files/90356/revisions/..\\');
    expect(bs.status).toBe(400);
    expectShape(400, JSON.parse(bs.body));
    expect((await call('GET', '/api/data/v1/data-files/90356/details')).status).toBe(200);
    expect((await call('GET', '/api/datastores/v1/collections/campaigns')).status).toBe(200);
    // names that merely contain dots are fine
    expect((await call('GET', '/api/data/v1/data-files/90356/details?x=..')).status).toBe(200);
  });
});

describe('malformed HTTP', () => {
  it('is answered 400 in the error shape and the server keeps serving', async () => {
    const r = await rawHttp(cli.url, 'GARBAGE \x00\x01 NOT HTTP\r\n\r\n');
    expect(r.status).toBe(400);
    expectShape(400, JSON.parse(r.body));
    await alive();
  });
});

describe('the server log', () => {
  it('holds no unexpected error for any of the requests above (each was a known input)', () => {
    expect(cli.stderr()).not.toMatch(/ERROR/);
  });
});
