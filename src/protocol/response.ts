/**
 * The transport-neutral infer result: the requested outputs of an `InferOutcome` as typed tensors
 * (logits, top-5 ids, or Triton classification strings) plus SuperServe's response parameters. HTTP
 * (v2-codec.ts) and gRPC (grpc/messages.ts) only choose how to put these on the wire. Pure.
 * @module
 */
import type { ImageOutcome } from '../serving/events.ts';
import type { InferOutcome } from '../serving/types.ts';
import type { OutputName } from './model-io.ts';
import type { RequestedOutput } from './request.ts';

/** Per-image serving facts: each image of a request may run in its own batch, on its own sub-network. */
const PER_IMAGE: Record<Exclude<OutputName, 'logits' | 'top5'>, { datatype: 'FP32' | 'INT64'; value: (i: ImageOutcome) => number }> = {
  subnet_id: { datatype: 'INT64', value: (i) => i.subnetId },
  accuracy: { datatype: 'FP32', value: (i) => i.accuracy },
  batch_size: { datatype: 'INT64', value: (i) => i.batchSize },
  queue_ms: { datatype: 'FP32', value: (i) => i.queueMs },
  compute_ms: { datatype: 'FP32', value: (i) => i.computeMs },
};

export type OutputTensor =
  | { name: string; datatype: 'FP32'; shape: number[]; values: Float32Array }
  | { name: string; datatype: 'INT64'; shape: number[]; values: number[] }
  | { name: string; datatype: 'BYTES'; shape: number[]; values: string[] };

export interface ResultParameters {
  /** Present when every image ran on the same sub-network (the `subnet_id` output has it per image). */
  subnet_id?: number;
  /** Mean over the images. */
  accuracy: number;
  batch_size: number;
  /** Reading, parsing and decoding, from arrival until the images were queued. */
  prep_ms: number;
  /** Longest wait of its images in the queue (after preparation). */
  queue_ms: number;
  compute_ms: number;
  /** Judged when the answer is encoded, against the request's one deadline. */
  deadline_met: boolean;
}

export interface InferResult { parameters: ResultParameters; outputs: OutputTensor[] }

/**
 * `n` images' outputs, in the order requested. `labels` name the classes for classification strings when
 * there is one per class (otherwise the strings are "score:index", as Triton without a label file).
 * Throws if the outcome's logits do not have n * numClasses values.
 */
export function buildInferResult(outcome: InferOutcome, n: number, outputs: readonly RequestedOutput[], labels?: readonly string[]): InferResult {
  const c = outcome.numClasses;
  if (!Number.isInteger(c) || c < 1 || outcome.logits.length !== n * c) {
    throw new Error(`service returned ${outcome.logits.length} logits for ${n} images x ${c} classes`);
  }
  const named = labels !== undefined && labels.length === c ? labels : undefined;
  const tensors = outputs.map((o): OutputTensor => {
    if (o.name === 'logits' && o.classCount !== undefined) {
      const k = Math.min(o.classCount, c);
      return { name: o.name, datatype: 'BYTES', shape: [n, k], values: classificationStrings(outcome.logits, n, c, k, named) };
    }
    if (o.name === 'logits') return { name: o.name, datatype: 'FP32', shape: [n, c], values: outcome.logits };
    if (o.name === 'top5') {
      const k = Math.min(5, c);
      return { name: o.name, datatype: 'INT64', shape: [n, k], values: topK(outcome.logits, n, c, k) };
    }
    const per = PER_IMAGE[o.name];
    const values = outcome.images.map(per.value);
    return per.datatype === 'FP32'
      ? { name: o.name, datatype: 'FP32', shape: [n], values: Float32Array.from(values) }
      : { name: o.name, datatype: 'INT64', shape: [n], values };
  });
  return {
    parameters: {
      ...(outcome.subnetId === undefined ? {} : { subnet_id: outcome.subnetId }),
      accuracy: outcome.accuracy,
      batch_size: outcome.batchSize,
      prep_ms: outcome.prepMs,
      queue_ms: outcome.queueMs,
      compute_ms: outcome.computeMs,
      deadline_met: outcome.deadlineMet,
    },
    outputs: tensors,
  };
}

/**
 * Triton's classification extension: per image the top k as "score:index[:label]", best first; the score
 * printed as C++'s std::to_string prints a float (6 decimals), as Triton does.
 */
export function classificationStrings(logits: Float32Array, n: number, c: number, k: number, labels?: readonly string[]): string[] {
  const ids = topK(logits, n, c, k);
  return ids.map((id, i) => {
    const row = Math.floor(i / k);
    const score = logits[row * c + id]!.toFixed(6);
    return labels === undefined ? `${score}:${id}` : `${score}:${id}:${labels[id]}`;
  });
}

/** Row-major [n, k] class ids by descending logit (ties: lower id first). */
export function topK(logits: Float32Array, n: number, c: number, k: number): number[] {
  // Selection into a small sorted buffer: O(c * k) per row instead of sorting all c classes.
  const out: number[] = [];
  const best: number[] = [];
  for (let r = 0; r < n; r++) {
    const base = r * c;
    best.length = 0;
    for (let i = 0; i < c; i++) {
      const v = logits[base + i]!;
      if (best.length === k && !(v > logits[base + best[k - 1]!]!)) continue;
      let j = best.length < k ? best.length : k - 1;
      while (j > 0 && v > logits[base + best[j - 1]!]!) { best[j] = best[j - 1]!; j--; }
      best[j] = i;
    }
    out.push(...best);
  }
  return out;
}
