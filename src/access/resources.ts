/**
 * The kinds of objects that carry grants, and each kind's grant vocabulary. A store describes one of its
 * objects as a Resource (its owners and the grants stored in its own tables); the policy alone decides
 * what a principal may do with it.
 */

/** A grant stored on an object: who (a user, a group, a role, an app) holds which permissions. */
export interface Grant {
  type: string;
  id: string | number;
  perms: readonly string[];
}

export interface Resource {
  type: ResourceType;
  id: string | number;
  name?: string;
  /** Owners hold every permission of the type. */
  ownerIds?: readonly (number | null | undefined)[];
  grants?: readonly Grant[];
  /** Permissions everyone holds (a public file: READ; a collection nobody restricted: all). */
  everyone?: readonly string[];
}

export interface ResourceModel {
  /** How messages name it: "DataSet", "data file". */
  label: string;
  /** Every permission of the type, strongest first; owners and content admins hold them all. */
  all: readonly string[];
  /** A stronger permission gives weaker ones: OWNER gives CAN_EDIT. */
  implies?: Readonly<Record<string, readonly string[]>>;
  /** Any grant at all lets its holder see the object (files, queues). */
  anyGrantReads?: string;
  /** Authorities whose holders act on every object of the type as its owner (default: content.admin). */
  overrideBy?: readonly string[];
}

const ranked = (levels: readonly string[]): Record<string, readonly string[]> =>
  Object.fromEntries(levels.map((l, i) => [l, levels.slice(i + 1)]));

const datasetLevels = ['OWNER', 'CO_OWNER', 'CAN_EDIT', 'CAN_SHARE', 'CAN_VIEW'] as const;
const collectionPerms = ['admin', 'write', 'read', 'share', 'delete', 'create_content', 'update_content', 'read_content', 'delete_content'] as const;
const filePerms = ['ADMIN', 'SHARE', 'DELETE', 'WRITE', 'READ'] as const;
const workPerms = ['ADMIN', 'SHARE', 'WRITE', 'EXECUTE', 'READ'] as const;
const queuePerms = ['ADMIN', 'SHARE', 'WRITE', 'UPDATE_CONTENT', 'READ_CONTENT', 'READ'] as const;
const contentLevels = ['OWNER', 'CAN_EDIT', 'CAN_SHARE', 'CAN_VIEW'] as const;

export const RESOURCE_MODELS = {
  dataset: { label: 'DataSet', all: datasetLevels, implies: ranked(datasetLevels) },
  collection: { label: 'collection', all: collectionPerms, implies: { admin: collectionPerms.slice(1) } },
  datastore: { label: 'datastore', all: ['OWNER'] },
  file: { label: 'data file', all: filePerms, implies: { ADMIN: filePerms.slice(1) }, anyGrantReads: 'READ' },
  fileset: { label: 'FileSet', all: ['OWNER', 'WRITE', 'READ'], implies: ranked(['OWNER', 'WRITE', 'READ']) },
  queue: { label: 'queue', all: queuePerms, implies: { ADMIN: queuePerms.slice(1), WRITE: ['UPDATE_CONTENT'] }, anyGrantReads: 'READ', overrideBy: ['content.admin', 'taskcenter.manage'] },
  task: { label: 'task', all: ['OWNER'] },
  workflow: { label: 'workflow', all: workPerms, implies: { ADMIN: workPerms.slice(1) }, anyGrantReads: 'READ' },
  package: { label: 'Code Engine package', all: ['OWNER', 'EXECUTE'], implies: { OWNER: ['EXECUTE'] }, overrideBy: ['content.admin', 'codeengine.manage'] },
  card: { label: 'card', all: contentLevels, implies: ranked(contentLevels) },
  page: { label: 'page', all: contentLevels, implies: ranked(contentLevels) },
  alert: { label: 'alert', all: ['OWNER', 'SUBSCRIBER'], implies: { OWNER: ['SUBSCRIBER'] } },
  beastmode: { label: 'Beast Mode', all: ['OWNER'] },
  schedule: { label: 'report schedule', all: ['OWNER', 'RECIPIENT'], implies: { OWNER: ['RECIPIENT'] } },
  account: { label: 'account', all: ['OWNER', 'CAN_EDIT', 'CAN_VIEW'], implies: ranked(['OWNER', 'CAN_EDIT', 'CAN_VIEW']) },
  migration: { label: 'migration', all: ['OWNER'] },
  dataflow: { label: 'DataFlow', all: ['OWNER', 'CAN_EDIT', 'CAN_VIEW'], implies: ranked(['OWNER', 'CAN_EDIT', 'CAN_VIEW']) },
  group: { label: 'group', all: ['OWNER', 'MEMBER'], implies: { OWNER: ['MEMBER'] }, overrideBy: ['group.manage'] },
  user: { label: 'user', all: ['SELF'], overrideBy: ['user.manage'] },
  role: { label: 'role', all: ['MEMBER'], overrideBy: ['role.manage'] },
} as const satisfies Record<string, ResourceModel>;

export type ResourceType = keyof typeof RESOURCE_MODELS;

/** Every permission the given set implies (itself included). */
export function expand(model: ResourceModel, perms: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const p of perms) {
    out.add(p);
    for (const q of model.implies?.[p] ?? []) out.add(q);
  }
  return out;
}

/**
 * The permissions touched when the listed principals' entries replace theirs (an empty list removes one):
 * every permission an entry gains or loses, for `AccessPolicy.requireWithin`.
 */
export function changedPermissions(
  current: readonly { type: string; id: string; permissions: readonly string[] }[],
  updates: readonly { type: string; id: string; permissions: readonly string[] }[],
): string[] {
  const out: string[] = [];
  for (const u of updates) {
    const before = current.find((c) => c.type === u.type && c.id === u.id)?.permissions ?? [];
    const same = before.length === u.permissions.length && before.every((x) => u.permissions.includes(x));
    if (!same) out.push(...before, ...u.permissions);
  }
  return out;
}
