import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../src/http/env.js';
import { csvList, numericId } from '../src/http/paging.js';
import { valid } from '../src/http/validate.js';
import { queryOverrides } from '../src/engines/card-definition.js';
import { renderParts } from '../src/state/card-content.js';

const actorOf = (c: Context<AppEnv>) => c.var.principal;
const cardParam = z.object({ cardId: numericId });
const dynamicText = z.object({ text: z.array(z.object({ type: z.string().trim().min(1), text: z.string() })).min(1) });
const titleBody = z
  .object({ dynamicTitle: dynamicText.optional(), dynamicDescription: dynamicText.optional() })
  .refine((b) => b.dynamicTitle || b.dynamicDescription, { message: 'Send dynamicTitle and/or dynamicDescription' })
  .refine((b) => !b.dynamicTitle || b.dynamicTitle.text.map((t) => t.text).join('').trim() !== '', {
    message: 'The title cannot be empty',
    path: ['dynamicTitle', 'text'],
  });
const renderQuery = z.object({
  parts: csvList.pipe(
    z
      .array(z.enum(renderParts))
      .min(1)
      .refine((a) => new Set(a).size === a.length, { message: 'parts must be unique' }),
  ),
  locale: z.string().trim().min(1).optional(),
});
const renderBody = z
  .object({ queryOverrides: queryOverrides.optional(), treatLongsAsStrings: z.boolean().optional(), cardLoadContext: z.record(z.string(), z.unknown()).optional() })
  .loose()
  .optional();

const joinText = (d: z.infer<typeof dynamicText> | undefined) => (d ? d.text.map((t) => t.text).join('') : undefined);

/** Cards: "Update Card Title" and "Render KPI Card Chart or Table". */
export function cardsRoutes() {
  const r = new Hono<AppEnv>();

  // literal kpi route first
  r.put(
    '/api/content/v1/cards/kpi/:urn/render',
    valid('param', z.object({ urn: numericId })),
    valid('query', renderQuery),
    valid('json', renderBody, { optional: true }),
    async (c) => {
      const q = c.req.valid('query');
      const overrides = c.req.valid('json')?.queryOverrides ?? {};
      return c.json(await c.var.instance.stores.cardContent.render(c.req.valid('param').urn, q.parts, q.locale, actorOf(c), overrides));
    },
  );

  // not in the reference: a card's definition (what its render computes), read and replaced
  r.get('/api/content/v1/cards/:cardId/definition', valid('param', cardParam), (c) => {
    const store = c.var.instance.stores.cardContent;
    return c.json(store.definition(c.req.valid('param').cardId, actorOf(c)));
  });
  r.put('/api/content/v1/cards/:cardId/definition', valid('param', cardParam), valid('json', z.unknown()), (c) => {
    const store = c.var.instance.stores.cardContent;
    return c.json(store.setDefinition(c.req.valid('param').cardId, c.req.valid('json'), actorOf(c)));
  });

  r.put('/api/content/v1/cards/:cardId/title', valid('param', cardParam), valid('json', titleBody), (c) => {
    const b = c.req.valid('json');
    c.var.instance.stores.cardContent.updateText(c.req.valid('param').cardId, { title: joinText(b.dynamicTitle), description: joinText(b.dynamicDescription) }, actorOf(c));
    return c.json({});
  });

  return r;
}
