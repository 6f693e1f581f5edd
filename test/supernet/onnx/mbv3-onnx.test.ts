/**
 * ONNX export of OFA-MobileNetV3 sub-networks. w1.0: every fixture case (min, max, random configs incl. the odd
 * 132 px one), exported by `exportOnnx`, gives OFA's logits (<= 1e-4) in onnxruntime-node, also with SubnetNorm
 * statistics. w1.2 (no OFA fixture): on a randomly initialised supernet, min, max and a random config give the tfjs
 * engine's logits (<= 1e-4).
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomStateDict } from '../../../supernet/checkpoint/random-init.ts';
import { createMbV3Supernet } from '../../../supernet/mobilenetv3/index.ts';
import { exportOnnx } from '../../../supernet/onnx/export.ts';
import type { BnStats, MbV3SubnetConfig, Supernet } from '../../../supernet/types.ts';
import { fixturesOrSkip } from '../../fixtures.ts';
import { maxAbsDiff, readF32, readManifest, readSupernetStateDict } from '../mobilenetv3/fixture-data.ts';
import { ortLogits } from './ort-session.ts';

const TOL = 1e-4;
const dir = fixturesOrSkip('ofa-mbv3/seed1');

test.before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

function exportOf(sn: Supernet, config: MbV3SubnetConfig): Uint8Array {
  const m = sn.materialize(config);
  try {
    return exportOnnx(m.artifacts());
  } finally {
    m.dispose();
  }
}

if (dir !== null) {
  const d = dir;
  const cases = readManifest(d).cases;
  let sn: Supernet;
  test('w1.0 fixtures: load the supernet', () => {
    sn = createMbV3Supernet(1.0, readSupernetStateDict(d), new Map());
  });

  for (const c of cases) {
    test(`w1.0 ${c.id}: the exported ONNX model gives OFA's logits in onnxruntime-node`, async () => {
      const model = exportOf(sn, sn.validate(c.config) as MbV3SubnetConfig);
      const { input } = c.files;
      const got = await ortLogits(model, readF32(d, input.path), input.shape);
      const diff = maxAbsDiff(got, readF32(d, c.files.logits_supernet.path));
      assert.ok(diff <= TOL, `ORT logits max abs diff ${diff}`);
    });
  }

  const cal = cases.find((c) => c.calibration !== undefined);
  if (cal?.calibration) {
    const calib = cal.calibration;
    test(`w1.0 ${cal.id}: SubnetNorm statistics are folded into the exported model`, async () => {
      const flat = readF32(d, calib.files.calib_bn_stats.path);
      const stats = new Map<string, BnStats>(calib.bn_index.map((b) => [b.supernet_bn, {
        mean: flat.slice(b.mean_offset, b.mean_offset + b.channels), var: flat.slice(b.var_offset, b.var_offset + b.channels),
      }]));
      const key = sn.key(cal.config);
      sn.subnetNorm.set(key, stats);
      let model: Uint8Array;
      try {
        model = exportOf(sn, cal.config);
      } finally {
        sn.subnetNorm.delete(key);
      }
      const got = await ortLogits(model, readF32(d, cal.files.input.path), cal.files.input.shape);
      const diff = maxAbsDiff(got, readF32(d, calib.files.logits_calibrated_supernet.path));
      assert.ok(diff <= TOL, `calibrated ORT logits max abs diff ${diff}`);
    });
  }
  test('w1.0 fixtures: dispose the supernet', () => sn.dispose());
} else {
  test.skip('OFA-MobileNetV3 w1.0 ONNX export tests: need the OFA fixtures (SUPERSERVE_FIXTURES)');
}

/** Deterministic pseudo-random choices (no Math.random: a failure must reproduce). */
function randomConfig(seed: number, imageSize: number): MbV3SubnetConfig {
  let s = seed;
  const pick = <T>(xs: readonly T[]): T => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return xs[s % xs.length]!;
  };
  return {
    ks: Array.from({ length: 20 }, () => pick([3, 5, 7])), e: Array.from({ length: 20 }, () => pick([3, 4, 6])),
    d: Array.from({ length: 5 }, () => pick([2, 3, 4])), image_size: imageSize,
  };
}

test('w1.2 (random weights): min, max and a random config give the tfjs engine\'s logits in onnxruntime-node', async () => {
  const sn = createMbV3Supernet(1.2, randomStateDict('ofa-mbv3-w1.2', 7), new Map());
  try {
    const all = (n: number, len: number): number[] => Array(len).fill(n);
    const configs: MbV3SubnetConfig[] = [
      { ks: all(3, 20), e: all(3, 20), d: all(2, 5), image_size: 128 },
      { ks: all(7, 20), e: all(6, 20), d: all(4, 5), image_size: 224 },
      randomConfig(42, 176),
    ];
    for (const config of configs) {
      const r = config.image_size;
      const nhwc = tf.randomUniform([2, r, r, 3], -2, 2, 'float32', 3) as tf.Tensor4D;
      const nchw = tf.transpose(nhwc, [0, 3, 1, 2]);
      const m = sn.materialize(config);
      let want: Float32Array;
      let model: Uint8Array;
      try {
        const y = m.forward(nhwc);
        want = y.dataSync() as Float32Array;
        y.dispose();
        model = exportOnnx(m.artifacts());
      } finally {
        m.dispose();
      }
      const got = await ortLogits(model, nchw.dataSync() as Float32Array, [2, 3, r, r]);
      tf.dispose([nhwc, nchw]);
      const diff = maxAbsDiff(got, want);
      assert.ok(diff <= TOL, `${sn.key(config)}: ORT vs tfjs logits max abs diff ${diff}`);
    }
  } finally {
    sn.dispose();
  }
});

test.run();
