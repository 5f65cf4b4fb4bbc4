import { createApp } from '../../src/app.js';
import { resolveConfig } from '../../src/server.js';
import { InstanceRegistry } from '../../src/instances.js';
import { createLogger } from '../../src/logger.js';
import type { EmulatorOptions } from '../../src/config.js';

export const ADMIN_TOKEN = 'domo-emulator-admin-token';
export const EDITOR_TOKEN = 'domo-emulator-editor-token';
export const PARTICIPANT_TOKEN = 'domo-emulator-participant-token';
export const ADMIN_ID = 1893952720;
export const EDITOR_ID = 587894148;
export const PARTICIPANT_ID = 1089963280;
export const FROZEN_AT = '2026-01-15T12:00:00.000Z';

/**
 * A fresh in-memory emulator for one test file: fixed clock, sequential ids, fixtures loaded.
 * `call` sends a request as a client would (JSON body, admin token unless told otherwise).
 */
export function testApp(options: EmulatorOptions = {}) {
  const config = resolveConfig({ db: ':memory:', ids: 'sequential', freezeClock: FROZEN_AT, logLevel: 'silent', ...options });
  const registry = new InstanceRegistry(config, createLogger(config.logLevel));
  const app = createApp({ registry });

  async function call(
    method: string,
    path: string,
    opts: { body?: unknown; raw?: RequestInit['body']; token?: string | null; headers?: Record<string, string>; instance?: string } = {},
  ) {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token !== null) headers['X-DOMO-Developer-Token'] ??= opts.token ?? ADMIN_TOKEN;
    if (opts.instance) headers['X-Domo-Instance'] = opts.instance;
    let body: RequestInit['body'] = opts.raw;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['Content-Type'] ??= 'application/json';
    }
    const res = await app.request(path, { method, headers, body });
    const text = await res.text();
    let json: any = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  return { app, registry, config, call, instance: (name = 'default') => registry.get(name), close: () => registry.close() };
}

/** Asserts the one error shape and returns it. */
export function expectErrorShape(res: { status: number; json: any }, status: number, path?: string) {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.json)}`);
  const b = res.json;
  const ok =
    b && b.status === status && typeof b.statusReason === 'string' && typeof b.message === 'string' && typeof b.toe === 'string' && typeof b.path === 'string';
  if (!ok) throw new Error(`not the error shape: ${JSON.stringify(b)}`);
  if (path !== undefined && b.path !== path) throw new Error(`expected path ${path}, got ${b.path}`);
  return b as { status: number; statusReason: string; path: string; message: string; toe: string; details?: Array<{ path: string; message: string }> };
}
