import { eq } from 'drizzle-orm';
import { groups, users, workflowInstances, workflowModels, type PermissionEntry, type WorkflowModelVersion, type WorkflowStep } from '../../db/schema/index.js';
import { codeEngineLimits } from '../engines/code-engine/index.js';
import { definitionProblems, evaluate, nextStep, resolveMap } from '../engines/workflow.js';
import { badRequest, conflict, notFound } from '../http/errors.js';
import type { Principal } from '../access/principal.js';
import type { CodeEngineStore, ExecutionAnswer } from './code-engine.js';
import type { TaskCenterStore } from './task-center.js';
import type { StoreContext } from './context.js';
import type { Caller } from './task-center.js';
import { changedPermissions, type Resource } from '../access/resources.js';

export interface WorkflowModelSeed {
  id: string;
  name: string;
  owner: number;
  versions: WorkflowModelVersion[];
  permissions: PermissionEntry[];
  /** Instances already running (waiting on a fixture task). */
  instances?: Array<{ id: string; key: string; version: string; data: Record<string, unknown>; createdBy: number; createdOn: string; currentStep: string; taskId: string }>;
}

type InstanceRow = typeof workflowInstances.$inferSelect;
type ModelRow = typeof workflowModels.$inferSelect;
const finished = new Set(['COMPLETED', 'CANCELED', 'FAILED']);

function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case 'number':
    case 'decimal':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'person':
    case 'group':
      return typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v));
    default:
      return typeof v === 'string';
  }
}

/** Workflow models (with versions and permissions) and their instances, run on the instance clock. */
export class WorkflowsStore {
  constructor(
    private readonly ctx: StoreContext,
    private readonly deps: { codeEngine: CodeEngineStore; taskCenter: TaskCenterStore },
  ) {
    // A step job runs the instance's current step; a Code Engine call runs first, outside the transaction.
    ctx.jobs.register<{ instanceId: string }, ExecutionAnswer | null>('workflow.step', {
      prepare: async ({ instanceId }) => {
        const i = this.find(instanceId);
        const step = i && !finished.has(i.status ?? '') ? this.stepOf(i) : null;
        if (!i || !step || step.type !== 'function') return null;
        return this.deps.codeEngine.run({
          packageId: step.packageId!,
          version: step.packageVersion!,
          functionName: step.function!,
          inputVariables: resolveMap(step.inputs, i.variables),
          principal: this.creator(i),
          getLogs: false,
          limits: codeEngineLimits(this.ctx.config),
        });
      },
      apply: ({ instanceId }, _job, ran) => this.advance(instanceId, ran),
      fail: ({ instanceId }, _job, e) => this.failInstance(instanceId, { message: e.message }),
    });
    // The task a step waits on was completed: its outputs become variables, and the instance goes on.
    ctx.jobs.register<{ instanceId: string; taskId: string }, void>('workflow.resume', {
      apply: ({ instanceId, taskId }) => {
        const i = this.find(instanceId);
        if (!i || i.taskId !== taskId || finished.has(i.status ?? '')) return;
        const step = this.stepOf(i);
        const task = this.deps.taskCenter.taskForWorkflow(taskId);
        if (!step || !task) return;
        const vars = { ...i.variables };
        for (const [variable, output] of Object.entries(step.outputs ?? {})) vars[variable] = task.outputs[String(output)] ?? null;
        this.save(i, { variables: vars, taskId: null });
        this.moveOn(this.find(instanceId)!, nextStep(this.version(i), step));
      },
    });
  }

  private model(id: string): ModelRow {
    const m = this.ctx.orm.select().from(workflowModels).where(eq(workflowModels.id, id)).get();
    if (!m) throw notFound(`Workflow ${id} not found`);
    return m;
  }

  /** A workflow as the access policy sees it (an instance's creator acts on it as an owner too). */
  private resource(m: ModelRow, instanceCreator?: number): Resource {
    return {
      type: 'workflow',
      id: m.id,
      name: m.name,
      ownerIds: [m.owner, instanceCreator],
      grants: m.permissions.map((p) => ({ type: p.type, id: p.id, perms: p.permissions })),
    };
  }

  private view(i: InstanceRow) {
    const m = this.model(i.modelId);
    const v = this.version(i);
    return {
      id: i.id,
      modelId: m.id,
      deploymentId: v.deploymentId,
      modelName: m.name,
      modelVersion: v.version,
      bpmnProcessId: v.bpmnProcessId,
      bpmnProcessName: v.bpmnProcessName,
      createdBy: String(i.createdBy),
      createdOn: new Date(i.createdOn).toISOString(),
      updatedBy: String(i.updatedBy ?? i.createdBy),
      updatedOn: new Date(i.updatedOn ?? i.createdOn).toISOString(),
      status: i.status,
      isTestRun: false,
      currentStep: i.currentStep,
      variables: i.variables,
      outputs: i.outputs ?? null,
      errorInformation: i.errorInformation ?? null,
      taskId: i.taskId,
      instanceKey: i.instanceKey,
    };
  }

  /**
   * What starting a model by its id alone needs (an app's `/domo/workflow/v1/models/{alias}/start`): its
   * start message and its newest version (404 for an unknown model).
   */
  startInfo(modelId: string): { messageName: string; latestVersion: string } {
    const m = this.model(modelId);
    const num = (v: string) => v.split('.').map(Number);
    const newest = [...m.versions].sort((a, b) => {
      const [x, y] = [num(a.version), num(b.version)];
      for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (y[i] ?? 0) - (x[i] ?? 0);
      return 0;
    })[0];
    if (!newest) throw notFound(`Workflow ${m.id} has no version`);
    return { messageName: `Start ${m.name}`, latestVersion: newest.version };
  }

  start(input: { messageName: string; version: string; modelId: string; data: Record<string, unknown> }, user: Caller) {
    const m = this.model(input.modelId);
    const v = m.versions.find((x) => x.version === input.version);
    if (!v) throw notFound(`Workflow ${m.id} has no version ${input.version} (versions: ${m.versions.map((x) => x.version).join(', ')})`);
    this.ctx.access.require(user, 'workflow.start', this.resource(m));
    const expected = `Start ${m.name}`;
    if (input.messageName.trim().toLowerCase() !== expected.toLowerCase()) {
      throw badRequest(`Workflow ${m.name} has no start message '${input.messageName}' (expected '${expected}')`, [{ path: 'body.messageName', message: `Expected '${expected}'` }]);
    }
    const details = [];
    for (const [name, type] of Object.entries(v.inputs)) {
      if (input.data[name] === undefined || input.data[name] === null) details.push({ path: `body.data.${name}`, message: `Required (${type})` });
      else if (!typeOk(type, input.data[name])) details.push({ path: `body.data.${name}`, message: `Expected ${type}` });
    }
    for (const k of Object.keys(input.data)) if (!(k in v.inputs)) details.push({ path: `body.data.${k}`, message: 'Not a start parameter of this workflow' });
    if (details.length) throw badRequest(`Invalid start parameters: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
    const problems = definitionProblems(v);
    if (problems.length) throw conflict(`Workflow ${m.name} ${v.version} cannot run: ${problems.join('; ')}`);
    const id = this.ctx.ids.uuid();
    this.ctx.sqlite.transaction(() => {
      this.ctx.orm
        .insert(workflowInstances)
        .values({
          id,
          modelId: m.id,
          modelVersion: v.version,
          messageName: input.messageName,
          data: input.data,
          variables: { ...input.data },
          createdBy: user.userId,
          createdOn: this.ctx.clock.nowMs(),
          currentStep: v.steps?.[0]?.id ?? null,
          instanceKey: String(this.ctx.ids.numeric()),
        })
        .run();
      this.ctx.audit.record(user, { action: 'STARTED', type: 'WORKFLOW_MODEL', id: m.id, name: m.name, detail: ` (version ${v.version}, instance ${id})` });
      // it reports back as started when its first step runs (until then its status is null, as in Domo)
      this.ctx.jobs.enqueue('workflow.step', { instanceId: id });
    })();
    return this.get(id, user);
  }

  // ---------------------------------------------------------------- running

  private find(id: string): InstanceRow | undefined {
    return this.ctx.orm.select().from(workflowInstances).where(eq(workflowInstances.id, id)).get();
  }

  private version(i: InstanceRow): WorkflowModelVersion {
    return this.model(i.modelId).versions.find((x) => x.version === i.modelVersion)!;
  }

  private stepOf(i: InstanceRow): WorkflowStep | null {
    return (this.version(i).steps ?? []).find((s) => s.id === i.currentStep) ?? null;
  }

  private creator(i: InstanceRow): Principal {
    const u = this.ctx.orm.select().from(users).where(eq(users.id, i.createdBy)).get();
    return this.ctx.access.principal(u ?? { id: i.createdBy, roleId: 0, displayName: '' }, 'system');
  }

  private save(i: InstanceRow, set: Partial<typeof workflowInstances.$inferInsert>): void {
    this.ctx.orm.update(workflowInstances).set({ ...set, updatedOn: this.ctx.clock.nowMs() }).where(eq(workflowInstances.id, i.id)).run();
  }

  private failInstance(id: string, errorInformation: Record<string, unknown>): void {
    const i = this.find(id);
    if (!i || finished.has(i.status ?? '')) return;
    this.save(i, { status: 'FAILED', errorInformation });
  }

  /** The step job: finishes the current step (a Code Engine call's answer), then moves on. */
  private advance(instanceId: string, ran: ExecutionAnswer | null): void {
    const i = this.find(instanceId);
    if (!i || finished.has(i.status ?? '')) return;
    const step = this.stepOf(i);
    if (!step) return this.moveOn(i, null);
    if (step.type === 'function') {
      if (!ran || ran.status !== 'SUCCESS') {
        return this.save(i, {
          status: 'FAILED',
          errorInformation: { step: step.id, function: step.function, ...((ran?.errorInformation as Record<string, unknown> | null) ?? { message: 'the function did not run' }) },
        });
      }
      const vars = step.output ? { ...i.variables, [step.output]: ran.result } : i.variables;
      this.save(i, { status: 'IN_PROGRESS', variables: vars });
      return this.moveOn(this.find(instanceId)!, nextStep(this.version(i), step));
    }
    this.moveOn(i, step);
  }

  /**
   * Runs steps from `step` on until one must wait: a function step waits for its own job (the Code Engine
   * call), a task step for its task; conditions and the end run at once.
   */
  private moveOn(i: InstanceRow, step: WorkflowStep | null): void {
    const v = this.version(i);
    let vars = i.variables;
    for (let guard = 0; guard < 1000; guard++) {
      if (!step || step.type === 'end') {
        const outputs = step?.outputs ? resolveMap(step.outputs, vars) : {};
        return this.save(i, { status: 'COMPLETED', currentStep: step?.id ?? null, variables: vars, outputs });
      }
      if (step.type === 'condition') {
        step = nextStep(v, step, evaluate(step.when!, vars) ? step.then : step.else);
        continue;
      }
      if (step.type === 'function') {
        this.save(i, { status: 'IN_PROGRESS', currentStep: step.id, variables: vars });
        this.ctx.jobs.enqueue('workflow.step', { instanceId: i.id });
        return;
      }
      // a task: created in its queue with the mapped inputs; the instance waits for it
      const taskId = this.deps.taskCenter.createForWorkflow({
        queueId: step.queueId!,
        instance: { id: i.id, key: i.instanceKey ?? i.id, modelId: i.modelId, modelVersion: i.modelVersion, deploymentId: v.deploymentId, createdBy: i.createdBy },
        stepId: step.id,
        inputs: resolveMap(step.inputs, vars),
        contract: step.contract,
      });
      return this.save(i, { status: 'IN_PROGRESS', currentStep: step.id, variables: vars, taskId });
    }
    this.save(i, { status: 'FAILED', errorInformation: { message: 'the workflow loops without waiting (more than 1,000 steps at once)' } });
    void vars;
  }

  private row(id: string): InstanceRow {
    const i = this.ctx.orm.select().from(workflowInstances).where(eq(workflowInstances.id, id)).get();
    if (!i) throw notFound(`Workflow instance ${id} not found`);
    return i;
  }

  get(id: string, user: Caller) {
    const i = this.row(id);
    this.ctx.access.require(user, 'workflow.read', this.resource(this.model(i.modelId), i.createdBy));
    return this.view(i);
  }

  cancel(id: string, user: Caller) {
    const i = this.row(id);
    const m = this.model(i.modelId);
    this.ctx.access.require(user, 'workflow.cancel', this.resource(m, i.createdBy));
    if (finished.has(i.status ?? '')) throw conflict(`Workflow instance ${id} is already ${i.status}`);
    this.ctx.sqlite.transaction(() => {
      const now = this.ctx.clock.nowMs();
      this.ctx.orm.update(workflowInstances).set({ status: 'CANCELED', canceledOn: now, canceledBy: user.userId, updatedOn: now, updatedBy: user.userId }).where(eq(workflowInstances.id, id)).run();
      if (i.taskId) this.deps.taskCenter.voidForWorkflow(i.taskId, user.userId);
      this.ctx.audit.record(user, { action: 'CANCELED', type: 'WORKFLOW_INSTANCE', id, name: m.name });
    })();
    return this.view(this.row(id));
  }

  /** Replaces the listed principals' permissions (empty list removes); returns the model's whole list. */
  setPermissions(modelId: string, entries: PermissionEntry[], user: Caller): PermissionEntry[] {
    const m = this.model(modelId);
    this.ctx.access.require(user, 'workflow.share', this.resource(m));
    entries.forEach((e, i) => {
      const n = Number(e.id);
      const ok = e.type === 'USER' ? this.ctx.orm.select({ id: users.id }).from(users).where(eq(users.id, n)).get() : this.ctx.orm.select({ id: groups.id }).from(groups).where(eq(groups.id, n)).get();
      if (!ok) throw badRequest(`${e.type === 'USER' ? 'User' : 'Group'} ${e.id} does not exist`, [{ path: `body[${i}].id`, message: 'Unknown principal' }]);
    });
    this.ctx.access.requireWithin(user, 'workflow.share', this.resource(m), changedPermissions(m.permissions, entries));
    const next = m.permissions.filter((p) => !entries.some((e) => e.type === p.type && e.id === p.id));
    for (const e of entries) if (e.permissions.length) next.push({ id: e.id, type: e.type, name: e.name, permissions: [...new Set(e.permissions)] });
    this.ctx.sqlite.transaction(() => {
      this.ctx.orm.update(workflowModels).set({ permissions: next, updatedOn: this.ctx.clock.nowMs() }).where(eq(workflowModels.id, modelId)).run();
      this.ctx.audit.record(user, { action: 'SHARED', type: 'WORKFLOW_MODEL', id: m.id, name: m.name, detail: ` (${entries.map((e) => `${e.type} ${e.id}: ${e.permissions.join('/') || 'none'}`).join(', ')})` });
    })();
    return next;
  }

  seed(list: WorkflowModelSeed[]): void {
    for (const m of list) {
      for (const v of m.versions) {
        const problems = definitionProblems(v);
        if (problems.length) throw new Error(`fixtures: workflow ${m.id} ${v.version}: ${problems.join('; ')}`);
      }
      this.ctx.orm.insert(workflowModels).values({ id: m.id, name: m.name, owner: m.owner, versions: m.versions, permissions: m.permissions, updatedOn: this.ctx.clock.nowMs() }).run();
      for (const i of m.instances ?? []) {
        const at = Date.parse(i.createdOn);
        this.ctx.orm
          .insert(workflowInstances)
          .values({
            id: i.id,
            modelId: m.id,
            modelVersion: i.version,
            messageName: `Start ${m.name}`,
            data: i.data,
            variables: { ...i.data },
            createdBy: i.createdBy,
            createdOn: at,
            status: 'IN_PROGRESS',
            currentStep: i.currentStep,
            taskId: i.taskId,
            instanceKey: i.key,
            updatedOn: at,
          })
          .run();
      }
    }
  }
}
