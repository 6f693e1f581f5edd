/**
 * One V2 input tensor -> `ImageBatch` (NHWC float32): FP32 `[N,3,H,W]` / `[N,H,W,3]` with flat or
 * nested row-major JSON data or binary data (see v2-binary.ts), or BYTES holding JPEG/PNG images (base64
 * in JSON, or length-prefixed binary). `parseInput` leaves images encoded so they can be decoded off the
 * event loop (src/http/prep/). Pure: no I/O, no tfjs.
 * @module
 */
import type { ImageBatch } from '../serving/types.ts';
import { RequestValidationError } from './errors.ts';
import { readBytesElements, readFp32LE } from './v2-binary.ts';
import type { EncodedImages } from './image-batch.ts';

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
 * The parts of a V2 input this module reads (already checked to be an object). Exactly one of `data`
 * (JSON) and `binary` (its bytes from the binary section) is set.
 */
export interface V2Input { name: string; datatype: string; shape: unknown; data?: unknown; binary?: Uint8Array }

/** A validated input: a ready tensor, or encoded images still to decode and preprocess. */
export type ParsedInput = { kind: 'tensor'; batch: ImageBatch } | { kind: 'images'; images: EncodedImages };

export function parseInput(input: V2Input, limits: TensorLimits): ParsedInput {
  if (input.datatype === 'FP32') return { kind: 'tensor', batch: fp32ToBatch(input, limits) };
  if (input.datatype === 'BYTES') return { kind: 'images', images: bytesToImages(input, limits) };
  throw new RequestValidationError(`input '${input.name}': datatype ${JSON.stringify(input.datatype)} is not supported (use FP32 or BYTES)`);
}

function checkShape(input: V2Input): number[] {
  const { shape } = input;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RequestValidationError(`input '${input.name}': shape must be a non-empty array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return shape as number[];
}

function checkBatchSize(name: string, n: number, limits: TensorLimits): void {
  if (n < 1 || n > limits.maxBatch) throw new RequestValidationError(`input '${name}': batch size ${n} out of range 1..${limits.maxBatch}`);
}

function fp32ToBatch(input: V2Input, limits: TensorLimits): ImageBatch {
  const shape = checkShape(input);
  const bad = () => new RequestValidationError(`input '${input.name}': FP32 shape must be [N,3,H,W] or [N,H,W,3], got ${JSON.stringify(shape)}`);
  if (shape.length !== 4) throw bad();
  const [n, d1, d2, d3] = shape as [number, number, number, number];
  const nchw = d3 !== 3 && d1 === 3;
  if (!nchw && d3 !== 3) throw bad();
  const [height, width] = nchw ? [d2, d3] : [d1, d2];
  checkBatchSize(input.name, n, limits);
  for (const [dim, v] of [['H', height], ['W', width]] as const) {
    if (v < limits.minSide || v > limits.maxSide) {
      throw new RequestValidationError(`input '${input.name}': ${dim}=${v} out of range ${limits.minSide}..${limits.maxSide}`);
    }
  }
  const flat = input.binary ? readFp32LE(input.name, input.binary, shape) : flattenFp32(input.name, input.data, shape);
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

function bytesToImages(input: V2Input, limits: TensorLimits): EncodedImages {
  const shape = checkShape(input);
  if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
    throw new RequestValidationError(`input '${input.name}': BYTES shape must be [N] or [N,1], got ${JSON.stringify(shape)}`);
  }
  const n = shape[0]!;
  checkBatchSize(input.name, n, limits);
  const size = limits.imageSize;
  if (input.binary) return { inputName: input.name, items: readBytesElements(input.name, input.binary, n), size };
  if (!Array.isArray(input.data)) throw new RequestValidationError(`input '${input.name}': data must be an array of base64 strings`);
  const items = shape.length === 2 && input.data.every(Array.isArray) ? input.data.flat() : input.data;
  if (items.length !== n) {
    throw new RequestValidationError(`input '${input.name}': data has ${items.length} images, shape ${JSON.stringify(shape)} needs ${n}`);
  }
  const decoded = items.map((item, i) => {
    const b64 = typeof item === 'string' ? item : isB64Object(item) ? item.b64 : null;
    if (b64 === null) throw new RequestValidationError(`input '${input.name}': data[${i}] must be a base64 string or {"b64": "..."}`);
    const compact = b64.replace(/\s+/g, '');
    if (!BASE64.test(compact)) throw new RequestValidationError(`input '${input.name}': data[${i}] is not valid base64`);
    return Buffer.from(compact, 'base64');
  });
  return { inputName: input.name, items: decoded, size };
}

function isB64Object(v: unknown): v is { b64: string } {
  return typeof v === 'object' && v !== null && typeof (v as { b64?: unknown }).b64 === 'string';
}
