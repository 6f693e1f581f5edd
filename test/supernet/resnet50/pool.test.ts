/**
 * The ResNet50-D poolings on the wasm backend against a direct PyTorch-semantics reference, on even and odd sizes.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { avgPoolCeil, maxPool3x3s2 } from '../../../supernet/resnet50/pool.ts';

/** PyTorch pooling over an [H, W] plane: windows start at i*stride - pad; `avg` divides by the in-bounds count. */
function refPool(x: Float32Array, h: number, w: number, k: number, stride: number, pad: number, ceil: boolean, avg: boolean): number[] {
  const out = (n: number): number => (ceil ? Math.ceil : Math.floor)((n + 2 * pad - k) / stride) + 1;
  const res: number[] = [];
  for (let i = 0; i < out(h); i++) {
    for (let j = 0; j < out(w); j++) {
      let acc = avg ? 0 : -Infinity;
      let n = 0;
      for (let a = i * stride - pad; a < i * stride - pad + k; a++) {
        for (let b = j * stride - pad; b < j * stride - pad + k; b++) {
          if (a < 0 || b < 0 || a >= h || b >= w) continue;
          const v = x[a * w + b]!;
          acc = avg ? acc + v : Math.max(acc, v);
          n++;
        }
      }
      res.push(avg ? acc / n : acc);
    }
  }
  return res;
}

test.before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

for (const [h, w] of [[8, 8], [7, 7], [9, 6], [33, 33]] as const) {
  test(`avgPoolCeil(2) and maxPool3x3s2 on ${h}x${w} equal PyTorch (ceil_mode avg, -inf padded max)`, () => {
    const data = Float32Array.from({ length: h * w }, (_, i) => Math.sin(i * 1.7) * 3 - 1); // negatives matter for max
    const x = tf.tensor4d(data, [1, h, w, 1]);
    const avg = avgPoolCeil(x, 2);
    const max = maxPool3x3s2(x);
    assert.equal(avg.shape, [1, Math.ceil(h / 2), Math.ceil(w / 2), 1]);
    const avgRef = refPool(data, h, w, 2, 2, 0, true, true);
    const maxRef = refPool(data, h, w, 3, 2, 1, false, false);
    assert.ok(Array.from(avg.dataSync()).every((v, i) => Math.abs(v - avgRef[i]!) < 1e-6), 'avg pool');
    assert.equal(Array.from(max.dataSync()), maxRef.map(Math.fround), 'max pool');
    assert.is(avgPoolCeil(x, 1), x, 'kernel 1 is the identity (block 0)');
    tf.dispose([x, avg, max]);
  });
}

test.run();
