/**
 * Triton's statistics extension over HTTP: `GET /v2/models/stats` (every model) and
 * `GET /v2/models/{m}[/versions/{v}]/stats`, answering `{"model_stats": [...]}`.
 * @module
 */
import type { Hono } from 'hono';
import type { InferenceService } from '../serving/types.ts';
import type { InferenceStatistics } from '../protocol/statistics.ts';
import { UnsupportedError } from '../protocol/errors.ts';
import { modelPaths, requireModel } from './models.ts';

/** Register before the model metadata route, or `/v2/models/stats` would read as a model named "stats". */
export function registerStats(app: Hono, service: InferenceService, statistics: InferenceStatistics | undefined): void {
  const stats = (): InferenceStatistics => {
    if (statistics === undefined) throw new UnsupportedError('statistics are not collected by this server');
    return statistics;
  };
  const all = () => service.metadata().versions.map((v) => stats().snapshot(service.modelName, v));
  app.get('/v2/models/stats', (c) => c.json({ model_stats: all() }));
  for (const path of modelPaths('/stats')) {
    app.get(path, (c) => {
      const meta = requireModel(service, c.req.param('m'), c.req.param('v'));
      const versions = c.req.param('v') === undefined ? meta.versions : [c.req.param('v')!];
      return c.json({ model_stats: versions.map((v) => stats().snapshot(meta.name, v)) });
    });
  }
}
