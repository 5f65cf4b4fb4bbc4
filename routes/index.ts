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

export function mountFamilies(app: Hono<AppEnv>): void {
  for (const f of families) app.route('/', f());
}
