import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { optionsSchema, type Config, type EmulatorOptions } from './config.js';
import { InstanceRegistry, type Instance } from './instances.js';
import { createLogger, type Logger } from './logger.js';
import { parseOrThrow } from './http/validate.js';
import { adapterErrorResponse, answerClientErrors, guardedFetch } from './http/last-resort.js';

export interface RunningEmulator {
  url: string;
  port: number;
  config: Config;
  /** Back to the fixtures: one instance, or every instance opened so far. */
  reset(instance?: string): void;
  /** An instance's stores, clock and ids, for tests that set state up directly. */
  instance(name?: string): Instance;
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

  // @hono/node-server's listener (what serve() uses), with the last resort around it: a rejected fetch,
  // a request the adapter cannot parse and malformed HTTP all answer in the one error shape
  const listener = getRequestListener(guardedFetch(app.fetch, log, config.maxUploadBytes), { hostname: config.host, errorHandler: (e) => adapterErrorResponse(e, log) });
  const server: Server = createServer(listener);
  answerClientErrors(server, log);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${host}:${port}`,
    port,
    config,
    reset(instance) {
      if (instance) registry.reset(instance);
      else registry.resetAll();
    },
    instance: (name = 'default') => registry.get(name),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          registry.close();
          resolve();
        });
        const s = server as unknown as { closeIdleConnections?: () => void };
        s.closeIdleConnections?.();
      });
      return closing;
    },
  };
}
