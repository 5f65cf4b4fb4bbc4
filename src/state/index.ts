import { ActivityStore } from './activity.js';
import { AlertsStore } from './alerts.js';
import { AppDbStore } from './appdb.js';
import { AppsStore } from './apps.js';
import { BeastModesStore } from './beast-modes.js';
import { CardContentStore } from './card-content.js';
import { CertifiedContentStore } from './certified-content.js';
import { CodeEngineStore } from './code-engine.js';
import type { StoreContext } from './context.js';
import { datasetFamilyStores } from './datasets-family.js';
import { FilesStore } from './files.js';
import { FileSetsStore } from './filesets.js';
import { GroupsStore } from './groups.js';
import { MigrationsStore } from './migrations.js';
import { OutboxStore } from './outbox.js';
import { PagesStore } from './pages.js';
import { RemoteDomostatsStore } from './remote-domostats.js';
import { RolesStore } from './roles.js';
import { ScheduledReportsStore } from './scheduled-reports.js';
import { SearchStore } from './search.js';
import { TaskCenterStore } from './task-center.js';
import { UsersStore } from './users.js';
import { WorkflowsStore } from './workflows.js';

/** Builds one instance's stores. Each family adds its store here; a store that needs another gets it here. */
export function createStores(ctx: StoreContext) {
  const outbox = new OutboxStore(ctx);
  const datasetFamily = datasetFamilyStores(ctx);
  const { datasets, cards, rows } = datasetFamily;
  const activity = new ActivityStore(ctx);
  const pages = new PagesStore(ctx);
  const cardContent = new CardContentStore(ctx, cards, datasets, rows);
  const taskCenter = new TaskCenterStore(ctx, activity, outbox);
  const codeEngine = new CodeEngineStore(ctx, activity);
  return {
    outbox,
    roles: new RolesStore(ctx),
    users: new UsersStore(ctx),
    groups: new GroupsStore(ctx),
    ...datasetFamily,
    appdb: new AppDbStore(ctx, datasets),
    apps: new AppsStore(ctx),
    files: new FilesStore(ctx),
    filesets: new FileSetsStore(ctx),
    alerts: new AlertsStore(ctx),
    beastModes: new BeastModesStore(ctx),
    cardContent,
    certifiedContent: new CertifiedContentStore(ctx),
    pages,
    activity,
    taskCenter,
    workflows: new WorkflowsStore(ctx, activity, { codeEngine, taskCenter }),
    codeEngine,
    search: new SearchStore(ctx, datasets, pages, cardContent, datasetFamily.accounts),
    scheduledReports: new ScheduledReportsStore(ctx, { cards, cardContent, datasets, rows, outbox, pages }),
    migrations: new MigrationsStore(ctx),
    remoteDomostats: new RemoteDomostatsStore(ctx),
  };
}

export type Stores = ReturnType<typeof createStores>;
export type { StoreContext };
