/**
 * One input tensor, already matched to a declared input (name, datatype, shape), -> an `ImageBatch`
 * (NHWC float32) or encoded images. FP32 comes as JSON numbers (flat or nested row-major, or gRPC
 * `fp32_contents`) or raw little-endian bytes, in the layout its declared input names; BYTES as base64
 * strings (HTTP JSON), raw length-prefixed bytes, or gRPC `bytes_contents`. Images stay encoded so they can
 * be decoded off the event loop (http/image-batch.ts). Pure: no I/O, no tfjs.
 * @module
 */
import type { ImageBatch } from '../serving/types.ts';
import { RequestValidationError } from './errors.ts';
import type { DeclaredInput } from './model-io.ts';
import { readBytesElements, readFp32LE } from './raw-tensors.ts';

export interface TensorLimits {
  /** Most images in one request. */
  maxBatch: number;
  /** Accepted range of H and W for FP32 input. */
  minSide: number;
  maxSide: number;
  /** Resolution BYTES images are preprocessed to. */
  imageSize: number;
}

const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * The content of one input, in exactly one of three forms: `data` (JSON values, or typed gRPC numbers),
 * `raw` (bytes as the binary extension / raw_input_contents carry them), `elements` (gRPC bytes_contents).
 */
export interface TensorContent { data?: unknown; raw?: Uint8Array; elements?: Uint8Array[] }

/** JPEG/PNG bytes of one input, to be preprocessed to `size` x `size`. */
export interface EncodedImages { inputName: string; items: Uint8Array[]; size: number }

/** A validated input: a ready tensor, or encoded images still to decode and preprocess. */
export type ParsedInput = { kind: 'tensor'; batch: ImageBatch } | { kind: 'images'; images: EncodedImages };

/** `shape` has been checked against `declared.shape` (rank, fixed dimensions). */
export function parseTensor(declared: DeclaredInput, shape: number[], content: TensorContent, limits: TensorLimits): ParsedInput {
  checkBatchSize(declared.name, shape[0]!, limits);
  if (declared.datatype === 'FP32') return { kind: 'tensor', batch: fp32ToBatch(declared, shape, content, limits) };
  return { kind: 'images', images: bytesToImages(declared.name, shape[0]!, content, limits) };
}

function checkBatchSize(name: string, n: number, limits: TensorLimits): void {
  if (n < 1 || n > limits.maxBatch) throw new RequestValidationError(`input '${name}': batch size ${n} out of range 1..${limits.maxBatch}`);
}

function fp32ToBatch(declared: DeclaredInput, shape: number[], content: TensorContent, limits: TensorLimits): ImageBatch {
  const { name } = declared;
  const nchw = declared.layout === 'NCHW';
  const [n, d1, d2, d3] = shape as [number, number, number, number];
  const [height, width] = nchw ? [d2, d3] : [d1, d2];
  for (const [dim, v] of [['H', height], ['W', width]] as const) {
    if (v < limits.minSide || v > limits.maxSide) {
      throw new RequestValidationError(`input '${name}': ${dim}=${v} out of range ${limits.minSide}..${limits.maxSide}`);
    }
  }
  if (content.elements !== undefined) throw new RequestValidationError(`input '${name}': FP32 data must be numbers, got bytes elements`);
  const flat = content.raw ? readFp32LE(name, content.raw, shape) : flattenFp32(name, content.data, shape);
  return { data: nchw ? nchwToNhwc(flat, n, height, width) : flat, n, height, width };
}

/** Row-major data, flat or nested exactly as `shape`, into float32; rejects non-finite and non-numbers. */
export function flattenFp32(name: string, data: unknown, shape: number[]): Float32Array {
  if (!Array.isArray(data)) throw new RequestValidationError(`input '${name}': data must be an array`);
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  const put = (v: unknown, i: number, where: () => string) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > FLOAT32_MAX) {
      const what = typeof v === 'number' ? String(v) : v === null ? 'null' : typeof v;
      throw new RequestValidationError(`input '${name}': ${where()} is ${what}, expected a finite FP32 number`);
    }
    out[i] = v;
  };
  if (data.length === 0 || !Array.isArray(data[0])) {
    if (data.length !== size) {
      throw new RequestValidationError(`input '${name}': data has ${data.length} elements, shape ${JSON.stringify(shape)} needs ${size}`);
    }
    for (let i = 0; i < size; i++) put(data[i], i, () => `data[${i}]`);
    return out;
  }
  let next = 0;
  const walk = (node: unknown, depth: number, path: string) => {
    if (!Array.isArray(node)) throw new RequestValidationError(`input '${name}': data${path} must be an array (nested data must follow shape ${JSON.stringify(shape)})`);
    const len = shape[depth]!;
    if (node.length !== len) {
      throw new RequestValidationError(`input '${name}': data${path} has ${node.length} elements, shape ${JSON.stringify(shape)} needs ${len}`);
    }
    if (depth === shape.length - 1) {
      for (let i = 0; i < len; i++) put(node[i], next++, () => `data${path}[${i}]`);
    } else {
      for (let i = 0; i < len; i++) walk(node[i], depth + 1, `${path}[${i}]`);
    }
  };
  walk(data, 0, '');
  return out;
}

export function nchwToNhwc(src: Float32Array, n: number, h: number, w: number): Float32Array {
  const out = new Float32Array(src.length);
  const plane = h * w;
  for (let b = 0; b < n; b++) {
    const base = b * 3 * plane;
    for (let c = 0; c < 3; c++) {
      const from = base + c * plane;
      for (let p = 0; p < plane; p++) out[base + p * 3 + c] = src[from + p]!;
    }
  }
  return out;
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

function bytesToImages(name: string, n: number, content: TensorContent, limits: TensorLimits): EncodedImages {
  const size = limits.imageSize;
  if (content.raw) return { inputName: name, items: readBytesElements(name, content.raw, n), size };
  if (content.elements) {
    if (content.elements.length !== n) throw new RequestValidationError(`input '${name}': ${content.elements.length} bytes elements, shape [${n}] needs ${n}`);
    return { inputName: name, items: content.elements, size };
  }
  const { data } = content;
  if (!Array.isArray(data)) throw new RequestValidationError(`input '${name}': data must be an array of base64 strings`);
  if (data.length !== n) throw new RequestValidationError(`input '${name}': data has ${data.length} images, shape [${n}] needs ${n}`);
  const decoded = data.map((item, i) => {
    const b64 = typeof item === 'string' ? item : isB64Object(item) ? item.b64 : null;
    if (b64 === null) throw new RequestValidationError(`input '${name}': data[${i}] must be a base64 string or {"b64": "..."}`);
    const compact = b64.replace(/\s+/g, '');
    if (!BASE64.test(compact)) throw new RequestValidationError(`input '${name}': data[${i}] is not valid base64`);
    return Buffer.from(compact, 'base64');
  });
  return { inputName: name, items: decoded, size };
}

function isB64Object(v: unknown): v is { b64: string } {
  return typeof v === 'object' && v !== null && typeof (v as { b64?: unknown }).b64 === 'string';
}
