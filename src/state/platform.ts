/**
 * Shapes of Domo's platform API (api.domo.com, what domo-sdk and pydomo read), mapped from the same
 * stores the product API uses: no store logic here, only how a record looks on /v1/*.
 */
import type { Principal } from '../access/principal.js';
import type { Instance } from '../instances.js';
import type { UserRecord } from './users.js';

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** A user as /v1/users shows one. */
export function platformUser(inst: Instance, u: UserRecord): Record<string, unknown> {
  const role = inst.stores.roles.list().find((r) => r.id === u.roleId);
  return {
    id: u.id,
    name: u.displayName,
    email: u.emailAddress,
    role: role?.name ?? null,
    roleId: u.roleId,
    title: u.title ?? undefined,
    phone: u.phoneNumber ?? undefined,
    location: u.location ?? undefined,
    timezone: u.timeZone ?? undefined,
    locale: u.locale ?? undefined,
    employeeNumber: u.employeeId ?? undefined,
    createdAt: iso(u.created),
    updatedAt: iso(u.modified),
  };
}

/** The role id for a platform `role` name (Admin, Privileged, Editor, Participant, or a custom role's name). */
export function roleIdByName(inst: Instance, name: string): number | undefined {
  return inst.stores.roles.list().find((r) => r.name.toLowerCase() === name.toLowerCase())?.id;
}

/** A group as /v1/groups shows one. */
export function platformGroup(inst: Instance, id: number): Record<string, unknown> {
  const g = inst.stores.groups.get(id);
  return { id: g.id, name: g.name, description: g.description, default: g.default, active: g.active, creatorId: g.creatorId, memberCount: g.memberCount };
}

/** A PDP policy as /v1/datasets/{id}/policies shows one (the product API's filter group). */
export function platformPolicy(p: Record<string, unknown>): Record<string, unknown> {
  const params = (p.parameters as Array<{ name: string; values: string[]; operator: string; type: string }> | undefined) ?? [];
  return {
    id: p.filterGroupId,
    type: p.type === 'open' ? 'open' : p.type === 'system' ? 'system' : 'user',
    name: p.name,
    filters: params.filter((f) => f.type === 'COLUMN').map((f) => ({ column: f.name, values: f.values, operator: f.operator === 'NOT_EQUALS' ? 'EQUALS' : f.operator, not: f.operator === 'NOT_EQUALS' })),
    users: (p.userIds as number[] | undefined) ?? [],
    virtualUsers: (p.virtualUserIds as string[] | undefined) ?? [],
    groups: (p.groupIds as number[] | undefined) ?? [],
  };
}

/** A platform policy body -> the product store's filter-group input. */
export function policyInput(b: { name: string; filters?: Array<{ column: string; values: Array<string | number>; operator?: string; not?: boolean }>; users?: number[]; groups?: number[] }) {
  return {
    name: b.name,
    userIds: b.users ?? [],
    groupIds: b.groups ?? [],
    parameters: (b.filters ?? []).map((f) => ({
      type: 'COLUMN' as const,
      name: f.column,
      values: f.values.map(String),
      operator: (f.not && (f.operator ?? 'EQUALS') === 'EQUALS' ? 'NOT_EQUALS' : (f.operator ?? 'EQUALS')) as 'EQUALS',
      ignoreCase: true,
    })),
  };
}

/** A dataset as /v1/datasets shows one; `withPolicies` adds its PDP policies (the single-dataset GET). */
export function platformDataset(inst: Instance, id: string, p: Principal, withPolicies = false): Record<string, unknown> {
  const store = inst.stores.datasets;
  const v = store.get(id, p) as { name: string; description: string; rowCount: number; columnCount: number; owner: { id: string; name: string | null }; created: number; lastTouched: number; lastUpdated: number };
  const ds = store.byId(id);
  const out: Record<string, unknown> = {
    id,
    name: v.name,
    description: v.description ?? '',
    rows: v.rowCount,
    columns: v.columnCount,
    schema: { columns: ds.columns.map((c) => ({ type: c.type, name: c.name })) },
    owner: { id: Number(v.owner.id), name: v.owner.name },
    createdAt: iso(v.created),
    updatedAt: iso(v.lastTouched ?? v.lastUpdated),
    dataCurrentAt: iso(v.lastUpdated),
    pdpEnabled: inst.stores.pdp.enabled(ds),
  };
  if (withPolicies) {
    try {
      out.policies = inst.stores.pdp.list(id, p, { associations: true, filters: true, openPolicy: true }).map(platformPolicy);
    } catch {
      out.policies = []; // the caller may read the dataset but not its policies
    }
  }
  return out;
}
