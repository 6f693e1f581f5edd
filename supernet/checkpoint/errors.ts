/**
 * The one error type of the checkpoint layer: bad, truncated, corrupted or mismatched files.
 * @module
 */

/** A checkpoint (`.pth` or checkpoint directory) that cannot be used; the message names the file and the problem. */
export class CheckpointError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CheckpointError';
  }
}
