import { z } from 'zod';

/** limit/offset query parameters shared by list routes. */
export const pagingQuery = (defaultLimit = 50, maxLimit = 10_000) =>
  z.object({
    limit: z.coerce.number().int().min(0).max(maxLimit).default(defaultLimit),
    offset: z.coerce.number().int().min(0).default(0),
  });

/** A comma-separated query value as a list (also accepts the parameter repeated). */
export const csvList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean));

/**
 * The one flag parser, for query strings and bodies alike: a JSON boolean, or true/false/1/0 in any case
 * (?includeHidden=TRUE, and the reference's "index": "true").
 */
export const flag = z.union([
  z.boolean(),
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['true', 'false', '1', '0']))
    .transform((v) => v === 'true' || v === '1'),
]);

const positiveId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/**
 * The one id parser, for paths, query strings and bodies alike: a positive integer, or its decimal string
 * ("roleId": "5" and /users/5 both work; "5.0", "0x5" and "1e3" do not).
 */
export const numericId = z.union([positiveId, z.string().trim().regex(/^\d+$/, 'expected a numeric id').transform(Number).pipe(positiveId)]);
