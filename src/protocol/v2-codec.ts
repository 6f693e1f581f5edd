/**
 * KServe V2 / Open Inference Protocol JSON (plus the binary tensor data extension, see v2-binary.ts) <->
 * the serving contract. `parseInferRequest` turns an untrusted body into the transport-neutral message and
 * runs the shared validator (protocol/request.ts) on it (`decodeInferRequest` also decodes images inline);
 * `encodeInferResponse` / `encodeBinaryInferResponse` put the shared infer result (protocol/response.ts) on
 * the wire as V2 JSON, with binary outputs where asked. Pure: no I/O, no tfjs.
 * @module
 */
import type { ImageBatch, InferOutcome, ModelMetadata } from '../serving/types.ts';
import { RequestValidationError } from './errors.ts';
import type { OutputName } from './model-io.ts';
import { rawBytes } from './raw-tensors.ts';
import { validateInferRequest, type InferRequestMessage, type InputMessage, type OutputMessage, type RequestedOutput, type RequestLimits, type ValidInferRequest } from './request.ts';
import { buildInferResult, type OutputTensor, type ResultParameters } from './response.ts';
import { BinarySection, binaryDataSize, frameBinaryBody } from './v2-binary.ts';

export { topK } from './response.ts';

export type CodecLimits = RequestLimits;

export interface ParsedInferRequest extends ValidInferRequest {
  /** Those of `outputs` to return as binary data (empty: a plain JSON reply). */
  binaryOutputs: OutputName[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validate a parsed V2 infer body against the model's metadata; throws RequestValidationError.
 * `binary` is the section after the JSON header when the request used `Inference-Header-Content-Length`.
 * Pure, with structured-cloneable arguments and result (it may run in a worker thread).
 */
export function parseInferRequest(body: unknown, meta: ModelMetadata, limits: CodecLimits, binary?: Uint8Array): ParsedInferRequest {
  const { message, binaryOutputs } = fromV2Json(body, binary);
  const valid = validateInferRequest(message, meta, limits);
  return { ...valid, binaryOutputs: valid.outputs.filter((o) => binaryOutputs(o.name)).map((o) => o.name) };
}

/**
 * The V2 JSON body (and binary section) as the transport-neutral message: checks the JSON structure,
 * takes the binary extension's own parameters (`binary_data_size`, `binary_data_output`, `binary_data`) and
 * leaves every other parameter for the validator.
 */
export function fromV2Json(body: unknown, binary?: Uint8Array): { message: InferRequestMessage; binaryOutputs: (name: string) => boolean } {
  if (!isObject(body)) throw new RequestValidationError('request body must be a JSON object');
  const id = body.id;
  if (id !== undefined && typeof id !== 'string') throw new RequestValidationError('"id" must be a string');
  const { binary_data_output: binaryDefault, ...parameters } = objectField(body.parameters, '"parameters"');
  if (binaryDefault !== undefined && typeof binaryDefault !== 'boolean') {
    throw new RequestValidationError(`parameters.binary_data_output must be a boolean, got ${JSON.stringify(binaryDefault)}`);
  }
  const section = binary === undefined ? undefined : new BinarySection(binary);
  if (!Array.isArray(body.inputs)) throw new RequestValidationError('"inputs" must be an array of input tensors');
  const inputs = body.inputs.map((input: unknown, i) => decodeInput(input, i, section));
  section?.finish();
  const perOutput = new Map<string, boolean>();
  let outputs: OutputMessage[] | undefined;
  if (body.outputs !== undefined) {
    if (!Array.isArray(body.outputs)) throw new RequestValidationError('"outputs" must be an array of {"name"}');
    outputs = body.outputs.map((o: unknown, i) => {
      if (!isObject(o) || typeof o.name !== 'string') throw new RequestValidationError(`outputs[${i}] must be an object with a string "name"`);
      const { binary_data: flag, ...rest } = objectField(o.parameters, `outputs[${i}].parameters`);
      if (flag !== undefined && typeof flag !== 'boolean') {
        throw new RequestValidationError(`outputs[${i}].parameters.binary_data must be a boolean, got ${JSON.stringify(flag)}`);
      }
      if (flag !== undefined) perOutput.set(o.name, flag);
      return { name: o.name, parameters: rest };
    });
  }
  const message: InferRequestMessage = { ...(id === undefined ? {} : { id }), parameters, inputs, ...(outputs ? { outputs } : {}) };
  return { message, binaryOutputs: (name) => perOutput.get(name) ?? binaryDefault === true };
}

function objectField(v: unknown, what: string): Json {
  if (v === undefined) return {};
  if (!isObject(v)) throw new RequestValidationError(`${what} must be an object`);
  return v;
}

function decodeInput(input: unknown, index: number, binary: BinarySection | undefined): InputMessage {
  if (!isObject(input)) throw new RequestValidationError(`inputs[${index}] must be an object`);
  if (typeof input.name !== 'string') throw new RequestValidationError(`inputs[${index}].name must be a string`);
  if (typeof input.datatype !== 'string') throw new RequestValidationError(`input '${input.name}': datatype must be a string`);
  const { binary_data_size: _size, ...parameters } = objectField(input.parameters, `input '${input.name}': parameters`);
  const size = binaryDataSize(input.name, input.parameters);
  const base = { name: input.name, datatype: input.datatype, shape: input.shape, parameters };
  if (size !== undefined) {
    if (binary === undefined) {
      throw new RequestValidationError(`input '${input.name}': parameters.binary_data_size needs a binary body: send the Inference-Header-Content-Length header (binary tensor data extension)`);
    }
    if (input.data !== undefined) throw new RequestValidationError(`input '${input.name}': give either data or parameters.binary_data_size, not both`);
    return { ...base, raw: binary.take(input.name, size) };
  }
  if (input.data === undefined) throw new RequestValidationError(`input '${input.name}': data is missing`);
  return { ...base, data: input.data };
}

/** A reply output: `data` in JSON, or `parameters.binary_data_size` when its bytes follow the JSON. */
export interface V2Output {
  name: string; datatype: OutputTensor['datatype']; shape: number[];
  data?: number[] | string[]; parameters?: { binary_data_size: number };
}
export interface V2InferResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters: ResultParameters;
  outputs: V2Output[];
}

export interface EncodeContext {
  modelName: string; modelVersion?: string; id?: string; n: number;
  outputs: readonly RequestedOutput[];
  /** Outputs (of `outputs`) whose values go in the binary section instead of `data`. */
  binaryOutputs?: readonly OutputName[];
  /** Class names for classification strings. */
  labels?: readonly string[];
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
  const result = buildInferResult(outcome, ctx.n, ctx.outputs, ctx.labels);
  const chunks: Uint8Array[] = [];
  const outputs = result.outputs.map((t): V2Output => {
    const head = { name: t.name, datatype: t.datatype, shape: t.shape };
    if (!ctx.binaryOutputs?.includes(t.name as OutputName)) {
      return { ...head, data: t.datatype === 'FP32' ? Array.from(t.values) : t.values };
    }
    const bytes = rawBytes(t);
    chunks.push(bytes);
    return { ...head, parameters: { binary_data_size: bytes.byteLength } };
  });
  const json: V2InferResponse = {
    model_name: ctx.modelName,
    ...(ctx.modelVersion === undefined ? {} : { model_version: ctx.modelVersion }),
    ...(ctx.id === undefined ? {} : { id: ctx.id }),
    parameters: result.parameters,
    outputs,
  };
  return { json, chunks };
}
