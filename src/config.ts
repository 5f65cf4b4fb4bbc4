import { z } from 'zod';
import { defaultFixturesDir } from './paths.js';
import { logLevels } from './logger.js';

/** The one schema for emulator options, shared by the CLI (flags + env) and startEmulator(). */
export const optionsSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(0),
  host: z.string().min(1).default('127.0.0.1'),
  /** A directory holding one database file per instance, or ':memory:'. */
  db: z.string().min(1).default(':memory:'),
  fixtures: z.string().min(1).default(defaultFixturesDir),
  seed: z.boolean().default(true),
  /** Extra developer tokens for the fixtures' admin user. */
  tokens: z.array(z.string().min(8, 'a token needs at least 8 characters')).default([]),
  logLevel: z.enum(logLevels).default('info'),
  /** Largest JSON/text request body, in bytes (413 above). */
  maxBodyBytes: z.coerce.number().int().positive().default(10 * 1024 * 1024),
  /** Largest streamed upload (CSV part, file), in bytes (413 above). */
  maxUploadBytes: z.coerce.number().int().positive().default(1024 * 1024 * 1024),
  /** Longest line (record) of a CSV part, in characters (400 naming the line above). */
  maxLineLength: z.coerce.number().int().positive().default(8 * 1024 * 1024),
  /** 'sequential' makes ids predictable for tests. */
  ids: z.enum(['random', 'sequential']).default('random'),
  /** Freeze every instance clock at this ISO time when it is created. */
  freezeClock: z.iso.datetime({ offset: true }).optional(),
  /** Reuse a seeded template database across starts and instances (cached under cacheDir). */
  templateCache: z.boolean().default(true),
  /** Where seeded templates are cached (default: <OS temp dir>/domo-emulator-cache). */
  cacheDir: z.string().min(1).optional(),
  /**
   * Deadline for client-driven computation (dataset SQL, AppDB queries and aggregations), in ms; 0 = none.
   * Past it the work is stopped and the client gets a 400 naming the limit.
   */
  queryTimeoutMs: z.coerce.number().int().min(0).default(30_000),
  /** Largest result a query may build in memory (rows as JSON, strings from REPEAT/LPAD/GROUP_CONCAT...), in bytes. */
  maxResultBytes: z.coerce.number().int().positive().default(64 * 1024 * 1024),
  /** `enforce` (default): role authorities, object grants and PDP apply; `off`: every known token acts with every right. */
  authz: z.enum(['enforce', 'off']).default('enforce'),
  /** Time limit of one Code Engine function run (loading the code, the call, awaiting its promise), in ms. */
  codeEngineTimeoutMs: z.coerce.number().int().min(10).max(15 * 60_000).default(5_000),
  /** Memory limit of one Code Engine function run (the QuickJS runtime's heap), in MB. */
  codeEngineMemoryMb: z.coerce.number().int().min(4).max(2048).default(64),
  /**
   * Serve HTTPS and act as an HTTPS proxy for Domo's hosts, on the same port as plain HTTP, with
   * certificates from a local CA (see src/net/ca.ts).
   */
  https: z.boolean().default(false),
  /** Where the local CA is kept (default: `<db>/ca`, or `~/.domo-emulator/ca` with an in-memory db). */
  caDir: z.string().min(1).optional(),
  /**
   * OAuth clients of the platform API (api.domo.com: /oauth/token, /v1/*), besides fixtures/clients.json:
   * each bound to an instance and a user (default: the fixtures' admin), with the scopes it may ask for.
   */
  clients: z
    .array(
      z.object({
        id: z.string().min(1).max(200),
        secret: z.string().min(1).max(500),
        instance: z.string().min(1).max(63).default('default'),
        userId: z.number().int().positive().optional(),
        scope: z.array(z.string().min(1)).default(['data', 'user', 'audit', 'dashboard']),
      }),
    )
    .default([]),
  /** Lifetime of a platform access token, in seconds of the instance clock. */
  tokenLifetimeSeconds: z.coerce.number().int().min(1).default(3600),
  /** Bound of the per-instance request journal. */
  journalSize: z.coerce.number().int().min(1).max(100_000).default(500),
});

export type EmulatorOptions = z.input<typeof optionsSchema>;
export type Config = z.output<typeof optionsSchema>;
