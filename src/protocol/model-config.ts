/**
 * Triton's model configuration extension: the served model described as a Triton `ModelConfig`
 * (field names and enum values as in Triton's model_config.proto, so the same object is the HTTP JSON
 * and the gRPC message). Inputs and outputs come from the declared tables (model-io.ts); the dynamic
 * batching section and `parameters` carry SuperServe's scheduling settings (policy, SLOs, sub-networks).
 * @module
 */
import type { ModelMetadata } from '../serving/types.ts';
import { MODEL_INPUTS, MODEL_OUTPUTS } from './model-io.ts';

export interface ConfigLimits {
  /** Most images per request (`max_batch_size`). */
  maxBatch: number;
  /** Largest SLO a request may ask for. */
  maxSloMs: number;
  /** Name of the label file used for classification, when there is one. */
  labelFile?: string;
}

const tritonType = (datatype: string): string => (datatype === 'BYTES' ? 'TYPE_STRING' : `TYPE_${datatype}`);
const param = (value: unknown) => ({ string_value: typeof value === 'string' ? value : JSON.stringify(value) });

export function modelConfig(meta: ModelMetadata, limits: ConfigLimits) {
  return {
    name: meta.name,
    platform: meta.platform,
    backend: 'superserve',
    version_policy: { latest: { num_versions: 1 } },
    max_batch_size: limits.maxBatch,
    // Batch dimension left out, as Triton's dims do when max_batch_size > 0.
    input: MODEL_INPUTS.map((i) => ({
      name: i.name,
      data_type: tritonType(i.datatype),
      format: i.layout === undefined ? 'FORMAT_NONE' : `FORMAT_${i.layout}`,
      dims: i.shape.slice(1),
      optional: true,
    })),
    output: MODEL_OUTPUTS.map((o) => ({
      name: o.name,
      data_type: tritonType(o.datatype),
      dims: o.shape.slice(1),
      label_filename: o.name === 'logits' && limits.labelFile !== undefined ? limits.labelFile : '',
    })),
    dynamic_batching: {
      preferred_batch_size: [],
      // Batches form when a worker frees (SlackFit's pull), never by waiting.
      max_queue_delay_microseconds: 0,
      preserve_ordering: false,
      default_queue_policy: {
        timeout_action: 'REJECT',
        default_timeout_microseconds: Math.round(meta.defaultSloMs * 1000),
        allow_timeout_override: true,
        // Triton counts requests; here each image is one queue entry, so a request of n images takes n.
        max_queue_size: meta.maxQueue ?? 0,
      },
    },
    instance_group: [{ name: `${meta.name}_workers`, kind: meta.backend === 'webgpu' ? 'KIND_GPU' : 'KIND_CPU', count: meta.workers.total }],
    parameters: {
      scheduler: param('superserve'),
      policy: param(meta.policy),
      default_slo_ms: param(String(meta.defaultSloMs)),
      max_slo_ms: param(String(limits.maxSloMs)),
      arch: param(meta.arch),
      execution_backend: param(meta.backend),
      image_size: param(String(meta.imageSize)),
      untrained: param(String(meta.untrained)),
      subnets: param(meta.subnets.map((s) => ({ id: s.id, accuracy: s.accuracy, image_size: s.imageSize }))),
    },
  };
}

export type TritonModelConfig = ReturnType<typeof modelConfig>;
