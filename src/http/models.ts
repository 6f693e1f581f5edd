/**
 * Resolve `{m}` and optional `{v}` from a V2 URL to the served model, or 404.
 * @module
 */
import type { InferenceService, ModelMetadata } from '../serving/types.ts';
import { UnknownModelError } from '../protocol/errors.ts';

/** The served model's metadata if `name` (and `version`, when given) match it. */
export function requireModel(service: InferenceService, name: string | undefined, version?: string): ModelMetadata {
  if (name !== service.modelName) throw new UnknownModelError(`unknown model '${name ?? ''}' (serving '${service.modelName}')`);
  const meta = service.metadata();
  if (version !== undefined && !meta.versions.includes(version)) {
    throw new UnknownModelError(`model '${name}' has no version '${version}' (versions: ${meta.versions.join(', ') || 'none'})`);
  }
  return meta;
}

/** Both route forms of a model path: `/v2/models/:m<suffix>` and `/v2/models/:m/versions/:v<suffix>`. */
export function modelPaths(suffix: string): string[] {
  return [`/v2/models/:m${suffix}`, `/v2/models/:m/versions/:v${suffix}`];
}
