/**
 * A cheap look at a binary-extension request's JSON header (a few hundred bytes) for what admission
 * needs (image count, SLO, pinned sub-network) before the body is shipped to a preparation thread.
 * Lenient: anything unexpected returns undefined and the full validation reports it.
 * @module
 */
import type { CodecLimits } from './v2-codec.ts';

export interface AdmissionPeek { images: number; sloMs: number; subnetId?: number }

export function peekAdmission(json: Uint8Array, limits: CodecLimits): AdmissionPeek | undefined {
  try {
    const body = JSON.parse(new TextDecoder().decode(json)) as { inputs?: Array<{ shape?: unknown }>; parameters?: Record<string, unknown> };
    const shape = body.inputs?.[0]?.shape;
    const images = Array.isArray(shape) ? shape[0] : undefined;
    if (typeof images !== 'number' || !Number.isInteger(images) || images < 1) return undefined;
    const p = body.parameters ?? {};
    const sloMs = typeof p.slo_ms === 'number' ? p.slo_ms : typeof p.timeout === 'number' ? p.timeout / 1000 : limits.defaultSloMs;
    if (!(sloMs > 0)) return undefined;
    return { images, sloMs, ...(typeof p.subnet === 'number' ? { subnetId: p.subnet } : {}) };
  } catch {
    return undefined;
  }
}
