/**
 * Messages between the request-preparation pool and its threads. Buffers are transferred where the
 * sender owns them; errors travel as name + message and are rebuilt on the main thread.
 * @module
 */
import type { ModelMetadata } from '../../serving/types.ts';
import type { CodecLimits, ParsedInferRequest } from '../../protocol/v2-codec.ts';

export type PrepRequest =
  /** Validate a V2 infer body (JSON, and the binary section when the binary extension was used). */
  | { kind: 'parse'; id: number; json: Uint8Array; binary?: Uint8Array; meta: ModelMetadata; limits: CodecLimits }
  /** Decode one JPEG/PNG and preprocess it as OFA does to `size` x `size`. */
  | { kind: 'decode'; id: number; bytes: Uint8Array; size: number; maxPixels: number }
  /** Time a JSON number array parse and an image decode on this thread: the pool's starting cost estimates. */
  | { kind: 'calibrate'; id: number; json: Uint8Array; image: Uint8Array };

export type PrepReply =
  | { type: 'ready' }
  | { type: 'parsed'; id: number; request: ParsedInferRequest }
  | { type: 'decoded'; id: number; pixels: Float32Array }
  | { type: 'calibrated'; id: number; parseMsPerMb: number; decodeMsPerMp: number }
  | { type: 'failed'; id: number; name: string; message: string };

/** The preparation threads' nice value on Linux (0 = normal, 19 = lowest). */
export const PREP_THREAD_NICE = 10;
