import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../src/http/env.js';
import { numericId } from '../src/http/paging.js';
import { valid } from '../src/http/validate.js';
import { actorOf } from './datasets/common.js';

/** `accountType` defaults from `dataProviderType` (Domo's clients send only the provider); one of the two is needed. */
const createBody = z
  .object({
    displayName: z.string().trim().min(1).max(500),
    accountType: z.string().trim().min(1).max(100).optional(),
    dataProviderType: z.string().trim().min(1).max(200).optional(),
  })
  .transform((b, ctx) => {
    const accountType = b.accountType ?? b.dataProviderType;
    if (!accountType) {
      ctx.addIssue({ code: 'custom', path: ['accountType'], message: 'Required: send accountType or dataProviderType' });
      return z.NEVER;
    }
    return { ...b, accountType };
  });

/** Data Accounts: /api/data/v1/accounts */
export function accountsRoutes() {
  const r = new Hono<AppEnv>();
  const base = '/api/data/v1/accounts';

  r.get(base, (c) => {
    const store = c.var.instance.stores.accounts;
    return c.json(store.list(actorOf(c)).map((a) => store.view(a)));
  });

  r.post(base, valid('json', createBody), (c) => {
    const store = c.var.instance.stores.accounts;
    return c.json(store.view(store.create(c.req.valid('json'), actorOf(c))));
  });

  r.get(`${base}/:accountId`, valid('param', z.object({ accountId: numericId })), (c) => {
    const store = c.var.instance.stores.accounts;
    return c.json(store.view(store.get(c.req.valid('param').accountId, actorOf(c))));
  });

  return r;
}
