/**
 * Triton / KServe binary tensor data extension, both directions (pure: no I/O).
 *
 * Request: the header `Inference-Header-Content-Length: n` says the body is n bytes of UTF-8 JSON followed by
 * a binary section. Each input whose `parameters.binary_data_size` is k (and which has no `data`) owns the next
 * k bytes of that section, inputs taken in order; the sizes must add up to the section's length exactly.
 * FP32: k = 4 * product(shape), little-endian IEEE-754, row-major. BYTES: per element a 4-byte little-endian
 * unsigned length, then that many bytes (here each element is one JPEG/PNG).
 *
 * Response: outputs asked for as binary (`parameters.binary_data_output: true` on the request, or
 * `{"name", "parameters": {"binary_data": true}}` per output; the per-output flag wins) carry
 * `parameters.binary_data_size` instead of `data`; their bytes (FP32 / INT64, little-endian) follow the JSON
 * in output order, and the reply sets `Inference-Header-Content-Length` and `Content-Type: application/octet-stream`.
 * @module
 */
import { RequestValidationError } from '../protocol/errors.ts';

export const INFERENCE_HEADER_CONTENT_LENGTH = 'Inference-Header-Content-Length';
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The JSON part of a body and, when the header is present, its binary section (possibly empty). */
export interface SplitBody { json: Uint8Array; binary?: Uint8Array }

/** Split a request body by `Inference-Header-Content-Length` (`headerValue`: the header, or null when absent). */
export function splitBinaryBody(body: Uint8Array, headerValue: string | null | undefined): SplitBody {
  if (headerValue === null || headerValue === undefined) return { json: body };
  const text = headerValue.trim();
  if (!/^\d+$/.test(text)) {
    throw new RequestValidationError(`${INFERENCE_HEADER_CONTENT_LENGTH} must be a non-negative integer, got ${JSON.stringify(headerValue)}`);
  }
  const n = Number(text);
  if (n > body.byteLength) {
    throw new RequestValidationError(`${INFERENCE_HEADER_CONTENT_LENGTH} is ${n} but the body has only ${body.byteLength} bytes`);
  }
  return { json: body.subarray(0, n), binary: body.subarray(n) };
}

/** Hands out consecutive slices of the binary section, then checks that all of it was claimed. */
export class BinarySection {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  take(inputName: string, size: number): Uint8Array {
    const left = this.bytes.byteLength - this.offset;
    if (size > left) {
      throw new RequestValidationError(
        `input '${inputName}': binary_data_size ${size} exceeds the ${left} bytes left in the binary section (${this.bytes.byteLength} bytes after the JSON header)`);
    }
    const out = this.bytes.subarray(this.offset, this.offset + size);
    this.offset += size;
    return out;
  }

  /** Throws when bytes are left over: the declared sizes do not add up to the body. */
  finish(): void {
    if (this.offset !== this.bytes.byteLength) {
      throw new RequestValidationError(
        `binary section has ${this.bytes.byteLength} bytes but the inputs' binary_data_size add up to ${this.offset}`);
    }
  }
}

/** `parameters.binary_data_size` of an input: a non-negative integer, or undefined when absent. */
export function binaryDataSize(inputName: string, parameters: unknown): number | undefined {
  if (typeof parameters !== 'object' || parameters === null) return undefined;
  const size = (parameters as { binary_data_size?: unknown }).binary_data_size;
  if (size === undefined) return undefined;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new RequestValidationError(`input '${inputName}': parameters.binary_data_size must be a non-negative integer, got ${JSON.stringify(size)}`);
  }
  return size;
}

/** `count` little-endian float32 values, all finite; throws naming the first bad one. */
export function readFp32LE(inputName: string, bytes: Uint8Array, shape: readonly number[]): Float32Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== count * 4) {
    throw new RequestValidationError(
      `input '${inputName}': binary_data_size ${bytes.byteLength} does not match shape ${JSON.stringify(shape)} (FP32 needs ${count * 4} bytes)`);
  }
  let out: Float32Array;
  if (LITTLE_ENDIAN) {
    // A copy (not Buffer#slice, which is a view): aligned, and the service may own and transfer it.
    out = new Float32Array(new Uint8Array(bytes).buffer);
  } else {
    out = new Float32Array(count);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  }
  for (let i = 0; i < count; i++) {
    if (!Number.isFinite(out[i]!)) {
      throw new RequestValidationError(`input '${inputName}': binary element ${i} is ${out[i]}, expected a finite FP32 number`);
    }
  }
  return out;
}

/** Triton's BYTES encoding: `count` elements, each a u32 little-endian length then its bytes; must fill `bytes`. */
export function readBytesElements(inputName: string, bytes: Uint8Array, count: number): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > bytes.byteLength) {
      throw new RequestValidationError(`input '${inputName}': binary BYTES data ends before element ${i} of ${count} (no 4-byte length at offset ${offset})`);
    }
    const len = view.getUint32(offset, true);
    offset += 4;
    if (offset + len > bytes.byteLength) {
      throw new RequestValidationError(`input '${inputName}': binary BYTES element ${i} declares ${len} bytes but only ${bytes.byteLength - offset} remain`);
    }
    out.push(bytes.subarray(offset, offset + len));
    offset += len;
  }
  if (offset !== bytes.byteLength) {
    throw new RequestValidationError(`input '${inputName}': binary_data_size ${bytes.byteLength} but its ${count} length-prefixed elements use ${offset} bytes`);
  }
  return out;
}

/** Triton's BYTES encoding of `elements` (the inverse of readBytesElements). */
export function writeBytesElements(elements: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(elements.reduce((a, e) => a + 4 + e.byteLength, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const e of elements) {
    view.setUint32(offset, e.byteLength, true);
    out.set(e, offset + 4);
    offset += 4 + e.byteLength;
  }
  return out;
}

/** Little-endian bytes of float32 values. */
export function fp32Bytes(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

/** Little-endian int64 bytes of integer values. */
export function int64Bytes(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return out;
}

/** JSON header followed by the binary chunks; `headerLength` goes in `Inference-Header-Content-Length`. */
export function frameBinaryBody(header: unknown, chunks: readonly Uint8Array[]): { body: Uint8Array<ArrayBuffer>; headerLength: number } {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const body = new Uint8Array(json.byteLength + chunks.reduce((a, c) => a + c.byteLength, 0));
  body.set(json, 0);
  let offset = json.byteLength;
  for (const c of chunks) { body.set(c, offset); offset += c.byteLength; }
  return { body, headerLength: json.byteLength };
}
