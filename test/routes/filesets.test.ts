import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listStoredFiles } from '../../src/engines/blobs.js';
import { ADMIN_ID, ADMIN_TOKEN, EDITOR_ID, EDITOR_TOKEN, FROZEN_AT, PARTICIPANT_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

const base = '/api/files/v1/filesets';
const ASSETS = '00000000-0000-0000-0000-000000000010';
const REPORTS = '00000000-0000-0000-0000-000000000011';
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function form(file: Blob | null, fileName: string, createFileRequest?: unknown): FormData {
  const f = new FormData();
  if (file) f.append('file', file, fileName);
  if (createFileRequest !== undefined) f.append('createFileRequest', typeof createFileRequest === 'string' ? createFileRequest : JSON.stringify(createFileRequest));
  return f;
}

describe('FileSets API', () => {
  let t: ReturnType<typeof testApp>;
  const stored = () => listStoredFiles(t.instance().dataDir);
  const uploadTo = async (fsId: string, content: string | Uint8Array, fileName: string, directoryPath = '', token = ADMIN_TOKEN, type = 'text/plain') => {
    const r = await t.call('POST', `${base}/${fsId}/files`, { raw: form(new Blob([typeof content === 'string' ? content : new Uint8Array(content)], { type }), fileName, { directoryPath }), token });
    expect(r.status, r.text).toBe(200);
    return r.json as { id: string; path: string; size: number; hash: string };
  };
  const newSet = async (name: string, token = ADMIN_TOKEN) => {
    const r = await t.call('POST', base, { body: { name }, token });
    expect(r.status).toBe(200);
    return r.json.id as string;
  };

  beforeAll(() => {
    t = testApp();
  });
  afterAll(() => t.close());

  describe('FileSets: create, get, update, delete', () => {
    it('creates a FileSet and reads it back with true fileCount and size', async () => {
      const r = await t.call('POST', base, {
        body: { name: 'Sample FileSet', description: 'A sample FileSet for demonstration purposes.', connectorContext: { connector: 'S3', relativePath: 'bucket/path' } },
        token: EDITOR_TOKEN,
      });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({
        name: 'Sample FileSet',
        description: 'A sample FileSet for demonstration purposes.',
        created: FROZEN_AT,
        createdBy: EDITOR_ID,
        updated: FROZEN_AT,
        updatedBy: EDITOR_ID,
        owner: String(EDITOR_ID),
        permission: 'OWNER',
        connector: 'S3',
        connectorContext: { connector: 'S3', relativePath: 'bucket/path' },
        batchType: 'INCREMENTAL',
        aiEnabled: true,
        size: 0,
        fileCount: 0,
      });
      const id = r.json.id;
      await uploadTo(id, 'abc', 'a.txt', '', EDITOR_TOKEN);
      await uploadTo(id, 'defgh', 'b.txt', 'sub', EDITOR_TOKEN);
      const got = await t.call('GET', `${base}/${id}`, { token: PARTICIPANT_TOKEN });
      expect(got.json).toMatchObject({ id, fileCount: 2, size: 8, permission: 'READ' });
    });

    it('updates with POST /:id (owner or admin only)', async () => {
      const id = await newSet('Before', EDITOR_TOKEN);
      expectErrorShape(await t.call('POST', `${base}/${id}`, { body: { name: 'Hijacked' }, token: PARTICIPANT_TOKEN }), 403);
      const r = await t.call('POST', `${base}/${id}`, { body: { name: 'After', description: 'Updated description.' }, token: EDITOR_TOKEN });
      expect(r.json).toMatchObject({ id, name: 'After', description: 'Updated description.', updatedBy: EDITOR_ID });
      expect((await t.call('GET', `${base}/${id}`)).json.name).toBe('After');
      expect(expectErrorShape(await t.call('POST', `${base}/${id}`, { body: { name: '' } }), 400).details?.[0].path).toBe('body.name');
      expectErrorShape(await t.call('POST', base, { body: { description: 'no name' } }), 400);
    });

    it('deletes a FileSet with its files and their bytes', async () => {
      const id = await newSet('Doomed');
      const bytes = randomBytes(777);
      const f = await uploadTo(id, bytes, 'doomed.bin', 'x', ADMIN_TOKEN, 'application/octet-stream');
      expect(stored().some((p) => p.endsWith(sha256(bytes)))).toBe(true);
      expectErrorShape(await t.call('DELETE', `${base}/${id}`, { token: PARTICIPANT_TOKEN }), 403);
      const r = await t.call('DELETE', `${base}/${id}`);
      expect(r.json).toEqual({ status: 'success', message: 'FileSet deleted successfully.' });
      expectErrorShape(await t.call('GET', `${base}/${id}`), 404);
      expectErrorShape(await t.call('GET', `${base}/${id}/files/${f.id}`), 404);
      expect(stored().some((p) => p.endsWith(sha256(bytes)))).toBe(false);
    });
  });

  describe('POST /filesets/search', () => {
    let ids: string[];
    beforeAll(async () => {
      const t2 = t;
      ids = [];
      for (const name of ['Search Alpha', 'Search Beta', 'Search Gamma']) {
        const r = await t2.call('POST', base, { body: { name, description: name.endsWith('Beta') ? 'second' : 'other' } });
        ids.push(r.json.id);
      }
      await uploadTo(ids[1], 'one', '1.txt');
      await uploadTo(ids[1], 'two', '2.txt');
      await uploadTo(ids[2], 'three', '3.txt');
    });
    const names = (r: { json: { fileSets: Array<{ name: string }> } }) => r.json.fileSets.map((f) => f.name);
    const search = (body: unknown, query = '') => t.call('POST', `${base}/search${query}`, { body });

    it('lists every FileSet for {} (or no body) with pageContext', async () => {
      const all = await search({});
      expect(all.status).toBe(200);
      expect(all.json.pageContext).toEqual({ offset: 0, limit: 100, total: all.json.fileSets.length });
      expect(names(all)).toEqual(expect.arrayContaining(['Marketing Assets', 'Marketing Reports', 'Search Alpha']));
      const empty = await t.call('POST', `${base}/search`);
      expect(empty.json.pageContext.total).toBe(all.json.pageContext.total);
    });

    it('filters with LIKE, EQUALS, IN, comparisons, IS_NULL and not; sorts with fieldSort', async () => {
      const like = await search({ filters: [{ field: 'name', value: ['Search'], operator: 'LIKE', not: false }], fieldSort: [{ field: 'name', order: 'DESC' }] });
      expect(names(like)).toEqual(['Search Gamma', 'Search Beta', 'Search Alpha']);
      expect(names(await search({ filters: [{ field: 'name', value: ['marketing'], operator: 'LIKE' }], fieldSort: [{ field: 'name', order: 'ASC' }] }))).toEqual([
        'Marketing Assets',
        'Marketing Reports',
      ]);
      expect(names(await search({ filters: [{ field: 'description', value: ['second'], operator: 'EQUALS' }] }))).toEqual(['Search Beta']);
      expect(names(await search({ filters: [{ field: 'id', value: [ids[0], ids[2]], operator: 'IN' }], fieldSort: [{ field: 'name', order: 'ASC' }] }))).toEqual([
        'Search Alpha',
        'Search Gamma',
      ]);
      const fileCount = await search({
        filters: [
          { field: 'name', value: ['Search'], operator: 'LIKE' },
          { field: 'fileCount', value: [1], operator: 'GREATER_THAN_OR_EQUAL' },
        ],
        fieldSort: [{ field: 'fileCount', order: 'DESC' }],
      });
      expect(names(fileCount)).toEqual(['Search Beta', 'Search Gamma']);
      expect(fileCount.json.fileSets[0]).toMatchObject({ fileCount: 2, size: 6 });
      const notLike = await search({
        filters: [
          { field: 'name', value: ['Search'], operator: 'LIKE' },
          { field: 'name', value: ['Beta'], operator: 'LIKE', not: true },
        ],
      });
      expect(names(notLike).sort()).toEqual(['Search Alpha', 'Search Gamma']);
      const isNull = await search({ filters: [{ field: 'accountId', operator: 'IS_NULL' }, { field: 'name', value: ['Search A'], operator: 'LIKE' }] });
      expect(names(isNull)).toEqual(['Search Alpha']);
      expect(names(await search({ filters: [{ field: 'size', value: [6], operator: 'LESS_THAN' }, { field: 'name', value: ['Search'], operator: 'LIKE' }] })).sort()).toEqual([
        'Search Alpha',
        'Search Gamma',
      ]);
    });

    it('filters on dates with dateFilters (and not)', async () => {
      const june = { field: 'created', start: '2024-06-01T00:00:00.000Z', end: '2024-06-30T00:00:00.000Z' };
      expect(names(await search({ dateFilters: [june], fieldSort: [{ field: 'created', order: 'ASC' }] }))).toEqual(['Marketing Reports', 'Marketing Assets']);
      const notJune = await search({ dateFilters: [{ ...june, not: true }] });
      expect(names(notJune)).not.toContain('Marketing Assets');
      expect(names(notJune)).toContain('Search Alpha');
    });

    it('pages with limit and offset; total counts every match', async () => {
      const body = { filters: [{ field: 'name', value: ['Search'], operator: 'LIKE' }], fieldSort: [{ field: 'name', order: 'ASC' }] };
      const p1 = await search(body, '?limit=2&offset=0');
      const p2 = await search(body, '?limit=2&offset=2');
      expect(names(p1)).toEqual(['Search Alpha', 'Search Beta']);
      expect(names(p2)).toEqual(['Search Gamma']);
      expect(p2.json.pageContext).toEqual({ offset: 2, limit: 2, total: 3 });
    });

    it('rejects unknown fields, operators and bad values with 400s naming them', async () => {
      expect(expectErrorShape(await search({ filters: [{ field: 'colour', value: ['x'], operator: 'EQUALS' }] }), 400).details?.[0].path).toBe('body.filters.0.field');
      expect(expectErrorShape(await search({ filters: [{ field: 'name', value: ['x'], operator: 'SOUNDS_LIKE' }] }), 400).details?.[0].path).toBe('body.filters.0.operator');
      expect(expectErrorShape(await search({ filters: [{ field: 'fileCount', value: ['many'], operator: 'GREATER_THAN' }] }), 400).details?.[0].path).toBe('body.filters.0.value.0');
      expect(expectErrorShape(await search({ fieldSort: [{ field: 'name', order: 'SIDEWAYS' }] }), 400).details?.[0].path).toBe('body.fieldSort.0.order');
      expect(expectErrorShape(await search({ dateFilters: [{ field: 'name', start: '2024-01-01' }] }), 400).details?.[0].path).toBe('body.dateFilters.0.field');
      expect(expectErrorShape(await search({ dateFilters: [{ field: 'created', start: 'yesterday' }] }), 400).details?.[0].path).toBe('body.dateFilters.0.start');
      expect(expectErrorShape(await search({}, '?limit=-1'), 400).details?.[0].path).toBe('query.limit');
    });
  });

  describe('files: upload, get, get by path, download, delete', () => {
    it('uploads with createFileRequest.directoryPath; the file reads back by id and by path; downloadUrl uses the request host', async () => {
      const id = await newSet('Uploads');
      const bytes = Buffer.concat([Buffer.from([0, 255, 1, 254, 13, 10, 0]), randomBytes(70_000)]);
      const res = await t.app.request(`http://files.example.test:9999${base}/${id}/files`, {
        method: 'POST',
        headers: { 'X-DOMO-Developer-Token': ADMIN_TOKEN },
        body: form(new Blob([bytes], { type: 'application/octet-stream' }), 'chart.png', { directoryPath: 'reports/2024' }),
      });
      expect(res.status).toBe(200);
      const file = (await res.json()) as Record<string, unknown>;
      expect(file).toMatchObject({
        path: 'reports/2024/chart.png',
        name: 'chart.png',
        fileType: 'FILE',
        contentType: 'image/png',
        size: bytes.length,
        hash: sha256(bytes),
        hashAlgorithm: 'SHA_256_HEX',
        created: FROZEN_AT,
        createdBy: ADMIN_ID,
        downloadUrl: `http://files.example.test:9999${base}/${id}/files/${file.id}/download`,
      });

      const byId = await t.call('GET', `${base}/${id}/files/${file.id}`);
      expect(byId.json).toMatchObject({ id: file.id, path: 'reports/2024/chart.png', connectorKey: null, indexStatus: null, indexReason: null });
      expect(byId.json.downloadUrl).toBe(`http://localhost${base}/${id}/files/${file.id}/download`);
      const byPath = await t.call('GET', `${base}/${id}/path?path=${encodeURIComponent('./reports//2024/chart.png')}`);
      expect(byPath.json.id).toBe(file.id);

      const dl = await t.app.request(new URL(String(file.downloadUrl)).pathname, { headers: { 'X-DOMO-Developer-Token': PARTICIPANT_TOKEN } });
      expect(dl.status).toBe(200);
      expect(dl.headers.get('content-type')).toBe('image/png');
      expect(dl.headers.get('content-disposition')).toContain('filename="chart.png"');
      const got = Buffer.from(await dl.arrayBuffer());
      expect(got.equals(bytes)).toBe(true);
      expect(sha256(got)).toBe(file.hash);

      const part = await t.app.request(`${base}/${id}/files/${file.id}/download`, { headers: { 'X-DOMO-Developer-Token': ADMIN_TOKEN, Range: 'bytes=2-5' } });
      expect(part.status).toBe(206);
      expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(2, 6))).toBe(true);

      expect((await t.call('GET', `${base}/${id}`)).json).toMatchObject({ fileCount: 1, size: bytes.length });
    });

    it('round-trips an empty file and accepts createFileRequest sent as a JSON blob part', async () => {
      const id = await newSet('Edge cases');
      const f = new FormData();
      f.append('createFileRequest', new Blob([JSON.stringify({ directoryPath: 'empty' })], { type: 'application/json' }));
      f.append('file', new Blob([]), 'nothing.txt');
      const r = await t.call('POST', `${base}/${id}/files`, { raw: f });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ path: 'empty/nothing.txt', size: 0, hash: sha256(new Uint8Array(0)), fileType: 'TEXT' });
      const dl = await t.app.request(`${base}/${id}/files/${r.json.id}/download`, { headers: { 'X-DOMO-Developer-Token': ADMIN_TOKEN } });
      expect(dl.status).toBe(200);
      expect((await dl.arrayBuffer()).byteLength).toBe(0);
    });

    it('round-trips a multi-megabyte file', async () => {
      const id = await newSet('Big');
      const bytes = randomBytes(5 * 1024 * 1024 + 7);
      const file = await uploadTo(id, bytes, 'big.bin', 'data', ADMIN_TOKEN, 'application/octet-stream');
      expect(file.hash).toBe(sha256(bytes));
      const dl = await t.app.request(`${base}/${id}/files/${file.id}/download`, { headers: { 'X-DOMO-Developer-Token': ADMIN_TOKEN } });
      const got = Buffer.from(await dl.arrayBuffer());
      expect(got.length).toBe(bytes.length);
      expect(sha256(got)).toBe(sha256(bytes));
    });

    it('refuses a second file at the same path with 409 and writes nothing', async () => {
      const id = await newSet('Clash');
      await uploadTo(id, 'first', 'same.txt', 'dir');
      const before = stored();
      const r = await t.call('POST', `${base}/${id}/files`, { raw: form(new Blob(['second, different bytes']), 'same.txt', { directoryPath: 'dir/' }) });
      expectErrorShape(r, 409);
      expect(stored()).toEqual(before);
      expect((await t.call('GET', `${base}/${id}`)).json.fileCount).toBe(1);
    });

    it('deletes by id and by path (a directory path deletes what is under it); fileCount and size follow', async () => {
      const id = await newSet('Deletes');
      const a = await uploadTo(id, 'aaaa', 'a.txt');
      await uploadTo(id, 'bb', 'b.txt', 'docs');
      await uploadTo(id, 'c', 'c.txt', 'docs/deep');
      await uploadTo(id, 'dd', 'd.txt', 'docsy');
      expect((await t.call('GET', `${base}/${id}`)).json).toMatchObject({ fileCount: 4, size: 9 });

      expect((await t.call('DELETE', `${base}/${id}/files/${a.id}`)).json).toEqual({ status: 'success', message: 'File deleted successfully.' });
      expectErrorShape(await t.call('GET', `${base}/${id}/files/${a.id}`), 404);
      expect((await t.call('GET', `${base}/${id}`)).json).toMatchObject({ fileCount: 3, size: 5 });

      expect((await t.call('DELETE', `${base}/${id}/path?path=docs`)).json).toEqual({ status: 'success', message: '2 files deleted successfully.' });
      const left = await t.call('POST', `${base}/${id}/files/search`, { body: {} });
      expect(left.json.files.map((f: { path: string }) => f.path)).toEqual(['docsy/d.txt']);
      expect((await t.call('DELETE', `${base}/${id}/path?path=docsy/d.txt`)).json.message).toBe('File deleted successfully.');
      expect((await t.call('GET', `${base}/${id}`)).json).toMatchObject({ fileCount: 0, size: 0 });
      expectErrorShape(await t.call('DELETE', `${base}/${id}/path?path=docsy/d.txt`), 404);
      expectErrorShape(await t.call('GET', `${base}/${id}/path?path=nowhere.txt`), 404);
    });

    it('lets any user read but only the owner or an admin upload or delete', async () => {
      const before = stored();
      const r = await t.call('POST', `${base}/${ASSETS}/files`, { raw: form(new Blob(['not mine']), 'intruder.txt', { directoryPath: '' }), token: PARTICIPANT_TOKEN });
      expectErrorShape(r, 403);
      expect(stored()).toEqual(before);
      expectErrorShape(await t.call('DELETE', `${base}/${ASSETS}/files/00000000-0000-0000-0000-000000000002`, { token: PARTICIPANT_TOKEN }), 403);
      expectErrorShape(await t.call('DELETE', `${base}/${ASSETS}/path?path=rules.txt`, { token: PARTICIPANT_TOKEN }), 403);
      const rules = await t.call('GET', `${base}/${ASSETS}/path?path=rules.txt`, { token: PARTICIPANT_TOKEN });
      expect(rules.json).toMatchObject({ id: '00000000-0000-0000-0000-000000000002', name: 'rules.txt', fileType: 'TEXT', contentType: 'text/plain' });
      // the editor owns Marketing Reports and may upload there
      const own = await t.call('POST', `${base}/${REPORTS}/files`, { raw: form(new Blob(['june numbers']), 'june.txt', { directoryPath: 'monthly' }), token: EDITOR_TOKEN });
      expect(own.status).toBe(200);
      expect(own.json.createdBy).toBe(EDITOR_ID);
    });

    it('rejects uploads that are not multipart, lack the file part, or carry bad createFileRequest JSON', async () => {
      const id = await newSet('Bad uploads');
      const before = stored();
      expectErrorShape(await t.call('POST', `${base}/${id}/files`, { raw: 'just bytes', headers: { 'Content-Type': 'text/plain' } }), 415);
      const noFile = new FormData();
      noFile.append('createFileRequest', '{"directoryPath":""}');
      expect(expectErrorShape(await t.call('POST', `${base}/${id}/files`, { raw: noFile }), 400).details?.[0].path).toBe('body.file');
      const badJson = await t.call('POST', `${base}/${id}/files`, { raw: form(new Blob(['x']), 'x.txt', '{directoryPath:') });
      expect(expectErrorShape(badJson, 400).details?.[0].path).toBe('body.createFileRequest');
      const badType = await t.call('POST', `${base}/${id}/files`, { raw: form(new Blob(['x']), 'x.txt', { directoryPath: 7 }) });
      expect(expectErrorShape(badType, 400).details?.[0].path).toBe('body.createFileRequest.directoryPath');
      expect(stored()).toEqual(before);
      expect((await t.call('GET', `${base}/${id}`)).json.fileCount).toBe(0);
    });

    it('answers 413 for a file above maxUploadBytes and writes nothing', async () => {
      const small = testApp({ maxUploadBytes: 2048 });
      try {
        const dir = small.instance().dataDir;
        const before = listStoredFiles(dir);
        const f = form(new Blob([randomBytes(10_000)]), 'big.bin', { directoryPath: '' });
        // streamed without a Content-Length, so the limit is enforced while reading
        const body = new Response(f);
        const res = await small.app.request(`${base}/${ASSETS}/files`, {
          method: 'POST',
          headers: { 'X-DOMO-Developer-Token': ADMIN_TOKEN, 'Content-Type': body.headers.get('content-type')! },
          body: body.body,
          duplex: 'half',
        } as RequestInit);
        expect(res.status).toBe(413);
        expect(listStoredFiles(dir)).toEqual(before);
        expect((await small.call('GET', `${base}/${ASSETS}`)).json.fileCount).toBe(6);
      } finally {
        small.close();
      }
    });
  });

  describe('path traversal', () => {
    const attempts: Array<[string, string, string]> = [
      ['../outside', 'x.txt', 'body.createFileRequest.directoryPath'],
      ['a/../../b', 'x.txt', 'body.createFileRequest.directoryPath'],
      ['/etc', 'x.txt', 'body.createFileRequest.directoryPath'],
      ['C:/Windows', 'x.txt', 'body.createFileRequest.directoryPath'],
      ['a\\b', 'x.txt', 'body.createFileRequest.directoryPath'],
      ['a\u0000b', 'x.txt', 'body.createFileRequest.directoryPath'],
      ['', '../../escape.txt', 'body.file.filename'],
      ['docs', '..', 'body.file.filename'],
      ['', '/abs.txt', 'body.file.filename'],
    ];
    it.each(attempts)('directoryPath %j with file name %j is a 400 and writes nothing', async (dir, name, where) => {
      const before = stored();
      const countBefore = (await t.call('GET', `${base}/${ASSETS}`)).json.fileCount;
      const r = await t.call('POST', `${base}/${ASSETS}/files`, { raw: form(new Blob(['payload']), name, { directoryPath: dir }) });
      const e = expectErrorShape(r, 400);
      expect(e.details?.[0].path).toBe(where);
      expect(stored()).toEqual(before);
      expect((await t.call('GET', `${base}/${ASSETS}`)).json.fileCount).toBe(countBefore);
    });

    it('rejects traversal in get, delete, search and query paths', async () => {
      for (const p of ['../rules.txt', '/rules.txt', 'a\\rules.txt', 'reports/../../x']) {
        expect(expectErrorShape(await t.call('GET', `${base}/${ASSETS}/path?path=${encodeURIComponent(p)}`), 400).details?.[0].path).toBe('query.path');
        expectErrorShape(await t.call('DELETE', `${base}/${ASSETS}/path?path=${encodeURIComponent(p)}`), 400);
        expect(expectErrorShape(await t.call('POST', `${base}/${ASSETS}/files/search?directoryPath=${encodeURIComponent(p)}`, { body: {} }), 400).details?.[0].path).toBe(
          'query.directoryPath',
        );
        expect(expectErrorShape(await t.call('POST', `${base}/${ASSETS}/query`, { body: { query: 'rules', directoryPath: p } }), 400).details?.[0].path).toBe('body.directoryPath');
      }
      expect((await t.call('GET', `${base}/${ASSETS}`)).json.fileCount).toBe(6);
    });
  });

  describe('POST /:id/files/search', () => {
    let id: string;
    const paths: string[] = [];
    beforeAll(async () => {
      id = await newSet('Paging');
      for (let i = 0; i < 23; i++) {
        const dir = i % 3 === 0 ? '' : i % 3 === 1 ? 'docs' : 'docs/deep';
        const f = await uploadTo(id, 'x'.repeat(i + 1), `file-${String(i).padStart(2, '0')}.txt`, dir);
        paths.push(f.path);
      }
    });
    const page = (query: string, body: unknown = {}) => t.call('POST', `${base}/${id}/files/search${query}`, { body });
    async function all(query: string, body: unknown = {}) {
      const seen: string[] = [];
      let next: string | null = null;
      let pages = 0;
      do {
        const r = await page(`${query}${next ? `${query ? '&' : '?'}next=${encodeURIComponent(next)}` : ''}`, body);
        expect(r.status, r.text).toBe(200);
        seen.push(...r.json.files.map((f: { path: string }) => f.path));
        next = r.json.pageContext.next;
        pages++;
        expect(pages).toBeLessThan(50);
      } while (next);
      return { seen, pages };
    }

    it('pages through every file exactly once with the opaque next cursor', async () => {
      const { seen, pages } = await all('?limit=5');
      expect(pages).toBe(5);
      expect(seen).toEqual([...paths].sort());
      expect(new Set(seen).size).toBe(23);
    });

    it('keeps the sort across pages (size DESC) and visits each file once even when files change between pages', async () => {
      const first = await page('?limit=4', { fieldSort: [{ field: 'size', order: 'DESC' }] });
      expect(first.json.files.map((f: { size: number }) => f.size)).toEqual([23, 22, 21, 20]);
      // a file added before the cursor position and one deleted after it
      const extra = await uploadTo(id, 'y'.repeat(30), 'late.txt', 'docs');
      const victim = (await t.call('GET', `${base}/${id}/path?path=file-00.txt`)).json.id;
      await t.call('DELETE', `${base}/${id}/files/${victim}`);
      const rest: number[] = [];
      let next = first.json.pageContext.next;
      while (next) {
        const r = await page(`?limit=4&next=${encodeURIComponent(next)}`, { fieldSort: [{ field: 'size', order: 'DESC' }] });
        rest.push(...r.json.files.map((f: { size: number }) => f.size));
        next = r.json.pageContext.next;
      }
      expect(rest).toEqual(Array.from({ length: 18 }, (_, i) => 19 - i));
      await t.call('DELETE', `${base}/${id}/files/${extra.id}`);
      await uploadTo(id, 'x', 'file-00.txt', '');
    });

    it('scopes to directoryPath (any depth) or its immediate children', async () => {
      const docs = await all('?directoryPath=docs&limit=4');
      expect(docs.seen).toEqual(paths.filter((p) => p.startsWith('docs/')).sort());
      const top = await all('?directoryPath=docs&immediateChildren=true');
      expect(top.seen).toEqual(paths.filter((p) => /^docs\/[^/]+$/.test(p)).sort());
      const root = await all('?immediateChildren=true');
      expect(root.seen).toEqual(paths.filter((p) => !p.includes('/')).sort());
    });

    it('filters (LIKE, comparisons, not) and dateFilters on files', async () => {
      const r = await page('?limit=100', {
        filters: [
          { field: 'name', value: ['file-1'], operator: 'LIKE' },
          { field: 'size', value: [15], operator: 'LESS_THAN', not: true },
        ],
        fieldSort: [{ field: 'name', order: 'ASC' }],
      });
      expect(r.json.files.map((f: { name: string }) => f.name)).toEqual(['file-14.txt', 'file-15.txt', 'file-16.txt', 'file-17.txt', 'file-18.txt', 'file-19.txt']);
      const dated = await page('', { dateFilters: [{ field: 'created', start: '2026-01-01T00:00:00Z', end: '2026-02-01T00:00:00Z' }] });
      expect(dated.json.files).toHaveLength(23);
      const none = await page('', { dateFilters: [{ field: 'created', end: '2025-01-01T00:00:00Z' }] });
      expect(none.json.files).toHaveLength(0);
      expect(none.json.pageContext.next).toBeNull();
    });

    it('rejects a cursor from another search, or a forged one', async () => {
      const first = await page('?limit=3');
      const next = first.json.pageContext.next as string;
      expect(expectErrorShape(await page(`?limit=3&next=${encodeURIComponent(next)}`, { fieldSort: [{ field: 'name', order: 'DESC' }] }), 400).details?.[0].path).toBe(
        'query.next',
      );
      expectErrorShape(await page(`?limit=3&directoryPath=docs&next=${encodeURIComponent(next)}`), 400);
      expectErrorShape(await page('?next=bm90LWEtY3Vyc29y'), 400);
      expect(expectErrorShape(await page('', { fieldSort: [{ field: 'colour' }] }), 400).details?.[0].path).toBe('body.fieldSort.0.field');
    });
  });

  describe('POST /:id/query', () => {
    let id: string;
    beforeAll(async () => {
      id = await newSet('Corpus');
      await uploadTo(id, 'Quarterly sales data for the second quarter. Sales grew in every region; sales targets were met.', 'q2-summary.txt', 'reports/quarterly');
      await uploadTo(id, 'Notes on the office move and parking.', 'office.txt', 'misc');
      await uploadTo(id, 'Sales kickoff agenda. Travel and hotel details.', 'kickoff.md', 'events', ADMIN_TOKEN, 'text/markdown');
      await uploadTo(id, 'Data retention policy: keep raw data for two years.', 'policy.txt', 'legal');
      await uploadTo(id, randomBytes(500), 'sales-chart.png', 'reports', ADMIN_TOKEN, 'image/png');
    });
    const query = (body: unknown) => t.call('POST', `${base}/${id}/query`, { body });

    it('ranks by BM25 relevance over names and text, best first, scores in (0, 1]', async () => {
      const r = await query({ query: 'quarterly sales data' });
      expect(r.status).toBe(200);
      const order = r.json.matches.map((m: { node: { name: string } }) => m.node.name);
      expect(order[0]).toBe('q2-summary.txt');
      expect(order).toEqual(expect.arrayContaining(['kickoff.md', 'policy.txt', 'sales-chart.png']));
      expect(order).not.toContain('office.txt');
      const scores = r.json.matches.map((m: { score: number }) => m.score);
      for (const s of scores) expect(s > 0 && s <= 1).toBe(true);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      expect(r.json.matches[0]).toMatchObject({ id: r.json.matches[0].node.id, node: { path: 'reports/quarterly/q2-summary.txt', fileType: 'TEXT', contentType: 'text/plain', type: 'TEXT', created: Date.parse(FROZEN_AT) } });
    });

    it('a word in a name outweighs the same word once in a text', async () => {
      const r = await query({ query: 'chart' });
      expect(r.json.matches.map((m: { node: { name: string } }) => m.node.name)).toEqual(['sales-chart.png']);
      const office = await query({ query: 'parking office' });
      expect(office.json.matches[0].node.name).toBe('office.txt');
    });

    it('is deterministic, honours topK and directoryPath, and finds nothing for unknown words', async () => {
      const a = await query({ query: 'sales data', topK: 10 });
      const b = await query({ query: 'sales data', topK: 10 });
      expect(a.json).toEqual(b.json);
      const top2 = await query({ query: 'sales data', topK: 2 });
      expect(top2.json.matches).toEqual(a.json.matches.slice(0, 2));
      const scoped = await query({ query: 'sales', directoryPath: 'reports' });
      expect(scoped.json.matches.map((m: { node: { path: string } }) => m.node.path).sort()).toEqual(['reports/quarterly/q2-summary.txt', 'reports/sales-chart.png']);
      expect((await query({ query: 'zeppelin' })).json).toEqual({ matches: [] });
      expect(expectErrorShape(await query({ query: '  ' }), 400).details?.[0].path).toBe('body.query');
      expectErrorShape(await t.call('POST', `${base}/not-a-fileset/query`, { body: { query: 'sales' } }), 404);
    });

    it('forgets deleted files', async () => {
      const f = await uploadTo(id, 'zeppelin airship history', 'zeppelin.txt', 'tmp');
      expect((await query({ query: 'zeppelin' })).json.matches).toHaveLength(1);
      await t.call('DELETE', `${base}/${id}/files/${f.id}`);
      expect((await query({ query: 'zeppelin' })).json.matches).toHaveLength(0);
    });

    it('answers the reference example on the fixtures (file names only for PDFs)', async () => {
      const r = await t.call('POST', `${base}/${ASSETS}/query`, { body: { query: 'quarterly sales data', directoryPath: 'reports/quarterly', topK: 5 } });
      expect(r.json.matches.map((m: { node: { name: string } }) => m.node.name)).toEqual(['Q1-2024-sales.pdf', 'Q2-2024-sales.pdf']);
    });
  });
});
