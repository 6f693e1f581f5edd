/**
 * V2 health routes. As the protocol says, the answer is the status code alone (200 true, 400 false)
 * with an empty body; readiness follows `service.isReady()` (weights, SubnetNorm, profile, warm-up, a worker).
 * @module
 */
import type { Hono } from 'hono';
import type { InferenceService } from '../serving/types.ts';
import { modelPaths, requireModel } from './models.ts';

export function registerHealth(app: Hono, service: InferenceService): void {
  const status = (ok: boolean) => (ok ? 200 : 400);
  app.get('/v2/health/live', (c) => c.body(null, 200));
  app.get('/v2/health/ready', (c) => c.body(null, status(service.isReady())));
  for (const path of modelPaths('/ready')) {
    app.get(path, (c) => {
      requireModel(service, c.req.param('m'), c.req.param('v'));
      return c.body(null, status(service.isReady()));
    });
  }
}
