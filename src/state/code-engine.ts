import { and, asc, eq } from 'drizzle-orm';
import { codeEngineExecutions, codeEnginePackages, codeEngineVersions, users } from '../../db/schema/index.js';
import {
  bindInputs,
  configurationSchema,
  functionsSchema,
  inspectCode,
  runFunction,
  type CodeEngineLimits,
  type ErrorInformation,
  type FunctionDecl,
  type HostFunctions,
} from '../engines/code-engine/index.js';
import { badRequest, conflict, notFound, notImplemented, type ErrorDetail } from '../http/errors.js';
import type { Resource } from '../access/resources.js';
import type { StoreContext } from './context.js';
import type { Caller } from './task-center.js';

type PackageRow = typeof codeEnginePackages.$inferSelect;
type VersionRow = typeof codeEngineVersions.$inferSelect;

export const versionPattern = /^\d+\.\d+\.\d+$/;

/** What a client sends to POST /api/codeengine/v2/packages (validated by the route). */
export interface SavePackageInput {
  id?: string;
  name?: string;
  description?: string | null;
  language?: 'JAVASCRIPT' | 'PYTHON';
  environment?: string;
  version?: string;
  code: string;
  manifest: { functions: FunctionDecl[]; configuration: Record<string, unknown> };
}

/** A package in fixtures/code-engine/packages.json (the code already read from its file). */
export interface PackageSeed {
  id: string;
  name: string;
  description?: string | null;
  language?: 'JAVASCRIPT' | 'PYTHON';
  environment?: string;
  owner: number;
  versions: Array<{ version: string; description?: string | null; released?: boolean; code: string; manifest: { functions: unknown[]; configuration?: unknown } }>;
}

/** Which optional parts an answer carries (`?parts=versions,functions,code`). */
export interface Parts {
  versions: boolean;
  functions: boolean;
  code: boolean;
}

export interface RunRequest {
  packageId: string;
  version: string;
  functionName: string;
  inputVariables: Record<string, unknown>;
  /** Who runs it: `startedBy`, and the activity log entry. */
  principal: Caller;
  /** Whether the answer carries the console output (it is stored either way). */
  getLogs: boolean;
  limits: CodeEngineLimits;
}

/** A run's answer: the reference's Run Function response. */
export interface ExecutionAnswer {
  executionId: string;
  packageId: string;
  version: string;
  functionName: string;
  status: 'SUCCESS' | 'FAILED';
  settings: { getLogs: boolean };
  startedOn: string;
  startedBy: string;
  completedOn: string;
  result: unknown;
  stdout: { log: string[] };
  stderr: { log: string[] };
  errorInformation: ErrorInformation | null;
}

/** Orders versions numerically (1.0.10 after 1.0.9). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return a.localeCompare(b);
}

const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());

interface SavePlan {
  pkg: PackageRow | undefined;
  packageId: string;
  version: string;
  existing: VersionRow | undefined;
}

/**
 * Code Engine: packages (metadata), their versions (JavaScript source + function declarations) and runs.
 * A run checks the inputs here, executes the code in the sandbox (src/engines/code-engine) and stores the
 * execution; only the sandbox part is asynchronous, every database write is one synchronous transaction.
 */
export class CodeEngineStore {
  constructor(private readonly ctx: StoreContext) {}

  // ---- fixtures ----

  seed(list: PackageSeed[]): void {
    const now = this.ctx.clock.nowMs();
    for (const p of list) {
      this.ctx.orm
        .insert(codeEnginePackages)
        .values({
          id: p.id,
          name: p.name,
          description: p.description ?? null,
          language: p.language ?? 'JAVASCRIPT',
          environment: p.environment ?? 'LAMBDA',
          ownerId: p.owner,
          createdOn: now,
          createdBy: p.owner,
          updatedOn: now,
          updatedBy: p.owner,
        })
        .run();
      for (const v of p.versions) {
        if (!versionPattern.test(v.version)) throw new Error(`fixtures: code engine package ${p.id}: version '${v.version}' is not like 1.0.0`);
        const fns = functionsSchema.safeParse(v.manifest.functions);
        if (!fns.success) throw new Error(`fixtures: code engine package ${p.id} ${v.version}: ${fns.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
        this.ctx.orm
          .insert(codeEngineVersions)
          .values({
            packageId: p.id,
            version: v.version,
            description: v.description ?? null,
            code: v.code,
            functions: fns.data,
            configuration: configurationSchema.parse(v.manifest.configuration),
            createdOn: now,
            createdBy: p.owner,
            updatedOn: now,
            updatedBy: p.owner,
            releasedOn: v.released ? now : null,
            releasedBy: v.released ? p.owner : null,
          })
          .run();
      }
    }
  }

  // ---- reads ----

  private packageRow(id: string): PackageRow {
    const p = this.ctx.orm.select().from(codeEnginePackages).where(eq(codeEnginePackages.id, id)).get();
    if (!p) throw notFound(`Code Engine package ${id} not found`);
    return p;
  }

  private versionRows(packageId: string): VersionRow[] {
    return this.ctx.orm
      .select()
      .from(codeEngineVersions)
      .where(eq(codeEngineVersions.packageId, packageId))
      .all()
      .sort((a, b) => compareVersions(a.version, b.version));
  }

  private versionRow(pkg: PackageRow, version: string): VersionRow {
    const v = this.ctx.orm
      .select()
      .from(codeEngineVersions)
      .where(and(eq(codeEngineVersions.packageId, pkg.id), eq(codeEngineVersions.version, version)))
      .get();
    if (!v) throw notFound(`Package ${pkg.id} has no version ${version} (versions: ${this.versionRows(pkg.id).map((r) => r.version).join(', ') || 'none'})`);
    return v;
  }

  private versionView(pkg: PackageRow, v: VersionRow, parts: Pick<Parts, 'functions' | 'code'>) {
    return {
      packageId: pkg.id,
      version: v.version,
      language: pkg.language,
      description: v.description,
      createdOn: iso(v.createdOn),
      createdBy: v.createdBy,
      updatedOn: iso(v.updatedOn),
      updatedBy: v.updatedBy,
      released: v.releasedOn != null,
      releasedOn: iso(v.releasedOn),
      releasedBy: v.releasedBy,
      configuration: v.configuration,
      ...(parts.functions ? { functions: v.functions } : {}),
      ...(parts.code ? { code: v.code } : {}),
    };
  }

  private packageView(p: PackageRow, parts: Parts) {
    const versions = this.versionRows(p.id);
    const latest = versions.at(-1);
    const released = versions.filter((v) => v.releasedOn != null).at(-1);
    return {
      id: p.id,
      name: p.name,
      description: p.description,
      language: p.language,
      environment: p.environment,
      owner: p.ownerId,
      createdOn: iso(p.createdOn),
      createdBy: p.createdBy,
      updatedOn: iso(p.updatedOn),
      updatedBy: p.updatedBy,
      /** the highest version, and the highest released one */
      currentVersion: latest?.version ?? null,
      releasedVersion: released?.version ?? null,
      ...(parts.versions ? { versions: versions.map((v) => this.versionView(p, v, parts)) } : {}),
      ...(parts.functions && !parts.versions ? { functions: latest?.functions ?? [] } : {}),
      ...(parts.code && !parts.versions ? { code: latest?.code ?? null } : {}),
    };
  }

  listPackages(parts: Parts) {
    return this.ctx.orm
      .select()
      .from(codeEnginePackages)
      .orderBy(asc(codeEnginePackages.name), asc(codeEnginePackages.id))
      .all()
      .map((p) => this.packageView(p, parts));
  }

  getPackage(id: string, parts: Parts) {
    return this.packageView(this.packageRow(id), parts);
  }

  listVersions(id: string, parts: Parts) {
    const p = this.packageRow(id);
    return this.versionRows(id).map((v) => this.versionView(p, v, parts));
  }

  getVersion(id: string, version: string, parts: Parts) {
    const p = this.packageRow(id);
    return this.versionView(p, this.versionRow(p, version), parts);
  }

  // ---- writes ----

  /** A package as the access policy sees it: its owner (holders of codeengine.manage act as owners). */
  private resource(pkg: { id: string; name: string; ownerId: number }): Resource {
    return { type: 'package', id: pkg.id, name: pkg.name, ownerIds: [pkg.ownerId] };
  }

  /** Where a save goes (new package, new version, or an unreleased version changed) and whether it may. */
  private planSave(input: SavePackageInput, user: Caller): SavePlan {
    const pkg = input.id ? this.ctx.orm.select().from(codeEnginePackages).where(eq(codeEnginePackages.id, input.id)).get() : undefined;
    if (!pkg) {
      this.ctx.access.require(user, 'package.create');
      if (!input.name) throw badRequest('A new package needs a name', [{ path: 'body.name', message: 'Required' }]);
      return { pkg: undefined, packageId: input.id ?? this.ctx.ids.uuid(), version: input.version ?? '1.0.0', existing: undefined };
    }
    this.ctx.access.require(user, 'package.update', this.resource(pkg));
    if (input.language && input.language !== pkg.language) {
      throw badRequest(`Package ${pkg.id} is ${pkg.language}; its language cannot change`, [{ path: 'body.language', message: `must be ${pkg.language}` }]);
    }
    const version = input.version ?? this.versionRows(pkg.id).at(-1)?.version ?? '1.0.0';
    const existing = this.ctx.orm
      .select()
      .from(codeEngineVersions)
      .where(and(eq(codeEngineVersions.packageId, pkg.id), eq(codeEngineVersions.version, version)))
      .get();
    if (existing?.releasedOn != null) {
      throw conflict(`Version ${version} of package ${pkg.id} is released and cannot change; save a new version (for example ${bump(this.versionRows(pkg.id).at(-1)!.version)})`);
    }
    return { pkg, packageId: pkg.id, version, existing };
  }

  /**
   * POST /packages: creates a package (no `id`, or an `id` not yet used), adds a version to one, or
   * replaces an unreleased version's code and manifest. JavaScript code is loaded in the sandbox first:
   * it must parse, load within the limits and define every declared function.
   */
  async save(input: SavePackageInput, user: Caller, limits: CodeEngineLimits) {
    const first = this.planSave(input, user);
    const language = first.pkg?.language ?? input.language ?? 'JAVASCRIPT';
    if (language === 'JAVASCRIPT') {
      const names = input.manifest.functions.map((f) => f.name);
      const r = await inspectCode(input.code, names, limits);
      if (!r.ok) throw badRequest(`The package code does not load: ${r.message}`, [{ path: 'body.code', message: r.message }]);
      const details: ErrorDetail[] = [];
      input.manifest.functions.forEach((f, i) => {
        if (r.types[f.name] !== 'function') {
          details.push({ path: `body.manifest.functions.${i}.name`, message: `the code defines no function ${f.name} (typeof ${f.name} is ${r.types[f.name] ?? 'undefined'})` });
        }
      });
      if (details.length) throw badRequest(`The manifest declares functions the code does not define: ${details.map((d) => d.message).join('; ')}`, details);
    }
    return this.ctx.sqlite.transaction(() => {
      // planned again inside the transaction: the state may have moved while the code was checked
      const plan = this.planSave({ ...input, id: first.packageId, version: first.version }, user);
      return this.applySave(plan, input, user);
    })();
  }

  private applySave(plan: SavePlan, input: SavePackageInput, user: Caller) {
    const now = this.ctx.clock.nowMs();
    const { packageId, version } = plan;
    if (!plan.pkg) {
      this.ctx.orm
        .insert(codeEnginePackages)
        .values({
          id: packageId,
          name: input.name!,
          description: input.description ?? null,
          language: input.language ?? 'JAVASCRIPT',
          environment: input.environment ?? 'LAMBDA',
          ownerId: user.userId,
          createdOn: now,
          createdBy: user.userId,
          updatedOn: now,
          updatedBy: user.userId,
        })
        .run();
    } else {
      this.ctx.orm
        .update(codeEnginePackages)
        .set({
          name: input.name ?? plan.pkg.name,
          description: input.description === undefined ? plan.pkg.description : input.description,
          environment: input.environment ?? plan.pkg.environment,
          updatedOn: now,
          updatedBy: user.userId,
        })
        .where(eq(codeEnginePackages.id, packageId))
        .run();
    }
    const fields = {
      description: input.description ?? plan.existing?.description ?? null,
      code: input.code,
      functions: input.manifest.functions,
      configuration: input.manifest.configuration,
      updatedOn: now,
      updatedBy: user.userId,
    };
    if (plan.existing) {
      this.ctx.orm
        .update(codeEngineVersions)
        .set(fields)
        .where(and(eq(codeEngineVersions.packageId, packageId), eq(codeEngineVersions.version, version)))
        .run();
    } else {
      this.ctx.orm.insert(codeEngineVersions).values({ packageId, version, ...fields, createdOn: now, createdBy: user.userId }).run();
    }
    const pkg = this.packageRow(packageId);
    this.ctx.audit.record(user, { action: plan.pkg ? 'UPDATED' : 'CREATED', type: 'CODEENGINE_PACKAGE', id: packageId, name: pkg.name, detail: ` (version ${version})` });
    return this.saveAnswer(pkg, this.versionRow(pkg, version));
  }

  /** The package as clients send it, with what the emulator adds (id, owner, timestamps, release state). */
  private saveAnswer(p: PackageRow, v: VersionRow) {
    return {
      id: p.id,
      name: p.name,
      description: p.description,
      language: p.language,
      environment: p.environment,
      version: v.version,
      code: v.code,
      manifest: { functions: v.functions, configuration: v.configuration },
      owner: p.ownerId,
      createdOn: iso(p.createdOn),
      createdBy: p.createdBy,
      updatedOn: iso(v.updatedOn),
      updatedBy: v.updatedBy,
      released: v.releasedOn != null,
      releasedOn: iso(v.releasedOn),
    };
  }

  /** POST .../versions/:version/release. Releasing a released version changes nothing. */
  release(packageId: string, version: string, user: Caller) {
    const pkg = this.packageRow(packageId);
    const v = this.versionRow(pkg, version);
    this.ctx.access.require(user, 'package.update', this.resource(pkg));
    if (v.releasedOn == null) {
      const now = this.ctx.clock.nowMs();
      this.ctx.sqlite.transaction(() => {
        this.ctx.orm
          .update(codeEngineVersions)
          .set({ releasedOn: now, releasedBy: user.userId })
          .where(and(eq(codeEngineVersions.packageId, packageId), eq(codeEngineVersions.version, version)))
          .run();
        this.ctx.audit.record(user, { action: 'RELEASED', type: 'CODEENGINE_PACKAGE', id: packageId, name: pkg.name, detail: ` (version ${version})` });
      })();
    }
    return this.versionView(pkg, this.versionRow(pkg, version), { functions: true, code: false });
  }

  // ---- runs ----

  private executionView(id: string): Record<string, unknown> | null {
    const r = this.ctx.orm.select().from(codeEngineExecutions).where(eq(codeEngineExecutions.id, id)).get();
    if (!r) return null;
    return {
      executionId: r.id,
      packageId: r.packageId,
      version: r.version,
      functionName: r.functionName,
      status: r.status,
      startedOn: new Date(r.startedOn).toISOString(),
      startedBy: String(r.startedBy),
      completedOn: new Date(r.completedOn).toISOString(),
      inputVariables: r.inputVariables,
      result: r.result ?? null,
      errorInformation: r.errorInformation ?? null,
    };
  }

  /** What the guest's `codeengine.*` can ask this instance. */
  private hostFunctions(): HostFunctions {
    return {
      getExecutionDetails: (id) => this.executionView(String(id)),
      getPersonDetails: (id) => {
        const u = this.ctx.orm.select().from(users).where(eq(users.id, Number(id))).get();
        return u ? { id: u.id, displayName: u.displayName, emailAddress: u.emailAddress, title: u.title, department: u.department, roleId: u.roleId } : null;
      },
    };
  }

  /** The function to run and its arguments, or the 404/400/501 that stops a run before it starts. */
  private prepareRun(req: Pick<RunRequest, 'packageId' | 'version' | 'functionName' | 'inputVariables'>) {
    const pkg = this.packageRow(req.packageId);
    const ver = this.versionRow(pkg, req.version);
    const fn = (ver.functions as FunctionDecl[]).find((f) => f.name === req.functionName);
    if (!fn) throw notFound(`Package ${pkg.id} version ${req.version} has no function ${req.functionName}`);
    if (fn.isPrivate) throw notFound(`Function ${req.functionName} of package ${pkg.id} version ${req.version} is private (callable only from the package's own code)`);
    if (pkg.language !== 'JAVASCRIPT') throw notImplemented(`Package ${pkg.id} is ${pkg.language}: the emulator stores such packages but runs only JAVASCRIPT`);
    const { args, problems } = bindInputs(fn, req.inputVariables);
    if (problems.length) throw badRequest(`Invalid inputVariables for ${fn.name}: ${problems.map((d) => `${d.path}: ${d.message}`).join('; ')}`, problems);
    return { pkg, ver, fn, args };
  }

  /**
   * Runs function `functionName` of package `packageId` version `version` with `inputVariables` as
   * `principal`: the interface other families (workflows) call. Unknown package/version/function and
   * invalid inputs throw (404/400) before anything runs; everything after is an execution, stored, whose
   * `status` is SUCCESS or FAILED (throw, timeout, memory, output type mismatch) with `errorInformation`.
   */
  async run(req: RunRequest): Promise<ExecutionAnswer> {
    const { pkg, ver, fn, args } = this.prepareRun(req);
    const executionId = this.ctx.ids.uuid();
    const startedOn = this.ctx.clock.nowMs();
    const out = await runFunction(ver.code, fn, args, req.limits, this.hostFunctions());
    const completedOn = Math.max(startedOn, this.ctx.clock.nowMs());
    if (this.ctx.sqlite.open) {
      this.ctx.sqlite.transaction(() => {
        this.ctx.orm
          .insert(codeEngineExecutions)
          .values({
            id: executionId,
            packageId: pkg.id,
            version: ver.version,
            functionName: fn.name,
            status: out.status,
            startedBy: req.principal.userId,
            startedOn,
            completedOn,
            inputVariables: req.inputVariables,
            result: out.result ?? null,
            errorInformation: out.errorInformation,
            stdout: out.logs.stdout,
            stderr: out.logs.stderr,
          })
          .run();
        // recorded as whoever it ran as: the caller, an app's user, or a workflow's starter (its step ran it)
        this.ctx.audit.record(req.principal, { action: 'EXECUTED', type: 'CODEENGINE_PACKAGE', id: pkg.id, name: pkg.name, detail: ` (function ${fn.name}, version ${ver.version}: ${out.status})` });
      })();
    }
    return {
      executionId,
      packageId: pkg.id,
      version: ver.version,
      functionName: fn.name,
      status: out.status,
      settings: { getLogs: req.getLogs },
      startedOn: new Date(startedOn).toISOString(),
      startedBy: String(req.principal.userId),
      completedOn: new Date(completedOn).toISOString(),
      result: out.result ?? null,
      stdout: { log: req.getLogs ? out.logs.stdout : [] },
      stderr: { log: req.getLogs ? out.logs.stderr : [] },
      errorInformation: out.errorInformation,
    };
  }
}

function bump(v: string): string {
  const p = v.split('.').map(Number);
  p[p.length - 1] += 1;
  return p.join('.');
}
