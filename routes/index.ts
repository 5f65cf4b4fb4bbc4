import type { Hono } from 'hono';
import type { AppEnv } from '../src/http/env.js';
import { accountsRoutes } from './accounts.js';
import { activityLogRoutes } from './activity-log.js';
import { aiServicesRoutes } from './ai-services.js';
import { alertsRoutes } from './alerts.js';
import { appdbRoutes } from './appdb.js';
import { appFrameworkRoutes } from './app-framework.js';
import { beastModesRoutes } from './beast-modes.js';
import { cardsRoutes } from './cards.js';
import { certifiedContentRoutes } from './certified-content.js';
import { codeEngineRoutes } from './code-engine.js';
import { dataflowsRoutes } from './dataflows.js';
import { datasetsRoutes } from './datasets/index.js';
import { exportsRoutes } from './exports.js';
import { filesRoutes } from './files.js';
import { filesetsRoutes } from './filesets.js';
import { groupsRoutes } from './groups.js';
import { migrationsRoutes } from './migrations.js';
import { pagesRoutes } from './pages.js';
import { remoteDomostatsRoutes } from './remote-domostats.js';
import { rolesRoutes } from './roles.js';
import { scheduledReportsRoutes } from './scheduled-reports.js';
import { searchRoutes } from './search.js';
import { streamsRoutes } from './streams.js';
import { taskCenterRoutes } from './task-center.js';
import { usersRoutes } from './users.js';
import { workflowsRoutes } from './workflows.js';

/** Every API family's router. Each family adds one line. Literal paths must come before parameters within a family. */
export const families: Array<() => Hono<AppEnv>> = [
  usersRoutes,
  rolesRoutes,
  groupsRoutes,
  datasetsRoutes,
  streamsRoutes,
  dataflowsRoutes,
  accountsRoutes,
  exportsRoutes,
  appdbRoutes,
  appFrameworkRoutes,
  filesRoutes,
  filesetsRoutes,
  alertsRoutes,
  beastModesRoutes,
  cardsRoutes,
  certifiedContentRoutes,
  pagesRoutes,
  taskCenterRoutes,
  workflowsRoutes,
  codeEngineRoutes,
  aiServicesRoutes,
  searchRoutes,
  activityLogRoutes,
  scheduledReportsRoutes,
  migrationsRoutes,
  remoteDomostatsRoutes,
];

/**
 * Where each catalog family (fixtures/catalog/endpoints.json `family`) is served: the route module that
 * registers its endpoints (test/layout.test.ts checks it). Families the reference splits but Domo
 * serves from one service share a module.
 */
export const catalogFamilyModules: Record<string, Array<{ module: string; routes: () => Hono<AppEnv> }>> = {
  Users: [{ module: 'routes/users.ts', routes: usersRoutes }],
  Roles: [{ module: 'routes/roles.ts', routes: rolesRoutes }],
  Groups: [{ module: 'routes/groups.ts', routes: groupsRoutes }],
  // the reference lists stream create/read/update under Datasets; Domo serves them with the other stream routes
  Datasets: [{ module: 'routes/datasets/', routes: datasetsRoutes }, { module: 'routes/streams.ts', routes: streamsRoutes }],
  DatasetHistory: [{ module: 'routes/datasets/', routes: datasetsRoutes }],
  QueryDataset: [{ module: 'routes/datasets/', routes: datasetsRoutes }],
  Connectors: [{ module: 'routes/streams.ts', routes: streamsRoutes }],
  DataAccounts: [{ module: 'routes/accounts.ts', routes: accountsRoutes }],
  ExportToS3: [{ module: 'routes/exports.ts', routes: exportsRoutes }],
  AppDB: [{ module: 'routes/appdb.ts', routes: appdbRoutes }],
  Files: [{ module: 'routes/files.ts', routes: filesRoutes }],
  FileSets: [{ module: 'routes/filesets.ts', routes: filesetsRoutes }],
  Alerts: [{ module: 'routes/alerts.ts', routes: alertsRoutes }],
  BeastModes: [{ module: 'routes/beast-modes.ts', routes: beastModesRoutes }],
  Cards: [{ module: 'routes/cards.ts', routes: cardsRoutes }],
  CertifiedContent: [{ module: 'routes/certified-content.ts', routes: certifiedContentRoutes }],
  Pages: [{ module: 'routes/pages.ts', routes: pagesRoutes }],
  TaskCenter: [{ module: 'routes/task-center.ts', routes: taskCenterRoutes }],
  Workflows: [{ module: 'routes/workflows.ts', routes: workflowsRoutes }],
  CodeEngine: [{ module: 'routes/code-engine.ts', routes: codeEngineRoutes }],
  AIServices: [{ module: 'routes/ai-services.ts', routes: aiServicesRoutes }],
  Search: [{ module: 'routes/search.ts', routes: searchRoutes }],
  ActivityLog: [{ module: 'routes/activity-log.ts', routes: activityLogRoutes }],
  ScheduledReports: [{ module: 'routes/scheduled-reports.ts', routes: scheduledReportsRoutes }],
  FederatedV1toV2Migration: [{ module: 'routes/migrations.ts', routes: migrationsRoutes }],
  FederatedToAmplifierMigration: [{ module: 'routes/migrations.ts', routes: migrationsRoutes }],
  RemoteDomostats: [{ module: 'routes/remote-domostats.ts', routes: remoteDomostatsRoutes }],
};

export function mountFamilies(app: Hono<AppEnv>): void {
  for (const f of families) app.route('/', f());
}
