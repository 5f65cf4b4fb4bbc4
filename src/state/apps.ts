import { asc, eq } from 'drizzle-orm';
import { apps } from '../../db/schema/index.js';
import type { AppIdentity } from '../access/principal.js';
import { appIdOf, datasetMappings, type AppManifest, type DatasetMapping, type PackageMapping, type WorkflowMapping } from '../engines/app-manifest.js';
import { badRequest, notFound } from '../http/errors.js';
import type { StoreContext } from './context.js';

export interface AppRecord {
  id: string;
  name: string;
  proxyId: string | null;
  manifest: AppManifest;
  created: number;
  updated: number;
}

/**
 * Custom app designs: the manifests app sessions resolve their aliases through. An app session (a token of
 * kind `app`) may name its app; then `/data/v1/{alias}`, `/sql/v1/{alias}`, workflow and Code Engine aliases
 * are that manifest's. Registering is an administrative act (POST /_emulator/apps, `domo-emulator app`):
 * a manifest grants nothing by itself, every read through it is still the session user's.
 */
export class AppsStore {
  private readonly cache = new Map<string, AppRecord | null>();

  constructor(private readonly ctx: StoreContext) {}

  /** Registers (or replaces) an app design from its manifest; returns it. */
  register(manifest: AppManifest): AppRecord {
    const id = appIdOf(manifest);
    const now = this.ctx.clock.nowMs();
    this.ctx.orm
      .insert(apps)
      .values({ id, name: manifest.name, proxyId: manifest.proxyId ?? null, manifest, created: now, updated: now })
      .onConflictDoUpdate({ target: apps.id, set: { name: manifest.name, proxyId: manifest.proxyId ?? null, manifest, updated: now } })
      .run();
    this.cache.delete(id);
    return this.get(id);
  }

  find(id: string): AppRecord | undefined {
    let hit = this.cache.get(id);
    if (hit === undefined) {
      const row = this.ctx.orm.select().from(apps).where(eq(apps.id, id)).get();
      hit = row ? { ...row, manifest: row.manifest as AppManifest } : null;
      if (this.cache.size > 1000) this.cache.clear();
      this.cache.set(id, hit);
    }
    return hit ?? undefined;
  }

  get(id: string): AppRecord {
    const a = this.find(id);
    if (!a) throw notFound(`App ${id} not found (register its manifest with POST /_emulator/apps, or serve it with domo-emulator app)`);
    return a;
  }

  list(): AppRecord[] {
    return this.ctx.orm
      .select()
      .from(apps)
      .orderBy(asc(apps.id))
      .all()
      .map((r) => ({ ...r, manifest: r.manifest as AppManifest }));
  }

  /** What an app session's principal carries: the app's id and proxy id (RYUU_APP grants name either). */
  identity(appId: string | null): AppIdentity | null {
    if (!appId) return null;
    return { id: appId, proxyId: this.find(appId)?.proxyId ?? null };
  }

  /**
   * The dataset an alias names. With an app: its manifest's mapping (404 when it maps no such alias).
   * Without one (a developer token, or an app session of no named app) the alias is a dataset id, read
   * with its own column names.
   */
  dataset(appId: string | null, alias: string): DatasetMapping {
    if (!appId) return { alias, dataSetId: alias, fields: [] };
    const app = this.get(appId);
    const m = datasetMappings(app.manifest).find((d) => d.alias === alias);
    if (!m) {
      const known = datasetMappings(app.manifest).map((d) => d.alias);
      throw notFound(`App ${app.name} (${app.id}) maps no dataset alias '${alias}'${known.length ? ` (its aliases: ${known.join(', ')})` : ''}`);
    }
    return m;
  }

  /** The workflow an alias names in the app's workflowMapping (its `modelId`: the emulator's wiring). */
  workflow(appId: string | null, alias: string): WorkflowMapping & { modelId: string } {
    if (!appId) return { alias, modelId: alias };
    const app = this.get(appId);
    const m = (app.manifest.workflowMapping ?? []).find((w) => w.alias === alias);
    if (!m) throw notFound(`App ${app.name} (${app.id}) maps no workflow alias '${alias}'`);
    if (!m.modelId) throw badRequest(`Workflow alias '${alias}' of app ${app.id} is not wired: give it a modelId (and version) in the manifest's workflowMapping`);
    return { ...m, modelId: m.modelId };
  }

  /** The Code Engine function an alias names in the app's packageMapping (its `packageId`: the emulator's wiring). */
  codeEngineFunction(appId: string | null, alias: string): PackageMapping & { packageId: string } {
    if (!appId) throw notFound(`No app named by this session: Code Engine aliases need an app session of an app whose packageMapping maps '${alias}'`);
    const app = this.get(appId);
    const m = (app.manifest.packageMapping ?? []).find((p) => p.alias === alias);
    if (!m) throw notFound(`App ${app.name} (${app.id}) maps no Code Engine alias '${alias}'`);
    if (!m.packageId) throw badRequest(`Code Engine alias '${alias}' of app ${app.id} is not wired: give it a packageId (and version, functionName) in the manifest's packageMapping`);
    return { ...m, packageId: m.packageId };
  }

  view(a: AppRecord): Record<string, unknown> {
    return { id: a.id, name: a.name, proxyId: a.proxyId, manifest: a.manifest, created: new Date(a.created).toISOString(), updated: new Date(a.updated).toISOString() };
  }
}
