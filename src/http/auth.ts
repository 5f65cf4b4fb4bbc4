import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Action } from '../access/actions.js';
import type { TokenKind } from '../access/principal.js';
import { ApiError, unauthorized } from './errors.js';
import type { AppEnv } from './env.js';

/** The cookie Domo writes an app session to on the app's domain (App Framework "App Sessions"). */
export const RYUU_COOKIE = 'ryuu_sid';

/**
 * Every /api (and /domo, /data, /sql) route needs a credential: X-DOMO-Developer-Token (developer token),
 * X-DOMO-Authentication (session token), or an app session (a token of kind `app`) the way Domo's App
 * Framework takes it, in its order: the X-DOMO-Ryuu-Session header (what ryuu.js sends), the `ryuu_sid`
 * query parameter, the `ryuu_sid` cookie. Header names are case-insensitive. The token's user becomes the
 * request's Principal (c.var.principal): the one answer to "who is calling" that stores receive; an app
 * session's principal also carries its app (RYUU_APP grants, manifest aliases).
 */
export function authenticate(c: Context<AppEnv>): void {
  const plain = c.req.header('x-domo-developer-token') ?? c.req.header('x-domo-authentication');
  const ryuu = plain ? undefined : (c.req.header('x-domo-ryuu-session') ?? c.req.query(RYUU_COOKIE) ?? getCookie(c, RYUU_COOKIE));
  const token = (plain ?? ryuu)?.trim();
  if (!token) throw unauthorized('Missing token: send X-DOMO-Developer-Token (or X-DOMO-Authentication, or an app session as X-DOMO-Ryuu-Session)');
  const inst = c.var.instance;
  const hit = inst.stores.users.byToken(token);
  if (!hit) throw unauthorized(`Unknown token for instance '${inst.name}'`);
  if (ryuu && hit.kind !== 'app') throw unauthorized(`Not an app session: X-DOMO-Ryuu-Session and ryuu_sid take tokens of kind app (POST /_emulator/tokens {"userId": ..., "kind": "app"})`);
  const app = hit.kind === 'app' ? inst.stores.apps.identity(hit.appId) : null;
  c.set('principal', inst.access.principal(hit.user, hit.kind as TokenKind, c.req.method, app));
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

/** The App Framework's data routes, served at the root like Domo's app domains: /data/v1/..., /sql/v1/... */
export const isAppDataPath = (path: string) => path.startsWith('/data/') || path.startsWith('/sql/');
