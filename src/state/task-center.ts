import { and, asc, eq, inArray } from 'drizzle-orm';
import { groups, taskQueues, tasks, users, type PermissionEntry } from '../../db/schema/index.js';
import type { Principal } from '../access/principal.js';
import { changedPermissions, type Resource } from '../access/resources.js';
import { badRequest, conflict, notFound } from '../http/errors.js';
import type { StoreContext } from './context.js';
import type { OutboxStore } from './outbox.js';

/** Who is calling: the request's principal. */
export type Caller = Principal;

type QueueRow = typeof taskQueues.$inferSelect;
type TaskRow = typeof tasks.$inferSelect;

export interface ContractField {
  name: string;
  displayName?: string | null;
  type: string;
  required: boolean;
  list: boolean;
  validValues?: unknown[] | null;
}

export interface QueueSeed {
  id: string;
  name: string;
  description?: string;
  active?: boolean;
  archived?: boolean;
  taskLevelFiltersEnabled?: boolean;
  taskLevelFilters?: unknown;
  owner: number;
  createdOn: string;
  updatedOn?: string;
  permissions: PermissionEntry[];
}

export interface TaskSeed {
  id: string;
  queueId: string;
  status: 'OPEN' | 'COMPLETED' | 'VOIDED';
  version?: number;
  createdOn: string;
  createdBy: number;
  updatedOn?: string;
  completedOn?: string | null;
  completedBy?: number | null;
  assignedTo?: number | null;
  displayType: string;
  displayId?: string | null;
  attributes?: unknown[];
  tags?: string[];
  sourceSystem?: string;
  sourceInfo?: Record<string, unknown>;
  displayEntity?: Record<string, unknown> | null;
  contract: { input: ContractField[]; output: ContractField[] };
  inputVariables?: Record<string, unknown>;
  outputVariables?: Record<string, unknown>;
}

export interface TaskFilter {
  queueId?: string[];
  displayType?: string[];
  status?: string[];
  assignedBy?: string[];
  assignedTo?: string[];
  createdBy?: string[];
  completedBy?: string[];
  version?: number[];
  createdOn?: Array<[string, string]>;
  assignedOn?: Array<[string, string]>;
  updatedOn?: Array<[string, string]>;
  completedOn?: Array<[string, string]>;
  orderByString?: string[];
}

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());
const idStr = (n: number | null | undefined) => (n == null ? null : String(n));

/** Permissions that let a user change the queue's permissions. */

function typeOk(type: string, v: unknown): boolean {
  switch (type.toLowerCase()) {
    case 'text':
    case 'string':
    case 'date':
    case 'datetime':
    case 'time':
    case 'duration':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'number':
    case 'decimal':
    case 'integer':
      return typeof v === 'number' && Number.isFinite(v);
    default:
      return true;
  }
}

/** Task Center: queues, the tasks in them and who may see them. */
export class TaskCenterStore {
  constructor(
    private readonly ctx: StoreContext,
    private readonly outbox: OutboxStore,
  ) {}

  // ------------------------------------------------------------------ access

  /** A queue as the access policy sees it: its owner and its permission entries. */
  private resource(q: QueueRow): Resource {
    return { type: 'queue', id: q.id, name: q.name, ownerIds: [q.owner], grants: q.permissions.map((p) => ({ type: p.type, id: p.id, perms: p.permissions })) };
  }

  private canAccess(q: QueueRow, user: Caller): boolean {
    return this.ctx.access.can(user, 'queue.read', this.resource(q));
  }

  private queueRow(id: string): QueueRow {
    const q = this.ctx.orm.select().from(taskQueues).where(eq(taskQueues.id, id)).get();
    if (!q) throw notFound(`Queue ${id} not found`);
    return q;
  }

  /** The queue, if the user may do `action` on it: 404 when missing, 403 (why) otherwise. */
  private accessQueue(id: string, user: Caller, action: 'queue.read' | 'queue.work' | 'queue.manage' = 'queue.read'): QueueRow {
    const q = this.queueRow(id);
    const res = this.resource(q);
    if (action !== 'queue.read') this.ctx.access.require(user, 'queue.read', res);
    this.ctx.access.require(user, action, res);
    return q;
  }

  private taskRow(queueId: string, taskId: string, user: Caller, action: 'queue.read' | 'queue.work' = 'queue.read'): TaskRow {
    this.accessQueue(queueId, user, action);
    const t = this.ctx.orm
      .select()
      .from(tasks)
      .where(and(eq(tasks.id, taskId), eq(tasks.queueId, queueId)))
      .get();
    if (!t) throw notFound(`Task ${taskId} not found in queue ${queueId}`);
    return t;
  }

  // ------------------------------------------------------------------ views

  private queueView(q: QueueRow) {
    return {
      id: q.id,
      name: q.name,
      description: q.description,
      active: q.active,
      archived: q.archived,
      taskLevelFiltersEnabled: q.taskLevelFiltersEnabled,
      taskLevelFilters: q.taskLevelFilters ?? null,
      owner: String(q.owner),
      createdBy: String(q.createdBy),
      createdOn: iso(q.createdOn),
      updatedBy: String(q.updatedBy),
      updatedOn: iso(q.updatedOn),
    };
  }

  private taskView(t: TaskRow, render = true) {
    const d = t.detail as {
      attributes?: unknown[];
      tags?: string[];
      comments?: unknown[];
      sourceSystem?: string;
      sourceInfo?: Record<string, unknown>;
      displayEntity?: Record<string, unknown> | null;
      contract: { input: ContractField[]; output: ContractField[] };
    };
    return {
      id: t.id,
      attributes: d.attributes ?? [],
      queueId: t.queueId,
      version: t.version,
      createdOn: iso(t.createdOn),
      createdBy: idStr(t.createdBy),
      updatedOn: iso(t.updatedOn),
      updatedBy: idStr(t.updatedBy),
      completedOn: iso(t.completedOn),
      completedBy: idStr(t.completedBy),
      assignedOn: iso(t.assignedOn),
      assignedBy: idStr(t.assignedBy),
      assignedTo: idStr(t.assignedTo),
      assigneeType: t.assigneeType,
      lockedOn: iso(t.lockedOn),
      lockedBy: idStr(t.lockedBy),
      status: t.status,
      tags: d.tags ?? [],
      comments: d.comments ?? [],
      sourceSystem: d.sourceSystem ?? 'ODYSSEY',
      sourceInfo: d.sourceInfo ?? {},
      displayType: t.displayType,
      displayId: t.displayId,
      displayEntity: render ? (d.displayEntity ?? null) : null,
      contract: d.contract,
      inputVariables: t.inputVariables,
      outputVariables: t.outputVariables,
    };
  }

  // ------------------------------------------------------------------ queues

  listQueues(user: Caller, opts: { archived: boolean }) {
    return this.ctx.orm
      .select()
      .from(taskQueues)
      .orderBy(asc(taskQueues.createdOn), asc(taskQueues.id))
      .all()
      .filter((q) => (opts.archived || !q.archived) && this.canAccess(q, user))
      .map((q) => this.queueView(q));
  }

  getQueue(id: string, user: Caller) {
    return this.queueView(this.accessQueue(id, user));
  }

  /** Replaces the listed principals' permissions (an empty list removes the principal). Returns the whole list. */
  setQueuePermissions(id: string, entries: PermissionEntry[], user: Caller): PermissionEntry[] {
    const q = this.accessQueue(id, user, 'queue.manage');
    entries.forEach((e, i) => this.assertPrincipal(e, `body[${i}].id`));
    this.ctx.access.requireWithin(user, 'queue.manage', this.resource(q), changedPermissions(q.permissions, entries));
    const next = q.permissions.filter((p) => !entries.some((e) => e.type === p.type && e.id === p.id));
    for (const e of entries) if (e.permissions.length) next.push({ id: e.id, type: e.type, name: e.name, permissions: [...new Set(e.permissions)] });
    this.ctx.sqlite.transaction(() => {
      this.ctx.orm.update(taskQueues).set({ permissions: next, updatedBy: user.userId, updatedOn: this.ctx.clock.nowMs() }).where(eq(taskQueues.id, id)).run();
      this.ctx.audit.record(user, { action: 'SHARED', type: 'HOPPER_QUEUE', id, name: q.name, detail: ` (${entries.map((e) => `${e.type} ${e.id}: ${e.permissions.join('/') || 'none'}`).join(', ')})` });
    })();
    return next;
  }

  private assertPrincipal(e: { id: string; type: string }, where: string): void {
    const n = Number(e.id);
    const exists =
      Number.isInteger(n) &&
      (e.type === 'USER'
        ? this.ctx.orm.select({ id: users.id }).from(users).where(eq(users.id, n)).get()
        : this.ctx.orm.select({ id: groups.id }).from(groups).where(eq(groups.id, n)).get());
    if (!exists) throw badRequest(`${e.type === 'USER' ? 'User' : 'Group'} ${e.id} does not exist`, [{ path: where, message: 'Unknown principal' }]);
  }

  // ------------------------------------------------------------------ tasks

  listTasks(f: TaskFilter, user: Caller, render: boolean) {
    const conds = [];
    if (f.queueId?.length) conds.push(inArray(tasks.queueId, f.queueId));
    if (f.status?.length) conds.push(inArray(tasks.status, f.status));
    if (f.displayType?.length) conds.push(inArray(tasks.displayType, f.displayType));
    if (f.version?.length) conds.push(inArray(tasks.version, f.version));
    const visible = new Map<string, boolean>();
    const ids = (l?: string[]) => (l?.length ? new Set(l.map(String)) : null);
    const byFilters: Array<[Set<string> | null, keyof TaskRow]> = [
      [ids(f.assignedBy), 'assignedBy'],
      [ids(f.assignedTo), 'assignedTo'],
      [ids(f.createdBy), 'createdBy'],
      [ids(f.completedBy), 'completedBy'],
    ];
    const ranges: Array<[Array<[string, string]> | undefined, keyof TaskRow]> = [
      [f.createdOn, 'createdOn'],
      [f.assignedOn, 'assignedOn'],
      [f.updatedOn, 'updatedOn'],
      [f.completedOn, 'completedOn'],
    ];
    const rows = this.ctx.orm
      .select()
      .from(tasks)
      .where(conds.length ? and(...conds) : undefined)
      .orderBy(asc(tasks.createdOn), asc(tasks.id))
      .all()
      .filter((t) => {
        if (!visible.has(t.queueId)) visible.set(t.queueId, this.canAccess(this.queueRow(t.queueId), user));
        if (!visible.get(t.queueId)) return false;
        for (const [set, key] of byFilters) if (set && !set.has(String(t[key]))) return false;
        for (const [list, key] of ranges) {
          if (!list?.length) continue;
          const v = t[key] as number | null;
          if (v == null || !list.some(([a, b]) => v >= Date.parse(a) && v <= Date.parse(b))) return false;
        }
        return true;
      });
    for (const spec of [...(f.orderByString ?? [])].reverse()) {
      const [field, dir] = spec.trim().split(/\s+/);
      const sign = (dir ?? 'ASC').toUpperCase() === 'DESC' ? -1 : 1;
      rows.sort((a, b) => {
        const x = (a as Record<string, unknown>)[field] as string | number | null;
        const y = (b as Record<string, unknown>)[field] as string | number | null;
        return x === y ? 0 : x == null ? 1 : y == null ? -1 : x < y ? -sign : sign;
      });
    }
    return rows.map((t) => this.taskView(t, render));
  }

  /** The task columns orderByString may name. */
  static orderable = ['id', 'status', 'version', 'createdOn', 'updatedOn', 'completedOn', 'assignedOn', 'createdBy', 'assignedTo', 'displayType', 'queueId'];

  getTask(queueId: string, taskId: string, user: Caller, render: boolean) {
    return this.taskView(this.taskRow(queueId, taskId, user), render);
  }

  private assertOpen(t: TaskRow, action: string): void {
    if (t.status !== 'OPEN') throw conflict(`Task ${t.id} is ${t.status}; only an OPEN task can be ${action}`);
  }

  /** Checks output values against the contract: unknown names and wrong types are 400s; `complete` also needs every required output. */
  private checkOutputs(t: TaskRow, values: Record<string, unknown>, complete: boolean): Record<string, unknown> {
    const contract = (t.detail as { contract: { output: ContractField[] } }).contract.output;
    for (const [k, v] of Object.entries(values)) {
      const field = contract.find((f) => f.name === k);
      if (!field) throw badRequest(`'${k}' is not an output of task ${t.id} (outputs: ${contract.map((f) => f.name).join(', ')})`, [{ path: `body.${k}`, message: 'Unknown output' }]);
      const ok = v === null ? !field.required || !complete : field.list ? Array.isArray(v) && v.every((x) => typeOk(field.type, x)) : typeOk(field.type, v);
      if (!ok) throw badRequest(`Output '${k}' must be ${field.list ? 'a list of ' : ''}${field.type}`, [{ path: `body.${k}`, message: `Expected ${field.type}` }]);
      if (field.validValues?.length && v !== null && !field.validValues.includes(v)) {
        throw badRequest(`Output '${k}' must be one of ${field.validValues.join(', ')}`, [{ path: `body.${k}`, message: 'Not a valid value' }]);
      }
    }
    const merged = { ...t.outputVariables, ...values };
    if (complete) {
      const missing = contract.filter((f) => f.required && (merged[f.name] === undefined || merged[f.name] === null)).map((f) => f.name);
      if (missing.length) throw badRequest(`Required outputs missing: ${missing.join(', ')}`, missing.map((m) => ({ path: `body.${m}`, message: 'Required' })));
    }
    return merged;
  }

  private assertNotLockedByOther(t: TaskRow, user: Caller): void {
    if (t.lockedBy != null && t.lockedBy !== user.userId && !this.ctx.access.can(user, 'task.override')) throw conflict(`Task ${t.id} is locked by user ${t.lockedBy}`);
  }

  saveOutputs(queueId: string, taskId: string, values: Record<string, unknown>, user: Caller) {
    const t = this.taskRow(queueId, taskId, user, 'queue.work');
    this.assertOpen(t, 'edited');
    this.assertNotLockedByOther(t, user);
    const outputs = this.checkOutputs(t, values, false);
    const now = this.ctx.clock.nowMs();
    this.ctx.audit.write(user, { action: 'UPDATED', type: 'HOPPER_TASK', id: taskId, detail: ` (outputs ${Object.keys(values).join(', ') || 'none'})` }, () =>
      this.ctx.orm.update(tasks).set({ outputVariables: outputs, lockedOn: now, lockedBy: user.userId, updatedOn: now, updatedBy: user.userId }).where(eq(tasks.id, taskId)).run(),
    );
    return this.getTask(queueId, taskId, user, false);
  }

  /** The workflow instance a task belongs to (its sourceInfo.instanceId), if any. */
  private workflowOf(t: TaskRow): string | null {
    const info = (t.detail as { sourceInfo?: { instanceId?: unknown } }).sourceInfo;
    return typeof info?.instanceId === 'string' ? info.instanceId : null;
  }

  complete(queueId: string, taskId: string, version: number, values: Record<string, unknown>, user: Caller) {
    const t = this.taskRow(queueId, taskId, user, 'queue.work');
    this.assertOpen(t, 'completed');
    if (t.version !== version) throw conflict(`Task ${taskId} is at version ${t.version}, not ${version}: read it again and retry`);
    this.assertNotLockedByOther(t, user);
    const outputs = this.checkOutputs(t, values, true);
    const now = this.ctx.clock.nowMs();
    this.ctx.sqlite.transaction(() => {
      this.ctx.orm
        .update(tasks)
        .set({ status: 'COMPLETED', version: t.version + 1, outputVariables: outputs, completedOn: now, completedBy: user.userId, lockedOn: null, lockedBy: null, updatedOn: now, updatedBy: user.userId })
        .where(eq(tasks.id, taskId))
        .run();
      this.ctx.audit.record(user, { action: 'COMPLETED', type: 'HOPPER_TASK', id: taskId });
      // the workflow waiting on this task goes on with its outputs
      const instanceId = this.workflowOf(t);
      if (instanceId) this.ctx.jobs.enqueue('workflow.resume', { instanceId, taskId, completedBy: user.userId });
    })();
    return this.getTask(queueId, taskId, user, false);
  }

  /**
   * A task a workflow step creates (inside the step's transaction): in `queueId`, with the step's inputs
   * and form contract, its sourceInfo naming the instance. Returns the task id.
   */
  createForWorkflow(input: {
    queueId: string;
    instance: { id: string; key: string; modelId: string; modelVersion: string; deploymentId: string; createdBy: number };
    stepId: string;
    inputs: Record<string, unknown>;
    contract?: { input: Array<Record<string, unknown>>; output: Array<Record<string, unknown>> };
  }): string {
    const q = this.queueRow(input.queueId);
    if (!q.active || q.archived) throw conflict(`Queue ${q.id} is not active`);
    const now = this.ctx.clock.nowMs();
    const id = this.ctx.ids.taskId(now);
    const contract = input.contract ?? {
      input: Object.keys(input.inputs).map((name) => ({ name, displayName: name, type: 'text', required: false, list: false, validValues: null })),
      output: [],
    };
    this.ctx.orm
      .insert(tasks)
      .values({
        id,
        queueId: q.id,
        status: 'OPEN',
        version: 1,
        createdOn: now,
        createdBy: input.instance.createdBy,
        updatedOn: now,
        updatedBy: input.instance.createdBy,
        displayType: 'ENIGMA_FORM',
        displayId: this.ctx.ids.uuid(),
        detail: {
          attributes: [],
          tags: [],
          comments: [],
          sourceSystem: 'ODYSSEY',
          sourceInfo: {
            modelId: input.instance.modelId,
            modelVersion: input.instance.modelVersion,
            instanceId: input.instance.id,
            deploymentId: input.instance.deploymentId,
            instanceCreatedBy: String(input.instance.createdBy),
            workflowInstanceId: input.instance.key,
            flowNodeId: input.stepId,
          },
          displayEntity: null,
          contract,
        },
        inputVariables: input.inputs,
        outputVariables: {},
      })
      .run();
    return id;
  }

  /** Voids a workflow's open task (the instance was canceled). */
  voidForWorkflow(taskId: string, by: number): void {
    const t = this.ctx.orm.select().from(tasks).where(eq(tasks.id, taskId)).get();
    if (!t || t.status !== 'OPEN') return;
    this.ctx.orm.update(tasks).set({ status: 'VOIDED', version: t.version + 1, lockedOn: null, lockedBy: null, updatedOn: this.ctx.clock.nowMs(), updatedBy: by }).where(eq(tasks.id, taskId)).run();
  }

  /** A task's state for its workflow: status and outputs. */
  taskForWorkflow(taskId: string): { status: string; outputs: Record<string, unknown> } | undefined {
    const t = this.ctx.orm.select().from(tasks).where(eq(tasks.id, taskId)).get();
    return t && { status: t.status, outputs: t.outputVariables };
  }

  move(queueId: string, taskId: string, targetQueueId: string, user: Caller) {
    const t = this.taskRow(queueId, taskId, user, 'queue.work');
    const target = this.accessQueue(targetQueueId, user, 'queue.work');
    if (target.id === t.queueId) throw badRequest(`Task ${taskId} is already in queue ${targetQueueId}`, [{ path: 'query.targetQueueId', message: 'Same queue' }]);
    if (!target.active || target.archived) throw conflict(`Queue ${targetQueueId} is not active`);
    this.assertOpen(t, 'moved');
    const now = this.ctx.clock.nowMs();
    this.ctx.sqlite.transaction(() => {
      this.ctx.orm.update(tasks).set({ queueId: targetQueueId, version: t.version + 1, updatedOn: now, updatedBy: user.userId }).where(eq(tasks.id, taskId)).run();
      this.ctx.audit.record(user, { action: 'MOVED', type: 'HOPPER_TASK', id: taskId, detail: ` to queue '${target.name}'` });
    })();
    return this.getTask(targetQueueId, taskId, user, false);
  }

  /** Assigns the path's task (and any others listed in tasksId, same queue) to a user or group. */
  assign(queueId: string, taskId: string, input: { tasksId: string[]; type: 'USER' | 'GROUP'; userId: number }, user: Caller) {
    const all = [...new Set([taskId, ...input.tasksId])].map((id) => this.taskRow(queueId, id, user, 'queue.work'));
    all.forEach((t) => this.assertOpen(t, 'assigned'));
    let assigneeName: string;
    let email: string | null = null;
    if (input.type === 'USER') {
      const u = this.ctx.orm.select().from(users).where(eq(users.id, input.userId)).get();
      if (!u) throw badRequest(`User ${input.userId} does not exist`, [{ path: 'body.userId', message: 'Unknown user' }]);
      assigneeName = u.displayName;
      email = u.emailAddress;
    } else {
      const g = this.ctx.orm.select().from(groups).where(eq(groups.id, input.userId)).get();
      if (!g) throw badRequest(`Group ${input.userId} does not exist`, [{ path: 'body.userId', message: 'Unknown group' }]);
      assigneeName = g.name;
    }
    const now = this.ctx.clock.nowMs();
    this.ctx.sqlite.transaction(() => {
      for (const t of all) {
        this.ctx.orm
          .update(tasks)
          .set({ assignedTo: input.userId, assigneeType: input.type, assignedOn: now, assignedBy: user.userId, lockedOn: null, lockedBy: null, version: t.version + 1, updatedOn: now, updatedBy: user.userId })
          .where(eq(tasks.id, t.id))
          .run();
        this.ctx.audit.record(user, { action: 'ASSIGNED', type: 'HOPPER_TASK', id: t.id, detail: ` to ${assigneeName}` });
      }
      if (email) {
        this.outbox.send({
          kind: 'task.assigned',
          to: [email],
          subject: `${all.length === 1 ? 'A task was' : `${all.length} tasks were`} assigned to you`,
          body: `${user.displayName} assigned you ${all.map((t) => t.id).join(', ')} in queue ${queueId}.`,
          meta: { queueId, taskIds: all.map((t) => t.id) },
        });
      }
    })();
    return this.getTask(queueId, taskId, user, false);
  }

  void(queueId: string, taskId: string, user: Caller) {
    const t = this.taskRow(queueId, taskId, user, 'queue.work');
    this.assertOpen(t, 'voided');
    const now = this.ctx.clock.nowMs();
    this.ctx.sqlite.transaction(() => {
      this.ctx.orm.update(tasks).set({ status: 'VOIDED', version: t.version + 1, lockedOn: null, lockedBy: null, updatedOn: now, updatedBy: user.userId }).where(eq(tasks.id, taskId)).run();
      this.ctx.audit.record(user, { action: 'VOIDED', type: 'HOPPER_TASK', id: taskId });
    })();
    return this.getTask(queueId, taskId, user, false);
  }

  // ------------------------------------------------------------------ fixtures

  seed(queues: QueueSeed[], list: TaskSeed[]): void {
    for (const q of queues) {
      this.ctx.orm
        .insert(taskQueues)
        .values({
          id: q.id,
          name: q.name,
          description: q.description ?? '',
          active: q.active ?? true,
          archived: q.archived ?? false,
          taskLevelFiltersEnabled: q.taskLevelFiltersEnabled ?? false,
          taskLevelFilters: q.taskLevelFilters ?? null,
          owner: q.owner,
          createdBy: q.owner,
          createdOn: Date.parse(q.createdOn),
          updatedBy: q.owner,
          updatedOn: Date.parse(q.updatedOn ?? q.createdOn),
          permissions: q.permissions,
        })
        .run();
    }
    for (const t of list) {
      const created = Date.parse(t.createdOn);
      this.ctx.orm
        .insert(tasks)
        .values({
          id: t.id,
          queueId: t.queueId,
          status: t.status,
          version: t.version ?? 1,
          createdOn: created,
          createdBy: t.createdBy,
          updatedOn: Date.parse(t.updatedOn ?? t.createdOn),
          updatedBy: t.createdBy,
          completedOn: t.completedOn ? Date.parse(t.completedOn) : null,
          completedBy: t.completedBy ?? null,
          assignedOn: t.assignedTo ? created : null,
          assignedBy: t.assignedTo ? t.createdBy : null,
          assignedTo: t.assignedTo ?? null,
          displayType: t.displayType,
          displayId: t.displayId ?? null,
          detail: {
            attributes: t.attributes ?? [],
            tags: t.tags ?? [],
            comments: [],
            sourceSystem: t.sourceSystem ?? 'ODYSSEY',
            sourceInfo: t.sourceInfo ?? {},
            displayEntity: t.displayEntity ?? null,
            contract: t.contract,
          },
          inputVariables: t.inputVariables ?? {},
          outputVariables: t.outputVariables ?? {},
        })
        .run();
    }
  }
}
