import type { StoreContext } from './context.js';
import { GroupsStore } from './groups.js';
import { OutboxStore } from './outbox.js';
import { RolesStore } from './roles.js';
import { UsersStore } from './users.js';

/** Builds one instance's stores. Each family adds its store here (one line). */
export function createStores(ctx: StoreContext) {
  return {
    outbox: new OutboxStore(ctx),
    roles: new RolesStore(ctx),
    users: new UsersStore(ctx),
    groups: new GroupsStore(ctx),
  };
}

export type Stores = ReturnType<typeof createStores>;
export type { StoreContext };
