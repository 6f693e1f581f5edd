/**
 * gRPC `ModelInferRequest` <-> the transport-neutral request and result (protocol/request.ts,
 * protocol/response.ts). Inputs come as `raw_input_contents` (one entry per input, the bytes the HTTP
 * binary extension carries) or typed `contents` (`fp32_contents`, `bytes_contents`); the reply mirrors
 * the request: raw outputs for raw inputs (what Triton's clients read), typed contents otherwise.
 * Messages are the plain objects @grpc/proto-loader produces (keepCase, longs as numbers, enums as strings,
 * defaults, oneofs). Pure.
 * @module
 */
import { RequestValidationError } from '../protocol/errors.ts';
import type { InferRequestMessage, InputMessage, Parameters } from '../protocol/request.ts';
import { rawBytes } from '../protocol/raw-tensors.ts';
import type { InferResult, OutputTensor } from '../protocol/response.ts';

export interface InferParameter {
  parameter_choice?: 'bool_param' | 'int64_param' | 'string_param' | 'double_param' | 'uint64_param';
  bool_param?: boolean; int64_param?: number; string_param?: string; double_param?: number; uint64_param?: number;
}

export interface TensorContents {
  bool_contents?: boolean[]; int_contents?: number[]; int64_contents?: number[]; uint_contents?: number[];
  uint64_contents?: number[]; fp32_contents?: number[]; fp64_contents?: number[]; bytes_contents?: Uint8Array[];
}

export interface GrpcInferRequest {
  model_name: string;
  model_version: string;
  id: string;
  parameters: Record<string, InferParameter>;
  inputs: Array<{ name: string; datatype: string; shape: number[]; parameters: Record<string, InferParameter>; contents?: TensorContents | null }>;
  outputs: Array<{ name: string; parameters: Record<string, InferParameter> }>;
  raw_input_contents: Uint8Array[];
}

export interface GrpcOutputTensor { name: string; datatype: string; shape: number[]; parameters?: Record<string, InferParameter>; contents?: TensorContents }

export interface GrpcInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  parameters: Record<string, InferParameter>;
  outputs: GrpcOutputTensor[];
  raw_output_contents: Uint8Array[];
}

/** The scalar each parameter holds; one with no value set is refused. */
export function fromParameters(map: Record<string, InferParameter> | undefined): Parameters {
  const out: Parameters = {};
  for (const [k, v] of Object.entries(map ?? {})) {
    if (v.parameter_choice === undefined) throw new RequestValidationError(`parameter '${k}' has no value`);
    out[k] = v[v.parameter_choice];
  }
  return out;
}

/** Integers go as int64, other numbers as double, as Triton's clients read them. */
export function toParameters(values: Record<string, number | boolean | string>): Record<string, InferParameter> {
  const out: Record<string, InferParameter> = {};
  for (const [k, v] of Object.entries(values)) {
    if (typeof v === 'boolean') out[k] = { bool_param: v };
    else if (typeof v === 'string') out[k] = { string_param: v };
    else if (Number.isSafeInteger(v)) out[k] = { int64_param: v };
    else out[k] = { double_param: v };
  }
  return out;
}

const TYPED_FIELDS = ['bool_contents', 'int_contents', 'int64_contents', 'uint_contents', 'uint64_contents', 'fp32_contents', 'fp64_contents', 'bytes_contents'] as const;

/** The request as the shared validator reads it; throws on what only gRPC can get wrong (raw/typed framing). */
export function fromGrpcRequest(req: GrpcInferRequest): InferRequestMessage {
  const raw = req.raw_input_contents ?? [];
  if (raw.length > 0 && raw.length !== req.inputs.length) {
    throw new RequestValidationError(`raw_input_contents has ${raw.length} entries but the request has ${req.inputs.length} inputs (one entry per input, in input order)`);
  }
  const inputs = req.inputs.map((input, i): InputMessage => {
    const base = { name: input.name, datatype: input.datatype, shape: input.shape, parameters: fromParameters(input.parameters) };
    const given = TYPED_FIELDS.filter((f) => (input.contents?.[f]?.length ?? 0) > 0);
    if (raw.length > 0) {
      if (given.length > 0) throw new RequestValidationError(`input '${input.name}': give either contents or raw_input_contents, not both`);
      return { ...base, raw: raw[i]! };
    }
    if (given.length === 0) throw new RequestValidationError(`input '${input.name}': data is missing`);
    if (given.length > 1) throw new RequestValidationError(`input '${input.name}': contents has more than one field set (${given.join(', ')})`);
    const field = given[0]!;
    const expected = input.datatype === 'BYTES' ? 'bytes_contents' : input.datatype === 'FP32' ? 'fp32_contents' : undefined;
    if (expected !== undefined && field !== expected) {
      throw new RequestValidationError(`input '${input.name}': ${input.datatype} data goes in contents.${expected}, got contents.${field}`);
    }
    return field === 'bytes_contents' ? { ...base, elements: input.contents!.bytes_contents! } : { ...base, data: input.contents![field] };
  });
  return {
    ...(req.id ? { id: req.id } : {}),
    parameters: fromParameters(req.parameters),
    inputs,
    // proto3 cannot tell an empty list from none: no outputs means all of them, as in Triton.
    ...(req.outputs.length > 0 ? { outputs: req.outputs.map((o) => ({ name: o.name, parameters: fromParameters(o.parameters) })) } : {}),
  };
}

export interface ResponseContext { modelName: string; modelVersion: string; id?: string; raw: boolean }

export function toGrpcResponse(result: InferResult, ctx: ResponseContext): GrpcInferResponse {
  const outputs = result.outputs.map((t): GrpcOutputTensor => ({
    name: t.name, datatype: t.datatype, shape: t.shape, ...(ctx.raw ? {} : { contents: typedContents(t) }),
  }));
  return {
    model_name: ctx.modelName,
    model_version: ctx.modelVersion,
    id: ctx.id ?? '',
    parameters: toParameters({ ...result.parameters }),
    outputs,
    raw_output_contents: ctx.raw ? result.outputs.map((t) => rawBytes(t)) : [],
  };
}

function typedContents(t: OutputTensor): TensorContents {
  if (t.datatype === 'FP32') return { fp32_contents: Array.from(t.values) };
  if (t.datatype === 'INT64') return { int64_contents: t.values };
  const utf8 = new TextEncoder();
  return { bytes_contents: t.values.map((s) => utf8.encode(s)) };
}
