import { eq } from 'drizzle-orm';
import { codeEngineExecutions } from '../../db/schema/index.js';
import { implementations } from '../engines/code-engine.js';
import { badRequest, notFound } from '../http/errors.js';
import type { ActivityStore } from './activity.js';
import type { StoreContext } from './context.js';
import type { Caller } from './task-center.js';

export interface CodeParam {
  name: string;
  type: 'number' | 'text' | 'boolean' | 'object';
  isList?: boolean;
  nullable?: boolean;
  required?: boolean;
}

export interface CodeFunction {
  name: string;
  implementation: string;
  inputs: CodeParam[];
  output: { type: string; isList?: boolean; nullable?: boolean };
}

export interface CodePackage {
  id: string;
  name: string;
  versions: Array<{ version: string; functions: CodeFunction[] }>;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  return typeof v === 'string' ? 'text' : typeof v;
}

/** Code Engine: fixture packages whose functions run TypeScript implementations; every run is stored. */
export class CodeEngineStore {
  private packages = new Map<string, CodePackage>();

  constructor(
    private readonly ctx: StoreContext,
    private readonly activity: ActivityStore,
  ) {}

  seed(list: CodePackage[]): void {
    for (const p of list) {
      for (const v of p.versions) for (const f of v.functions) if (!implementations[f.implementation]) throw new Error(`fixtures: no implementation '${f.implementation}'`);
      this.packages.set(p.id, p);
    }
    this.ctx.sqlite.prepare(`insert or replace into emulator_meta (key, value) values ('codeengine.packages', ?)`).run(JSON.stringify(list));
  }

  private load(): void {
    if (this.packages.size) return;
    const row = this.ctx.sqlite.prepare(`select value from emulator_meta where key = 'codeengine.packages'`).pluck().get() as string | undefined;
    for (const p of row ? (JSON.parse(row) as CodePackage[]) : []) this.packages.set(p.id, p);
  }

  private executionView(id: string): Record<string, unknown> | undefined {
    const r = this.ctx.orm.select().from(codeEngineExecutions).where(eq(codeEngineExecutions.id, id)).get();
    if (!r) return undefined;
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
    };
  }

  run(packageId: string, version: string, functionName: string, body: { inputVariables: Record<string, unknown>; settings: { getLogs: boolean } }, user: Caller) {
    this.load();
    const pkg = this.packages.get(packageId);
    if (!pkg) throw notFound(`Code Engine package ${packageId} not found`);
    const ver = pkg.versions.find((v) => v.version === version);
    if (!ver) throw notFound(`Package ${packageId} has no version ${version} (versions: ${pkg.versions.map((v) => v.version).join(', ')})`);
    const fn = ver.functions.find((f) => f.name === functionName);
    if (!fn) throw notFound(`Package ${packageId} version ${version} has no function ${functionName}`);
    const inputs = body.inputVariables;
    const details = [];
    for (const p of fn.inputs) {
      const v = inputs[p.name];
      if (v === undefined || (v === null && !p.nullable)) {
        if (p.required !== false) details.push({ path: `body.inputVariables.${p.name}`, message: `Required (${p.isList ? 'list of ' : ''}${p.type})` });
        continue;
      }
      if (v === null) continue;
      const ok = p.isList ? Array.isArray(v) && v.every((x) => typeName(x) === p.type) : typeName(v) === p.type;
      if (!ok) details.push({ path: `body.inputVariables.${p.name}`, message: `Expected ${p.isList ? 'list of ' : ''}${p.type}, got ${typeName(v)}` });
    }
    for (const k of Object.keys(inputs)) if (!fn.inputs.some((p) => p.name === k)) details.push({ path: `body.inputVariables.${k}`, message: `Not an input of ${functionName}` });
    if (details.length) throw badRequest(`Invalid inputVariables for ${functionName}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);

    const logs: string[] = [];
    const result = implementations[fn.implementation](inputs, { log: (l) => logs.push(l), execution: (id) => this.executionView(id) });
    const id = this.ctx.ids.uuid();
    const now = this.ctx.clock.nowMs();
    this.ctx.sqlite.transaction(() => {
      this.ctx.orm
        .insert(codeEngineExecutions)
        .values({ id, packageId, version, functionName, status: 'SUCCESS', startedBy: user.userId, startedOn: now, completedOn: now, inputVariables: inputs, result: result ?? null })
        .run();
      this.activity.record({ userId: user.userId, userName: user.displayName, actionType: 'EXECUTED', objectType: 'CODE_ENGINE_FUNCTION', objectId: `${packageId}/${version}/${functionName}`, objectName: `${pkg.name}.${functionName}` });
    })();
    return {
      executionId: id,
      packageId,
      version,
      functionName,
      status: 'SUCCESS',
      settings: { getLogs: body.settings.getLogs },
      startedOn: new Date(now).toISOString(),
      startedBy: String(user.userId),
      completedOn: new Date(now).toISOString(),
      result: result ?? null,
      stdout: { log: body.settings.getLogs ? logs : [] },
      stderr: { log: [] },
      errorInformation: null,
    };
  }
}
