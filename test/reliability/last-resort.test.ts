/**
 * The last resort: what is left when nothing else handled an error. It answers 500 in the error shape
 * with the toe and logs it, and, in the CLI, an uncaught exception or rejection is logged (with its toe
 * when it carries one) while the server keeps serving. Known inputs never get here (the other
 * reliability tests show them answered as 4xx).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adapterErrorResponse, guardedFetch, rememberToe } from '../../src/http/last-resort.js';
import { createLogger } from '../../src/logger.js';

const root = join(import.meta.dirname, '..', '..');

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger('error', (l) => lines.push(l)) };
}

describe('guardedFetch', () => {
  it('turns a rejected fetch into a 500 in the error shape, logged with the toe', async () => {
    const { lines, logger } = capture();
    const f = guardedFetch(async () => {
      throw new RangeError('Invalid string length');
    }, logger);
    const incoming = { complete: true };
    rememberToe(incoming, 'ABCDEFGHIJ-KLMNO-PQRST');
    const res = await f(new Request('http://x/api/thing'), { incoming } as never);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      status: 500,
      statusReason: 'Internal Server Error',
      path: '/api/thing',
      message: 'Internal error; the emulator log has the details (search for the toe)',
      toe: 'ABCDEFGHIJ-KLMNO-PQRST',
    });
    expect(lines.join('\n')).toMatch(/GET \/api\/thing failed outside the error renderer \(toe ABCDEFGHIJ-KLMNO-PQRST\)[\s\S]*Invalid string length/);
  });

  it('answers a request the HTTP adapter cannot parse with a 400 in the shape', async () => {
    const { logger } = capture();
    const res = adapterErrorResponse(Object.assign(new Error('Backslash in request path'), { name: 'RequestError' }), logger);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 400, statusReason: 'Bad Request', message: 'Malformed request: Backslash in request path' });
  });
});

describe('keepServingOnUncaughtErrors', () => {
  it('logs an uncaught exception and an unhandled rejection, and the process keeps running', async () => {
    const script = `
      import { keepServingOnUncaughtErrors } from ${JSON.stringify(join(root, 'src', 'http', 'last-resort.ts'))};
      import { createLogger } from ${JSON.stringify(join(root, 'src', 'logger.ts'))};
      keepServingOnUncaughtErrors(createLogger('error'));
      setTimeout(() => { throw Object.assign(new Error('boom'), { toe: 'TOE1234567-ABCDE-FGHIJ' }); });
      setTimeout(() => { Promise.reject(new Error('nobody caught me')); }, 10);
      setTimeout(() => { process.stdout.write('still alive'); }, 100);
    `;
    const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (err += d));
    const code = await new Promise((r) => proc.once('exit', r));
    expect(code).toBe(0);
    expect(out).toBe('still alive');
    expect(err).toMatch(/ERROR uncaught exception \(toe TOE1234567-ABCDE-FGHIJ\); still serving\nError: boom/);
    expect(err).toMatch(/ERROR unhandled promise rejection; still serving\nError: nobody caught me/);
  }, 30_000);
});
