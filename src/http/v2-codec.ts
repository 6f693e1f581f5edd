/**
 * KServe V2 / Open Inference Protocol JSON (plus the binary tensor data extension, see v2-binary.ts) <->
 * the serving contract. `parseInferRequest` turns an untrusted body into a validated input plus
 * `InferOptions` fields, naming the first problem it finds (`decodeInferRequest` also decodes images inline);
 * `encodeInferResponse` / `encodeBinaryInferResponse` turn an `InferOutcome` into the V2 reply. Pure: no I/O, no tfjs.
 * @module
 */
import type { ImageOutcome } from '../serving/events.ts';
import type { ImageBatch, InferOutcome, ModelMetadata } from '../serving/types.ts';
import { RequestValidationError } from './errors.ts';
import { decodeImagesInline } from './image-batch.ts';
import { BinarySection, binaryDataSize, fp32Bytes, frameBinaryBody, int64Bytes } from './v2-binary.ts';
import { parseInput, type ParsedInput, type V2Input } from './v2-tensors.ts';

export const OUTPUT_NAMES = ['logits', 'top5', 'subnet_id', 'accuracy', 'batch_size', 'queue_ms', 'compute_ms'] as const;
export type OutputName = (typeof OUTPUT_NAMES)[number];
/** Returned when the request names no outputs. The per-image serving outputs are returned on request. */
export const DEFAULT_OUTPUTS: readonly OutputName[] = ['logits', 'top5'];
/** Per-image serving facts: each image of a request may run in its own batch, on its own sub-network. */
const PER_IMAGE_OUTPUTS = {
  subnet_id: { datatype: 'INT64', value: (i: ImageOutcome) => i.subnetId },
  accuracy: { datatype: 'FP32', value: (i: ImageOutcome) => i.accuracy },
  batch_size: { datatype: 'INT64', value: (i: ImageOutcome) => i.batchSize },
  queue_ms: { datatype: 'FP32', value: (i: ImageOutcome) => i.queueMs },
  compute_ms: { datatype: 'FP32', value: (i: ImageOutcome) => i.computeMs },
} as const;

export interface CodecLimits {
  /** SLO used when the request names none. */
  defaultSloMs: number;
  /** Largest accepted SLO. */
  maxSloMs: number;
  /** Most images per request. @default 64 */
  maxBatch?: number;
  /** Accepted H and W range of FP32 input. @default 16..1024 */
  minSide?: number;
  maxSide?: number;
}

export interface ParsedInferRequest {
  id?: string;
  input: ParsedInput;
  sloMs: number;
  subnetId?: number;
  /** Outputs to return, in order. */
  outputs: OutputName[];
  /** Those of `outputs` to return as binary data (empty: a plain JSON reply). */
  binaryOutputs: OutputName[];
}

export interface DecodedInferRequest extends Omit<ParsedInferRequest, 'input'> {
  batch: ImageBatch;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `parseInferRequest`, with BYTES images decoded and preprocessed inline. */
export function decodeInferRequest(body: unknown, meta: ModelMetadata, limits: CodecLimits, binary?: Uint8Array): DecodedInferRequest {
  const { input, ...rest } = parseInferRequest(body, meta, limits, binary);
  return { ...rest, batch: input.kind === 'tensor' ? input.batch : decodeImagesInline(input.images) };
}

/**
 * Validate a parsed V2 infer body against the model's metadata; throws RequestValidationError.
 * `binary` is the section after the JSON header when the request used `Inference-Header-Content-Length`.
 */
export function parseInferRequest(body: unknown, meta: ModelMetadata, limits: CodecLimits, binary?: Uint8Array): ParsedInferRequest {
  if (!isObject(body)) throw new RequestValidationError('request body must be a JSON object');
  const id = body.id;
  if (id !== undefined && typeof id !== 'string') throw new RequestValidationError('"id" must be a string');
  const params = body.parameters ?? {};
  if (!isObject(params)) throw new RequestValidationError('"parameters" must be an object');
  const sloMs = decodeSlo(params, limits);
  const subnetId = decodeSubnet(params.subnet, meta);
  const section = binary === undefined ? undefined : new BinarySection(binary);
  const input = decodeInput(body.inputs, section);
  section?.finish();
  const pinned = subnetId === undefined ? undefined : meta.subnets.find((s) => s.id === subnetId);
  const parsed = parseInput(input, {
    maxBatch: limits.maxBatch ?? 64,
    minSide: limits.minSide ?? 16,
    maxSide: limits.maxSide ?? 1024,
    imageSize: pinned?.imageSize ?? meta.imageSize,
  });
  const { outputs, binaryOutputs } = decodeOutputs(body.outputs, params.binary_data_output);
  return { ...(id === undefined ? {} : { id }), input: parsed, sloMs, ...(subnetId === undefined ? {} : { subnetId }), outputs, binaryOutputs };
}

/** `slo_ms` (ms) or Triton's `timeout` (µs), else the server default. */
function decodeSlo(params: Json, limits: CodecLimits): number {
  const { slo_ms: sloMs, timeout } = params;
  if (sloMs !== undefined && timeout !== undefined) {
    throw new RequestValidationError('give either parameters.slo_ms or parameters.timeout (µs), not both');
  }
  if (sloMs === undefined && timeout === undefined) return limits.defaultSloMs;
  let value: number;
  if (sloMs !== undefined) {
    if (typeof sloMs !== 'number' || !Number.isFinite(sloMs) || sloMs <= 0) {
      throw new RequestValidationError(`parameters.slo_ms must be a number > 0, got ${JSON.stringify(sloMs)}`);
    }
    value = sloMs;
  } else {
    if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout <= 0) {
      throw new RequestValidationError(`parameters.timeout must be an integer number of microseconds > 0, got ${JSON.stringify(timeout)}`);
    }
    value = timeout / 1000;
  }
  if (value > limits.maxSloMs) throw new RequestValidationError(`latency SLO ${value} ms exceeds the maximum of ${limits.maxSloMs} ms`);
  return value;
}

function decodeSubnet(subnet: unknown, meta: ModelMetadata): number | undefined {
  if (subnet === undefined) return undefined;
  if (typeof subnet !== 'number' || !Number.isInteger(subnet)) {
    throw new RequestValidationError(`parameters.subnet must be an integer sub-network id, got ${JSON.stringify(subnet)}`);
  }
  if (!meta.subnets.some((s) => s.id === subnet)) {
    const ids = meta.subnets.map((s) => s.id);
    const shown = ids.length > 10 ? `${ids.slice(0, 10).join(', ')}, ... (${ids.length} in all)` : ids.join(', ');
    throw new RequestValidationError(`parameters.subnet ${subnet} is not a served sub-network (ids: ${shown})`);
  }
  return subnet;
}

function decodeInput(inputs: unknown, binary: BinarySection | undefined): V2Input {
  if (!Array.isArray(inputs)) throw new RequestValidationError('"inputs" must be an array with exactly one input');
  if (inputs.length !== 1) throw new RequestValidationError(`expected exactly one input, got ${inputs.length}`);
  const input: unknown = inputs[0];
  if (!isObject(input)) throw new RequestValidationError('inputs[0] must be an object');
  if (typeof input.name !== 'string') throw new RequestValidationError('inputs[0].name must be a string');
  if (typeof input.datatype !== 'string') throw new RequestValidationError(`input '${input.name}': datatype must be a string`);
  if (input.parameters !== undefined && !isObject(input.parameters)) throw new RequestValidationError(`input '${input.name}': parameters must be an object`);
  const size = binaryDataSize(input.name, input.parameters);
  if (size !== undefined) {
    if (binary === undefined) {
      throw new RequestValidationError(`input '${input.name}': parameters.binary_data_size needs a binary body: send the Inference-Header-Content-Length header (binary tensor data extension)`);
    }
    if (input.data !== undefined) throw new RequestValidationError(`input '${input.name}': give either data or parameters.binary_data_size, not both`);
    return { name: input.name, datatype: input.datatype, shape: input.shape, binary: binary.take(input.name, size) };
  }
  if (input.data === undefined) throw new RequestValidationError(`input '${input.name}': data is missing`);
  return { name: input.name, datatype: input.datatype, shape: input.shape, data: input.data };
}

/** Requested outputs, and which of them go binary (per-output `binary_data` wins over `binary_data_output`). */
function decodeOutputs(outputs: unknown, binaryDefault: unknown): { outputs: OutputName[]; binaryOutputs: OutputName[] } {
  if (binaryDefault !== undefined && typeof binaryDefault !== 'boolean') {
    throw new RequestValidationError(`parameters.binary_data_output must be a boolean, got ${JSON.stringify(binaryDefault)}`);
  }
  const allBinary = binaryDefault === true;
  if (outputs === undefined) return { outputs: [...DEFAULT_OUTPUTS], binaryOutputs: allBinary ? [...DEFAULT_OUTPUTS] : [] };
  if (!Array.isArray(outputs) || outputs.length === 0) throw new RequestValidationError('"outputs" must be a non-empty array of {"name"}');
  const binaryOutputs: OutputName[] = [];
  const names = outputs.map((o, i) => {
    const name = isObject(o) ? o.name : undefined;
    if (!OUTPUT_NAMES.includes(name as OutputName)) {
      throw new RequestValidationError(`outputs[${i}].name must be one of ${OUTPUT_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
    }
    const params = (o as Json).parameters;
    if (params !== undefined && !isObject(params)) throw new RequestValidationError(`outputs[${i}].parameters must be an object`);
    const flag = params?.binary_data;
    if (flag !== undefined && typeof flag !== 'boolean') {
      throw new RequestValidationError(`outputs[${i}].parameters.binary_data must be a boolean, got ${JSON.stringify(flag)}`);
    }
    if (flag ?? allBinary) binaryOutputs.push(name as OutputName);
    return name as OutputName;
  });
  return { outputs: names, binaryOutputs };
}

/** A reply output: `data` in JSON, or `parameters.binary_data_size` when its bytes follow the JSON. */
export interface V2Output { name: string; datatype: 'FP32' | 'INT64'; shape: number[]; data?: number[]; parameters?: { binary_data_size: number } }
export interface V2InferResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters: {
    /** Present when every image ran on the same sub-network (ask for the `subnet_id` output per image). */
    subnet_id?: number;
    /** Mean over the images. */
    accuracy: number;
    batch_size: number;
    queue_ms: number;
    compute_ms: number;
    deadline_met: boolean;
  };
  outputs: V2Output[];
}

export interface EncodeContext {
  modelName: string; modelVersion?: string; id?: string; n: number; outputs: readonly OutputName[];
  /** Outputs (of `outputs`) whose values go in the binary section instead of `data`. */
  binaryOutputs?: readonly OutputName[];
}

/** The V2 JSON reply for `n` images; throws if the outcome's logits do not have n * numClasses values. */
export function encodeInferResponse(outcome: InferOutcome, ctx: EncodeContext): V2InferResponse {
  return encodeReply(outcome, ctx).json;
}

/** The reply with the binary tensor data extension: JSON header, then the binary outputs' bytes. */
export function encodeBinaryInferResponse(outcome: InferOutcome, ctx: EncodeContext): { body: Uint8Array<ArrayBuffer>; headerLength: number } {
  const { json, chunks } = encodeReply(outcome, ctx);
  return frameBinaryBody(json, chunks);
}

function encodeReply(outcome: InferOutcome, ctx: EncodeContext): { json: V2InferResponse; chunks: Uint8Array[] } {
  const c = outcome.numClasses;
  if (!Number.isInteger(c) || c < 1 || outcome.logits.length !== ctx.n * c) {
    throw new Error(`service returned ${outcome.logits.length} logits for ${ctx.n} images x ${c} classes`);
  }
  const k = Math.min(5, c);
  const chunks: Uint8Array[] = [];
  const binary = (name: OutputName, bytes: () => Uint8Array) => {
    if (!ctx.binaryOutputs?.includes(name)) return undefined;
    const b = bytes();
    chunks.push(b);
    return { parameters: { binary_data_size: b.byteLength } };
  };
  const outputs = ctx.outputs.map((name): V2Output => {
    if (name === 'logits') {
      const shape = [ctx.n, c];
      return { name, datatype: 'FP32', shape, ...(binary(name, () => fp32Bytes(outcome.logits)) ?? { data: Array.from(outcome.logits) }) };
    }
    if (name === 'top5') {
      const ids = topK(outcome.logits, ctx.n, c, k);
      return { name, datatype: 'INT64', shape: [ctx.n, k], ...(binary(name, () => int64Bytes(ids)) ?? { data: ids }) };
    }
    const spec = PER_IMAGE_OUTPUTS[name];
    const values = outcome.images.map(spec.value);
    const bytes = () => (spec.datatype === 'FP32' ? fp32Bytes(Float32Array.from(values)) : int64Bytes(values));
    return { name, datatype: spec.datatype, shape: [ctx.n], ...(binary(name, bytes) ?? { data: values }) };
  });
  const json: V2InferResponse = {
    model_name: ctx.modelName,
    ...(ctx.modelVersion === undefined ? {} : { model_version: ctx.modelVersion }),
    ...(ctx.id === undefined ? {} : { id: ctx.id }),
    parameters: {
      ...(outcome.subnetId === undefined ? {} : { subnet_id: outcome.subnetId }),
      accuracy: outcome.accuracy,
      batch_size: outcome.batchSize,
      queue_ms: outcome.queueMs,
      compute_ms: outcome.computeMs,
      deadline_met: outcome.deadlineMet,
    },
    outputs,
  };
  return { json, chunks };
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
