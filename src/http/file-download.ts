/**
 * Serving stored files over HTTP: byte ranges (RFC 9110), Content-Disposition, ETag, streamed from the
 * blob store (src/engines/blobs.ts) without reading a file into memory.
 */
import { close, openSync, read } from 'node:fs';
import { promisify } from 'node:util';
import type { Context } from 'hono';
import { blobPath } from '../engines/blobs.js';
import { ApiError } from './errors.js';

// ---------------------------------------------------------------------------------------------
// Serving bytes

export type RangeResult = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

/**
 * One `bytes=` range (RFC 9110): `a-b`, `a-`, `-n`. Several ranges or a malformed header are
 * ignored (the whole content is sent, as the RFC allows); a range starting past the end is 416.
 */
export function parseRange(header: string | undefined | null, size: number): RangeResult {
  if (!header) return { kind: 'full' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}

/** `attachment; filename="..."; filename*=UTF-8''...` (ASCII fallback plus the exact name). */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

// 1 MiB reads: fewer syscalls and stream hops per 100 MB (the socket writes them whole)
const chunkBytes = 1024 * 1024;

/** The two operations fileRangeStream needs of an open file. */
interface OpenFile {
  read(buf: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

const readAsync = promisify(read);
const closeAsync = promisify(close);

/**
 * Opens a blob synchronously: called right after the store said which blob to send, with no await in
 * between, so a concurrent delete (which unlinks the bytes) cannot slip in; once open, the bytes stay
 * readable until closed.
 */
function openBlob(path: string): OpenFile {
  const fd = openSync(path, 'r');
  return {
    read: (buf, offset, length, position) => readAsync(fd, buf, offset, length, position),
    close: () => closeAsync(fd),
  };
}

/** A pull-based stream of [start, end] of an open file; closes the handle when done or cancelled. */
function fileRangeStream(fh: OpenFile, start: number, end: number): ReadableStream<Uint8Array> {
  let pos = start;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await fh.close().catch(() => {});
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const want = Math.min(chunkBytes, end + 1 - pos);
        if (want <= 0) {
          await close();
          controller.close();
          return;
        }
        const buf = Buffer.allocUnsafe(want);
        const { bytesRead } = await fh.read(buf, 0, want, pos);
        if (bytesRead === 0) {
          await close();
          controller.error(new Error('file ended before its recorded size'));
          return;
        }
        pos += bytesRead;
        controller.enqueue(bytesRead === want ? buf : buf.subarray(0, bytesRead));
        if (pos > end) {
          await close();
          controller.close();
        }
      } catch (e) {
        await close();
        controller.error(e);
      }
    },
    cancel: close,
  });
}

export interface BlobDownload {
  sha256: string;
  size: number;
  contentType: string;
  fileName: string;
}

/**
 * Answers a download: the exact bytes, the stored Content-Type, Content-Disposition, ETag,
 * Accept-Ranges; a satisfiable Range gets 206 + Content-Range (If-Range honoured), a range past the
 * end 416 with a Content-Range giving the size. The blob is opened before anything is answered, so a
 * concurrent delete cannot cut the download short.
 */
export async function sendBlob(c: Context, dataDir: string, blob: BlobDownload): Promise<Response> {
  const etag = `"${blob.sha256}"`;
  const req = c.req.raw;
  const ifRange = req.headers.get('if-range');
  const range: RangeResult = ifRange && ifRange.trim() !== etag ? { kind: 'full' } : parseRange(req.headers.get('range'), blob.size);
  if (range.kind === 'unsatisfiable') {
    c.header('Content-Range', `bytes */${blob.size}`);
    throw new ApiError(416, `Range '${req.headers.get('range')}' is outside the file (${blob.size} bytes)`, [
      { path: 'header.Range', message: `Not satisfiable for a file of ${blob.size} bytes` },
    ]);
  }
  const start = range.kind === 'partial' ? range.start : 0;
  const end = range.kind === 'partial' ? range.end : blob.size - 1;
  const status = range.kind === 'partial' ? 206 : 200;
  const headers: Record<string, string> = {
    'Content-Type': blob.contentType,
    'Content-Disposition': contentDisposition(blob.fileName),
    'Content-Length': String(Math.max(0, end - start + 1)),
    'Accept-Ranges': 'bytes',
    ETag: etag,
  };
  if (range.kind === 'partial') headers['Content-Range'] = `bytes ${start}-${end}/${blob.size}`;
  if (req.method === 'HEAD' || blob.size === 0) return c.body(null, status, headers);
  const fh = openBlob(blobPath(dataDir, blob.sha256));
  return c.body(fileRangeStream(fh, start, end), status, headers);
}
