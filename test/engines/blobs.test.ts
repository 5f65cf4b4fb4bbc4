import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  blobPath,
  discard,
  isTextLike,
  listStoredFiles,
  promoteSync,
  resolveContentType,
  stageStream,
} from '../../src/engines/blobs.js';
import { contentDisposition, parseRange } from '../../src/http/file-download.js';
import { ApiError } from '../../src/http/errors.js';

async function* chunks(buf: Buffer, size: number) {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

describe('staging and promoting blobs', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'blobs-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('streams to a temp file while hashing, then moves it to its content address', async () => {
    const data = randomBytes(200_000);
    const staged = await stageStream(dir, chunks(data, 7_000), { limit: 1_000_000, captureBytes: 10 });
    expect(staged.size).toBe(data.length);
    expect(staged.md5).toBe(createHash('md5').update(data).digest('hex'));
    expect(staged.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(staged.head?.equals(data.subarray(0, 10))).toBe(true);
    expect(listStoredFiles(dir)).toEqual([expect.stringMatching(/^tmp\/[0-9a-f]+\.part$/)]);
    promoteSync(dir, staged);
    expect(staged.tempPath).toBeNull();
    expect(listStoredFiles(dir)).toEqual([`blobs/${staged.sha256.slice(0, 2)}/${staged.sha256}`]);
    expect(readFileSync(blobPath(dir, staged.sha256)).equals(data)).toBe(true);
  });

  it('stores identical content once', async () => {
    const data = Buffer.from('same bytes');
    const a = await stageStream(dir, chunks(data, 3), { limit: 100 });
    const b = await stageStream(dir, chunks(data, 4), { limit: 100 });
    promoteSync(dir, a);
    promoteSync(dir, b);
    expect(listStoredFiles(dir)).toHaveLength(1);
  });

  it('throws 413 past the limit and leaves no file behind', async () => {
    const err = await stageStream(dir, chunks(randomBytes(5000), 1000), { limit: 4500 }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(413);
    expect(listStoredFiles(dir)).toEqual([]);
  });

  it('discard removes a staged file that was never promoted', async () => {
    const staged = await stageStream(dir, chunks(Buffer.from('bye'), 1), { limit: 10 });
    discard(staged);
    discard(staged);
    expect(listStoredFiles(dir)).toEqual([]);
  });

  it('refuses a blob name that is not a sha256', () => {
    expect(() => blobPath(dir, '../../etc/passwd')).toThrow();
  });
});

describe('parseRange', () => {
  it('reads one range and clamps its end', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseRange('bytes=-500', 100)).toEqual({ kind: 'partial', start: 0, end: 99 });
    expect(parseRange('bytes=50-5000', 100)).toEqual({ kind: 'partial', start: 50, end: 99 });
  });
  it('is unsatisfiable past the end or on an empty file', () => {
    expect(parseRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-0', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
  });
  it('ignores what it does not understand (whole content)', () => {
    for (const h of [undefined, '', 'bytes=0-1,4-5', 'items=0-1', 'bytes=9-3', 'bytes=-']) expect(parseRange(h, 100)).toEqual({ kind: 'full' });
  });
});

describe('content types and names', () => {
  it('keeps a declared type, guesses a generic or missing one from the extension', () => {
    expect(resolveContentType('image/jpeg; charset=binary', 'x.png')).toBe('image/jpeg');
    expect(resolveContentType('application/octet-stream', 'report.PDF')).toBe('application/pdf');
    expect(resolveContentType(null, 'notes.md')).toBe('text/markdown');
    expect(resolveContentType(null, 'unknown.zzz')).toBe('application/octet-stream');
    expect(isTextLike('text/csv')).toBe(true);
    expect(isTextLike('application/vnd.api+json')).toBe(true);
    expect(isTextLike('application/pdf')).toBe(false);
    expect(isTextLike('application/octet-stream', 'a.txt')).toBe(true);
  });
  it('builds a Content-Disposition with an ASCII fallback and the exact UTF-8 name', () => {
    expect(contentDisposition('report "final".pdf')).toBe(`attachment; filename="report _final_.pdf"; filename*=UTF-8''report%20%22final%22.pdf`);
    expect(contentDisposition('naïve.txt')).toBe(`attachment; filename="na_ve.txt"; filename*=UTF-8''na%C3%AFve.txt`);
  });
});
