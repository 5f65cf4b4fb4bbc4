import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { cards, datasetPermissions, datasets, datasetSchemas, datasetUploadParts, datasetUploads, datasetVersions, streams, users, type SchemaColumn } from '../../../db/schema/index.js';
import { quoteIdent } from '../../engines/sql/types.js';
import { badRequest } from '../../http/errors.js';
import type { Principal } from '../../access/principal.js';
import { DatasetStorage } from './storage.js';
import { type DatasetRow, type Actor, levelRank, permissionString, type ColumnInput, type CreateDatasetInput, type LoadReport, type LoadStatus, emptyTable, schemaColumnView, sqlString, validateColumns } from './common.js';

/** Dataset CRUD, the dataset view, properties, tags, load status and schemas (routes/datasets/core.ts). */
export abstract class DatasetsCore extends DatasetStorage {
  /** Creates an API dataset owned by `ownerId` (as `by`, who needs dataset.create, when a client asks); returns its view. */
  create(input: CreateDatasetInput, by?: Principal): { id: string } & Record<string, unknown> {
    if (by) this.ctx.access.require(by, 'dataset.create');
    const columns = validateColumns(input.columns, 'columns');
    if (!input.name || !input.name.trim()) throw badRequest('A dataset needs a name', [{ path: 'name', message: 'Required' }]);
    this.assertUser(input.ownerId, 'ownerId');
    const ds = this.ctx.sqlite.transaction(() => {
      const row = this.createRecord({
        id: this.ctx.ids.uuid(),
        name: input.name.trim(),
        description: input.description ?? '',
        ownerId: input.ownerId,
        dataProviderType: input.dataProviderType ?? 'api',
        transportType: 'API',
        streamId: this.ctx.ids.numeric(),
        columns,
      });
      // a dataset another family creates for its own write (a DataFlow output) is recorded by that write
      if (by) this.ctx.audit.record(by, { action: 'CREATED', type: 'DATA_SOURCE', id: row.id, name: row.name });
      return row;
    })();
    const view = this.view(ds, this.ownerPrincipal(ds));
    return view as { id: string } & Record<string, unknown>;
  }

  // ---------------------------------------------------------------- metadata

  /** Dataset metadata as GET /api/data/v3/datasources/:id shows it to `actor`. */
  view(ds: DatasetRow, actor: Actor): Record<string, unknown> {
    const level = this.levelOf(ds, actor);
    const owner = this.ctx.orm.select({ name: users.displayName }).from(users).where(eq(users.id, ds.ownerId)).get();
    const cardStats = this.ctx.orm
      .select({ n: sql<number>`count(*)`, views: sql<number>`coalesce(sum(${cards.viewCount}), 0)` })
      .from(cards)
      .where(eq(cards.datasourceId, ds.id))
      .get()!;
    const live = this.liveVersions(ds.seq);
    const load = this.loadStatus(ds);
    return {
      id: ds.id,
      dataSourceId: ds.id,
      displayType: ds.displayType,
      dataProviderType: ds.dataProviderType,
      type: ds.displayType,
      name: ds.name,
      description: ds.description,
      owner: { id: String(ds.ownerId), name: owner?.name ?? null, type: 'USER', group: false },
      status: load.status,
      created: ds.created,
      lastTouched: ds.lastTouched,
      lastUpdated: ds.lastUpdated,
      rowCount: live.reduce((s, v) => s + v.numRows, 0),
      columnCount: ds.columns.length,
      cardInfo: { cardCount: cardStats.n, cardViewCount: cardStats.views },
      properties: { ...ds.properties, formulas: { formulas: this.links.datasetFormulas(ds.id) } },
      state: load.state,
      validConfiguration: load.validConfiguration,
      validAccount: true,
      streamId: ds.streamId,
      transportType: ds.transportType,
      adc: false,
      adcExternal: false,
      adcSource: 'DIRECT',
      masked: false,
      currentUserFullAccess: level >= levelRank.CO_OWNER,
      cloudId: typeof ds.properties.cloudId === 'string' ? ds.properties.cloudId : 'domo',
      cloudName: typeof ds.properties.cloudName === 'string' ? ds.properties.cloudName : 'Domo',
      permissions: permissionString[level],
      hidden: ds.hidden,
      tags: JSON.stringify(ds.tags),
      scheduleActive: load.scheduleActive,
      cardCount: cardStats.n,
      cloudEngine: 'domo',
      schemaId: ds.schemaId,
      certification: this.links.badge('DATA_SOURCE', ds.id),
    };
  }

  get(id: string, actor: Actor): Record<string, unknown> {
    return this.view(this.access(id, actor, 'read'), actor);
  }

  /** GET /api/data/v3/datasources/:id: the dataset's details page, which Domo logs as a view. */
  open(id: string, actor: Actor): Record<string, unknown> {
    const view = this.get(id, actor);
    this.ctx.audit.viewed(actor, { type: 'DATA_SOURCE', id, name: view.name as string });
    return view;
  }

  /** Datasets the actor can see (admins: all), newest first unless sorted otherwise. */
  list(
    opts: { limit: number; offset: number; nameLike?: string; ownerId?: number; sort?: string },
    actor: Actor,
  ): { dataSources: Record<string, unknown>[]; totalCount: number } {
    const conds = [];
    if (!this.ctx.access.isContentAdmin(actor)) {
      const grantee = this.ctx.access.granteeSql(actor, sql.raw('p.principal_type'), sql.raw('p.principal_id'));
      conds.push(sql`(${datasets.ownerId} = ${actor.userId} or exists (select 1 from ${datasetPermissions} p where p.dataset_seq = ${datasets.seq} and ${grantee}))`);
    }
    if (opts.nameLike) conds.push(sql`instr(lower(${datasets.name}), lower(${opts.nameLike})) > 0`);
    if (opts.ownerId !== undefined) conds.push(eq(datasets.ownerId, opts.ownerId));
    const where = conds.length ? and(...conds) : undefined;
    const total = this.ctx.orm.select({ n: sql<number>`count(*)` }).from(datasets).where(where).get()!.n;
    const order =
      opts.sort === 'name'
        ? [asc(sql`lower(${datasets.name})`), asc(datasets.seq)]
        : opts.sort === 'lastUpdated'
          ? [desc(datasets.lastUpdated), asc(datasets.seq)]
          : [desc(datasets.lastTouched), asc(datasets.seq)];
    const rows = this.ctx.orm.select().from(datasets).where(where).orderBy(...order).limit(opts.limit).offset(opts.offset).all();
    return { dataSources: rows.map((r) => this.view(r, actor)), totalCount: total };
  }

  /** Deletes a dataset, its data, uploads, permissions and stream. */
  delete(id: string, actor: Actor): void {
    const ds = this.access(id, actor, 'delete');
    this.ctx.sqlite.transaction(() => {
      this.dropView(ds.seq);
      const tables = this.ctx.orm
        .select({ t: datasetVersions.tableName })
        .from(datasetVersions)
        .where(eq(datasetVersions.datasetSeq, ds.seq))
        .all()
        .map((r) => r.t)
        .filter((t): t is string => !!t);
      const staging = this.ctx.orm
        .select({ t: datasetUploadParts.tableName })
        .from(datasetUploadParts)
        .innerJoin(datasetUploads, eq(datasetUploads.id, datasetUploadParts.uploadId))
        .where(eq(datasetUploads.datasetSeq, ds.seq))
        .all()
        .map((r) => r.t);
      for (const t of [...tables, ...staging, emptyTable(ds.seq)]) this.dropTable(t);
      for (const hook of this.deleteHooks) hook(ds);
      this.ctx.orm.delete(streams).where(eq(streams.datasetId, ds.id)).run();
      this.ctx.orm.delete(datasets).where(eq(datasets.seq, ds.seq)).run();
      this.ctx.audit.record(actor, { action: 'DELETED', type: 'DATA_SOURCE', id: ds.id, name: ds.name });
    })();
  }

  /** PUT .../properties: dataProviderType (also name, description, hidden). */
  setProperties(
    id: string,
    patch: { dataProviderType?: string; name?: string; description?: string; hidden?: boolean },
    actor: Actor,
  ): Record<string, unknown> {
    const ds = this.access(id, actor, 'write');
    const set: Partial<typeof datasets.$inferInsert> = { lastTouched: this.ctx.clock.nowMs() };
    if (patch.dataProviderType !== undefined) {
      set.dataProviderType = patch.dataProviderType;
      set.displayType = patch.dataProviderType;
    }
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.hidden !== undefined) set.hidden = patch.hidden;
    const changed = Object.keys(set).filter((k) => k !== 'lastTouched' && k !== 'displayType');
    this.ctx.audit.write(actor, { action: 'UPDATED', type: 'DATA_SOURCE', id: ds.id, name: set.name ?? ds.name, detail: ` (properties: ${changed.join(', ') || 'none'})` }, () =>
      this.ctx.orm.update(datasets).set(set).where(eq(datasets.seq, ds.seq)).run(),
    );
    return this.view(this.byId(id), actor);
  }

  /** A federated dataset's provider and federation properties, as a platform migration leaves them (internal). */
  setFederation(id: string, f: { dataProviderType: string; properties: Record<string, unknown> }): void {
    const ds = this.byId(id);
    this.ctx.orm
      .update(datasets)
      .set({ dataProviderType: f.dataProviderType, displayType: f.dataProviderType, properties: { ...ds.properties, ...f.properties }, lastTouched: this.ctx.clock.nowMs() })
      .where(eq(datasets.seq, ds.seq))
      .run();
  }

  /** POST /api/data/ui/v3/datasources/:id/tags: the list given becomes the dataset's tags. */
  setTags(id: string, tags: string[], actor: Actor): string[] {
    const ds = this.access(id, actor, 'write');
    const clean = [...new Set(tags.map((t) => t.trim()).filter(Boolean))];
    this.ctx.audit.write(actor, { action: 'UPDATED', type: 'DATA_SOURCE', id: ds.id, name: ds.name, detail: ` (tags: ${clean.join(', ') || 'none'})` }, () =>
      this.ctx.orm.update(datasets).set({ tags: clean, lastTouched: this.ctx.clock.nowMs() }).where(eq(datasets.seq, ds.seq)).run(),
    );
    return clean;
  }

  /**
   * The dataset's load status: the latest of its own data versions (uploads and every load commit one, a
   * SUCCESS) and the loads other families report (a failed stream run or DataFlow execution is an ERROR);
   * RUNNING while any is under way.
   */
  loadStatus(ds: DatasetRow): LoadStatus {
    const reports = this.loadReporters.map((f) => f(ds)).filter((r): r is LoadReport => r !== null);
    const committed = this.ctx.sqlite
      .prepare('SELECT max(recorded) FROM dataset_versions WHERE dataset_seq = ? AND deleted = 0')
      .pluck()
      .get(ds.seq) as number | null;
    const events = reports.map((r) => r.last).filter((e): e is NonNullable<LoadReport['last']> => !!e);
    const finished = events.filter((e) => e.state !== 'RUNNING');
    if (committed !== null) finished.push({ at: committed, state: 'SUCCESS' });
    // the latest outcome; at the same instant a failure is the later news (a failed run commits nothing)
    const latest = finished.sort((a, b) => b.at - a.at || (a.state === 'ERROR' ? -1 : 1) - (b.state === 'ERROR' ? -1 : 1))[0];
    const status = (latest?.state ?? 'IDLE') as LoadStatus['status'];
    return {
      status,
      state: events.some((e) => e.state === 'RUNNING') ? 'RUNNING' : status,
      validConfiguration: reports.every((r) => r.valid !== false),
      scheduleActive: reports.some((r) => r.scheduled === true),
    };
  }

  // ---------------------------------------------------------------- schema

  schemaIndexed(id: string, actor: Actor, includeHidden: boolean): Record<string, unknown> {
    const ds = this.access(id, actor, 'read');
    const columns = ds.columns
      .map((c, order) => ({ name: c.name, id: c.name, type: c.type, visible: c.visible, order }))
      .filter((c) => includeHidden || c.visible);
    return { name: 'schema', tables: [{ columns }], dataSourceId: ds.id, schemaId: ds.schemaId };
  }

  schemaLatest(id: string, actor: Actor): Record<string, unknown> {
    const ds = this.access(id, actor, 'read');
    return { schema: { columns: ds.columns.map(schemaColumnView) }, schemaId: ds.schemaId, dataSourceId: ds.id };
  }

  /**
   * Replaces the schema with `input` (the full new column list). Columns are matched to the old ones by
   * `id` (which may rename a column) or else by name; kept columns keep their values (converted when the
   * type changes), new columns are null, missing ones are dropped. Every stored data version is rewritten;
   * a value that cannot be converted is a 400 naming the column, and nothing changes.
   */
  alterSchema(id: string, input: ColumnInput[], actor: Actor): Record<string, unknown> {
    const ds = this.access(id, actor, 'write');
    const next = validateColumns(input, 'body.columns');
    const oldByName = new Map(ds.columns.map((c) => [c.name, c]));
    const sources = next.map((c, i) => {
      const ref = input[i].id && oldByName.has(input[i].id!) ? input[i].id! : c.name;
      return oldByName.get(ref) ?? null;
    });
    const used = new Set<string>();
    sources.forEach((s, i) => {
      if (!s) return;
      if (used.has(s.name)) {
        throw badRequest(`Column '${s.name}' is used twice in the new schema`, [{ path: `body.columns[${i}]`, message: 'Duplicate source column' }]);
      }
      used.add(s.name);
    });
    this.ctx.audit.write(actor, { action: 'UPDATED', type: 'DATA_SOURCE', id: ds.id, name: ds.name, detail: ` (schema ${ds.schemaId + 1}: ${next.length} columns)` }, () =>
      this.applySchema(ds, next, sources),
    );
    return this.schemaLatest(id, actor);
  }

}
