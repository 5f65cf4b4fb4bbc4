import type { Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../src/http/env.js';
import type { Actor } from '../../src/state/datasets/index.js';

/** The calling principal, as the datasets stores receive it. */
export const actorOf = (c: Context<AppEnv>): Actor => c.var.principal;

/** A dataset id in a path (Domo's are UUIDs; any id up to 100 characters is looked up). */
export const datasetId = z.string().trim().min(1).max(100);
export const datasetParam = z.object({ datasetId });

/** Upper-cases before matching an enum (APPEND, append, Append). */
export const upperEnum = <const T extends readonly [string, ...string[]]>(values: T): z.ZodType<T[number], string> =>
  z
    .string()
    .trim()
    .toUpperCase()
    .pipe(z.enum(values)) as unknown as z.ZodType<T[number], string>;

/** A partition tag. */
export const partitionTag = z.string().trim().min(1).max(255);
