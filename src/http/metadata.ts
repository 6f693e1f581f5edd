/**
 * V2 metadata routes: server (`GET /v2`), model list and model metadata. SuperServe's own facts
 * (sub-networks, policy, workers, ...) go in the model's `parameters`, which the schema allows.
 * @module
 */
import type { Hono } from 'hono';
import type { InferenceService } from '../serving/types.ts';
import { modelPaths, requireModel } from './models.ts';

export interface ServerInfo { name: string; version: string }

export function registerMetadata(app: Hono, service: InferenceService, server: ServerInfo): void {
  app.get('/v2', (c) => c.json({ name: server.name, version: server.version, extensions: ['parameters', 'binary_tensor_data'] }));
  app.get('/v2/models', (c) => c.json({ models: [{ name: service.modelName, ready: service.isReady() }] }));
  for (const path of modelPaths('')) {
    app.get(path, (c) => {
      const meta = requireModel(service, c.req.param('m'), c.req.param('v'));
      return c.json({
        name: meta.name,
        versions: meta.versions,
        platform: meta.platform,
        inputs: [
          { name: 'input', datatype: 'FP32', shape: [-1, -1, -1, 3] },
          { name: 'image', datatype: 'BYTES', shape: [-1] },
        ],
        outputs: [
          { name: 'logits', datatype: 'FP32', shape: [-1, -1] },
          { name: 'top5', datatype: 'INT64', shape: [-1, 5] },
        ],
        parameters: {
          arch: meta.arch,
          backend: meta.backend,
          untrained: meta.untrained,
          checkpoint: meta.checkpoint,
          policy: meta.policy,
          default_slo_ms: meta.defaultSloMs,
          image_size: meta.imageSize,
          workers: meta.workers,
          subnets: meta.subnets.map((s) => ({ id: s.id, accuracy: s.accuracy, image_size: s.imageSize })),
        },
      });
    });
  }
}
