/**
 * Triton's model repository extension over HTTP: `POST /v2/repository/index` (body optional,
 * `{"ready": true}` for ready models only); load and unload answer 400, the model being fixed.
 * @module
 */
import type { Hono } from 'hono';
import type { InferenceService } from '../serving/types.ts';
import { RequestValidationError } from '../protocol/errors.ts';
import { refuseModelControl, repositoryIndex } from '../protocol/repository.ts';
import { contentCoding, readCompressedBody } from './compression.ts';
import { readRequestBody } from './body.ts';
import { parseJson } from '../protocol/json-body.ts';

const INDEX_BODY_LIMIT = 64 * 1024;

export function registerRepository(app: Hono, service: InferenceService): void {
  app.post('/v2/repository/index', async (c) => {
    const coding = contentCoding(c.req.header('content-encoding'));
    const bytes = coding === undefined ? await readRequestBody(c, INDEX_BODY_LIMIT) : await readCompressedBody(c, coding, INDEX_BODY_LIMIT);
    const body = bytes.byteLength === 0 ? {} : parseJson(bytes);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new RequestValidationError('repository index body must be a JSON object');
    const { ready, ...rest } = body as Record<string, unknown>;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) throw new RequestValidationError(`repository index: unknown field '${unknown}' (supported: ready)`);
    if (ready !== undefined && typeof ready !== 'boolean') throw new RequestValidationError(`repository index: "ready" must be a boolean, got ${JSON.stringify(ready)}`);
    return c.json(repositoryIndex(service, ready === true));
  });
  for (const action of ['load', 'unload'] as const) {
    app.post(`/v2/repository/models/:m/${action}`, () => refuseModelControl(action, service.modelName));
  }
}
