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

/** A query flag such as ?includeHidden=true. */
export const queryBool = z
  .enum(['true', 'false', '1', '0', 'TRUE', 'FALSE', 'True', 'False'])
  .transform((v) => v.toLowerCase() === 'true' || v === '1');

/** A positive integer path id. */
export const numericId = z.coerce.number().int().positive();

/** An id in a JSON body: a positive integer, or its decimal string ("roleId": "5" works too). */
export const jsonId = z.union([z.number().int().positive(), z.string().regex(/^\d+$/, 'expected a numeric id').transform(Number)]);
