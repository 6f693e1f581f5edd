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
import { RequestValidationError } from './errors.ts';

export { fp32Bytes, int64Bytes, readBytesElements, readFp32LE, writeBytesElements } from './raw-tensors.ts';

export const INFERENCE_HEADER_CONTENT_LENGTH = 'Inference-Header-Content-Length';

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

/** JSON header followed by the binary chunks; `headerLength` goes in `Inference-Header-Content-Length`. */
export function frameBinaryBody(header: unknown, chunks: readonly Uint8Array[]): { body: Uint8Array<ArrayBuffer>; headerLength: number } {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const body = new Uint8Array(json.byteLength + chunks.reduce((a, c) => a + c.byteLength, 0));
  body.set(json, 0);
  let offset = json.byteLength;
  for (const c of chunks) { body.set(c, offset); offset += c.byteLength; }
  return { body, headerLength: json.byteLength };
}
