import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listStoredFiles } from '../../src/engines/blobs.js';
import { startEmulator, type RunningEmulator } from '../../src/server.js';
import { ADMIN_ID, ADMIN_TOKEN, EDITOR_ID, EDITOR_TOKEN, FROZEN_AT, PARTICIPANT_ID, PARTICIPANT_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

const base = '/api/data/v1/data-files';
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex').toUpperCase();
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex').toUpperCase();

/** Every byte value, then random bytes: a binary body no text decoding could survive. */
function binary(size: number): Buffer {
  const b = randomBytes(size);
  for (let i = 0; i < Math.min(256, size); i++) b[i] = i;
  return b;
}

/** A body sent as a stream in chunks (no Content-Length), as a large upload would arrive. */
function streamOf(buf: Buffer, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let pos = 0;
  return new ReadableStream({
    pull(c) {
      if (pos >= buf.length) return c.close();
      c.enqueue(new Uint8Array(buf.subarray(pos, pos + chunk)));
      pos += chunk;
    },
  });
}

describe('Files API', () => {
  let t: ReturnType<typeof testApp>;
  /** Sends a request and returns the raw Response (bytes intact). */
  const send = (method: string, path: string, opts: { body?: RequestInit['body'];  headers?: Record<string, string>; token?: string } = {}) =>
    t.app.request(path, {
      method,
      headers: { 'X-DOMO-Developer-Token': opts.token ?? ADMIN_TOKEN, ...(opts.headers ?? {}) },
      body: opts.body ?? undefined,
      ...(opts.body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);
  const bytesOf = async (res: Response) => Buffer.from(await res.arrayBuffer());
  const upload = async (body: RequestInit['body'], query: string, headers: Record<string, string> = {}, token = ADMIN_TOKEN) => {
    const res = await send('POST', `${base}?${query}`, { body, headers, token });
    const json = (await res.json()) as { dataFileId: number };
    expect(res.status, JSON.stringify(json)).toBe(200);
    return json.dataFileId;
  };
  const stored = () => listStoredFiles(t.instance().dataDir);

  beforeAll(() => {
    t = testApp();
  });
  afterAll(() => t.close());

  describe('POST /api/data/v1/data-files (upload) and GET /:id (download)', () => {
    it('round-trips binary bytes exactly; hashes, size, type and times come from the bytes and the clock', async () => {
      const data = binary(300_000);
      const id = await upload(data, 'name=blob.bin&description=raw%20bytes', { 'Content-Type': 'application/x-emulator-test' });
      expect(Number.isInteger(id)).toBe(true);

      const details = await t.call('GET', `${base}/${id}/details`);
      expect(details.status).toBe(200);
      expect(details.json).toMatchObject({
        dataFileId: id,
        name: 'blob.bin',
        responsibleUserId: ADMIN_ID,
        datetimeCreated: Date.parse(FROZEN_AT),
        revisions: [],
        existing: false,
        currentRevision: {
          dataFileId: id,
          contentType: 'application/x-emulator-test',
          uploadUserId: ADMIN_ID,
          sizeBytes: data.length,
          md5Hash: md5(data),
          sha256HashValue: sha256(data),
          datetimeUploaded: Date.parse(FROZEN_AT),
          uploadTimeMillis: 0,
          scanState: 'SAFE',
        },
      });

      const res = await send('GET', `${base}/${id}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/x-emulator-test');
      expect(res.headers.get('content-length')).toBe(String(data.length));
      expect(res.headers.get('accept-ranges')).toBe('bytes');
      expect(res.headers.get('content-disposition')).toContain('filename="blob.bin"');
      const got = await bytesOf(res);
      expect(got.equals(data)).toBe(true);
      expect(sha256(got)).toBe(sha256(data));
    });

    it('round-trips an empty file', async () => {
      const id = await upload(new Uint8Array(0), 'name=empty.txt', { 'Content-Type': 'text/plain' });
      const d = await t.call('GET', `${base}/${id}/details`);
      expect(d.json.currentRevision).toMatchObject({ sizeBytes: 0, md5Hash: 'D41D8CD98F00B204E9800998ECF8427E', sha256HashValue: sha256(new Uint8Array(0)) });
      const res = await send('GET', `${base}/${id}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe('0');
      expect((await bytesOf(res)).length).toBe(0);
    });

    it('round-trips a multi-megabyte file streamed in chunks without a Content-Length', async () => {
      const data = binary(6 * 1024 * 1024 + 123);
      const id = await upload(streamOf(data, 100_000), 'name=big.bin', { 'Content-Type': 'application/octet-stream' });
      const d = await t.call('GET', `${base}/${id}/details`);
      expect(d.json.currentRevision).toMatchObject({ sizeBytes: data.length, md5Hash: md5(data), sha256HashValue: sha256(data) });
      const got = await bytesOf(await send('GET', `${base}/${id}`));
      expect(got.length).toBe(data.length);
      expect(md5(got)).toBe(md5(data));
      expect(got.equals(data)).toBe(true);
    });

    it('takes a multipart/form-data upload: the file part, its type and its file name', async () => {
      const data = binary(5000);
      const form = new FormData();
      form.append('file', new Blob([data], { type: 'image/png' }), 'picture.png');
      const id = await upload(form, 'name=Picture');
      const d = await t.call('GET', `${base}/${id}/details?expand=metadata`);
      expect(d.json.name).toBe('Picture');
      expect(d.json.currentRevision).toMatchObject({ contentType: 'image/png', sizeBytes: 5000, md5Hash: md5(data) });
      expect(d.json.metadata).toEqual({ description: '', publicAccess: true, fileName: 'picture.png' });
      const res = await send('GET', `${base}/${id}`);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(res.headers.get('content-disposition')).toContain('filename="picture.png"');
      expect((await bytesOf(res)).equals(data)).toBe(true);
    });

    it('guesses the type from the name when none (or a form-urlencoded one, as curl --data-binary sends) is given', async () => {
      const id = await upload('a,b\n1,2\n', 'name=table.csv', { 'Content-Type': 'application/x-www-form-urlencoded' });
      expect((await t.call('GET', `${base}/${id}/details`)).json.currentRevision.contentType).toBe('text/csv');
    });

    it('honours fileName and filename for Content-Disposition', async () => {
      const id = await upload('hello', 'name=greeting', { 'Content-Type': 'text/plain' });
      expect((await send('GET', `${base}/${id}?fileName=hi.txt`)).headers.get('content-disposition')).toBe(
        `attachment; filename="hi.txt"; filename*=UTF-8''hi.txt`,
      );
      expect((await send('GET', `${base}/${id}?filename=Gr%C3%BC%C3%9Fe.txt`)).headers.get('content-disposition')).toBe(
        `attachment; filename="Gr__e.txt"; filename*=UTF-8''Gr%C3%BC%C3%9Fe.txt`,
      );
    });

    it('rejects a missing name with a 400 naming it, and stores nothing', async () => {
      const before = stored();
      const listBefore = (await t.call('GET', `${base}/details`)).json.length;
      const r = await t.call('POST', base, { raw: 'x', headers: { 'Content-Type': 'text/plain' } });
      const e = expectErrorShape(r, 400);
      expect(e.details?.[0].path).toBe('query.name');
      expect(stored()).toEqual(before);
      expect((await t.call('GET', `${base}/details`)).json.length).toBe(listBefore);
    });

    it('rejects a multipart body without a file part', async () => {
      const before = stored();
      const form = new FormData();
      form.append('note', 'no file here');
      const r = await t.call('POST', `${base}?name=x`, { raw: form });
      expect(expectErrorShape(r, 400).details?.[0].path).toBe('body.file');
      expect(stored()).toEqual(before);
    });

    it('needs a token', async () => {
      expectErrorShape(await t.call('POST', `${base}?name=x`, { raw: 'x', token: null }), 401);
    });
  });

  describe('upload size limit', () => {
    it('answers 413 while streaming a body larger than maxUploadBytes, and writes nothing', async () => {
      const small = testApp({ maxUploadBytes: 4096 });
      try {
        const dir = small.instance().dataDir;
        const before = listStoredFiles(dir);
        const listBefore = (await small.call('GET', `${base}/details`)).json;
        const res = await small.app.request(`${base}?name=too-big`, {
          method: 'POST',
          headers: { 'X-DOMO-Developer-Token': ADMIN_TOKEN, 'Content-Type': 'application/octet-stream' },
          body: streamOf(binary(20_000), 1000),
          duplex: 'half',
        } as RequestInit);
        expect(res.status).toBe(413);
        expect(((await res.json()) as { statusReason: string }).statusReason).toBe('Payload Too Large');
        expect(listStoredFiles(dir)).toEqual(before);
        expect((await small.call('GET', `${base}/details`)).json).toEqual(listBefore);

        // a declared Content-Length above the limit is refused before any byte is read
        const declared = await small.call('POST', `${base}?name=too-big`, { raw: binary(5000), headers: { 'Content-Type': 'application/octet-stream' } });
        expectErrorShape(declared, 413);

        // a revision above the limit leaves the file as it was
        const id = (await small.call('POST', `${base}?name=ok`, { raw: 'fits', headers: { 'Content-Type': 'text/plain' } })).json.dataFileId;
        const filesNow = listStoredFiles(dir);
        const rev = await small.app.request(`${base}/${id}`, {
          method: 'PUT',
          headers: { 'X-DOMO-Developer-Token': ADMIN_TOKEN },
          body: streamOf(binary(9000), 1000),
          duplex: 'half',
        } as RequestInit);
        expect(rev.status).toBe(413);
        expect((await small.call('GET', `${base}/${id}/revisions/details`)).json).toHaveLength(1);
        expect(listStoredFiles(dir)).toEqual(filesNow);
      } finally {
        small.close();
      }
    });
  });

  describe('GET /:id with Range', () => {
    let id: number;
    const data = binary(1000);
    beforeAll(async () => {
      id = await upload(data, 'name=ranged.bin', { 'Content-Type': 'application/octet-stream' });
    });

    it('answers 206 with the exact slice for a-b, a- and -n', async () => {
      for (const [range, start, end] of [
        ['bytes=10-19', 10, 19],
        ['bytes=990-', 990, 999],
        ['bytes=-5', 995, 999],
        ['bytes=0-5000', 0, 999],
      ] as const) {
        const res = await send('GET', `${base}/${id}`, { headers: { Range: range } });
        expect(res.status, range).toBe(206);
        expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/1000`);
        expect(res.headers.get('content-length')).toBe(String(end - start + 1));
        expect((await bytesOf(res)).equals(data.subarray(start, end + 1))).toBe(true);
      }
    });

    it('answers HEAD with the headers only', async () => {
      const res = await send('HEAD', `${base}/${id}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe('1000');
      expect(res.headers.get('etag')).toBe(`"${sha256(data).toLowerCase()}"`);
      expect((await bytesOf(res)).length).toBe(0);
    });

    it('answers 416 with Content-Range bytes */size for a range past the end', async () => {
      const res = await send('GET', `${base}/${id}`, { headers: { Range: 'bytes=1000-1010' } });
      expect(res.status).toBe(416);
      expect(res.headers.get('content-range')).toBe('bytes */1000');
      const body = (await res.json()) as { status: number; statusReason: string };
      expect(body).toMatchObject({ status: 416, statusReason: 'Range Not Satisfiable' });
    });

    it('sends everything for several ranges, a malformed range or a stale If-Range', async () => {
      for (const headers of [{ Range: 'bytes=0-1,5-6' }, { Range: 'pages=1-2' }, { Range: 'bytes=0-9', 'If-Range': '"not-the-etag"' }] as Array<Record<string, string>>) {
        const res = await send('GET', `${base}/${id}`, { headers });
        expect(res.status).toBe(200);
        expect((await bytesOf(res)).equals(data)).toBe(true);
      }
      const etag = (await send('GET', `${base}/${id}`)).headers.get('etag')!;
      const res = await send('GET', `${base}/${id}`, { headers: { Range: 'bytes=0-9', 'If-Range': etag } });
      expect(res.status).toBe(206);
      expect((await bytesOf(res)).equals(data.subarray(0, 10))).toBe(true);
    });
  });

  describe('revisions: PUT /:id, GET .../revisions/details, .../revision/:revisionId', () => {
    it('adds a current revision; every revision stays downloadable with its own bytes', async () => {
      const v1 = binary(2000);
      const v2 = binary(3000);
      const id = await upload(v1, 'name=versioned.bin', { 'Content-Type': 'application/octet-stream' });
      const first = (await t.call('GET', `${base}/${id}/details`)).json.currentRevision.dataFileRevisionId;

      const put = await send('PUT', `${base}/${id}`, { body: v2, headers: { 'Content-Type': 'application/x-v2' }, token: ADMIN_TOKEN });
      expect(put.status).toBe(200);
      const { revisionId } = (await put.json()) as { revisionId: number };
      expect(revisionId).not.toBe(first);

      const details = await t.call('GET', `${base}/${id}/details?expand=revisions`);
      expect(details.json.currentRevision).toMatchObject({ dataFileRevisionId: revisionId, sizeBytes: 3000, contentType: 'application/x-v2', md5Hash: md5(v2) });
      expect(details.json.revisions.map((r: { dataFileRevisionId: number }) => r.dataFileRevisionId)).toEqual([first, revisionId]);

      const list = await t.call('GET', `${base}/${id}/revisions/details`);
      expect(list.json.map((r: { sha256HashValue: string }) => r.sha256HashValue)).toEqual([sha256(v1), sha256(v2)]);

      const one = await t.call('GET', `${base}/${id}/revisions/${first}/details`);
      expect(one.json).toMatchObject({ dataFileRevisionId: first, dataFileId: id, sizeBytes: 2000, md5Hash: md5(v1) });

      expect((await bytesOf(await send('GET', `${base}/${id}`))).equals(v2)).toBe(true);
      expect((await bytesOf(await send('GET', `${base}/${id}/revision/${first}`))).equals(v1)).toBe(true);
      expect((await bytesOf(await send('GET', `${base}/${id}/revision/${revisionId}`))).equals(v2)).toBe(true);
    });

    it('404s an unknown file or a revision of another file', async () => {
      const a = await upload('a', 'name=a.txt', { 'Content-Type': 'text/plain' });
      const b = await upload('b', 'name=b.txt', { 'Content-Type': 'text/plain' });
      const revA = (await t.call('GET', `${base}/${a}/details`)).json.currentRevision.dataFileRevisionId;
      expectErrorShape(await t.call('GET', `${base}/${b}/revision/${revA}`), 404);
      expectErrorShape(await t.call('GET', `${base}/${b}/revisions/${revA}/details`), 404);
      expectErrorShape(await t.call('GET', `${base}/999999999/details`), 404);
      const before = stored();
      expectErrorShape(await t.call('PUT', `${base}/999999999`, { raw: 'x' }), 404);
      expect(stored()).toEqual(before);
      // a literal segment where the numeric id goes is no route (a 404), not a validation error
      expect(expectErrorShape(await t.call('GET', `${base}/abc/details`), 404).message).toContain("'abc' is not a valid dataFileId");
      expect(expectErrorShape(await t.call('GET', `${base}/${a}/details?expand=everything`), 400).details?.[0].path).toMatch(/^query\.expand/);
    });
  });

  describe('POST copy/:src/revisions/current/:target and POST /:id/duplicate', () => {
    it('copies the current revision onto the target as a new revision, leaving the source intact', async () => {
      const srcBytes = binary(1500);
      const src = await upload(srcBytes, 'name=source.bin', { 'Content-Type': 'application/x-src' });
      const target = await upload('old target', 'name=target.txt', { 'Content-Type': 'text/plain' });
      const r = await t.call('POST', `${base}/copy/${src}/revisions/current/${target}`);
      expect(r.status).toBe(200);
      const td = (await t.call('GET', `${base}/${target}/details?expand=revisions`)).json;
      expect(td.currentRevision).toMatchObject({ dataFileRevisionId: r.json.revisionId, dataFileId: target, contentType: 'application/x-src', md5Hash: md5(srcBytes) });
      expect(td.revisions).toHaveLength(2);
      expect((await bytesOf(await send('GET', `${base}/${target}`))).equals(srcBytes)).toBe(true);
      const sd = (await t.call('GET', `${base}/${src}/details?expand=revisions`)).json;
      expect(sd.revisions).toHaveLength(1);
      expect((await bytesOf(await send('GET', `${base}/${src}`))).equals(srcBytes)).toBe(true);
      expectErrorShape(await t.call('POST', `${base}/copy/${src}/revisions/current/999999999`), 404);
    });

    it('duplicates a file into a new one owned by the caller', async () => {
      const bytes = binary(800);
      const id = await upload(bytes, 'name=original.bin&description=keep%20me', { 'Content-Type': 'application/x-orig' });
      const r = await t.call('POST', `${base}/${id}/duplicate`, { token: EDITOR_TOKEN });
      expect(r.status).toBe(200);
      expect(r.json.dataFileId).not.toBe(id);
      expect(r.json).toMatchObject({ name: 'original.bin', responsibleUserId: EDITOR_ID, revisions: [], existing: false });
      expect(r.json.currentRevision).toMatchObject({ dataFileId: r.json.dataFileId, uploadUserId: EDITOR_ID, contentType: 'application/x-orig', sizeBytes: 800, md5Hash: md5(bytes) });
      expect((await bytesOf(await send('GET', `${base}/${r.json.dataFileId}`))).equals(bytes)).toBe(true);
      // the two are independent: deleting the original leaves the duplicate readable
      expect((await t.call('DELETE', `${base}/${id}`)).status).toBe(200);
      expect((await bytesOf(await send('GET', `${base}/${r.json.dataFileId}`))).equals(bytes)).toBe(true);
    });
  });

  describe('DELETE /:id and DELETE /:id/revisions/:revisionId', () => {
    it('deleting a file removes it, its revisions and bytes nothing else uses', async () => {
      const bytes = binary(4321);
      const id = await upload(bytes, 'name=doomed.bin', { 'Content-Type': 'application/octet-stream' });
      const sha = sha256(bytes).toLowerCase();
      expect(stored().some((p) => p.endsWith(sha))).toBe(true);
      const r = await t.call('DELETE', `${base}/${id}`);
      expect(r.status).toBe(200);
      expect(r.json.status).toBe('success');
      expectErrorShape(await t.call('GET', `${base}/${id}/details`), 404);
      expectErrorShape(await t.call('GET', `${base}/${id}`), 404);
      expect(stored().some((p) => p.endsWith(sha))).toBe(false);
      expectErrorShape(await t.call('DELETE', `${base}/${id}`), 404);
    });

    it('keeps bytes another file still refers to', async () => {
      const bytes = binary(2222);
      const a = await upload(bytes, 'name=a.bin', {});
      const b = await upload(bytes, 'name=b.bin', {});
      await t.call('DELETE', `${base}/${a}`);
      expect((await bytesOf(await send('GET', `${base}/${b}`))).equals(bytes)).toBe(true);
    });

    it('deleting the current revision makes the latest remaining one current; deleting the only one deletes the file', async () => {
      const v1 = binary(100);
      const v2 = binary(200);
      const v3 = binary(300);
      const id = await upload(v1, 'name=chain.bin', {});
      const r1 = (await t.call('GET', `${base}/${id}/details`)).json.currentRevision.dataFileRevisionId;
      const r2 = ((await (await send('PUT', `${base}/${id}`, { body: v2 })).json()) as { revisionId: number }).revisionId;
      const r3 = ((await (await send('PUT', `${base}/${id}`, { body: v3 })).json()) as { revisionId: number }).revisionId;

      // a non-current revision: the current one stays
      let del = await t.call('DELETE', `${base}/${id}/revisions/${r2}`);
      expect(del.json).toMatchObject({ status: 'success', fileDeleted: false, currentRevisionId: r3 });
      expect((await t.call('GET', `${base}/${id}/revisions/details`)).json.map((r: { dataFileRevisionId: number }) => r.dataFileRevisionId)).toEqual([r1, r3]);
      expect(stored().some((p) => p.endsWith(sha256(v2).toLowerCase()))).toBe(false);

      // the current revision: the previous one becomes current
      del = await t.call('DELETE', `${base}/${id}/revisions/${r3}`);
      expect(del.json).toMatchObject({ fileDeleted: false, currentRevisionId: r1 });
      expect((await t.call('GET', `${base}/${id}/details`)).json.currentRevision.dataFileRevisionId).toBe(r1);
      expect((await bytesOf(await send('GET', `${base}/${id}`))).equals(v1)).toBe(true);

      // the only revision: the file goes
      del = await t.call('DELETE', `${base}/${id}/revisions/${r1}`);
      expect(del.json).toMatchObject({ fileDeleted: true, currentRevisionId: null });
      expectErrorShape(await t.call('GET', `${base}/${id}/details`), 404);
      expectErrorShape(await t.call('DELETE', `${base}/${id}/revisions/${r1}`), 404);
    });
  });

  describe('permissions', () => {
    it('public defaults to true: every user reads the file, only the owner changes it', async () => {
      const id = await upload('shared text', 'name=shared.txt', { 'Content-Type': 'text/plain' }, EDITOR_TOKEN);
      const perms = await t.call('GET', `${base}/${id}/permissions`, { token: PARTICIPANT_TOKEN });
      expect(perms.json).toEqual({ publicAccess: true, entries: [{ entityType: 'USER', entityId: String(EDITOR_ID), grant: 'READ_WRITE_DELETE_SHARE_ADMIN', pass: 'NONE' }] });
      expect((await t.call('GET', `${base}/${id}`, { token: PARTICIPANT_TOKEN })).text).toBe('shared text');
      expectErrorShape(await t.call('PUT', `${base}/${id}`, { raw: 'overwrite', token: PARTICIPANT_TOKEN }), 403);
      expectErrorShape(await t.call('DELETE', `${base}/${id}`, { token: PARTICIPANT_TOKEN }), 403);
      expect((await t.call('GET', `${base}/${id}/revisions/details`)).json).toHaveLength(1);
    });

    it('a non-public file is invisible to a user without an entry until one is granted', async () => {
      const id = await upload('secret', 'name=secret.txt&public=false', { 'Content-Type': 'text/plain' }, EDITOR_TOKEN);
      const listed = async (token: string) => (await t.call('GET', `${base}/details`, { token })).json.map((f: { dataFileId: number }) => f.dataFileId);

      // the participant sees nothing of it
      expect(await listed(PARTICIPANT_TOKEN)).not.toContain(id);
      expectErrorShape(await t.call('GET', `${base}/${id}/details`, { token: PARTICIPANT_TOKEN }), 403);
      expectErrorShape(await t.call('GET', `${base}/${id}`, { token: PARTICIPANT_TOKEN }), 403);
      expectErrorShape(await t.call('GET', `${base}/${id}/permissions`, { token: PARTICIPANT_TOKEN }), 403);
      expectErrorShape(await t.call('POST', `${base}/${id}/duplicate`, { token: PARTICIPANT_TOKEN }), 403);
      // the owner and an admin do
      expect(await listed(EDITOR_TOKEN)).toContain(id);
      expect(await listed(ADMIN_TOKEN)).toContain(id);
      // a user without SHARE cannot grant themselves access
      const self = { entries: [{ entityType: 'USER', entityId: String(PARTICIPANT_ID), grant: 'READ', pass: 'NONE' }] };
      expectErrorShape(await t.call('PUT', `${base}/${id}/permissions`, { body: self, token: PARTICIPANT_TOKEN }), 403);

      // the owner grants READ to the participant (keeping their own entry)
      const grant = {
        publicAccess: false,
        entries: [
          { entityType: 'USER', entityId: String(EDITOR_ID), grant: 'READ_WRITE_DELETE_SHARE_ADMIN', pass: 'NONE' },
          { entityType: 'user', entityId: PARTICIPANT_ID, grant: 'read' },
        ],
      };
      const put = await t.call('PUT', `${base}/${id}/permissions`, { body: grant, token: EDITOR_TOKEN });
      expect(put.status).toBe(200);
      expect(put.json.entries[1]).toEqual({ entityType: 'USER', entityId: String(PARTICIPANT_ID), grant: 'READ', pass: 'NONE' });
      expect(await listed(PARTICIPANT_TOKEN)).toContain(id);
      expect((await t.call('GET', `${base}/${id}`, { token: PARTICIPANT_TOKEN })).text).toBe('secret');
      // READ only: no revision, no delete
      expectErrorShape(await t.call('PUT', `${base}/${id}`, { raw: 'changed', token: PARTICIPANT_TOKEN }), 403);
      expectErrorShape(await t.call('DELETE', `${base}/${id}/revisions/1`, { token: PARTICIPANT_TOKEN }), 403);
      expect((await t.call('GET', `${base}/${id}`, { token: EDITOR_TOKEN })).text).toBe('secret');
    });

    it('a group entry grants its members', async () => {
      const id = await upload('team only', 'name=team.txt&public=false', { 'Content-Type': 'text/plain' }, EDITOR_TOKEN);
      const group = await t.call('POST', '/api/content/v2/groups', { body: { name: 'File readers', type: 'closed' } });
      expect(group.status).toBe(200);
      expectErrorShape(await t.call('GET', `${base}/${id}`, { token: PARTICIPANT_TOKEN }), 403);
      await t.call('PUT', `/api/content/v2/groups/${group.json.id}/user/${PARTICIPANT_ID}`);
      const put = await t.call('PUT', `${base}/${id}/permissions`, {
        body: { entries: [{ entityType: 'GROUP', entityId: String(group.json.id), grant: 'READ_WRITE', pass: 'NONE' }] },
        token: EDITOR_TOKEN,
      });
      expect(put.status).toBe(200);
      expect((await t.call('GET', `${base}/${id}`, { token: PARTICIPANT_TOKEN })).text).toBe('team only');
      expect((await t.call('PUT', `${base}/${id}`, { raw: 'team edit', token: PARTICIPANT_TOKEN })).status).toBe(200);
      expect((await t.call('GET', `${base}/${id}`, { token: EDITOR_TOKEN })).text).toBe('team edit');
      // the owner keeps full control even without an entry of their own
      expect((await t.call('GET', `${base}/${id}/permissions`, { token: EDITOR_TOKEN })).status).toBe(200);
    });

    it('PUT permissions validates every entry and changes nothing when one is bad', async () => {
      const id = await upload('v', 'name=validated.txt&public=false', { 'Content-Type': 'text/plain' });
      const before = (await t.call('GET', `${base}/${id}/permissions`)).json;
      const unknownUser = await t.call('PUT', `${base}/${id}/permissions`, {
        body: { publicAccess: true, entries: [{ entityType: 'USER', entityId: '42', grant: 'READ', pass: 'NONE' }] },
      });
      expect(expectErrorShape(unknownUser, 400).details).toEqual([{ path: 'body.entries.0.entityId', message: 'User 42 does not exist' }]);
      const badGrant = await t.call('PUT', `${base}/${id}/permissions`, { body: { entries: [{ entityType: 'USER', entityId: String(EDITOR_ID), grant: 'EVERYTHING' }] } });
      expect(expectErrorShape(badGrant, 400).details?.[0].path).toBe('body.entries.0.grant');
      const badType = await t.call('PUT', `${base}/${id}/permissions`, { body: { entries: [{ entityType: 'ROBOT', entityId: '1', grant: 'READ' }] } });
      expect(expectErrorShape(badType, 400).details?.[0].path).toBe('body.entries.0.entityType');
      expect((await t.call('GET', `${base}/${id}/permissions`)).json).toEqual(before);
    });

    it('GET permissions answers at /domo/data-files/v1/:id/permissions too', async () => {
      const a = await t.call('GET', '/domo/data-files/v1/401/permissions');
      const b = await t.call('GET', `${base}/401/permissions`);
      expect(a.status).toBe(200);
      expect(a.json).toEqual(b.json);
      expectErrorShape(await t.call('GET', '/domo/data-files/v1/401/permissions', { token: null }), 401);
      expectErrorShape(await t.call('GET', '/domo/data-files/v1/401/permissions', { token: EDITOR_TOKEN }), 403);
    });
  });

  describe('fixtures and GET /details', () => {
    it('serves the reference example file 401 "SampleFile": private to John Doe', async () => {
      const perms = await t.call('GET', '/domo/data-files/v1/401/permissions', { token: PARTICIPANT_TOKEN });
      expect(perms.json).toEqual({
        publicAccess: false,
        entries: [{ entityType: 'USER', entityId: '1089963280', grant: 'READ_WRITE_DELETE_SHARE_ADMIN', pass: 'NONE' }],
      });
      const d = await t.call('GET', `${base}/401/details`, { token: PARTICIPANT_TOKEN });
      expect(d.json).toMatchObject({ dataFileId: 401, name: 'SampleFile', responsibleUserId: 1089963280, datetimeCreated: 1731611168000 });
      expect(d.json.currentRevision).toMatchObject({ dataFileRevisionId: 430, contentType: 'application/pdf', uploadTimeMillis: 199, datetimeUploaded: 1731613990000 });
      const pdf = await bytesOf(await send('GET', `${base}/401`, { token: PARTICIPANT_TOKEN }));
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      expect(md5(pdf)).toBe(d.json.currentRevision.md5Hash);
    });

    it('lists what the caller may see, filtered by userId and dataFileIds, expanded on request', async () => {
      const mine = await t.call('GET', `${base}/details?userId=1249569521&expand=revisions`, { token: PARTICIPANT_TOKEN });
      expect(mine.json.map((f: { dataFileId: number }) => f.dataFileId)).toEqual([90356]);
      expect(mine.json[0].revisions.map((r: { dataFileRevisionId: number }) => r.dataFileRevisionId)).toEqual([92239, 92251]);
      const some = await t.call('GET', `${base}/details?dataFileIds=401,90356`, { token: EDITOR_TOKEN });
      expect(some.json.map((f: { dataFileId: number }) => f.dataFileId)).toEqual([90356]);
      const both = await t.call('GET', `${base}/details?dataFileIds=401&dataFileIds=90356`);
      expect(both.json.map((f: { dataFileId: number }) => f.dataFileId)).toEqual([401, 90356]);
      expect(expectErrorShape(await t.call('GET', `${base}/details?dataFileIds=abc`), 400).details?.[0].path).toMatch(/^query\.dataFileIds/);
    });
  });

  describe('over a real HTTP server (the streaming path @hono/node-server takes)', () => {
    let emu: RunningEmulator;
    const headers = { 'X-DOMO-Developer-Token': ADMIN_TOKEN };
    beforeAll(async () => {
      emu = await startEmulator({ db: ':memory:', ids: 'sequential', logLevel: 'silent', maxUploadBytes: 8 * 1024 * 1024 });
    });
    afterAll(() => emu.close());

    it('uploads a body with a Content-Length and one sent chunked; downloads them whole and by range', async () => {
      const data = binary(3 * 1024 * 1024 + 5);
      const up = await fetch(`${emu.url}${base}?name=http.bin`, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/x-http' }, body: data });
      expect(up.status).toBe(200);
      const { dataFileId } = (await up.json()) as { dataFileId: number };
      const chunked = await fetch(`${emu.url}${base}/${dataFileId}`, { method: 'PUT', headers, body: streamOf(data, 50_000), duplex: 'half' } as RequestInit);
      expect(chunked.status).toBe(200);

      const details = (await (await fetch(`${emu.url}${base}/${dataFileId}/details?expand=revisions`, { headers })).json()) as {
        revisions: Array<{ sizeBytes: number; md5Hash: string; sha256HashValue: string }>;
      };
      expect(details.revisions.map((r) => [r.sizeBytes, r.md5Hash, r.sha256HashValue])).toEqual([
        [data.length, md5(data), sha256(data)],
        [data.length, md5(data), sha256(data)],
      ]);
      const whole = await fetch(`${emu.url}${base}/${dataFileId}`, { headers });
      expect(whole.headers.get('content-length')).toBe(String(data.length));
      expect(Buffer.from(await whole.arrayBuffer()).equals(data)).toBe(true);
      const part = await fetch(`${emu.url}${base}/${dataFileId}`, { headers: { ...headers, Range: 'bytes=1000000-1000099' } });
      expect(part.status).toBe(206);
      expect(Buffer.from(await part.arrayBuffer()).equals(data.subarray(1_000_000, 1_000_100))).toBe(true);
    });

    it('answers 413 to a chunked upload that outgrows the limit, and stores nothing', async () => {
      const dir = emu.instance().dataDir;
      const before = listStoredFiles(dir);
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${emu.url}${base}?name=huge.bin`, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/octet-stream' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        const chunk = randomBytes(256 * 1024);
        let sent = 0;
        const pump = () => {
          while (sent < 40) {
            sent++;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          req.end();
        };
        pump();
      });
      expect(status).toBe(413);
      expect(listStoredFiles(dir)).toEqual(before);
    });

    it('uploads a FileSet file as multipart and downloads it from its downloadUrl', async () => {
      const data = binary(1024 * 1024);
      const f = new FormData();
      f.append('file', new Blob([data]), 'over-http.bin');
      f.append('createFileRequest', JSON.stringify({ directoryPath: 'http' }));
      const up = await fetch(`${emu.url}/api/files/v1/filesets/00000000-0000-0000-0000-000000000010/files`, { method: 'POST', headers, body: f });
      expect(up.status).toBe(200);
      const file = (await up.json()) as { downloadUrl: string; hash: string; size: number };
      expect(file.downloadUrl.startsWith(`${emu.url}/api/files/v1/filesets/`)).toBe(true);
      expect(file.hash).toBe(sha256(data).toLowerCase());
      const dl = await fetch(file.downloadUrl, { headers });
      expect(Buffer.from(await dl.arrayBuffer()).equals(data)).toBe(true);
    });
  });
});
