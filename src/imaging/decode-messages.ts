/**
 * Messages between the decode pool and its worker threads (buffers are transferred, not copied).
 * @module
 */

/** One image to decode and preprocess to `size` x `size`. */
export interface DecodeRequest { id: number; bytes: Uint8Array; size: number; maxPixels?: number }

export type DecodeReply =
  | { type: 'ready' }
  | { type: 'done'; id: number; pixels: Float32Array }
  | { type: 'failed'; id: number; name: string; message: string };
