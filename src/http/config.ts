/**
 * Triton's model configuration extension over HTTP: `GET /v2/models/{m}[/versions/{v}]/config`.
 * @module
 */
import type { Hono } from 'hono';
import type { InferenceService } from '../serving/types.ts';
import { modelConfig, type ConfigLimits } from '../protocol/model-config.ts';
import { modelPaths, requireModel } from './models.ts';

export function registerConfig(app: Hono, service: InferenceService, limits: ConfigLimits): void {
  for (const path of modelPaths('/config')) {
    app.get(path, (c) => c.json(modelConfig(requireModel(service, c.req.param('m'), c.req.param('v')), limits)));
  }
}
