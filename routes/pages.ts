import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../src/http/env.js';
import { numericId } from '../src/http/paging.js';
import { valid } from '../src/http/validate.js';
import type { PageActor } from '../src/state/pages.js';

const actorOf = (c: Context<AppEnv>): PageActor => c.var.principal;
const createBody = z.object({ parentPageId: numericId, title: z.string().trim().min(1).max(255), hasLayout: z.boolean().default(true) });
const moveBody = z.object({
  pageIds: z.array(numericId).min(1).refine((a) => new Set(a).size === a.length, { message: 'pageIds must be unique' }),
  parentPageId: numericId,
  pagePermission: z.literal('ORIGINAL'),
});
const revokeParams = z.object({ pageId: numericId, personId: numericId });

/** Pages API: create subpages, move pages, revoke a user's access. */
export function pagesRoutes() {
  const r = new Hono<AppEnv>();

  r.post('/api/content/v1/pages', valid('json', createBody), (c) => c.json(c.var.instance.stores.pages.createSubpage(c.req.valid('json'), actorOf(c))));

  r.put('/api/content/v1/pages/bulk/move', valid('json', moveBody), (c) => {
    const b = c.req.valid('json');
    return c.json(c.var.instance.stores.pages.bulkMove(b.pageIds, b.parentPageId, actorOf(c)));
  });

  r.delete('/api/content/v1/share/page/:pageId/user/:personId', valid('param', revokeParams), (c) => {
    const { pageId, personId } = c.req.valid('param');
    c.var.instance.stores.pages.revoke(pageId, personId, actorOf(c));
    return c.json({});
  });

  return r;
}
