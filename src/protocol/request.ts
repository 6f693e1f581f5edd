/**
 * The one infer-request validator both protocols use. A transport turns its wire form (V2 JSON with the
 * binary extension, or a gRPC `ModelInferRequest`) into an `InferRequestMessage`, and
 * `validateInferRequest` checks it against the declared inputs and outputs (model-io.ts) and the limits,
 * naming the first problem with Triton's wording where Triton has one. The same bad request therefore
 * gets the same message over HTTP and gRPC. Pure and structured-cloneable in and out (it may run in a
 * worker thread): no I/O, no transport library.
 * @module
 */
import type { ModelMetadata } from '../serving/types.ts';
import { RequestValidationError } from './errors.ts';
import { DEFAULT_OUTPUTS, inputNamed, inputNames, MODEL_OUTPUTS, OUTPUT_PARAMETERS, REQUEST_PARAMETERS, shapeText, type OutputName } from './model-io.ts';
import { decodeTiming, type RequestTiming, type TimingLimits } from './slo.ts';
import { parseTensor, type ParsedInput, type TensorContent } from './tensors.ts';

/** A parameter map as sent: JSON values (HTTP) or the scalar of a gRPC `InferParameter`. */
export type Parameters = Record<string, unknown>;

export interface InputMessage extends TensorContent {
  name: string;
  datatype: string;
  shape: unknown;
  /** Parameters left after the transport took its own (e.g. HTTP's `binary_data_size`). */
  parameters: Parameters;
}

export interface OutputMessage { name: string; parameters: Parameters }

export interface InferRequestMessage {
  id?: string;
  parameters: Parameters;
  inputs: InputMessage[];
  /** Requested outputs; undefined = all of them. */
  outputs?: OutputMessage[];
}

export interface RequestLimits extends TimingLimits {
  /** Most images per request. @default 64 */
  maxBatch?: number;
  /** Accepted H and W range of FP32 input. @default 16..1024 */
  minSide?: number;
  maxSide?: number;
}

export const DEFAULT_MAX_BATCH = 64;
export const DEFAULT_MAX_SLO_MS = 60_000;
export const DEFAULT_MIN_SIDE = 16;
export const DEFAULT_MAX_SIDE = 1024;

export interface RequestedOutput {
  name: OutputName;
  /** Triton's classification extension: the top `classCount` classes as "score:index:label" strings. */
  classCount?: number;
}

export interface ValidInferRequest {
  id?: string;
  input: ParsedInput;
  /** SLO and priority, by the one rule in slo.ts. */
  timing: RequestTiming;
  subnetId?: number;
  outputs: RequestedOutput[];
}

export function validateInferRequest(msg: InferRequestMessage, meta: ModelMetadata, limits: RequestLimits): ValidInferRequest {
  const model = meta.name;
  rejectUnknown(msg.parameters, REQUEST_PARAMETERS, 'parameter', `model '${model}'`);
  const timing = decodeTiming(msg.parameters, limits);
  const subnetId = decodeSubnet(msg.parameters.subnet, meta);
  const input = onlyInput(msg.inputs, model);
  const declared = inputNamed(input.name)!;
  if (input.datatype !== declared.datatype) {
    throw new RequestValidationError(`inference input '${input.name}' data-type is '${input.datatype}', but model '${model}' expects '${declared.datatype}'`);
  }
  rejectUnknown(input.parameters, [], 'parameter', `input '${input.name}'`);
  const shape = checkShape(input.name, input.shape, declared.shape, model);
  const pinned = subnetId === undefined ? undefined : meta.subnets.find((s) => s.id === subnetId);
  const parsed = parseTensor(declared, shape, input, {
    maxBatch: limits.maxBatch ?? DEFAULT_MAX_BATCH,
    minSide: limits.minSide ?? DEFAULT_MIN_SIDE,
    maxSide: limits.maxSide ?? DEFAULT_MAX_SIDE,
    imageSize: pinned?.imageSize ?? meta.imageSize,
  });
  return {
    ...(msg.id === undefined ? {} : { id: msg.id }),
    input: parsed, timing,
    ...(subnetId === undefined ? {} : { subnetId }),
    outputs: decodeOutputs(msg.outputs, model),
  };
}

function rejectUnknown(params: Parameters, known: readonly string[], what: string, where: string): void {
  for (const key of Object.keys(params)) {
    if (!known.includes(key)) {
      const supported = known.length === 0 ? 'none are supported' : `supported: ${known.join(', ')}`;
      throw new RequestValidationError(`${what} '${key}' is not supported for ${where} (${supported})`);
    }
  }
}

function onlyInput(inputs: InputMessage[], model: string): InputMessage {
  const seen = new Set<string>();
  for (const i of inputs) {
    if (inputNamed(i.name) === undefined) throw new RequestValidationError(`unexpected inference input '${i.name}' for model '${model}'`);
    if (seen.has(i.name)) throw new RequestValidationError(`input '${i.name}' is given more than once`);
    seen.add(i.name);
  }
  if (inputs.length !== 1) {
    const got = inputs.length === 0 ? '' : ` [${inputs.map((i) => `'${i.name}'`).join(', ')}]`;
    throw new RequestValidationError(`expected 1 input but got ${inputs.length} inputs${got} for model '${model}': send exactly one of ${inputNames()}`);
  }
  return inputs[0]!;
}

function checkShape(name: string, shape: unknown, declared: readonly number[], model: string): number[] {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new RequestValidationError(`input '${name}': shape must be a non-empty array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (shape.length !== declared.length || declared.some((d, i) => d !== -1 && d !== shape[i])) {
    throw new RequestValidationError(`unexpected shape for input '${name}' for model '${model}'. Expected ${shapeText(declared)}, got ${shapeText(shape)}`);
  }
  return shape as number[];
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

function decodeOutputs(outputs: OutputMessage[] | undefined, model: string): RequestedOutput[] {
  if (outputs === undefined) return DEFAULT_OUTPUTS.map((name) => ({ name }));
  if (outputs.length === 0) throw new RequestValidationError('"outputs" must name at least one output (or be left out for all)');
  const seen = new Set<string>();
  return outputs.map((o) => {
    const declared = MODEL_OUTPUTS.find((d) => d.name === o.name);
    if (declared === undefined) throw new RequestValidationError(`unexpected inference output '${o.name}' for model '${model}'`);
    if (seen.has(o.name)) throw new RequestValidationError(`output '${o.name}' is requested more than once`);
    seen.add(o.name);
    rejectUnknown(o.parameters, OUTPUT_PARAMETERS, 'parameter', `output '${o.name}'`);
    const { classification, class_count: alias } = o.parameters;
    if (classification !== undefined && alias !== undefined) {
      throw new RequestValidationError(`output '${o.name}': give either parameters.classification or parameters.class_count, not both`);
    }
    const k = classification ?? alias;
    if (k === undefined) return { name: declared.name };
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) {
      throw new RequestValidationError(`output '${o.name}': parameters.classification must be an integer class count >= 1, got ${JSON.stringify(k)}`);
    }
    if (declared.name !== 'logits') throw new RequestValidationError(`output '${o.name}': classification is only offered on output 'logits'`);
    return { name: declared.name, classCount: k };
  });
}
