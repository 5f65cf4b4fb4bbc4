import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { optionsSchema, type Config, type EmulatorOptions } from './config.js';
import { InstanceRegistry, type Instance } from './instances.js';
import { createLogger, type Logger } from './logger.js';
import { adapterErrorResponse, answerClientErrors, guardedFetch } from './http/last-resort.js';
import { parseOrThrow } from './http/validate.js';
import { caDirFor, LocalCa } from './net/ca.js';
import { DualListener } from './net/listener.js';

export interface RunningEmulator {
  url: string;
  port: number;
  config: Config;
  /**
   * With `https`: the same port also speaks TLS (`https://127.0.0.1:<port>`) and is an HTTPS proxy for
   * Domo's hosts (`HTTPS_PROXY=<url>`); `caFile` is the CA certificate to trust, `caBundleFile` that CA
   * plus Node's public roots (for SSL_CERT_FILE-style variables that replace the default roots).
   */
  https?: { url: string; proxyUrl: string; caFile: string; caBundleFile: string; caDir: string; caCreated: boolean };
  /** Back to the fixtures: one instance, or every instance opened so far. */
  reset(instance?: string): void;
  /** An instance's stores, clock and ids, for tests that set state up directly. */
  instance(name?: string): Instance;
  /** A new instance copied from the fixtures (default), an instance or a checkpoint: its name, URL and admin token. */
  fork(from?: string, name?: string): { name: string; url: string; token: string | null };
  /** Drops an instance and its files. */
  dropInstance(name: string): void;
  /** Stops accepting, lets in-flight requests finish, closes the databases. */
  close(): Promise<void>;
}

export function resolveConfig(options: EmulatorOptions = {}): Config {
  try {
    return parseOrThrow(optionsSchema, options, 'options');
  } catch (e) {
    throw new Error((e as Error).message);
  }
}

/**
 * Starts the emulator (port 0 and an in-memory database by default, for test suites).
 * Resolves once the server is listening.
 */
export async function startEmulator(options: EmulatorOptions = {}, logger?: Logger): Promise<RunningEmulator> {
  const config = resolveConfig(options);
  const log = logger ?? createLogger(options.logLevel ?? 'warn');
  const registry = new InstanceRegistry(config, log);
  registry.get('default'); // open and seed before accepting traffic, so the first request is fast
  const app = createApp({ registry });

  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  // @hono/node-server's listener (what serve() uses), with the last resort around it: a rejected fetch,
  // a request the adapter cannot parse and malformed HTTP all answer in the one error shape
  const requests = getRequestListener(guardedFetch(app.fetch, log, config.maxUploadBytes), { hostname: config.host, errorHandler: (e) => adapterErrorResponse(e, log) });
  const listener = config.https ? await listenDual(config, requests, log) : await listenPlain(config, requests, log);
  const port = listener.port;
  const url = `http://${host}:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    port,
    config,
    https: listener.ca && {
      url: `https://${host}:${port}`,
      proxyUrl: url,
      caFile: listener.ca.certFile,
      caBundleFile: listener.ca.bundleFile,
      caDir: listener.ca.dir,
      caCreated: listener.ca.created,
    },
    reset(instance) {
      if (instance) registry.reset(instance);
      else registry.resetAll();
    },
    instance: (name = 'default') => registry.get(name),
    fork(from, name) {
      const inst = registry.fork(from, name);
      return { name: inst.name, url: `http://${inst.name}.localhost:${port}`, token: registry.adminToken(inst) };
    },
    dropInstance: (name) => registry.drop(name),
    close() {
      closing ??= listener.close().then(() => registry.close());
      return closing;
    },
  };
}

type RequestListener = ReturnType<typeof getRequestListener>;
interface Listening {
  port: number;
  ca?: LocalCa;
  /** Stops accepting, lets in-flight requests finish. */
  close(): Promise<void>;
}

/** Plain HTTP only (the default). */
async function listenPlain(config: Config, requests: RequestListener, log: Logger): Promise<Listening> {
  const server = createServer(requests);
  answerClientErrors(server, log);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        const s = server as unknown as { closeIdleConnections?: () => void };
        s.closeIdleConnections?.();
      }),
  };
}

/** `https`: HTTP, HTTPS and the HTTPS proxy on one port, with the local CA's certificates. */
async function listenDual(config: Config, requests: RequestListener, log: Logger): Promise<Listening> {
  const caDir = caDirFor(config.db, config.caDir);
  let ca: LocalCa;
  try {
    ca = LocalCa.open(caDir, log);
  } catch (e) {
    // no `code`: the CLI reports it as it is, not as a port that cannot be listened on
    throw new Error(`cannot open or create the local CA in ${caDir}: ${(e as Error).message} (choose another place with --ca-dir)`);
  }
  const dual = new DualListener(requests, ca, log);
  answerClientErrors(dual.httpServer, log);
  const port = await dual.listen(config.port, config.host);
  return { port, ca, close: () => dual.close() };
}
