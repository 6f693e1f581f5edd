/**
 * Raw tensor bytes as both the binary tensor data extension (HTTP) and `raw_input_contents` /
 * `raw_output_contents` (gRPC) carry them: little-endian, row-major, no padding; BYTES as, per element,
 * a 4-byte little-endian length followed by its bytes. Pure: no I/O.
 * @module
 */
import { RequestValidationError } from './errors.ts';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** `count` little-endian float32 values, all finite; throws naming the first bad one. */
export function readFp32LE(inputName: string, bytes: Uint8Array, shape: readonly number[]): Float32Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== count * 4) {
    throw new RequestValidationError(
      `input '${inputName}': ${bytes.byteLength} raw bytes do not match shape ${JSON.stringify(shape)} (FP32 needs ${count * 4} bytes)`);
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
      throw new RequestValidationError(`input '${inputName}': raw element ${i} is ${out[i]}, expected a finite FP32 number`);
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
      throw new RequestValidationError(`input '${inputName}': raw BYTES data ends before element ${i} of ${count} (no 4-byte length at offset ${offset})`);
    }
    const len = view.getUint32(offset, true);
    offset += 4;
    if (offset + len > bytes.byteLength) {
      throw new RequestValidationError(`input '${inputName}': raw BYTES element ${i} declares ${len} bytes but only ${bytes.byteLength - offset} remain`);
    }
    out.push(bytes.subarray(offset, offset + len));
    offset += len;
  }
  if (offset !== bytes.byteLength) {
    throw new RequestValidationError(`input '${inputName}': ${bytes.byteLength} raw bytes but its ${count} length-prefixed elements use ${offset} bytes`);
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


/** Raw bytes of an output tensor: FP32 / INT64 little-endian, BYTES as length-prefixed UTF-8. */
export function rawBytes(t: { datatype: 'FP32'; values: Float32Array } | { datatype: 'INT64'; values: number[] } | { datatype: 'BYTES'; values: string[] }): Uint8Array {
  if (t.datatype === 'FP32') return fp32Bytes(t.values);
  if (t.datatype === 'INT64') return int64Bytes(t.values);
  const utf8 = new TextEncoder();
  return writeBytesElements(t.values.map((s) => utf8.encode(s)));
}
