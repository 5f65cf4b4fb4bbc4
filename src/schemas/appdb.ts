import { z } from 'zod';

/**
 * Response bodies of AppDB (/api/datastores and /domo/datastores): declared by routes/appdb.ts with
 * responds(); the store's collection view returns CollectionJson.
 */

/** Domo's time format, `2024-06-15T00:00:00.000+0000`. */
const domoTime = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);

const column = z.strictObject({ name: z.string(), type: z.string(), visible: z.boolean().optional() });

export const collectionJson = z
  .strictObject({
    id: z.string(),
    customer: z.string(),
    owner: z.number().int(),
    datastoreId: z.string(),
    name: z.string(),
    datasourceId: z.string().optional(),
    schemaJson: z.string(),
    syncRequired: z.boolean(),
    fullReplaceRequired: z.boolean(),
    lastSync: domoTime,
    updatedBy: z.number().int(),
    schema: z.object({ columns: z.array(column) }),
    filters: z.array(z.record(z.string(), z.unknown())).optional(),
    createdOn: domoTime,
    updatedOn: domoTime,
    exportable: z.boolean(),
    syncEnabled: z.boolean(),
  })
  .meta({ id: 'AppDbCollection' });
export type CollectionJson = z.output<typeof collectionJson>;

export const documentJson = z
  .strictObject({
    id: z.string(),
    customer: z.string(),
    owner: z.number().int(),
    datastoreId: z.string(),
    collectionId: z.string(),
    createdOn: domoTime,
    updatedOn: domoTime,
    updatedBy: z.number().int(),
    content: z.record(z.string(), z.unknown()),
    syncRequired: z.boolean(),
  })
  .meta({ id: 'AppDbDocument' });

export const permissionJson = z.strictObject({ entityType: z.string(), entityId: z.string(), permissions: z.array(z.string()) });

export const exportJson = z.strictObject({
  exported: z.array(
    z.strictObject({
      collectionId: z.string(),
      name: z.string(),
      datasourceId: z.string().nullable(),
      rowCount: z.number().int(),
      skipped: z.number().int(),
      skippedReasons: z.array(z.string()).optional(),
      error: z.string().optional(),
    }),
  ),
});

/** A query with aggregations (groupby, count, sum...) answers rows; without, documents. */
export const queryJson = z.union([z.array(documentJson), z.array(z.record(z.string(), z.unknown()))]);

export const bulkCreatedJson = z.strictObject({ Created: z.number().int() });
export const bulkUpsertedJson = z.strictObject({ Updated: z.number().int(), Created: z.number().int() });
export const bulkDeletedJson = z.strictObject({ Deleted: z.number().int() });
