/**
 * Typed access to the OFA-ResNet50 state_dict entries, with errors that name the missing or misshapen tensor.
 * @module
 */
import type { RawTensor, StateDict } from '../types.ts';

export class ResNetCheckpointError extends Error {
  override name = 'ResNetCheckpointError';
}

/** The float32 tensor `name`, checked against `shape` (PyTorch layout). */
export function takeFloat(sd: StateDict, name: string, shape: readonly number[]): RawTensor & { data: Float32Array } {
  const t = sd.get(name);
  if (t === undefined) throw new ResNetCheckpointError(`state_dict has no tensor ${name} (expected shape [${shape.join(', ')}])`);
  if (t.dtype !== 'float32' || !(t.data instanceof Float32Array)) {
    throw new ResNetCheckpointError(`${name}: expected float32 data, got ${t.dtype}`);
  }
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new ResNetCheckpointError(`${name}: expected shape [${shape.join(', ')}], got [${t.shape.join(', ')}]`);
  }
  const n = shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== n) throw new ResNetCheckpointError(`${name}: ${t.data.length} values for shape [${shape.join(', ')}]`);
  return t as RawTensor & { data: Float32Array };
}
