/** Shared pieces of the reliability tests: raw HTTP over a socket, the server's memory, a seeded PRNG. */
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { expect } from 'vitest';
import { mulberry32 } from '../../src/rng.js';

export const ADMIN = 'domo-emulator-admin-token';
export const PEOPLE = '94a4edfa-5926-4f0c-ad1e-a341f53f6113';
export const ASSETS_FILESET = '00000000-0000-0000-0000-000000000010';

/**
 * Sends bytes exactly as given (no URL normalisation, any framing) and reads until the server closes or
 * `waitMs` passes. `endAfterWrite` half-closes like a client that gave up mid-body.
 */
export function rawHttp(url: string, bytes: Buffer | string, opts: { waitMs?: number; destroyAfterWrite?: boolean } = {}): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), hostname);
    let buf = '';
    const done = () => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.1 (\d{3})/.exec(buf);
      const head = buf.indexOf('\r\n\r\n');
      let body = head >= 0 ? buf.slice(head + 4) : '';
      if (/transfer-encoding: chunked/i.test(buf.slice(0, head))) body = unchunk(body);
      resolve({ status: m ? Number(m[1]) : 0, body });
    };
    const timer = setTimeout(() => {
      sock.destroy();
      done();
    }, opts.waitMs ?? 5000);
    sock.on('data', (d) => {
      buf += d;
      // one response is enough: stop once its body (Content-Length) is complete
      const head = buf.indexOf('\r\n\r\n');
      const len = /content-length: (\d+)/i.exec(buf.slice(0, head));
      if (head >= 0 && len && Buffer.byteLength(buf.slice(head + 4)) >= Number(len[1])) {
        sock.destroy();
        done();
      }
    });
    sock.on('error', (e) => (buf ? done() : reject(e)));
    sock.on('close', done);
    sock.write(bytes, () => {
      if (opts.destroyAfterWrite) setTimeout(() => sock.destroy(), 100);
    });
  });
}

function unchunk(s: string): string {
  let out = '';
  for (let i = 0; ; ) {
    const eol = s.indexOf('\r\n', i);
    const n = parseInt(s.slice(i, eol), 16);
    if (!(n > 0)) return out;
    out += s.slice(eol + 2, eol + 2 + n);
    i = eol + 2 + n + 2;
  }
}

/** Peak resident memory of a process so far, in MB (Linux /proc; NaN elsewhere). */
export function peakRssMb(pid: number): number {
  const f = `/proc/${pid}/status`;
  if (!existsSync(f)) return NaN;
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(f, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** A small seeded generator (mulberry32): every reliability test is reproducible from its seed. */
export function prng(seed: number) {
  const next = mulberry32(seed);
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    chance: (p: number) => next() < p,
  };
}

/** The one error shape, checked on a fetch Response's parsed body. */
export function expectShape(status: number, body: any, expected?: number) {
  if (expected !== undefined) expect(status, JSON.stringify(body)).toBe(expected);
  expect(body, `not the error shape: ${JSON.stringify(body)}`).toMatchObject({
    status,
    statusReason: expect.any(String),
    path: expect.any(String),
    message: expect.any(String),
    toe: expect.any(String),
  });
}
