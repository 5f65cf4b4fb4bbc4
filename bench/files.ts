/**
 * Files: upload and download of a large file through the built server (127.0.0.1), against copying
 * the same file on disk in the same run; plus the server's peak RSS growth during each transfer.
 *   node --import tsx bench/files.ts [sizeMB=100] [rounds=3]
 *
 * Baselines (same run, same file, same disk):
 *   - stream copy: fs.createReadStream -> fs.createWriteStream (bytes through user space, as the server does)
 *   - copyFile:    fs.copyFileSync (kernel copy, the upper bound of "copying a file")
 * Transfers:
 *   - Files API upload (POST /api/data/v1/data-files, raw body) and download (GET /:id, written to disk)
 *   - FileSets upload (POST .../files, multipart/form-data) and download (GET .../download, written to disk)
 * RSS growth = the server's VmHWM after a transfer minus its VmRSS just before (VmHWM reset before each
 * transfer through /proc/<pid>/clear_refs when the kernel allows it).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { spawn } from 'node:child_process';
import { ADMIN_TOKEN, ensureBuilt, fmt, median, spawnServer, writeResult } from './lib.js';

const SIZE_MB = Number(process.argv[2] ?? 100);
const ROUNDS = Math.max(1, Math.min(5, Number(process.argv[3] ?? 3)));
const SIZE = SIZE_MB * 1024 * 1024;

const work = mkdtempSync(join(tmpdir(), 'bench-files-'));
const source = join(work, 'source.bin');

function makeSource(): string {
  const fd = openSync(source, 'w');
  const hash = createHash('sha256');
  const block = 4 * 1024 * 1024;
  for (let written = 0; written < SIZE; written += block) {
    const b = randomBytes(Math.min(block, SIZE - written));
    hash.update(b);
    writeSync(fd, b);
  }
  closeSync(fd);
  return hash.digest('hex');
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

const mbps = (bytes: number, ms: number) => bytes / 1024 / 1024 / (ms / 1000);

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function rssMb(pid: number): { rss: number; hwm: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? NaN) / 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Resets the peak RSS counter of a process (Linux: "5" > clear_refs); false when not allowed. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

interface HttpResult {
  status: number;
  body: string;
}

/** Sends `body` (a stream factory) with a Content-Length to 127.0.0.1; resolves with the JSON answer. */
function send(url: string, method: string, path: string, headers: Record<string, string | number>, body: () => Readable): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers: { 'X-DOMO-Developer-Token': ADMIN_TOKEN, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    pipeline(body(), req).catch(reject);
  });
}

/** GETs path and writes the body to `dest`. */
function fetchTo(url: string, path: string, dest: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { headers: { 'X-DOMO-Developer-Token': ADMIN_TOKEN } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`GET ${path} answered ${res.statusCode}`));
      pipeline(res, createWriteStream(dest)).then(() => resolve(res.statusCode!), reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * The same transfers through a bare node:http server (no framework, no hashing, no database):
 * POST streams the body to a file, GET pipes the file back. Shows what loopback HTTP itself costs here.
 */
const bareServerCode = `
import http from 'node:http';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
const file = process.argv[1];
const srv = http.createServer(async (req, res) => {
  try {
    if (req.method === 'POST') { await pipeline(req, createWriteStream(file)); res.end('{}'); return; }
    res.writeHead(200, { 'content-length': statSync(file).size, 'content-type': 'application/octet-stream' });
    await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), res);
  } catch (e) { res.destroy(e); }
});
srv.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + srv.address().port));
`;

async function bareServer(file: string): Promise<{ url: string; stop(): Promise<void> }> {
  const proc = spawn(process.execPath, ['--input-type=module', '-e', bareServerCode, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (d) => {
      buf += d;
      const m = /listening on (\S+)/.exec(buf);
      if (m) resolve(m[1]);
    });
    proc.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
  });
  return { url, stop: () => new Promise((r) => (proc.kill('SIGTERM'), proc.once('exit', () => r()))) };
}

function multipart(boundary: string, fileName: string, directoryPath: string): { length: number; stream: () => Readable } {
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="createFileRequest"\r\n\r\n${JSON.stringify({ directoryPath })}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    length: head.length + SIZE + tail.length,
    stream: () =>
      Readable.from(
        (async function* () {
          yield head;
          for await (const chunk of createReadStream(source, { highWaterMark: 1 << 20 })) yield chunk as Buffer;
          yield tail;
        })(),
      ),
  };
}

async function main() {
  try {
    ensureBuilt();
  } catch (e) {
    // other families' work in progress may not typecheck; tsc still emits, so dist/ is current
    process.stderr.write(`warning: ${(e as Error).message}; measuring the emitted dist/ anyway\n`);
  }
  process.stdout.write(`writing a ${SIZE_MB} MB source file...\n`);
  const sourceSha = makeSource();

  // -- baselines -----------------------------------------------------------------------------
  const copyStream: number[] = [];
  const copyKernel: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const dest = join(work, `copy-${i}.bin`);
    copyStream.push(await timed(() => pipeline(createReadStream(source, { highWaterMark: 1 << 20 }), createWriteStream(dest))));
    rmSync(dest);
    copyKernel.push(await timed(async () => copyFileSync(source, dest)));
    rmSync(dest);
  }

  // -- bare node:http over loopback ----------------------------------------------------------------
  const bareUp: number[] = [];
  const bareDown: number[] = [];
  const bare = await bareServer(join(work, 'bare-received.bin'));
  try {
    for (let i = 0; i < ROUNDS; i++) {
      bareUp.push(
        await timed(async () => {
          const r = await send(bare.url, 'POST', '/', { 'Content-Length': SIZE }, () => createReadStream(source, { highWaterMark: 1 << 20 }));
          if (r.status !== 200) throw new Error(`bare upload answered ${r.status}`);
        }),
      );
      const out = join(work, `bare-down-${i}.bin`);
      bareDown.push(await timed(async () => void (await fetchTo(bare.url, '/', out))));
      rmSync(out);
    }
  } finally {
    await bare.stop();
  }

  // -- the emulator ----------------------------------------------------------------------------
  const server = await spawnServer(['--db', ':memory:']);
  const pid = server.pid;
  const canReset = resetPeak(pid);
  const growth = { filesUp: [] as number[], filesDown: [] as number[], setsUp: [] as number[], setsDown: [] as number[] };
  const times = { filesUp: [] as number[], filesDown: [] as number[], setsUp: [] as number[], setsDown: [] as number[] };
  const measure = async (kind: keyof typeof times, fn: () => Promise<void>) => {
    resetPeak(pid);
    const before = rssMb(pid).rss;
    times[kind].push(await timed(fn));
    growth[kind].push(rssMb(pid).hwm - before);
  };
  try {
    // a FileSet for the multipart uploads
    const fs = await send(server.url, 'POST', '/api/files/v1/filesets', { 'Content-Type': 'application/json' }, () => Readable.from([Buffer.from('{"name":"bench"}')]));
    const filesetId = (JSON.parse(fs.body) as { id: string }).id;

    for (let i = 0; i < ROUNDS; i++) {
      let dataFileId = 0;
      await measure('filesUp', async () => {
        const r = await send(server.url, 'POST', `/api/data/v1/data-files?name=bench-${i}.bin`, { 'Content-Type': 'application/octet-stream', 'Content-Length': SIZE }, () =>
          createReadStream(source, { highWaterMark: 1 << 20 }),
        );
        if (r.status !== 200) throw new Error(`upload answered ${r.status}: ${r.body}`);
        dataFileId = (JSON.parse(r.body) as { dataFileId: number }).dataFileId;
      });
      const out = join(work, `down-${i}.bin`);
      await measure('filesDown', async () => {
        await fetchTo(server.url, `/api/data/v1/data-files/${dataFileId}`, out);
      });
      if (statSync(out).size !== SIZE || sha256File(out) !== sourceSha) throw new Error('Files API download differs from the upload');
      rmSync(out);

      const boundary = `bench${randomBytes(8).toString('hex')}`;
      const body = multipart(boundary, `big-${i}.bin`, 'bench');
      let fileId = '';
      await measure('setsUp', async () => {
        const r = await send(server.url, 'POST', `/api/files/v1/filesets/${filesetId}/files`, { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': body.length }, body.stream);
        if (r.status !== 200) throw new Error(`fileset upload answered ${r.status}: ${r.body}`);
        const file = JSON.parse(r.body) as { id: string; hash: string; size: number };
        if (file.hash !== sourceSha || file.size !== SIZE) throw new Error('FileSet upload hash/size differs');
        fileId = file.id;
      });
      await measure('setsDown', async () => {
        await fetchTo(server.url, `/api/files/v1/filesets/${filesetId}/files/${fileId}/download`, out);
      });
      if (statSync(out).size !== SIZE || sha256File(out) !== sourceSha) throw new Error('FileSet download differs from the upload');
      rmSync(out);
    }
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }

  const stream = mbps(SIZE, median(copyStream));
  const kernel = mbps(SIZE, median(copyKernel));
  const bareUpRate = mbps(SIZE, median(bareUp));
  const bareDownRate = mbps(SIZE, median(bareDown));
  const row = (label: string, kind: keyof typeof times) => {
    const t = mbps(SIZE, median(times[kind]));
    const bareRate = kind.endsWith('Up') ? bareUpRate : bareDownRate;
    return `| ${label} | ${fmt(t, 0)} MB/s | ${fmt(t / stream)}x | ${fmt(t / kernel)}x | ${fmt(t / bareRate)}x | ${fmt(Math.max(...growth[kind]), 1)} MB |`;
  };
  writeResult(
    'files',
    `### Files: ${SIZE_MB} MB upload and download through the API vs a disk copy (median of ${ROUNDS})

Command: \`node --import tsx bench/files.ts ${SIZE_MB} ${ROUNDS}\`

| Transfer | Throughput | vs stream copy | vs copyFile | vs bare node:http | Server RSS growth (max) |
|---|---:|---:|---:|---:|---:|
| baseline: disk stream copy (read stream -> write stream) | ${fmt(stream, 0)} MB/s | 1.00x | ${fmt(stream / kernel)}x | - | - |
| baseline: disk copyFile (kernel copy) | ${fmt(kernel, 0)} MB/s | ${fmt(kernel / stream)}x | 1.00x | - | - |
| reference: bare node:http upload (body piped to a file) | ${fmt(bareUpRate, 0)} MB/s | ${fmt(bareUpRate / stream)}x | ${fmt(bareUpRate / kernel)}x | 1.00x | - |
| reference: bare node:http download (file piped to the socket) | ${fmt(bareDownRate, 0)} MB/s | ${fmt(bareDownRate / stream)}x | ${fmt(bareDownRate / kernel)}x | 1.00x | - |
${row('Files API upload (raw body, md5 + sha256 while writing)', 'filesUp')}
${row('Files API download (written to disk by the client)', 'filesDown')}
${row('FileSets upload (multipart/form-data)', 'setsUp')}
${row('FileSets download (written to disk by the client)', 'setsDown')}

Every download was checked byte for byte (sha256) against the source. RSS growth = server VmHWM after the
transfer minus its VmRSS just before${canReset ? ' (VmHWM reset before each transfer)' : ' (VmHWM could not be reset: growth is measured from the process-lifetime peak)'}.
Targets: at least 0.30x of the disk-copy throughput each way; RSS growth under 64 MB.`,
  );
}

main().catch((e) => {
  rmSync(work, { recursive: true, force: true });
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
