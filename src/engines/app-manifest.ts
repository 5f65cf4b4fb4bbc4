/**
 * A custom app's manifest.json, as Domo's App Framework documents it: `name`, `version`, `id` (design id,
 * written by `domo publish`), `proxyId` (the card it impersonates), `datasetsMapping` (or the older
 * `mapping`: alias -> dataSetId with field aliases), `collections`, `workflowMapping`, `packageMapping`.
 *
 * Domo wires workflows and Code Engine functions to an app's aliases in its wiring screen; the emulator has
 * none, so a mapping entry may name its target itself: `workflowMapping[].modelId` (and `version`),
 * `packageMapping[].packageId` (and `version`, `functionName`). Unknown keys are kept.
 */
import { z } from 'zod';

const fieldMapping = z.looseObject({
  alias: z.string().trim().min(1),
  columnName: z.string().trim().min(1),
});

const datasetMapping = z.looseObject({
  alias: z.string().trim().min(1),
  dataSetId: z.string().trim().min(1),
  fields: z.array(fieldMapping).default([]),
});

const workflowMapping = z.looseObject({
  alias: z.string().trim().min(1),
  modelId: z.string().trim().min(1).optional(),
  version: z.string().trim().min(1).optional(),
});

const packageMapping = z.looseObject({
  alias: z.string().trim().min(1),
  packageId: z.string().trim().min(1).optional(),
  version: z.string().trim().min(1).optional(),
  functionName: z.string().trim().min(1).optional(),
  output: z.looseObject({ alias: z.string().optional() }).nullish(),
});

export const manifestSchema = z.looseObject({
  name: z.string().trim().min(1),
  version: z.string().optional(),
  id: z.string().trim().min(1).optional(),
  proxyId: z.string().trim().min(1).optional(),
  datasetsMapping: z.array(datasetMapping).optional(),
  mapping: z.array(datasetMapping).optional(),
  collections: z.array(z.looseObject({ name: z.string().min(1) })).optional(),
  workflowMapping: z.array(workflowMapping).optional(),
  packageMapping: z.array(packageMapping).optional(),
});

export type AppManifest = z.infer<typeof manifestSchema>;
export type DatasetMapping = z.infer<typeof datasetMapping>;
export type WorkflowMapping = z.infer<typeof workflowMapping>;
export type PackageMapping = z.infer<typeof packageMapping>;

/**
 * The id an app is known by: its design id, else its proxy id, else one made from its name (a manifest
 * that was never published has neither), e.g. `local-sales-dashboard`.
 */
export function appIdOf(m: AppManifest): string {
  if (m.id) return m.id;
  if (m.proxyId) return m.proxyId;
  const slug = m.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `local-${slug || 'app'}`;
}

/** Every dataset mapping (`datasetsMapping` and the older `mapping`; the first of an alias wins). */
export function datasetMappings(m: AppManifest): DatasetMapping[] {
  const seen = new Set<string>();
  return [...(m.datasetsMapping ?? []), ...(m.mapping ?? [])].filter((d) => !seen.has(d.alias) && seen.add(d.alias));
}
