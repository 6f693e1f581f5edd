/**
 * The project's tfjs weight layouts -> ONNX (PyTorch) layouts, on plain arrays.
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';

/** Conv kernel HWIO [k, k, I, O] -> OIHW [O, I, k, k]. */
export function hwioToOihw(t: tf.Tensor): { dims: number[]; data: Float32Array } {
  const [kh, kw, ci, co] = t.shape as [number, number, number, number];
  const src = t.dataSync() as Float32Array;
  const out = new Float32Array(src.length);
  for (let h = 0; h < kh; h++) {
    for (let w = 0; w < kw; w++) {
      for (let i = 0; i < ci; i++) {
        const base = ((h * kw + w) * ci + i) * co;
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + h) * kw + w] = src[base + o]!;
      }
    }
  }
  return { dims: [co, ci, kh, kw], data: out };
}

/** Depthwise kernel [k, k, C, 1] -> [C, 1, k, k] (a grouped conv with group = C). */
export function depthwiseToOihw(t: tf.Tensor): { dims: number[]; data: Float32Array } {
  const [kh, kw, c] = t.shape as [number, number, number, number];
  const { data } = hwioToOihw(t);
  return { dims: [c, 1, kh, kw], data };
}

/** Dense kernel [in, out] -> a 1x1 conv weight [out, in, 1, 1]. */
export function denseToConv1x1(t: tf.Tensor): { dims: number[]; data: Float32Array } {
  const [ci, co] = t.shape as [number, number];
  const { data } = hwioToOihw({ shape: [1, 1, ci, co], dataSync: () => t.dataSync() } as unknown as tf.Tensor);
  return { dims: [co, ci, 1, 1], data };
}

export function plain(t: tf.Tensor): { dims: number[]; data: Float32Array } {
  return { dims: [...t.shape], data: Float32Array.from(t.dataSync() as Float32Array) };
}
