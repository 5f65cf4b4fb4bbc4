import { eq } from 'drizzle-orm';
import { groups, users, workflowInstances, workflowModels, type PermissionEntry, type WorkflowModelVersion } from '../../db/schema/index.js';
import { stageAt, type Stage } from '../engines/jobs.js';
import { badRequest, conflict, notFound } from '../http/errors.js';
import type { ActivityStore } from './activity.js';
import type { StoreContext } from './context.js';
import type { Caller } from './task-center.js';
import { changedPermissions, type Resource } from '../access/resources.js';

export interface WorkflowModelSeed {
  id: string;
  name: string;
  owner: number;
  versions: WorkflowModelVersion[];
  permissions: PermissionEntry[];
}

type Status = 'null' | 'IN_PROGRESS' | 'COMPLETED';
type InstanceRow = typeof workflowInstances.$inferSelect;
type ModelRow = typeof workflowModels.$inferSelect;

/** A run is reported (IN_PROGRESS) after a second and COMPLETED after the version's duration. */
const stagesFor = (v: WorkflowModelVersion): Stage<Status>[] => [
  { state: 'null', at: 0 },
  { state: 'IN_PROGRESS', at: Math.min(1000, v.durationMs) },
  { state: 'COMPLETED', at: v.durationMs },
];

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
    private readonly activity: ActivityStore,
  ) {}

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

  private statusOf(i: InstanceRow, v: WorkflowModelVersion): Status | 'CANCELED' {
    if (i.canceledOn != null) return 'CANCELED';
    return stageAt(stagesFor(v), i.createdOn, this.ctx.clock.nowMs());
  }

  private view(i: InstanceRow) {
    const m = this.model(i.modelId);
    const v = m.versions.find((x) => x.version === i.modelVersion)!;
    const status = this.statusOf(i, v);
    const finishedAt = status === 'CANCELED' ? i.canceledOn! : status === 'COMPLETED' ? i.createdOn + v.durationMs : status === 'IN_PROGRESS' ? i.createdOn + Math.min(1000, v.durationMs) : i.createdOn;
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
      updatedBy: String(i.canceledBy ?? i.createdBy),
      updatedOn: new Date(finishedAt).toISOString(),
      status: status === 'null' ? null : status,
      isTestRun: false,
    };
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
    const id = this.ctx.ids.uuid();
    this.ctx.sqlite.transaction(() => {
      this.ctx.orm
        .insert(workflowInstances)
        .values({ id, modelId: m.id, modelVersion: v.version, messageName: input.messageName, data: input.data, createdBy: user.userId, createdOn: this.ctx.clock.nowMs() })
        .run();
      this.activity.record({ userId: user.userId, userName: user.displayName, actionType: 'STARTED', objectType: 'WORKFLOW', objectId: m.id, objectName: m.name });
    })();
    return this.get(id, user);
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
    const status = this.statusOf(i, m.versions.find((x) => x.version === i.modelVersion)!);
    if (status === 'COMPLETED' || status === 'CANCELED') throw conflict(`Workflow instance ${id} is already ${status}`);
    this.ctx.sqlite.transaction(() => {
      this.ctx.orm.update(workflowInstances).set({ canceledOn: this.ctx.clock.nowMs(), canceledBy: user.userId }).where(eq(workflowInstances.id, id)).run();
      this.activity.record({ userId: user.userId, userName: user.displayName, actionType: 'CANCELED', objectType: 'WORKFLOW_INSTANCE', objectId: id, objectName: m.name });
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
      this.activity.record({ userId: user.userId, userName: user.displayName, actionType: 'SHARED', objectType: 'WORKFLOW', objectId: m.id, objectName: m.name });
    })();
    return next;
  }

  seed(list: WorkflowModelSeed[]): void {
    for (const m of list) {
      this.ctx.orm.insert(workflowModels).values({ id: m.id, name: m.name, owner: m.owner, versions: m.versions, permissions: m.permissions, updatedOn: this.ctx.clock.nowMs() }).run();
    }
  }
}
