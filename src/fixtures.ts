import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from './logger.js';
import { seedDatasets } from './fixtures-datasets.js';
import { seedAppDb } from './fixtures-appdb.js';
import { seedFiles } from './fixtures-files.js';
import { seedContent } from './fixtures-content.js';
import { seedWork } from './fixtures-work.js';
import { seedReports } from './fixtures-reports.js';
import { seedPlatform } from './fixtures-platform.js';
import type { Stores } from './state/index.js';
import type { GroupSeed } from './state/groups.js';
import type { RoleSeed } from './state/roles.js';
import type { UserSeed } from './state/users.js';

export interface SeedContext {
  dir: string;
  stores: Stores;
  logger: Logger;
  /** false with --no-seed: only the bootstrap (system roles, the admin user and its tokens) is loaded. */
  full: boolean;
  /** Reports progress of long loads: progress('datasets', 3, 10). */
  progress(what: string, done: number, total: number): void;
}

export interface Seeder {
  family: string;
  seed(ctx: SeedContext): void;
}

export function readFixture<T>(dir: string, file: string): T | undefined {
  const p = join(dir, file);
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as T;
  } catch (e) {
    throw new Error(`fixtures: ${p} is not valid JSON: ${(e as Error).message}`);
  }
}

interface UsersFixture {
  adminUserId: number;
  users: UserSeed[];
}

/** The admin user id the fixtures name (developer tokens from --token belong to it). */
export function adminUserId(dir: string): number | undefined {
  return readFixture<UsersFixture>(dir, 'users.json')?.adminUserId;
}

/** In dependency order. Each family appends its seeder here. */
export const seeders: Seeder[] = [
  {
    family: 'roles',
    seed: ({ dir, stores }) => stores.roles.seed(readFixture<RoleSeed[]>(dir, 'roles.json') ?? []),
  },
  {
    family: 'users',
    seed: ({ dir, stores, full }) => {
      const f = readFixture<UsersFixture>(dir, 'users.json');
      if (!f) return;
      stores.users.seed(full ? f.users : f.users.filter((u) => u.id === f.adminUserId));
    },
  },
  {
    family: 'groups',
    seed: ({ dir, stores, full }) => full && stores.groups.seed(readFixture<GroupSeed[]>(dir, 'groups.json') ?? []),
  },
  { family: 'datasets', seed: seedDatasets },
  { family: 'appdb', seed: seedAppDb },
  { family: 'files', seed: seedFiles },
  { family: 'content', seed: seedContent },
  { family: 'work', seed: seedWork },
  { family: 'scheduled-reports', seed: seedReports },
  { family: 'platform', seed: seedPlatform },
];
