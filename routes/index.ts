import type { Hono } from 'hono';
import type { AppEnv } from '../src/http/env.js';
import { groupsRoutes } from './groups.js';
import { appdbRoutes } from './appdb.js';
import { accountsRoutes } from './accounts.js';
import { datasetsRoutes } from './datasets/index.js';
import { exportsRoutes } from './exports.js';
import { streamsRoutes } from './streams.js';
import { filesRoutes } from './files.js';
import { filesetsRoutes } from './filesets.js';
import { rolesRoutes } from './roles.js';
import { usersRoutes } from './users.js';

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
  filesRoutes,
  filesetsRoutes,
];

export function mountFamilies(app: Hono<AppEnv>): void {
  for (const f of families) app.route('/', f());
}
