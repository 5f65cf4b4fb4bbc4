import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../src/http/env.js';
import { valid } from '../src/http/validate.js';
import { certifiableTypes, type CertifiableType } from '../src/state/certified-content.js';

const entityParams = z.object({
  entityType: z.string().trim().toUpperCase().pipe(z.enum(certifiableTypes)),
  entityId: z.string().trim().min(1).max(100),
});
const actorOf = (c: Context<AppEnv>) => c.var.principal;

/** Certified Content: the CERTIFIED system tag of cards, datasets (DATA_SOURCE) and pages. */
export function certifiedContentRoutes() {
  const r = new Hono<AppEnv>();
  const base = '/api/tags/v3/:entityType/:entityId/system/CERTIFIED/state';

  r.put(`${base}/ACTIVE`, valid('param', entityParams), (c) => {
    const { entityType, entityId } = c.req.valid('param');
    return c.json(c.var.instance.stores.certifiedContent.certify(entityType as CertifiableType, entityId, actorOf(c)));
  });

  r.get(base, valid('param', entityParams), (c) => {
    const { entityType, entityId } = c.req.valid('param');
    return c.json(c.var.instance.stores.certifiedContent.state(entityType, entityId));
  });

  r.delete(base, valid('param', entityParams), (c) => {
    const { entityType, entityId } = c.req.valid('param');
    c.var.instance.stores.certifiedContent.remove(entityType, entityId, actorOf(c));
    return c.body(null, 204);
  });

  return r;
}
