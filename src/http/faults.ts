import { z } from 'zod';
import { ApiError } from './errors.js';
import { mulberry32 } from '../rng.js';

/**
 * Seeded fault injection (POST /_emulator/faults). A rule matches requests by method, path pattern and
 * instance; of the matching requests it skips the first `after`, then each one draws from the rule's own
 * PRNG (seeded, so the same requests are hit on every run) and is hit with `probability`, at most `count`
 * times. A hit answers `status` (Domo's error shape unless `body` is given) after `delayMs`, or drops the
 * connection (`reset`), or lets the route answer and cuts its body (`truncate`); a rule with only
 * `delayMs` delays the request and lets it through.
 */
export const faultRuleSchema = z
  .object({
    preset: z.enum(['rate-limit', 'token-expiry', 'upload-part-5xx', 'slow-query']).optional(),
    method: z.string().min(1).max(10).optional(),
    path: z.string().min(1).max(500).optional(),
    instance: z.string().min(1).max(63).optional(),
    probability: z.number().min(0).max(1).optional(),
    count: z.number().int().min(1).optional(),
    after: z.number().int().min(0).optional(),
    seed: z.number().int().optional(),
    status: z.number().int().min(100).max(599).optional(),
    body: z.unknown().optional(),
    delayMs: z.number().int().min(0).max(120_000).optional(),
    retryAfter: z.number().int().min(0).max(86_400).optional(),
    reset: z.boolean().optional(),
    truncate: z.boolean().optional(),
    /** upload-part-5xx: the part number to fail (default 5). */
    part: z.number().int().min(1).optional(),
  })
  .strict();
export type FaultRuleInput = z.infer<typeof faultRuleSchema>;

export interface FaultRule extends Omit<FaultRuleInput, 'path'> {
  id: string;
  path: string;
  probability: number;
  seed: number;
  after: number;
  /** requests that matched the rule (method, path, instance) */
  matched: number;
  /** requests the rule was injected into */
  hits: number;
}

/** What the presets mean: defaults the request's own fields override. */
function presetDefaults(input: FaultRuleInput): Partial<FaultRuleInput> {
  switch (input.preset) {
    case 'rate-limit':
      return { path: '/api/**', status: 429, retryAfter: 1 };
    case 'token-expiry':
      return { path: '/api/**', status: 401, after: 5, body: undefined };
    case 'upload-part-5xx':
      return { method: 'PUT', path: `/api/data/v3/datasources/*/uploads/*/parts/${input.part ?? 5}`, status: 503, count: 1 };
    case 'slow-query':
      return { method: 'POST', path: '/api/query/v1/**', delayMs: 2000 };
    default:
      return {};
  }
}

/** `*` is one path segment, `**` any number of them; anything else is literal. Trailing slashes are ignored. */
export function pathPattern(pattern: string): RegExp {
  const norm = pattern.replace(/\/+$/, '') || '/';
  const re = norm
    .split('/')
    .map((seg) => (seg === '**' ? '\u0000' : seg.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')))
    .join('/')
    .replace(/\/\u0000/g, '(?:/.*)?')
    .replace(/\u0000/g, '.*');
  return new RegExp(`^${re}/?$`);
}

interface Live {
  rule: FaultRule;
  re: RegExp;
  next: () => number;
}

/** The fault rules of one emulator (every instance; a rule may name one). */
export class FaultSet {
  private readonly rules = new Map<string, Live>();
  private counter = 0;

  add(input: FaultRuleInput): FaultRule {
    const merged = { ...presetDefaults(input), ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) } as FaultRuleInput;
    if (!merged.path) throw new ApiError(400, 'A fault rule needs a path pattern (or a preset)', [{ path: 'body.path', message: 'Required' }]);
    if (merged.status === undefined && !merged.delayMs && !merged.reset && !merged.truncate) merged.status = 500;
    const id = `fault-${++this.counter}`;
    const rule: FaultRule = {
      ...merged,
      id,
      path: merged.path,
      method: merged.method?.toUpperCase(),
      probability: merged.probability ?? 1,
      seed: merged.seed ?? 1,
      after: merged.after ?? 0,
      matched: 0,
      hits: 0,
    };
    this.rules.set(id, { rule, re: pathPattern(rule.path), next: mulberry32(rule.seed) });
    return { ...rule };
  }

  list(): FaultRule[] {
    return [...this.rules.values()].map((l) => ({ ...l.rule }));
  }

  delete(id: string): void {
    if (!this.rules.delete(id)) throw new ApiError(404, `No fault rule '${id}'`);
  }

  clear(): void {
    this.rules.clear();
  }

  get size(): number {
    return this.rules.size;
  }

  /** The first rule that hits this request (counting it), or null. Every matching rule counts the request. */
  hit(method: string, path: string, instance: string): FaultRule | null {
    let found: FaultRule | null = null;
    for (const { rule, re, next } of this.rules.values()) {
      if (rule.method && rule.method !== method) continue;
      if (rule.instance && rule.instance !== instance) continue;
      if (!re.test(path)) continue;
      rule.matched++;
      if (found || rule.matched <= rule.after) continue;
      if (rule.count !== undefined && rule.hits >= rule.count) continue;
      if (rule.probability < 1 && next() >= rule.probability) continue;
      rule.hits++;
      found = rule;
    }
    return found;
  }
}
