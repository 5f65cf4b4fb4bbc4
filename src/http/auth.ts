import type { Context, MiddlewareHandler } from 'hono';
import type { Action } from '../access/actions.js';
import type { TokenKind } from '../access/principal.js';
import { ApiError, unauthorized } from './errors.js';
import type { AppEnv } from './env.js';

/**
 * Every /api (and /domo) route needs a token: X-DOMO-Developer-Token (developer token) or
 * X-DOMO-Authentication (session token); header names are case-insensitive. The token's user becomes
 * the request's Principal (c.var.principal): the one answer to "who is calling" that stores receive.
 */
export function authenticate(c: Context<AppEnv>): void {
  const token = c.req.header('x-domo-developer-token') ?? c.req.header('x-domo-authentication');
  if (!token) throw unauthorized('Missing token: send X-DOMO-Developer-Token (or X-DOMO-Authentication)');
  const inst = c.var.instance;
  const hit = inst.stores.users.byToken(token.trim());
  if (!hit) throw unauthorized(`Unknown token for instance '${inst.name}'`);
  c.set('principal', inst.access.principal(hit.user, hit.kind as TokenKind, c.req.method));
}

export { ApiError };

/**
 * A route guard for actions on no stored object (stateless services such as AI): asks the policy
 * before the body is read. Stores ask the policy themselves for everything else.
 */
export const requires =
  (action: Action): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    c.var.instance.access.require(c.var.principal, action);
    await next();
  };
