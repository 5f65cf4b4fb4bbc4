import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../src/http/env.js';
import { numericId, pagingQuery, flag } from '../../src/http/paging.js';
import { valid } from '../../src/http/validate.js';
import { accessLevels } from '../../src/state/datasets/index.js';
import { actorOf, datasetParam, upperEnum } from './common.js';

const column = z.object({
  name: z.string().max(1024),
  type: z.string().max(64),
  id: z.string().max(1024).optional(),
  visible: z.boolean().optional(),
  order: z.number().optional(),
  metadata: z.object({ colLabel: z.string().optional(), colFormat: z.string().optional() }).loose().optional(),
});

const createBody = z
  .object({
    userDefinedType: z.string().trim().min(1).max(100).optional(),
    dataSourceName: z.string().trim().min(1).max(1024).optional(),
    name: z.string().trim().min(1).max(1024).optional(),
    dataSourceDescription: z.string().max(10_000).optional(),
    description: z.string().max(10_000).optional(),
    schema: z.object({ columns: z.array(column).min(1, 'a dataset needs at least one column').max(1000) }),
  })
  .refine((b) => b.dataSourceName ?? b.name, { message: 'dataSourceName is required', path: ['dataSourceName'] });

const metadataQuery = z.object({
  part: z.string().optional(),
  parts: z.string().optional(),
  requestedParts: z.string().optional(),
});

const listQuery = pagingQuery(50, 1000).extend({
  nameLike: z.string().max(1024).optional(),
  ownerId: numericId.optional(),
  sort: z.enum(['name', 'lastTouched', 'lastUpdated']).optional(),
  orderBy: z.enum(['name', 'lastTouched', 'lastUpdated']).optional(),
  part: z.string().optional(),
  fields: z.string().optional(),
});

const propertiesBody = z
  .object({
    dataProviderType: z.string().trim().min(1).max(200).optional(),
    dataSourceName: z.string().trim().min(1).max(1024).optional(),
    name: z.string().trim().min(1).max(1024).optional(),
    dataSourceDescription: z.string().max(10_000).optional(),
    description: z.string().max(10_000).optional(),
    hidden: z.boolean().optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'Give at least one property (dataProviderType, name, description, hidden)' });

const tagsBody = z.union([
  z.array(z.string().max(200)).max(500),
  z.object({ tags: z.array(z.string().max(200)).max(500) }).transform((b) => b.tags),
]);

const principalType = upperEnum(['USER', 'GROUP']);
const shareBody = z.object({
  permissions: z
    .array(z.object({ id: numericId, type: principalType.default('USER'), accessLevel: upperEnum(accessLevels) }))
    .min(1)
    .max(1000),
  sendEmail: flag.optional(),
  message: z.string().max(10_000).optional(),
});

const removeManyBody = z.union([
  z.array(z.object({ id: numericId, type: principalType.default('USER') })).min(1).max(1000),
  z.object({ users: z.array(z.object({ id: numericId, type: principalType.default('USER') })).min(1).max(1000) }).transform((b) => b.users),
]);

const alterBody = z.union([
  z.object({ schema: z.object({ columns: z.array(column).max(1000) }).loose() }).transform((b) => b.schema.columns),
  z.object({ columns: z.array(column).max(1000), objects: z.array(z.unknown()).optional(), views: z.array(z.unknown()).optional() }).transform((b) => b.columns),
]);

const userParams = z.object({ datasetId: datasetParam.shape.datasetId, userId: numericId });

/** Datasets API: create, metadata, list, delete, properties, tags, schema, sharing, cards. */
export function datasetCoreRoutes() {
  const r = new Hono<AppEnv>();
  const v3 = '/api/data/v3/datasources';

  r.post('/api/data/v2/datasources', valid('json', createBody), (c) => {
    const b = c.req.valid('json');
    const view = c.var.instance.stores.datasets.create({
      name: (b.dataSourceName ?? b.name)!,
      description: b.dataSourceDescription ?? b.description,
      columns: b.schema.columns,
      ownerId: c.var.principal.userId,
      dataProviderType: b.userDefinedType ?? 'api',
    }, c.var.principal);
    return c.json({ ...view, dataSource: { ...view, dataSourceId: view.id } });
  });

  r.get(v3, valid('query', listQuery), (c) => {
    const q = c.req.valid('query');
    const page = c.var.instance.stores.datasets.list({ ...q, sort: q.sort ?? q.orderBy }, actorOf(c));
    return c.json({ dataSources: page.dataSources, _metaData: { totalCount: page.totalCount, limit: q.limit, offset: q.offset } });
  });

  r.get(`${v3}/:datasetId`, valid('param', datasetParam), valid('query', metadataQuery), (c) =>
    c.json(c.var.instance.stores.datasets.open(c.req.valid('param').datasetId, actorOf(c))),
  );

  r.delete(`${v3}/:datasetId`, valid('param', datasetParam), (c) => {
    c.var.instance.stores.datasets.delete(c.req.valid('param').datasetId, actorOf(c));
    return c.body(null, 204);
  });

  r.put(`${v3}/:datasetId/properties`, valid('param', datasetParam), valid('json', propertiesBody), (c) => {
    const b = c.req.valid('json');
    return c.json(
      c.var.instance.stores.datasets.setProperties(
        c.req.valid('param').datasetId,
        { dataProviderType: b.dataProviderType, name: b.dataSourceName ?? b.name, description: b.dataSourceDescription ?? b.description, hidden: b.hidden },
        actorOf(c),
      ),
    );
  });

  r.post('/api/data/ui/v3/datasources/:datasetId/tags', valid('param', datasetParam), valid('json', tagsBody), (c) => {
    const id = c.req.valid('param').datasetId;
    const tags = c.var.instance.stores.datasets.setTags(id, c.req.valid('json'), actorOf(c));
    return c.json({ dataSourceId: id, tags });
  });

  // schema
  r.get(
    '/api/query/v1/datasources/:datasetId/schema/indexed',
    valid('param', datasetParam),
    valid('query', z.object({ includeHidden: flag.optional() })),
    (c) =>
      c.json(
        c.var.instance.stores.datasets.schemaIndexed(c.req.valid('param').datasetId, actorOf(c), c.req.valid('query').includeHidden ?? false),
      ),
  );

  r.get('/api/data/v2/datasources/:datasetId/schemas/latest', valid('param', datasetParam), (c) =>
    c.json(c.var.instance.stores.datasets.schemaLatest(c.req.valid('param').datasetId, actorOf(c))),
  );

  r.post('/api/data/v2/datasources/:datasetId/schemas', valid('param', datasetParam), valid('json', alterBody), (c) =>
    c.json(c.var.instance.stores.datasets.alterSchema(c.req.valid('param').datasetId, c.req.valid('json'), actorOf(c))),
  );

  // sharing
  r.get(`${v3}/:datasetId/permissions`, valid('param', datasetParam), (c) =>
    c.json(c.var.instance.stores.datasets.permissions(c.req.valid('param').datasetId, actorOf(c))),
  );

  r.post(`${v3}/:datasetId/share`, valid('param', datasetParam), valid('json', shareBody), (c) => {
    const b = c.req.valid('json');
    const stores = c.var.instance.stores;
    const res = stores.datasets.share(c.req.valid('param').datasetId, b.permissions, actorOf(c));
    if (b.sendEmail) {
      for (const g of res.granted) {
        if (!g.emails.length) continue;
        stores.outbox.send({
          kind: 'email',
          to: g.emails,
          subject: `${c.var.principal.displayName} shared the DataSet "${res.dataset.name}" with you`,
          body: `${c.var.principal.displayName} gave you ${g.accessLevel} access to the DataSet "${res.dataset.name}".${b.message ? `\n\n${b.message}` : ''}`,
          meta: { dataSourceId: res.dataset.id, accessLevel: g.accessLevel, principalType: g.type, principalId: g.id, sharedBy: c.var.principal.userId },
        });
      }
    }
    return c.json({});
  });

  const revokeOne = (c: import('hono').Context<AppEnv>, p: { datasetId: string; userId: number }) => {
    c.var.instance.stores.datasets.revoke(p.datasetId, [{ type: 'USER', id: p.userId }], actorOf(c));
    return c.json({});
  };
  // "USER"/"USERS" are written in capitals by the reference; the lower-case forms work too.
  for (const seg of ['permissions/USER', 'permissions/user', 'USERS', 'users']) {
    r.delete(`${v3}/:datasetId/${seg}/:userId`, valid('param', userParams), (c) => revokeOne(c, c.req.valid('param')));
  }

  r.delete(`${v3}/:datasetId/users`, valid('param', datasetParam), valid('json', removeManyBody), (c) => {
    c.var.instance.stores.datasets.revoke(c.req.valid('param').datasetId, c.req.valid('json'), actorOf(c));
    return c.json({});
  });

  // cards
  r.get(
    '/api/content/v1/datasources/:datasetId/cards',
    valid('param', datasetParam),
    valid('query', z.object({ drill: flag.optional() })),
    (c) => {
      const id = c.req.valid('param').datasetId;
      const stores = c.var.instance.stores;
      stores.datasets.access(id, actorOf(c), 'read');
      const drill = c.req.valid('query').drill ?? true;
      const actor = actorOf(c);
      return c.json(stores.cards.byDataset(id).map((card) => stores.cards.view(card, { drill, access: stores.cardContent.canRead(card, actor) })));
    },
  );

  return r;
}

