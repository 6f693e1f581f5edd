/**
 * Binary framing of BatchJob / BatchReply for the NATS transport: tensors travel as raw float32 bytes,
 * never as JSON number arrays.
 *
 * Frame layout (all integers little-endian):
 *
 *   offset 0   4 bytes  magic: ASCII "SSJ1" (BatchJob) or "SSR1" (BatchReply)
 *   offset 4   u32      H = byte length of the header
 *   offset 8   H bytes  header, UTF-8 JSON:
 *                         job:   {"jobId", "subnetId", "items": [[height, width], ...]}
 *                         reply: {"jobId", "numClasses", "computeMs", "values", "error"?}
 *              0-3 zero bytes of padding, so the payload starts at a multiple of 4
 *   payload    float32 little-endian values:
 *                job:   the items' NHWC pixels back to back (height * width * 3 each)
 *                reply: `values` logits, row-major [items, numClasses] (0 values on error)
 *
 * The frame length must equal header + padding + payload exactly. Decoding always copies the payload into
 * a fresh ArrayBuffer (a NATS message may sit inside a shared, unaligned Node buffer pool slab, which must
 * never be transferred to a thread).
 * @module
 */
import { endianness } from 'node:os';
import type { BatchJob, BatchReply, ImageItem } from './protocol.ts';

export class CodecError extends Error { override name = 'CodecError'; }

const JOB_MAGIC = 'SSJ1';
const REPLY_MAGIC = 'SSR1';
const PREFIX = 8;

if (endianness() !== 'LE') throw new CodecError('the NATS frame codec needs a little-endian host (float32 payloads are host order)');

interface JobHeader { jobId: number; subnetId: number; items: Array<[number, number]> }
interface ReplyHeader { jobId: number; numClasses: number; computeMs: number; values: number; error?: string }

export function encodeJob(job: BatchJob): Uint8Array {
  const header: JobHeader = { jobId: job.jobId, subnetId: job.subnetId, items: job.items.map((it) => [it.height, it.width]) };
  job.items.forEach((it, i) => {
    if (it.data.length !== it.height * it.width * 3) {
      throw new CodecError(`job ${job.jobId} item ${i}: ${it.data.length} values, expected ${it.height}x${it.width}x3 = ${it.height * it.width * 3}`);
    }
  });
  return frame(JOB_MAGIC, header, job.items.map((it) => it.data));
}

export function decodeJob(bytes: Uint8Array): BatchJob {
  const { header, payload } = unframe(bytes, JOB_MAGIC);
  const h = header as Partial<JobHeader>;
  if (!isInt(h.jobId) || !isInt(h.subnetId) || !Array.isArray(h.items)) throw new CodecError('job header needs integer jobId, subnetId and an items array');
  const items: ImageItem[] = [];
  let offset = 0;
  for (const [i, dims] of h.items.entries()) {
    if (!Array.isArray(dims) || dims.length !== 2 || !dims.every((d) => isInt(d) && d > 0)) {
      throw new CodecError(`job ${h.jobId} item ${i}: size must be [height, width] of positive integers, got ${JSON.stringify(dims)}`);
    }
    const [height, width] = dims as [number, number];
    const n = height * width * 3;
    if (offset + n > payload.length) throw new CodecError(`job ${h.jobId}: payload holds ${payload.length} floats, items need more`);
    items.push({ data: payload.subarray(offset, offset + n), height, width });
    offset += n;
  }
  if (offset !== payload.length) throw new CodecError(`job ${h.jobId}: payload holds ${payload.length} floats, items need ${offset}`);
  return { jobId: h.jobId, subnetId: h.subnetId, items };
}

export function encodeReply(reply: BatchReply): Uint8Array {
  const values = reply.logits?.length ?? 0;
  const header: ReplyHeader = { jobId: reply.jobId, numClasses: reply.numClasses, computeMs: reply.computeMs, values };
  if (reply.error !== undefined) header.error = reply.error;
  return frame(REPLY_MAGIC, header, reply.logits ? [reply.logits] : []);
}

export function decodeReply(bytes: Uint8Array): BatchReply {
  const { header, payload } = unframe(bytes, REPLY_MAGIC);
  const h = header as Partial<ReplyHeader>;
  if (!isInt(h.jobId) || !isInt(h.numClasses) || typeof h.computeMs !== 'number' || !isInt(h.values)) {
    throw new CodecError('reply header needs integer jobId, numClasses, values and a numeric computeMs');
  }
  if (payload.length !== h.values) throw new CodecError(`reply ${h.jobId}: header says ${h.values} values, payload holds ${payload.length}`);
  if (h.error !== undefined && typeof h.error !== 'string') throw new CodecError(`reply ${h.jobId}: error must be a string`);
  const reply: BatchReply = { jobId: h.jobId, numClasses: h.numClasses, computeMs: h.computeMs };
  if (h.error !== undefined) reply.error = h.error;
  else reply.logits = payload;
  return reply;
}

function frame(magic: string, header: object, parts: Float32Array[]): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = align4(PREFIX + json.length);
  const floats = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(start + floats * 4);
  out.set(new TextEncoder().encode(magic), 0);
  new DataView(out.buffer).setUint32(4, json.length, true);
  out.set(json, PREFIX);
  const body = new Float32Array(out.buffer, start, floats);
  let offset = 0;
  for (const p of parts) { body.set(p, offset); offset += p.length; }
  return out;
}

function unframe(bytes: Uint8Array, magic: string): { header: unknown; payload: Float32Array } {
  if (bytes.length < PREFIX) throw new CodecError(`frame of ${bytes.length} bytes is shorter than its ${PREFIX}-byte prefix`);
  const got = new TextDecoder().decode(bytes.subarray(0, 4));
  if (got !== magic) throw new CodecError(`frame magic is ${JSON.stringify(got)}, expected ${JSON.stringify(magic)}`);
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  const start = align4(PREFIX + len);
  if (start > bytes.length) throw new CodecError(`frame header of ${len} bytes runs past the ${bytes.length}-byte frame`);
  if ((bytes.length - start) % 4 !== 0) throw new CodecError(`frame payload of ${bytes.length - start} bytes is not whole float32 values`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(PREFIX, PREFIX + len)));
  } catch (e) {
    throw new CodecError(`frame header is not JSON: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null) throw new CodecError('frame header is not a JSON object');
  const payload = new Float32Array((bytes.length - start) / 4);
  new Uint8Array(payload.buffer).set(bytes.subarray(start));
  return { header, payload };
}

function align4(n: number): number { return (n + 3) & ~3; }
function isInt(v: unknown): v is number { return Number.isInteger(v); }
