/**
 * ONNX export of OFA-ResNet50 sub-networks: every fixture case (min, max, random configs), exported by
 * `exportOnnx`, runs in onnxruntime-node and gives OFA's logits (<= 1e-4), with a dynamic batch dimension;
 * SubnetNorm statistics reach the exported model.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exportOnnx } from '../../../supernet/onnx/export.ts';
import type { BnStats, Supernet } from '../../../supernet/types.ts';
import { fixturesOrSkip } from '../../fixtures.ts';
import { fixtureCases, loadFixtureSupernet, maxAbsDiff, readF32 } from '../resnet50/fixture-cases.ts';
import { ortLogits } from './ort-session.ts';

const TOL = 1e-4;
const dir = fixturesOrSkip('ofa-resnet50/seed1');

if (dir !== null) {
  const d = dir;
  let sn: Supernet;
  test.before(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    sn = loadFixtureSupernet(d);
  });
  test.after(() => sn.dispose());

  for (const c of fixtureCases(d)) {
    test(`${c.id}: the exported ONNX model gives OFA's logits in onnxruntime-node`, async () => {
      const m = sn.materialize(sn.validate(c.config));
      let model: Uint8Array;
      try {
        model = exportOnnx(m.artifacts());
      } finally {
        m.dispose();
      }
      const input = c.files.input!;
      const want = readF32(d, `cases/${c.id}/logits_supernet.bin`);
      const got = await ortLogits(model, readF32(d, input.path), input.shape!);
      const diff = maxAbsDiff(got, want);
      assert.ok(diff <= TOL, `ORT logits max abs diff ${diff}`);
      // Dynamic batch: the first image alone gives the first row.
      const n = input.shape![0]!;
      const x = readF32(d, input.path);
      const one = await ortLogits(model, x.subarray(0, x.length / n), [1, ...input.shape!.slice(1)]);
      assert.ok(maxAbsDiff(one, want.subarray(0, 1000)) <= TOL, 'batch of 1 through the same model');
    });
  }

  const cal = fixtureCases(d).find((c) => c.calibration !== undefined);
  if (cal?.calibration) {
    const calib = cal.calibration;
    test(`${cal.id}: SubnetNorm statistics are folded into the exported model`, async () => {
      const flat = readF32(d, calib.files.calib_bn_stats!.path);
      const stats = new Map<string, BnStats>(calib.bn_index.map((b) => [b.supernet_bn, {
        mean: flat.slice(b.mean_offset, b.mean_offset + b.channels), var: flat.slice(b.var_offset, b.var_offset + b.channels),
      }]));
      const key = sn.key(cal.config);
      sn.subnetNorm.set(key, stats);
      let model: Uint8Array;
      try {
        const m = sn.materialize(cal.config);
        model = exportOnnx(m.artifacts());
        m.dispose();
      } finally {
        sn.subnetNorm.delete(key);
      }
      const input = cal.files.input!;
      const got = await ortLogits(model, readF32(d, input.path), input.shape!);
      const diff = maxAbsDiff(got, readF32(d, calib.files.logits_calibrated_supernet!.path));
      assert.ok(diff <= TOL, `calibrated ORT logits max abs diff ${diff}`);
    });
  }
} else {
  test.skip('OFA-ResNet50 ONNX export tests: need the OFA fixtures (SUPERSERVE_FIXTURES)');
}

test.run();
