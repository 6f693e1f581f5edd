/**
 * The project's tfjs weight layouts -> ONNX (PyTorch) layouts, on plain arrays.
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';

export interface OnnxWeight { dims: number[]; data: Float32Array }

/** [kh, kw, I, O] row-major -> [O, I, kh, kw]. */
function transposeHwio(src: Float32Array, kh: number, kw: number, ci: number, co: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let h = 0; h < kh; h++) {
    for (let w = 0; w < kw; w++) {
      for (let i = 0; i < ci; i++) {
        const base = ((h * kw + w) * ci + i) * co;
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + h) * kw + w] = src[base + o]!;
      }
    }
  }
  return out;
}

/** Conv kernel HWIO [k, k, I, O] -> OIHW [O, I, k, k]. */
export function hwioToOihw(t: tf.Tensor): OnnxWeight {
  const [kh, kw, ci, co] = t.shape as [number, number, number, number];
  return { dims: [co, ci, kh, kw], data: transposeHwio(t.dataSync() as Float32Array, kh, kw, ci, co) };
}

/** Depthwise kernel [k, k, C, 1] -> [C, 1, k, k] (a grouped conv with group = C). */
export function depthwiseToOihw(t: tf.Tensor): OnnxWeight {
  const [kh, kw, c] = t.shape as [number, number, number, number];
  return { dims: [c, 1, kh, kw], data: transposeHwio(t.dataSync() as Float32Array, kh, kw, c, 1) };
}

/** Dense kernel [in, out] -> a 1x1 conv weight [out, in, 1, 1]. */
export function denseToConv1x1(t: tf.Tensor): OnnxWeight {
  const [ci, co] = t.shape as [number, number];
  return { dims: [co, ci, 1, 1], data: transposeHwio(t.dataSync() as Float32Array, 1, 1, ci, co) };
}

export function plain(t: tf.Tensor): OnnxWeight {
  return { dims: [...t.shape], data: Float32Array.from(t.dataSync() as Float32Array) };
}
