export * from './common.js';
import { DatasetVersions } from './versions.js';

/**
 * Datasets: metadata, schemas, permissions, tags, uploads, data versions, partitions, indexing.
 *
 * Rows live in one typed SQLite table per data version (`dsv_<seq>_<dataId>`), created with the declared
 * types of sql/types.ts. What queries see is the view `dataset_<seq>`: the UNION ALL of the live versions
 * (the last REPLACE and the APPENDs after it, plus the newest version of each partition tag) that are
 * indexed as of the instance clock. The view is rebuilt lazily when that set changes.
 *
 * The store is built in layers, each a file of this folder extending the one before:
 * common.ts (the record, access, hooks) -> storage.ts (version tables, the live view, seeding) ->
 * core.ts (CRUD, properties, tags, schemas) -> permissions.ts (sharing) -> uploads.ts (staged uploads) ->
 * versions.ts (data versions, partitions, index jobs). routes/datasets/ has the matching route files.
 */
export class DatasetsStore extends DatasetVersions {}
