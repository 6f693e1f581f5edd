/**
 * Server and model metadata as the V2 protocol defines them, built once for both transports: the
 * declared inputs and outputs (model-io.ts) and SuperServe's own facts in the model's `parameters`.
 * @module
 */
import type { ModelMetadata } from '../serving/types.ts';
import { EXTENSIONS, MODEL_INPUTS, MODEL_OUTPUTS } from './model-io.ts';

export interface ServerInfo { name: string; version: string }

export function serverMetadata(server: ServerInfo): { name: string; version: string; extensions: string[] } {
  return { name: server.name, version: server.version, extensions: [...EXTENSIONS] };
}

export interface TensorMetadata { name: string; datatype: string; shape: number[] }

export function modelMetadata(meta: ModelMetadata) {
  const tensor = (t: TensorMetadata): TensorMetadata => ({ name: t.name, datatype: t.datatype, shape: [...t.shape] });
  return {
    name: meta.name,
    versions: meta.versions,
    platform: meta.platform,
    inputs: MODEL_INPUTS.map(tensor),
    outputs: MODEL_OUTPUTS.map(tensor),
    parameters: {
      inputs: `exactly one of: ${MODEL_INPUTS.map((i) => `${i.name} (${i.datatype}: ${i.description})`).join('; ')}`,
      arch: meta.arch,
      backend: meta.backend,
      untrained: meta.untrained,
      checkpoint: meta.checkpoint,
      policy: meta.policy,
      default_slo_ms: meta.defaultSloMs,
      image_size: meta.imageSize,
      workers: meta.workers,
      ...(meta.adapter ? { adapter: { vendor: meta.adapter.vendor, architecture: meta.adapter.architecture, description: meta.adapter.description, software: meta.adapter.isSoftware } } : {}),
      ...(meta.wasmThreads !== undefined ? { wasm_threads: meta.wasmThreads } : {}),
      ...(meta.engine !== undefined ? { engine: meta.engine } : {}),
      subnets: meta.subnets.map((s) => ({ id: s.id, accuracy: s.accuracy, image_size: s.imageSize })),
    },
  };
}
