import type { StoreContext } from './context.js';
import { AppDbStore } from './appdb.js';
import { datasetFamilyStores } from './datasets-family.js';
import { GroupsStore } from './groups.js';
import { FilesStore } from './files.js';
import { FileSetsStore } from './filesets.js';
import { OutboxStore } from './outbox.js';
import { RolesStore } from './roles.js';
import { UsersStore } from './users.js';

/** Builds one instance's stores. Each family adds its store here; a store that needs another gets it here. */
export function createStores(ctx: StoreContext) {
  const datasetFamily = datasetFamilyStores(ctx);
  return {
    outbox: new OutboxStore(ctx),
    roles: new RolesStore(ctx),
    users: new UsersStore(ctx),
    groups: new GroupsStore(ctx),
    ...datasetFamily,
    files: new FilesStore(ctx),
    filesets: new FileSetsStore(ctx),
    appdb: new AppDbStore(ctx, datasetFamily.datasets),
  };
}

export type Stores = ReturnType<typeof createStores>;
export type { StoreContext };
