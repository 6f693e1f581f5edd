/**
 * Resolve a model name and optional version (from a URL or a gRPC request) to the served model.
 * @module
 */
import type { InferenceService, ModelMetadata } from '../serving/types.ts';
import { UnknownModelError } from './errors.ts';

/** The served model's metadata if `name` (and `version`, when given and not empty) match it; else UnknownModelError. */
export function requireModel(service: InferenceService, name: string | undefined, version?: string): ModelMetadata {
  if (name !== service.modelName) throw new UnknownModelError(`unknown model '${name ?? ''}' (serving '${service.modelName}')`);
  const meta = service.metadata();
  if (version !== undefined && version !== '' && !meta.versions.includes(version)) {
    throw new UnknownModelError(`model '${name}' has no version '${version}' (versions: ${meta.versions.join(', ') || 'none'})`);
  }
  return meta;
}
