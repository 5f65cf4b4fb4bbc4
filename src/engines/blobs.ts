/**
 * File bytes on disk: streamed in (hashing md5 + sha256 while writing, size limit enforced while
 * streaming), stored content-addressed, streamed out (with HTTP byte ranges).
 *
 * Layout under an instance's dataDir:
 *   files/tmp/<random>.part            an upload in progress (never referenced by a row)
 *   files/blobs/<sha[0..2]>/<sha256>   committed bytes, one file per distinct content
 *
 * An upload is "staged" to files/tmp first; a store then promotes it (a rename) inside the
 * transaction that inserts the rows referencing it, so a failed request leaves nothing behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { close, createWriteStream, existsSync, mkdirSync, openSync, read, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { IncomingMessage } from 'node:http';
import { extname, join } from 'node:path';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import type { Context } from 'hono';
import { ApiError, badRequest, payloadTooLarge } from '../http/errors.js';

export interface StagedBlob {
  /** where the bytes are until promoted; null once promoted or discarded */
  tempPath: string | null;
  /** lowercase hex */
  sha256: string;
  /** lowercase hex */
  md5: string;
  size: number;
  /** the first bytes of the content, when the caller asked to capture them (text indexing) */
  head?: Buffer;
}

const filesRoot = (dataDir: string) => join(dataDir, 'files');
const tmpDir = (dataDir: string) => join(filesRoot(dataDir), 'tmp');

/** Where a blob's bytes live. The name is the sha256, checked to be 64 hex digits. */
export function blobPath(dataDir: string, sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
  return join(filesRoot(dataDir), 'blobs', sha256.slice(0, 2), sha256);
}

/** Removes uploads left behind by a process that stopped mid-request. */
export function clearStaging(dataDir: string): void {
  rmSync(tmpDir(dataDir), { recursive: true, force: true });
}

/** Every file under dataDir/files (tests use it to prove a rejected request wrote nothing). */
export function listStoredFiles(dataDir: string): string[] {
  const root = filesRoot(dataDir);
  if (!existsSync(root)) return [];
  return (readdirSync(root, { recursive: true, withFileTypes: true }) as Array<{ isFile(): boolean; name: string; parentPath?: string; path?: string }>)
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath ?? d.path ?? '', d.name).slice(root.length + 1))
    .sort();
}

/**
 * Streams `source` to a temporary file while computing md5 and sha256. More than `limit` bytes is a
 * 413 (the temporary file is removed). `captureBytes` keeps that many leading bytes in memory.
 */
export async function stageStream(
  dataDir: string,
  source: AsyncIterable<Uint8Array>,
  opts: { limit: number; captureBytes?: number },
): Promise<StagedBlob> {
  mkdirSync(tmpDir(dataDir), { recursive: true });
  const tempPath = join(tmpDir(dataDir), `${randomBytes(12).toString('hex')}.part`);
  const out = createWriteStream(tempPath, { flags: 'wx', highWaterMark: 1 << 20 });
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  const capture = opts.captureBytes ?? 0;
  const head: Buffer[] = [];
  let captured = 0;
  let size = 0;
  let failed: Error | null = null;
  out.on('error', (e) => (failed = e));
  try {
    await once(out, 'open');
    for await (const chunk of source) {
      if (failed) throw failed;
      size += chunk.byteLength;
      if (size > opts.limit) throw payloadTooLarge(opts.limit);
      md5.update(chunk);
      sha.update(chunk);
      if (captured < capture) {
        const part = Buffer.from(chunk.buffer, chunk.byteOffset, Math.min(chunk.byteLength, capture - captured));
        head.push(Buffer.from(part));
        captured += part.byteLength;
      }
      // events.once rejects if the stream emits 'error' while we wait
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    if (failed) throw failed;
  } catch (e) {
    out.destroy();
    // a stream that failed on its own may have closed already (then 'close' will not come again)
    if (!out.closed) await once(out, 'close').catch(() => {});
    rmSync(tempPath, { force: true });
    throw asBodyError(e);
  }
  return {
    tempPath,
    sha256: sha.digest('hex'),
    md5: md5.digest('hex'),
    size,
    head: capture ? Buffer.concat(head) : undefined,
  };
}

/**
 * A request body that broke off (the client went away or reset the connection) as the 400 the client
 * would see; our own errors and anything else pass through unchanged.
 */
export function asBodyError(e: unknown): unknown {
  if (e instanceof ApiError) return e;
  const code = (e as NodeJS.ErrnoException | null)?.code ?? '';
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ABORT_ERR' || (e as Error | null)?.message === 'aborted') {
    return badRequest('The request body ended before it was complete', [{ path: 'body', message: 'Truncated body' }]);
  }
  return e;
}

/** Stages bytes already in memory (fixtures). */
export function stageBytesSync(dataDir: string, bytes: Buffer, captureBytes = 0): StagedBlob {
  mkdirSync(tmpDir(dataDir), { recursive: true });
  const tempPath = join(tmpDir(dataDir), `${randomBytes(12).toString('hex')}.part`);
  writeFileSync(tempPath, bytes, { flag: 'wx' });
  return {
    tempPath,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    md5: createHash('md5').update(bytes).digest('hex'),
    size: bytes.byteLength,
    head: captureBytes ? bytes.subarray(0, captureBytes) : undefined,
  };
}

/**
 * Moves a staged upload to its content address (synchronous: call it as the last step of the
 * transaction that inserts the rows pointing at it). Identical content already stored: the staged
 * copy is dropped.
 */
export function promoteSync(dataDir: string, staged: StagedBlob): void {
  if (!staged.tempPath) return;
  const dest = blobPath(dataDir, staged.sha256);
  if (existsSync(dest)) unlinkSync(staged.tempPath);
  else {
    mkdirSync(join(dest, '..'), { recursive: true });
    renameSync(staged.tempPath, dest);
  }
  staged.tempPath = null;
}

/** Removes a staged upload that was not promoted (no-op after promotion). */
export function discard(staged: StagedBlob | undefined | null): void {
  if (staged?.tempPath) rmSync(staged.tempPath, { force: true });
  if (staged) staged.tempPath = null;
}

/** Deletes a blob's bytes (its last reference is gone). */
export function removeBlobSync(dataDir: string, sha256: string): void {
  rmSync(blobPath(dataDir, sha256), { force: true });
}

// ---------------------------------------------------------------------------------------------
// Reading a request body as a stream

/**
 * The request body as a byte stream. Under @hono/node-server this is the Node request itself
 * (no web-stream wrapping: faster, and backpressure reaches the socket); in-process requests
 * (app.request in tests) use the web body.
 */
export function requestBodySource(req: Request, env: unknown): AsyncIterable<Uint8Array> {
  const incoming = (env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming && typeof incoming.pipe === 'function' && !incoming.readableEnded) return incoming;
  if (!req.body) return Readable.from([]);
  return Readable.fromWeb(req.body as import('node:stream/web').ReadableStream<Uint8Array>);
}

export interface ReceivedFile extends StagedBlob {
  /** the Content-Type of the raw body or of the multipart file part (parameters dropped) */
  contentType: string | null;
  /** the file name a multipart part carried */
  fileName: string | null;
}

export interface MultipartResult {
  file: ReceivedFile | null;
  fields: Record<string, string>;
}

const maxFieldBytes = 1024 * 1024;

/**
 * Streams a multipart/form-data body: the first file part (named `fileField`, or any name when
 * `fileField` is undefined) is staged to disk; text fields are collected (1 MiB each at most).
 * Other file parts are drained and ignored. On any failure the staged file is removed.
 */
export async function receiveMultipart(
  dataDir: string,
  contentType: string,
  source: AsyncIterable<Uint8Array>,
  opts: {
    limit: number;
    fileField?: string;
    /** parts read as text fields even when sent as files (e.g. a JSON Blob appended to FormData) */
    textParts?: string[];
    captureBytes?: (info: { fileName: string | null; contentType: string | null }) => number;
  },
): Promise<MultipartResult> {
  let bb: busboy.Busboy;
  try {
    bb = busboy({
      headers: { 'content-type': contentType },
      preservePath: true,
      limits: { fieldSize: maxFieldBytes, fields: 50, parts: 100 },
    });
  } catch (e) {
    throw badRequest(`Malformed multipart/form-data request: ${(e as Error).message}`, [{ path: 'header.Content-Type', message: 'Invalid multipart boundary' }]);
  }
  // no prototype: a part named __proto__ is just a name
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  let filePromise: Promise<ReceivedFile> | null = null;
  let fieldTooLong: string | null = null;

  const done = new Promise<void>((resolve, reject) => {
    bb.on('file', (name, stream, info) => {
      // A body cut short (no closing boundary) errors every open part stream; the form-level 'error'
      // below answers it, so a part's own error must not go unhandled (that would end the process).
      stream.on('error', () => {});
      if (opts.textParts?.includes(name)) {
        const parts: Buffer[] = [];
        let size = 0;
        stream.on('data', (d: Buffer) => {
          size += d.byteLength;
          if (size <= maxFieldBytes) parts.push(d);
          else fieldTooLong = name;
        });
        stream.on('end', () => {
          if (size <= maxFieldBytes) fields[name] = Buffer.concat(parts).toString('utf8');
        });
        return;
      }
      if (filePromise || (opts.fileField !== undefined && name !== opts.fileField)) {
        stream.resume();
        return;
      }
      const fileName = info.filename ?? null;
      const type = info.mimeType ? info.mimeType.toLowerCase() : null;
      const capture = opts.captureBytes?.({ fileName, contentType: type }) ?? 0;
      filePromise = stageStream(dataDir, stream, { limit: opts.limit, captureBytes: capture }).then((staged) => ({
        ...staged,
        contentType: type,
        fileName,
      }));
      // a failed write stops the parse at once (no need to read the rest of the body)
      filePromise.catch((e) => reject(e));
    });
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated) fieldTooLong = name;
      else fields[name] = value;
    });
    bb.on('error', (e) => reject(badRequest(`Malformed multipart/form-data body: ${(e as Error).message}`, [{ path: 'body', message: 'Malformed multipart body' }])));
    bb.on('close', () => resolve());
  });

  const stop = new AbortController();
  const pump = (async () => {
    for await (const chunk of source) {
      if (stop.signal.aborted) return;
      if (!bb.write(chunk)) await once(bb, 'drain', { signal: stop.signal });
    }
    bb.end();
  })();

  try {
    await Promise.all([done, pump]);
    const file = filePromise ? await filePromise : null;
    if (fieldTooLong) {
      discard(file);
      throw badRequest(`Form field '${fieldTooLong}' is larger than ${maxFieldBytes} bytes`, [{ path: `body.${fieldTooLong}`, message: 'Too long' }]);
    }
    return { file, fields };
  } catch (e) {
    stop.abort();
    pump.catch(() => {});
    bb.destroy();
    if (filePromise) discard(await (filePromise as Promise<ReceivedFile>).catch(() => null));
    throw asBodyError(e);
  }
}

/**
 * Receives an uploaded file: a multipart/form-data body or a
 * raw body whose Content-Type is kept. A multipart body's first file part is the file (browsers and
 * the App Framework name it `file`). `application/x-www-form-urlencoded` (what `curl --data-binary`
 * sends by default) is not taken as the file's type.
 */
export async function receiveFile(
  dataDir: string,
  req: Request,
  env: unknown,
  opts: { limit: number },
): Promise<ReceivedFile> {
  const header = req.headers.get('content-type') ?? '';
  const type = header.split(';')[0].trim().toLowerCase();
  const source = requestBodySource(req, env);
  if (type === 'multipart/form-data') {
    const res = await receiveMultipart(dataDir, header, source, { limit: opts.limit });
    if (!res.file) throw badRequest('The multipart body has no file part (send the file in a part named "file")', [{ path: 'body.file', message: 'Required' }]);
    return res.file;
  }
  const staged = await stageStream(dataDir, source, { limit: opts.limit });
  return { ...staged, contentType: type && type !== 'application/x-www-form-urlencoded' ? type : null, fileName: null };
}

// ---------------------------------------------------------------------------------------------
// Content types

const typesByExtension: Record<string, string> = {
  '.txt': 'text/plain',
  '.text': 'text/plain',
  '.log': 'text/plain',
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.ts': 'text/plain',
  '.py': 'text/x-python',
  '.sql': 'application/sql',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.webp': 'image/webp',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.xls': 'application/vnd.ms-excel',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.doc': 'application/msword',
  '.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  '.mp4': 'video/mp4',
  '.mp3': 'audio/mpeg',
};

/** The declared type unless it is missing or generic, else a guess from the name's extension. */
export function resolveContentType(declared: string | null | undefined, fileName: string | null | undefined): string {
  const d = (declared ?? '').split(';')[0].trim().toLowerCase();
  if (d && d !== 'application/octet-stream') return d;
  const guess = fileName ? typesByExtension[extname(fileName).toLowerCase()] : undefined;
  return guess ?? 'application/octet-stream';
}

/** Types whose bytes are text worth indexing. */
export function isTextLike(contentType: string, fileName?: string | null): boolean {
  const t = contentType.toLowerCase();
  if (t.startsWith('text/')) return true;
  if (/^application\/(json|xml|yaml|x-yaml|sql|javascript|x-ndjson|csv)$/.test(t) || /\+(json|xml)$/.test(t)) return true;
  if (t === 'application/octet-stream' && fileName) return isTextLike(resolveContentType(null, fileName));
  return false;
}

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

const chunkBytes = 256 * 1024;

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
