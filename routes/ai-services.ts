import { Hono } from 'hono';
import { z } from 'zod';
import { defaultModels, generate, knownModels, renderTemplate, summarize, textToSql } from '../src/engines/ai.js';
import type { AppEnv } from '../src/http/env.js';
import { requires } from '../src/http/auth.js';
import { badRequest } from '../src/http/errors.js';
import { valid } from '../src/http/validate.js';

const common = {
  input: z.string().min(1),
  model: z.string().optional(),
  modelConfiguration: z.object({ max_tokens: z.number().int().positive().optional(), temperature: z.number().optional() }).loose().optional(),
  /** documented as a string; the reference's example sends {"template": "..."}: both are accepted */
  promptTemplate: z.union([z.string(), z.object({ template: z.string() }).transform((o) => o.template)]).optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  system: z.string().optional(),
};
const generationBody = z.object(common);
const sqlBody = z.object({
  ...common,
  dataSourceSchemas: z
    .array(
      z.object({
        dataSourceName: z.string().min(1),
        description: z.string().optional(),
        columns: z.array(z.object({ type: z.string().min(1), name: z.string().min(1), description: z.string().optional() })).min(1),
      }),
    )
    .min(1),
});
const summarizeBody = z.object({
  ...common,
  outputStyle: z.enum(['BULLETED', 'NUMBERED', 'PARAGRAPH']).optional(),
  outputWordLength: z
    .object({ min: z.number().int().min(1).optional(), max: z.number().int().min(1).optional() })
    .refine((o) => o.min === undefined || o.max === undefined || o.min <= o.max, 'min must not exceed max')
    .optional(),
});

function modelOf(model: string | undefined, fallback: string): string {
  if (model === undefined) return fallback;
  if (!knownModels.has(model)) throw badRequest(`Model '${model}' is not available for this AI service`, [{ path: 'body.model', message: 'Unknown model' }]);
  return model;
}

function prompt(b: { input: string; promptTemplate?: string; parameters?: Record<string, unknown>; system?: string }, extra: Record<string, unknown> = {}): string {
  return b.promptTemplate ? renderTemplate(b.promptTemplate, { ...extra, ...(b.parameters ?? {}), input: b.input, system: b.system ?? '' }) : b.input;
}

/** Domo's answer: `{output, modelId}` plus `choices: [{output}]`, which public clients read. */
const answer = (output: string, modelId: string) => ({ output, modelId, choices: [{ output }] });

/** What summarize's `${outputWordLength}` and `${outputStyle}` placeholders become. */
function summarizeParams(b: { outputStyle?: string; outputWordLength?: { min?: number; max?: number } }): Record<string, unknown> {
  const w = b.outputWordLength;
  const length = !w || (w.min === undefined && w.max === undefined) ? 'any number of' : w.min !== undefined && w.max !== undefined ? `${w.min} to ${w.max}` : w.min !== undefined ? `at least ${w.min}` : `at most ${w.max}`;
  return { outputWordLength: length, outputStyle: (b.outputStyle ?? 'PARAGRAPH').toLowerCase() };
}

/** AI Services API: deterministic text generation, text-to-SQL and summarization. */
export function aiServicesRoutes() {
  const r = new Hono<AppEnv>();
  const base = '/api/ai/v1/text';

  r.post(`${base}/generation`, requires('ai.use'), valid('json', generationBody), (c) => {
    const b = c.req.valid('json');
    const modelId = modelOf(b.model, defaultModels.generation);
    return c.json(answer(generate(prompt(b), b.system, b.modelConfiguration?.max_tokens), modelId));
  });

  r.post(`${base}/sql`, requires('ai.use'), valid('json', sqlBody), (c) => {
    const b = c.req.valid('json');
    const modelId = modelOf(b.model, defaultModels.sql);
    return c.json(answer(textToSql(prompt(b), b.dataSourceSchemas), modelId));
  });

  r.post(`${base}/summarize`, requires('ai.use'), valid('json', summarizeBody), (c) => {
    const b = c.req.valid('json');
    const modelId = modelOf(b.model, defaultModels.summarize);
    return c.json(answer(summarize(prompt(b, summarizeParams(b)), { style: b.outputStyle, minWords: b.outputWordLength?.min, maxWords: b.outputWordLength?.max }), modelId));
  });

  return r;
}
