import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { adminUserId } from '../fixtures/index.js';
import type { InstanceRegistry } from '../instances.js';
import { badRequest, forbidden, unauthorized } from './errors.js';

/** A platform API client (client credentials), bound to an instance and a user. */
export interface PlatformClient {
  id: string;
  secret: string;
  instance: string;
  userId?: number;
  scope: string[];
}

/** An access token the platform API issued. */
export interface PlatformToken {
  token: string;
  clientId: string;
  instance: string;
  userId: number;
  scope: string[];
  /** instance-clock ms */
  expiresAt: number;
}

/** The scopes Domo's developer API knows. */
export const platformScopes = ['data', 'user', 'audit', 'dashboard', 'account', 'workflow'];

/** The platform clients: fixtures/clients.json (when seeding), then `clients` options / --client (these win). */
export function loadClients(config: Config): PlatformClient[] {
  const out = new Map<string, PlatformClient>();
  const file = join(config.fixtures, 'clients.json');
  if (config.seed && existsSync(file)) {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { clients?: PlatformClient[] };
    for (const c of parsed.clients ?? []) out.set(c.id, { ...c, instance: c.instance ?? 'default', scope: c.scope ?? platformScopes });
  }
  for (const c of config.clients) out.set(c.id, c);
  return [...out.values()];
}

/**
 * OAuth client-credentials tokens of the platform API (GET/POST /oauth/token). Tokens live in memory
 * (a restart means clients renew, as they do on any 401) and expire on their instance's clock.
 */
export class PlatformAuth {
  private readonly clients: Map<string, PlatformClient>;
  private readonly tokens = new Map<string, PlatformToken>();

  constructor(
    private readonly registry: InstanceRegistry,
    clients: PlatformClient[],
  ) {
    this.clients = new Map(clients.map((c) => [c.id, c]));
  }

  /** HTTP Basic client id and secret -> a token for the asked scopes (all the client's when none are asked). */
  issue(basic: string | undefined, scopeParam: string | undefined, grantType: string | undefined): PlatformToken {
    if (grantType !== 'client_credentials') {
      throw badRequest(`Unsupported grant_type '${grantType ?? ''}': use client_credentials`, [{ path: 'query.grant_type', message: 'Expected client_credentials' }]);
    }
    const m = /^basic\s+(.+)$/i.exec(basic ?? '');
    if (!m) throw unauthorized('Missing client credentials: send HTTP Basic <client id>:<client secret>');
    const decoded = Buffer.from(m[1].trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const id = colon < 0 ? decoded : decoded.slice(0, colon);
    const secret = colon < 0 ? '' : decoded.slice(colon + 1);
    const client = this.clients.get(id);
    if (!client || client.secret !== secret) throw unauthorized('Bad client credentials');
    const asked = (scopeParam ?? '').split(/[\s,+]+/).map((s) => s.trim().toLowerCase()).filter(Boolean);
    const allowed = client.scope.map((s) => s.toLowerCase());
    const refused = asked.filter((s) => !allowed.includes(s));
    if (refused.length) throw badRequest(`Client '${id}' may not ask for scope ${refused.join(', ')} (it has ${allowed.join(', ')})`, [{ path: 'query.scope', message: `Not granted: ${refused.join(', ')}` }]);
    const inst = this.registry.get(client.instance);
    const userId = client.userId ?? adminUserId(this.registry.config.fixtures) ?? 1;
    const now = inst.clock.nowMs();
    this.prune(now);
    const t: PlatformToken = {
      token: randomBytes(24).toString('base64url'),
      clientId: id,
      instance: client.instance,
      userId,
      scope: asked.length ? asked : allowed,
      expiresAt: now + this.registry.config.tokenLifetimeSeconds * 1000,
    };
    this.tokens.set(t.token, t);
    return t;
  }

  /** `Authorization: bearer <token>` -> the token; a missing, unknown or expired one is the 401 the SDKs renew on. */
  check(authorization: string | undefined): PlatformToken {
    const m = /^bearer\s+(.+)$/i.exec(authorization ?? '');
    if (!m) throw unauthorized('Missing access token: send Authorization: bearer <token> (from /oauth/token)');
    const t = this.tokens.get(m[1].trim());
    if (!t) throw unauthorized('Invalid access token');
    if (this.registry.get(t.instance).clock.nowMs() >= t.expiresAt) {
      this.tokens.delete(t.token);
      throw unauthorized('Access token expired');
    }
    return t;
  }

  /** 403 unless the token has the scope. */
  requireScope(t: PlatformToken, scope: string): void {
    if (!t.scope.includes(scope)) throw forbidden(`The access token lacks the '${scope}' scope (it has ${t.scope.join(', ')})`);
  }

  private prune(now: number): void {
    if (this.tokens.size < 10_000) return;
    for (const [k, t] of this.tokens) if (t.expiresAt <= now) this.tokens.delete(k);
  }
}
