/**
 * The HTTP application: KServe V2 routes, Triton's statistics, model configuration and repository index
 * extensions, compressed replies, `/metrics`, and one error handler that answers every
 * failure as `{"error": "..."}` with the status from `errors.ts`. It never listens (see serve.ts),
 * so tests drive it with `app.request()`.
 * @module
 */
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppDeps } from './deps.ts';
import { toErrorResponse } from './errors.ts';
import { requireToken } from './auth.ts';
import { registerHealth } from './health.ts';
import { registerInfer } from './infer.ts';
import { registerMetadata } from './metadata.ts';
import { compressReplies } from './compression.ts';
import { registerConfig } from './config.ts';
import { DEFAULT_MAX_BATCH, DEFAULT_MAX_SLO_MS } from './deps.ts';
import { registerRepository } from './repository.ts';
import { registerStats } from './stats.ts';

export type { AppDeps } from './deps.ts';

/**
 * @example
 * const app = createApp({ service, metrics: createMetrics({ model: service.modelName }), defaultSloMs: 100 });
 * const res = await app.request('/v2/health/ready');
 */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  if (deps.auth) app.use(requireToken(deps.auth));
  app.use(compressReplies());
  const log = deps.log ?? ((message: string, err?: unknown) => console.error(message, err));
  registerHealth(app, deps.service);
  registerStats(app, deps.service, deps.statistics);
  registerMetadata(app, deps.service, { name: deps.serverName ?? 'superserve', version: deps.serverVersion ?? '0.1.0' });
  registerConfig(app, deps.service, { maxBatch: deps.maxBatch ?? DEFAULT_MAX_BATCH, maxSloMs: deps.maxSloMs ?? DEFAULT_MAX_SLO_MS, labelFile: 'labels.txt' });
  registerRepository(app, deps.service);
  registerInfer(app, deps);
  app.get('/metrics', async (c) => c.body(await deps.metrics.render(), 200, { 'Content-Type': deps.metrics.contentType }));
  deps.dashboard?.register(app);
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError((err, c) => {
    const res = toErrorResponse(err);
    if (res.status === 500) log(`${c.req.method} ${c.req.path} failed`, err);
    return c.json({ error: res.message }, res.status as ContentfulStatusCode, res.headers);
  });
  return app;
}
