/**
 * File bytes on disk: streamed in (hashing md5 + sha256 while writing, size limit enforced while
 * streaming), stored content-addressed, streamed out. The HTTP sides (multipart and raw uploads, ranged downloads) are
 * src/http/file-upload.ts and src/http/file-download.ts.
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
import { close, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
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
