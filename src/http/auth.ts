import type { Context } from 'hono';
import { ApiError, unauthorized } from './errors.js';
import type { AppEnv } from './env.js';

/**
 * Every /api (and /domo) route needs a token: X-DOMO-Developer-Token (developer token) or
 * X-DOMO-Authentication (session token); header names are case-insensitive. The user it belongs to
 * becomes c.var.user.
 */
export function authenticate(c: Context<AppEnv>): void {
  const token = c.req.header('x-domo-developer-token') ?? c.req.header('x-domo-authentication');
  if (!token) throw unauthorized('Missing token: send X-DOMO-Developer-Token (or X-DOMO-Authentication)');
  const user = c.var.instance.stores.users.byToken(token.trim());
  if (!user) throw unauthorized(`Unknown token for instance '${c.var.instance.name}'`);
  c.set('user', user);
}

/** Admins (role 1) pass every permission check. */
export const isAdmin = (user: { roleId: number }) => user.roleId === 1;

export { ApiError };
