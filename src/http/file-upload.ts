/**
 * Receiving files over HTTP: the request body as a byte stream, multipart/form-data (busboy) or a raw body,
 * staged to disk through the blob store (src/engines/blobs.ts) with its size limit and hashes.
 */
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { asBodyError, discard, stageStream, type StagedBlob } from '../engines/blobs.js';
import { badRequest } from './errors.js';

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
