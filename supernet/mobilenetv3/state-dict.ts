/**
 * Checked access to the supernet's state_dict entries by OFA name and PyTorch shape.
 * @module
 */
import type { RawTensor, StateDict } from '../types.ts';

export class MbV3CheckpointError extends Error {
  override name = 'MbV3CheckpointError';
}

export function takeRaw(sd: StateDict, name: string, shape: number[]): RawTensor {
  const t = sd.get(name);
  if (!t) throw new MbV3CheckpointError(`state_dict has no tensor "${name}" (expected shape [${shape.join(',')}]); is this an OFA MobileNetV3 checkpoint of this width?`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new MbV3CheckpointError(`state_dict tensor "${name}" has shape [${t.shape.join(',')}], expected [${shape.join(',')}] (wrong width or architecture?)`);
  }
  if (t.dtype !== 'float32') throw new MbV3CheckpointError(`state_dict tensor "${name}" is ${t.dtype}, expected float32`);
  return t;
}
