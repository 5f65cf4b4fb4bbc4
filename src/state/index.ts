import { ActivityStore, Audit } from './activity.js';
import { AlertsStore } from './alerts.js';
import { AppDbStore } from './appdb.js';
import { AppsStore } from './apps.js';
import { CardContentStore } from './card-content.js';
import { CodeEngineStore } from './code-engine.js';
import { DataflowsStore } from './dataflows.js';
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

/**
 * Builds one instance's stores. Each family adds its store here; a store that needs another gets it here.
 * The activity log's writer (ctx.audit) is made here, so every store receives it with the context.
 */
export function createStores(base: Omit<StoreContext, 'audit'>) {
  const ctx: StoreContext = { ...base, audit: new Audit(base.sqlite, base.clock) };
  const outbox = new OutboxStore(ctx);
  const datasetFamily = datasetFamilyStores(ctx);
  const { datasets, cards, rows } = datasetFamily;
  const activity = new ActivityStore(ctx);
  const pages = new PagesStore(ctx, datasetFamily.certifiedContent);
  const cardContent = new CardContentStore(ctx, cards, datasets, rows);
  const taskCenter = new TaskCenterStore(ctx, outbox);
  const codeEngine = new CodeEngineStore(ctx);
  const alerts = new AlertsStore(ctx, { datasets, cards, rows, outbox });
  const dataflows = new DataflowsStore(ctx, { datasets, rows });
  // deleting a dataset deletes its cards (Domo does); their page slots, alerts, beast mode links and
  // certifications go with them, and the dataset's own (docs/cascades.md)
  datasets.onDelete((ds) => {
    const cardIds = cards.removeByDataset(ds.id);
    pages.removeCards(cardIds);
    alerts.removeOn('CARD', cardIds);
    alerts.removeOn('DATASET', [ds.id]);
    datasetFamily.beastModes.unlink('CARD', cardIds);
    datasetFamily.beastModes.unlink('DATA_SOURCE', [ds.id]);
    for (const id of cardIds) datasetFamily.certifiedContent.forget('CARD', id);
    datasetFamily.certifiedContent.forget('DATA_SOURCE', ds.id);
  });
  // DataFlows reading or writing a deleted dataset stay, marked invalid (docs/cascades.md)
  datasets.onDelete((ds) => dataflows.datasetDeleted(ds));
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
    alerts,
    dataflows,
    cardContent,
    pages,
    activity,
    taskCenter,
    workflows: new WorkflowsStore(ctx, { codeEngine, taskCenter }),
    codeEngine,
    search: new SearchStore(ctx, datasets, pages, cardContent, datasetFamily.accounts),
    scheduledReports: new ScheduledReportsStore(ctx, { cards, cardContent, datasets, rows, outbox, pages }),
    migrations: new MigrationsStore(ctx, datasets),
    remoteDomostats: new RemoteDomostatsStore(ctx, datasets),
  };
}

export type Stores = ReturnType<typeof createStores>;
export type { StoreContext };
