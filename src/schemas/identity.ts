import { z } from 'zod';

/**
 * Response bodies of the identity families (Users, Groups, Roles): the routes declare them with
 * responds() (so they are in the OpenAPI document and checked in tests) and the stores return their
 * output types. Strict objects: a key the schema does not name is a contract failure.
 */

const id = z.number().int();

export const userJson = z
  .strictObject({
    id,
    displayName: z.string(),
    userName: z.string().optional(),
    roleId: id.optional(),
    emailAddress: z.string().optional(),
    attributes: z.array(z.strictObject({ key: z.string(), values: z.array(z.union([z.string(), z.number()])) })).optional(),
    // parts=DETAILED: the flat fields the Group documentation's "Fetch User Details" reads
    name: z.string().optional(),
    title: z.string().optional(),
    location: z.string().optional(),
    phoneNumber: z.string().optional(),
    manager: z.string().optional(),
    // parts=GROUPS / parts=ROLE
    groups: z.array(z.strictObject({ id, name: z.string() })).optional(),
    role: z.strictObject({ id, name: z.string() }).nullable().optional(),
  })
  .meta({ id: 'User' });
export type UserJson = z.output<typeof userJson>;

export const userListJson = z.strictObject({ users: z.array(userJson), count: z.number().int() });
export const userOneJson = z.strictObject({ users: z.array(userJson).length(1) });

export const groupJson = z
  .strictObject({
    id,
    name: z.string(),
    type: z.string(),
    userIds: z.array(id),
    creatorId: id,
    /** who may change the group and its membership (the creator first) */
    owners: z.array(id),
    memberCount: z.number().int(),
    guid: z.string(),
    description: z.string(),
    hidden: z.boolean(),
    default: z.boolean(),
    active: z.boolean(),
  })
  .meta({ id: 'Group' });
export type GroupJson = z.output<typeof groupJson>;

export const roleJson = z
  .strictObject({
    id,
    name: z.string(),
    description: z.string(),
    authorityCount: z.number().int(),
    userCount: z.number().int(),
    created: z.number().int(),
    modified: z.number().int(),
  })
  .meta({ id: 'Role' });
export type RoleJson = z.output<typeof roleJson>;

export const roleAuthoritiesJson = z.array(z.strictObject({ authority: z.string(), roleIds: z.array(id) }));
export const statusJson = z.strictObject({ status: z.string(), message: z.string() });
