/**
 * The `--https` listener: one port that serves plain HTTP, HTTPS and HTTP-proxy clients.
 *
 * Each accepted connection is sniffed: a first byte of 0x16 (a TLS handshake record) goes to a TLS server
 * that terminates it with the local CA's certificates, anything else is HTTP. Both end in the same
 * node:http server, running the app. Proxy clients are served by that http server too:
 * - `CONNECT acme.domo.com:443` is answered `200 Connection Established`, and the tunnel's bytes go back
 *   through the sniffing (so TLS inside it is terminated here, with a certificate for that name);
 * - `GET http://acme.domo.com/api/...` (absolute form) is served as a request to that Host.
 * A target the emulator does not answer for is refused with a short 403. Nothing here opens a connection:
 * the emulator never forwards traffic anywhere.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { Logger } from '../logger.js';
import type { LocalCa } from './ca.js';
import { isEmulatedTarget, parseAuthority } from './hosts.js';

const TLS_HANDSHAKE = 0x16;
/** A connection that sends nothing for this long is dropped before it is handed on. */
const FIRST_BYTE_TIMEOUT_MS = 30_000;

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

const refusal = (what: string) =>
  `domo-emulator does not forward traffic: ${what} is not a host it emulates (*.domo.com, domo.com, *.localhost). ` +
  'Exclude other hosts from the proxy with NO_PROXY.\n';

export class DualListener {
  private readonly front: NetServer;
  private readonly http: HttpServer;
  private readonly tls: TlsServer;
  /** Connections whose first byte has not arrived yet (not yet owned by the http or tls server). */
  private readonly waiting = new Set<Duplex>();
  private port = 0;
  private closing = false;

  constructor(
    private readonly listener: RequestListener,
    ca: LocalCa,
    private readonly log: Logger,
  ) {
    this.http = createHttpServer((req, res) => this.onRequest(req, res));
    this.http.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onConnect(req, socket, head));
    this.tls = createTlsServer({
      ...ca.defaultCredentials(),
      SNICallback: (servername, cb) => cb(null, ca.secureContext(servername)),
      ALPNProtocols: ['http/1.1'],
      minVersion: 'TLSv1.2',
    });
    this.tls.on('secureConnection', (socket) => this.http.emit('connection', socket));
    this.tls.on('tlsClientError', (err) => this.log.debug(`TLS handshake failed: ${err.message}`));
    this.front = createNetServer((socket) => this.sniff(socket));
  }

  /** The HTTP server behind the front (for its clientError handler). */
  get httpServer(): HttpServer {
    return this.http;
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.front.once('error', reject);
      this.front.listen(port, host, () => {
        this.front.off('error', reject);
        this.port = (this.front.address() as AddressInfo).port;
        // The http server never listens itself; 'listening' starts its connection tracking (idle
        // connections, header and request timeouts), as it would for a server that did.
        this.http.emit('listening');
        resolve(this.port);
      });
    });
  }

  /** Stops accepting, drops connections that are idle or silent, resolves when the rest have finished. */
  close(): Promise<void> {
    this.closing = true;
    return new Promise((resolve) => {
      this.front.close(() => resolve());
      for (const s of this.waiting) s.destroy();
      this.http.close(); // closes idle keep-alive connections and stops the tracking timer
      this.http.closeIdleConnections();
    });
  }

  /** Hands a connection (accepted, or the inside of a tunnel) to TLS or HTTP by its first byte. */
  private sniff(socket: Duplex): void {
    this.waiting.add(socket);
    const timeout = setTimeout(() => socket.destroy(), FIRST_BYTE_TIMEOUT_MS);
    timeout.unref();
    const done = () => {
      clearTimeout(timeout);
      this.waiting.delete(socket);
      socket.off('readable', onReadable);
      socket.off('close', done);
    };
    const onReadable = () => {
      const chunk = socket.read() as Buffer | null;
      if (chunk === null) return;
      done();
      socket.unshift(chunk);
      if (chunk[0] === TLS_HANDSHAKE) this.tls.emit('connection', socket);
      else this.http.emit('connection', socket);
    };
    if (!socket.listenerCount('error')) socket.on('error', () => socket.destroy());
    socket.on('close', done);
    socket.on('readable', onReadable);
  }

  private onConnect(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const target = parseAuthority(req.url ?? '');
    if (this.closing) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    if (!target || !isEmulatedTarget(target.host, target.port, this.port, 443)) {
      this.log.info(`refused CONNECT ${req.url}: not a host the emulator answers for (it never forwards traffic)`);
      const body = refusal(`CONNECT ${req.url}`);
      socket.end(
        `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `Connection: close\r\n\r\n${body}`,
      );
      return;
    }
    this.log.debug(`CONNECT ${req.url}: answered by the emulator`);
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) socket.unshift(head);
    this.sniff(socket);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    if (url[0] !== '/' && url !== '*') {
      // Absolute form: a client that uses this port as its HTTP proxy.
      let target: URL | undefined;
      try {
        target = new URL(url);
      } catch {
        // not a URL: refused below
      }
      const standard = target?.protocol === 'https:' ? 443 : 80;
      const port = target ? Number(target.port || standard) : 0;
      if (!target || !/^https?:$/.test(target.protocol) || !isEmulatedTarget(target.hostname, port, this.port, standard)) {
        this.log.info(`refused proxy request ${req.method} ${url}: not a host the emulator answers for`);
        res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
        res.end(refusal(target ? target.host : url));
        return;
      }
      req.headers.host = target.host;
      req.url = target.pathname + target.search;
    }
    if (this.closing) res.shouldKeepAlive = false;
    // A response that ends while closing leaves its connection idle: close it now rather than at the keep-alive timeout.
    res.once('finish', () => this.closing && setImmediate(() => this.http.closeIdleConnections()));
    this.listener(req, res);
  }

  /** For tests: the listening socket's address. */
  address(): AddressInfo {
    return this.front.address() as AddressInfo;
  }
}
