/**
 * A cheap look at a request for what admission needs (image count, SLO, pinned sub-network) before
 * anything costly is done with it: the binary extension's JSON header (a few hundred bytes, parsed), or a
 * large JSON body (scanned for its keys, never parsed: the parse is what admission saves). Lenient:
 * anything unexpected returns undefined and the full validation reports it.
 * @module
 */
import { peekTiming, type RequestTiming, type TimingLimits } from './slo.ts';

export interface AdmissionPeek { images: number; timing: RequestTiming; subnetId?: number }

/** The peek's timing by the same rule as full validation (slo.ts); undefined when that rule would refuse it. */
function peekOf(images: number, params: Record<string, unknown>, limits: TimingLimits): AdmissionPeek | undefined {
  const timing = peekTiming(params, limits);
  if (timing === undefined) return undefined;
  return { images, timing, ...(typeof params.subnet === 'number' ? { subnetId: params.subnet } : {}) };
}

export function peekAdmission(json: Uint8Array, limits: TimingLimits): AdmissionPeek | undefined {
  try {
    const body = JSON.parse(new TextDecoder().decode(json)) as { inputs?: Array<{ shape?: unknown }>; parameters?: Record<string, unknown> };
    const shape = body.inputs?.[0]?.shape;
    const images = Array.isArray(shape) ? shape[0] : undefined;
    if (typeof images !== 'number' || !Number.isInteger(images) || images < 1) return undefined;
    return peekOf(images, body.parameters ?? {}, limits);
  } catch {
    return undefined;
  }
}

const ENCODER = new TextEncoder();
const KEY = { shape: ENCODER.encode('"shape"') };
const PEEKED = ['slo_ms', 'timeout', 'priority', 'subnet'].map((name) => ({ name, key: ENCODER.encode(`"${name}"`) }));

/**
 * `peekAdmission` for a JSON body too large to parse on the event loop: finds the first `"shape"` and the
 * `"slo_ms"` / `"timeout"` / `"priority"` / `"subnet"` keys by byte search (a key cannot occur inside a JSON string
 * unescaped, and number arrays hold no quotes) and reads the number after each.
 */
export function peekJsonBody(body: Uint8Array, limits: TimingLimits): AdmissionPeek | undefined {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const shape = buf.indexOf(KEY.shape);
  if (shape < 0) return undefined;
  const images = numberAfter(buf, shape + KEY.shape.length, '[');
  if (images === undefined || !Number.isInteger(images) || images < 1) return undefined;
  const params: Record<string, unknown> = {};
  for (const { name, key } of PEEKED) {
    const v = keyedNumber(buf, key);
    if (v !== undefined) params[name] = v;
  }
  return peekOf(images, params, limits);
}

function keyedNumber(buf: Buffer, key: Uint8Array): number | undefined {
  const at = buf.indexOf(key);
  return at < 0 ? undefined : numberAfter(buf, at + key.length, undefined);
}

/** The number after `:` (and an optional opening bracket), skipping whitespace; undefined if there is none. */
function numberAfter(buf: Buffer, from: number, bracket: '[' | undefined): number | undefined {
  let i = from;
  const skip = () => { while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x0a || buf[i] === 0x0d || buf[i] === 0x09)) i++; };
  skip();
  if (buf[i] !== 0x3a) return undefined; // ':'
  i++; skip();
  if (bracket !== undefined) { if (buf[i] !== 0x5b) return undefined; i++; skip(); }
  const start = i;
  while (i < buf.length && i - start < 32 && /[-+0-9.eE]/.test(String.fromCharCode(buf[i]!))) i++;
  const v = Number(buf.toString('latin1', start, i));
  return i > start && Number.isFinite(v) ? v : undefined;
}
