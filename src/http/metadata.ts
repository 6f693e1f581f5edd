/**
 * V2 metadata routes: server (`GET /v2`, with the extensions offered), model list and model metadata
 * (protocol/metadata.ts builds both, for gRPC too).
 * @module
 */
import type { Hono } from 'hono';
import type { InferenceService } from '../serving/types.ts';
import { modelMetadata, serverMetadata, type ServerInfo } from '../protocol/metadata.ts';
import { modelPaths, requireModel } from './models.ts';

export type { ServerInfo };

export function registerMetadata(app: Hono, service: InferenceService, server: ServerInfo): void {
  app.get('/v2', (c) => c.json(serverMetadata(server)));
  app.get('/v2/models', (c) => c.json({ models: [{ name: service.modelName, ready: service.isReady() }] }));
  for (const path of modelPaths('')) {
    app.get(path, (c) => c.json(modelMetadata(requireModel(service, c.req.param('m'), c.req.param('v')))));
  }
}
