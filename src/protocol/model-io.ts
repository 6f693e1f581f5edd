/**
 * What the served model accepts and returns, declared once: model metadata, the Triton model
 * configuration and the request validator all read these tables, so the metadata describes exactly
 * what is accepted. A request carries exactly one of the inputs (each is `optional` in the config).
 * @module
 */
import { TIMING_PARAMETERS } from './slo.ts';

export type Layout = 'NCHW' | 'NHWC';

export interface DeclaredInput {
  name: string;
  datatype: 'FP32' | 'BYTES';
  /** V2 metadata shape, batch first; -1 = any size. */
  shape: number[];
  /** FP32 image tensors: where the channel axis is. */
  layout?: Layout;
  description: string;
}

export interface DeclaredOutput {
  name: OutputName;
  datatype: 'FP32' | 'INT64';
  shape: number[];
  description: string;
}

/** FP32 as OFA expects it (already normalised), either layout, or JPEG/PNG bytes (preprocessed as OFA's evaluation). */
export const MODEL_INPUTS: readonly DeclaredInput[] = [
  { name: 'input', datatype: 'FP32', shape: [-1, 3, -1, -1], layout: 'NCHW', description: 'normalised images, NCHW (PyTorch / OFA order)' },
  { name: 'input_nhwc', datatype: 'FP32', shape: [-1, -1, -1, 3], layout: 'NHWC', description: 'normalised images, NHWC (TensorFlow order)' },
  { name: 'image', datatype: 'BYTES', shape: [-1], description: 'JPEG or PNG images, one per element' },
];

export const OUTPUT_NAMES = ['logits', 'top5', 'subnet_id', 'accuracy', 'batch_size', 'queue_ms', 'compute_ms'] as const;
export type OutputName = (typeof OUTPUT_NAMES)[number];

export const MODEL_OUTPUTS: readonly DeclaredOutput[] = [
  { name: 'logits', datatype: 'FP32', shape: [-1, -1], description: 'class scores [N, classes]; ask for parameters.classification: k for the top k as "score:index:label"' },
  { name: 'top5', datatype: 'INT64', shape: [-1, 5], description: 'the five best class ids per image, best first' },
  // Per-image serving facts (each image of a request may run in its own batch, on its own sub-network).
  { name: 'subnet_id', datatype: 'INT64', shape: [-1], description: 'the sub-network that served each image' },
  { name: 'accuracy', datatype: 'FP32', shape: [-1], description: 'its published ImageNet top-1 accuracy' },
  { name: 'batch_size', datatype: 'INT64', shape: [-1], description: 'the batch each image ran in' },
  { name: 'queue_ms', datatype: 'FP32', shape: [-1], description: 'time each image waited in the queue' },
  { name: 'compute_ms', datatype: 'FP32', shape: [-1], description: "its batch's compute time" },
];

/** A request that names no outputs gets every declared output, in this order (KServe V2, Triton). */
export const DEFAULT_OUTPUTS: readonly OutputName[] = MODEL_OUTPUTS.map((o) => o.name);

/** Request-level parameters a client may send (anything else is refused). */
export const REQUEST_PARAMETERS = [...TIMING_PARAMETERS, 'subnet'] as const;
/** Output parameters understood by every transport (HTTP adds `binary_data`). */
export const OUTPUT_PARAMETERS = ['classification', 'class_count'] as const;

/** Triton / KServe extensions this server implements (server metadata `extensions`). */
export const EXTENSIONS = ['binary_tensor_data', 'classification', 'model_configuration', 'model_repository', 'statistics', 'parameters'] as const;

export const inputNamed = (name: string): DeclaredInput | undefined => MODEL_INPUTS.find((i) => i.name === name);

/** `'input', 'input_nhwc', 'image'` for messages. */
export const inputNames = (): string => MODEL_INPUTS.map((i) => `'${i.name}'`).join(', ');

/** Triton's shape text: `[-1,3,-1,-1]`. */
export const shapeText = (shape: readonly unknown[]): string => `[${shape.join(',')}]`;
