import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { fetch as undiciFetch, ProxyAgent } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/server.js';

const TOKEN = 'domo-emulator-admin-token';
const root = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'domo-https-'));
const caDir = join(work, 'ca');
let emu: RunningEmulator;
let ca: string;

beforeAll(async () => {
  emu = await startEmulator({ https: true, caDir, logLevel: 'silent' });
  ca = readFileSync(emu.https!.caFile, 'utf8');
});
afterAll(async () => {
  await emu?.close();
  rmSync(work, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
  /** Of the TLS connection the answer came on. */
  tls: { authorized: boolean; alpn: string | false | null; altNames?: string };
}

/** One HTTPS request; `tunnel` sends it inside a CONNECT tunnel instead of straight to the port. */
function httpsCall(
  opts: { host: string; path: string; method?: string; body?: unknown; headers?: Record<string, string>; tunnel?: Duplex; tls?: ConnectionOptions; port?: number },
): Promise<Answer> {
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: opts.host,
        port: opts.port ?? (opts.tunnel ? 443 : emu.port),
        path: opts.path,
        method: opts.method ?? 'GET',
        headers: { 'X-DOMO-Developer-Token': TOKEN, ...(body ? { 'Content-Type': 'application/json' } : {}), ...opts.headers },
        ca,
        ...opts.tls,
        // inside a tunnel, as real clients do: TLS with SNI for the host, over the tunnel's socket
        ...(opts.tunnel ? { createConnection: (o: object) => tlsConnect({ ...(o as ConnectionOptions), servername: opts.host, socket: opts.tunnel }) } : {}),
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const tls = { authorized: socket.authorized, alpn: socket.alpnProtocol, altNames: socket.getPeerCertificate().subjectaltname };
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode!, headers: res.headers, body: text, json, tls });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** `CONNECT authority` to the emulator: the status, and the socket (the tunnel when 200). */
function connectTunnel(authority: string): Promise<{ status: number; socket: Duplex; head: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: emu.port, method: 'CONNECT', path: authority });
    req.once('connect', (res, socket, head) => resolve({ status: res.statusCode!, socket, head }));
    req.once('error', reject);
    req.end();
  });
}

const readAll = (socket: Duplex, head: Buffer) =>
  new Promise<string>((resolve) => {
    let text = head.toString();
    socket.on('data', (d) => (text += d));
    socket.on('end', () => resolve(text));
    socket.on('close', () => resolve(text));
  });

/** Plain HTTP on the same port, with the instance header. */
const plain = async (path: string, instance: string, init: RequestInit = {}) => {
  const res = await fetch(`${emu.url}${path}`, { ...init, headers: { 'X-DOMO-Developer-Token': TOKEN, 'X-Domo-Instance': instance, ...init.headers } });
  return { status: res.status, json: (await res.json()) as any };
};
const groupNames = async (instance: string) => ((await plain('/api/content/v2/groups', instance)).json as Array<{ name: string }>).map((g) => g.name);

const curl = spawnSync('curl', ['--version']).status === 0;

describe('--https: TLS on the emulator port', () => {
  it('reports the CA files and URLs, and keeps plain HTTP working unchanged on the same port', async () => {
    expect(emu.https).toMatchObject({ url: `https://127.0.0.1:${emu.port}`, proxyUrl: `http://127.0.0.1:${emu.port}`, caFile: join(caDir, 'ca.pem') });
    expect(emu.url).toBe(`http://127.0.0.1:${emu.port}`);
    const users = await plain('/api/identity/v1/users', 'default');
    expect(users.status).toBe(200);
    expect(users.json.users.map((u: { displayName: string }) => u.displayName)).toContain('Jae Wilson');
    const anonymous = await fetch(`${emu.url}/api/identity/v1/users`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { statusReason: string }).statusReason).toBe('Unauthorized');
    // a streamed upload over plain HTTP still round-trips byte for byte
    const up = await fetch(`${emu.url}/api/data/v1/data-files?name=plain.txt`, {
      method: 'POST',
      headers: { 'X-DOMO-Developer-Token': TOKEN, 'Content-Type': 'text/plain' },
      body: 'x'.repeat(200_000),
    });
    const { dataFileId } = (await up.json()) as { dataFileId: number };
    expect((await (await fetch(`${emu.url}/api/data/v1/data-files/${dataFileId}`, { headers: { 'X-DOMO-Developer-Token': TOKEN } })).text()).length).toBe(200_000);
  });

  it('answers https://127.0.0.1:<port> for a client that trusts the CA', async () => {
    // offering h2 first, as curl and browsers do: the emulator speaks HTTP/1.1 and says so
    const res = await httpsCall({ host: '127.0.0.1', path: '/api/identity/v1/users/587894148', tls: { ALPNProtocols: ['h2', 'http/1.1'] } });
    expect(res.status).toBe(200);
    expect(res.json.users[0].displayName).toBe('Bryan Van Kampen');
    expect(res.tls.authorized).toBe(true);
    expect(res.tls.alpn).toBe('http/1.1');
    // and an upload over TLS
    const up = await httpsCall({ host: '127.0.0.1', path: '/api/content/v2/groups', method: 'POST', body: { name: 'Over TLS', type: 'open' } });
    expect(up.status).toBe(200);
    expect(await groupNames('default')).toContain('Over TLS');
  });

  it('refuses the handshake for a client that does not trust the CA', async () => {
    await expect(httpsCall({ host: '127.0.0.1', path: '/_emulator/health', tls: { ca: undefined } })).rejects.toMatchObject({
      code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY/),
    });
  });

  it('takes the instance from the name: SNI acme.localhost gets a certificate for that name and instance acme', async () => {
    const res = await httpsCall({ host: '127.0.0.1', path: '/_emulator/health', headers: { Host: `acme.localhost:${emu.port}` }, tls: { servername: 'acme.localhost' } });
    expect(res.status).toBe(200);
    expect(res.json.instance).toBe('acme');
    expect(res.tls.altNames).toBe('DNS:acme.localhost');
    const localhost = await httpsCall({ host: 'localhost', path: '/_emulator/health' });
    expect(localhost.json.instance).toBe('default');
  });

  it('falls back for an unknown SNI name: the default certificate (which does not name it) and the default instance', async () => {
    // a verifying client refuses: the emulator never presents a certificate for a site it is not
    await expect(
      httpsCall({ host: '127.0.0.1', path: '/_emulator/health', headers: { Host: 'www.example.com' }, tls: { servername: 'www.example.com' } }),
    ).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    // a client that skips the name check is served, as instance default
    const res = await httpsCall({
      host: '127.0.0.1',
      path: '/_emulator/health',
      headers: { Host: 'www.example.com' },
      tls: { servername: 'www.example.com', checkServerIdentity: () => undefined },
    });
    expect(res.status).toBe(200);
    expect(res.json.instance).toBe('default');
    expect(res.tls.altNames).toMatch(/^DNS:\*\.domo\.com, DNS:domo\.com/);
  });
});

describe('--https: the HTTPS proxy for *.domo.com', () => {
  it('serves a CONNECT tunnel to acme.domo.com:443 as instance acme (Node https.request with the CA)', async () => {
    const write = await connectTunnel('acme.domo.com:443');
    expect(write.status).toBe(200);
    const created = await httpsCall({ host: 'acme.domo.com', path: '/api/content/v2/groups', method: 'POST', body: { name: 'Tunnelled', type: 'open' }, tunnel: write.socket });
    expect(created.status).toBe(200);
    expect(created.tls.authorized).toBe(true);
    expect(created.tls.altNames).toBe('DNS:acme.domo.com');
    const read = await connectTunnel('acme.domo.com:443');
    const got = await httpsCall({ host: 'acme.domo.com', path: `/api/content/v2/groups/${created.json.id}`, tunnel: read.socket });
    expect(got.status).toBe(200);
    expect(got.json.name).toBe('Tunnelled');
    expect(await groupNames('acme')).toContain('Tunnelled');
    expect(await groupNames('default')).not.toContain('Tunnelled');
  });

  it.skipIf(!curl)('curl --proxy with --cacert reaches instance acme at https://acme.domo.com (a write, then a read)', async () => {
    const run = (args: string[]) =>
      new Promise<string>((resolve, reject) =>
        execFile(
          'curl',
          ['-sS', '--fail-with-body', '--max-time', '10', '--proxy', `http://127.0.0.1:${emu.port}`, '--cacert', emu.https!.caFile, '-H', `X-DOMO-Developer-Token: ${TOKEN}`, ...args],
          { env: { PATH: process.env.PATH } },
          (err, stdout, stderr) => (err ? reject(new Error(`${err.message}: ${stderr}${stdout}`)) : resolve(stdout)),
        ),
      );
    const created = JSON.parse(
      await run(['-H', 'Content-Type: application/json', '-d', JSON.stringify({ name: 'Made by curl', type: 'open' }), 'https://acme.domo.com/api/content/v2/groups']),
    );
    expect(created.name).toBe('Made by curl');
    const users = JSON.parse(await run(['https://acme.domo.com/api/identity/v1/users']));
    expect(users.users.length).toBeGreaterThan(3);
    const group = JSON.parse(await run([`https://acme.domo.com/api/content/v2/groups/${created.id}`]));
    expect(group.name).toBe('Made by curl');
    expect(await groupNames('acme')).toContain('Made by curl');
    expect(await groupNames('default')).not.toContain('Made by curl');
  });
  if (!curl) it('curl through the proxy (skipped: curl is not installed on this machine)', () => {});

  it("works for undici's ProxyAgent, the recipe for Node's fetch", async () => {
    const dispatcher = new ProxyAgent({ uri: emu.https!.proxyUrl, requestTls: { ca } });
    const res = await undiciFetch('https://acme.domo.com/_emulator/health', { dispatcher });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { instance: string }).instance).toBe('acme');
    await dispatcher.close();
  });

  it('serves absolute-form proxy requests for Domo names (http://acme.domo.com/...) as that instance', async () => {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: emu.port, path: 'http://acme.domo.com/_emulator/health', headers: { Host: 'acme.domo.com' } },
        (r) => {
          let body = '';
          r.on('data', (d) => (body += d));
          r.on('end', () => resolve({ status: r.statusCode!, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).instance).toBe('acme');
  });

  it('accepts CONNECT to a loopback name on its own port, and refuses other local ports', async () => {
    const own = await connectTunnel(`localhost:${emu.port}`);
    expect(own.status).toBe(200);
    const res = await httpsCall({ host: 'localhost', port: emu.port, path: '/_emulator/health', tunnel: own.socket });
    expect(res.json.instance).toBe('default');
    const other = await connectTunnel('127.0.0.1:5432');
    expect(other.status).toBe(403);
    other.socket.destroy();
  });

  it('refuses CONNECT example.com:443 and absolute-form http://example.com/, and opens no connection of its own', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    try {
      const refused = await connectTunnel('example.com:443');
      expect(refused.status).toBe(403);
      expect(await readAll(refused.socket, refused.head)).toMatch(/does not forward traffic: CONNECT example\.com:443/);
      const ip = await connectTunnel('93.184.215.14:443');
      expect(ip.status).toBe(403);
      ip.socket.destroy();
      const absolute = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: emu.port, path: 'http://example.com/', headers: { Host: 'example.com' } }, (r) => {
          let body = '';
          r.on('data', (d) => (body += d));
          r.on('end', () => resolve({ status: r.statusCode!, body }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(absolute.status).toBe(403);
      expect(absolute.body).toMatch(/does not forward traffic/);
      // Every TCP connection made in this process meanwhile (net, tls and http all go through
      // Socket#connect) was the test's own, to the emulator: none to example.com or its address.
      const targets = connect.mock.calls.map((args) => {
        const first = (Array.isArray(args[0]) ? args[0][0] : args[0]) as { host?: string; port?: number } | number;
        return typeof first === 'number' ? `${args[1] ?? 'localhost'}:${first}` : `${first.host ?? 'localhost'}:${first.port}`;
      });
      expect(targets.length).toBe(3);
      expect(new Set(targets)).toEqual(new Set([`127.0.0.1:${emu.port}`]));
    } finally {
      connect.mockRestore();
    }
  });

  it('has no code that opens outbound connections (src/ and routes/ never call connect, request or fetch)', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => {
        const p = join(dir, f);
        return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
      });
    const outbound = [
      /\b(?:net|tls|http|https|http2|dgram)\.(?:connect|createConnection|request|get|createSocket)\(/, // net.connect(...)
      /import\s*\{[^}]*\b(?:connect|createConnection|request|get)\b[^}]*\}\s*from\s*'node:(?:net|tls|http|https)'/, // import { connect } from 'node:net'
      /from 'node:(?:dgram|http2)'/,
      /\bnew\s+(?:net\.)?Socket\(/,
      /(?<![.\w])fetch\((?!\))/, // fetch(url), not app.fetch nor a comment's "fetch()"
    ];
    const hits = [...files(join(root, 'src')), ...files(join(root, 'routes'))].filter((f) => outbound.some((re) => re.test(readFileSync(f, 'utf8'))));
    expect(hits).toEqual([]);
  });
});

describe('--https: closing', () => {
  it('close() finishes with a keep-alive TLS connection open, and the CA survives for the next start', async () => {
    const other = await startEmulator({ https: true, caDir, logLevel: 'silent' });
    expect(other.https!.caCreated).toBe(false); // the CA the first emulator made: trusting it once lasts
    const agent = new HttpsAgent({ keepAlive: true, ca });
    const res = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: other.port, path: '/_emulator/health', agent }, (r) => {
        r.resume();
        r.on('end', () => resolve(r.statusCode!));
      });
      req.on('error', reject);
      req.end();
    });
    expect(res).toBe(200);
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(3000); // not the 5 s keep-alive timeout
    agent.destroy();
  });
});
