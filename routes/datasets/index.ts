import { Hono } from 'hono';
import type { AppEnv } from '../../src/http/env.js';
import { datasetCoreRoutes } from './core.js';
import { datasetPdpRoutes } from './pdp.js';
import { datasetQueryRoutes } from './query.js';
import { datasetUploadRoutes } from './uploads.js';
import { datasetVersionRoutes } from './versions.js';

/** Datasets, DatasetHistory and QueryDataset families. */
export function datasetsRoutes() {
  const r = new Hono<AppEnv>();
  r.route('/', datasetCoreRoutes());
  r.route('/', datasetUploadRoutes());
  r.route('/', datasetVersionRoutes());
  r.route('/', datasetQueryRoutes());
  r.route('/', datasetPdpRoutes());
  return r;
}
