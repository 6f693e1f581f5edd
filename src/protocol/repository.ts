/**
 * Triton's model repository extension, index only: the one model this server was started with. Loading
 * and unloading are refused (the model is fixed at start-up, as Triton's model control mode "none").
 * @module
 */
import type { InferenceService } from '../serving/types.ts';
import { GrpcCode, UnsupportedError } from './errors.ts';

export interface RepositoryEntry { name: string; version: string; state: 'READY' | 'UNAVAILABLE'; reason: string }

export function repositoryIndex(service: InferenceService, readyOnly: boolean): RepositoryEntry[] {
  const meta = service.metadata();
  const ready = service.isReady();
  const entries = meta.versions.map((version): RepositoryEntry => ({
    name: meta.name, version, state: ready ? 'READY' : 'UNAVAILABLE', reason: ready ? '' : 'loading, profiling, warming up or shutting down',
  }));
  return readyOnly ? entries.filter((e) => e.state === 'READY') : entries;
}

/** HTTP 400 and gRPC FAILED_PRECONDITION, the same words on both: the server's set-up forbids it. */
export function refuseModelControl(action: 'load' | 'unload', model: string): never {
  throw new UnsupportedError(`explicit model ${action} is not allowed: this server serves model '${model}', fixed at start-up`, 400, GrpcCode.FAILED_PRECONDITION);
}
