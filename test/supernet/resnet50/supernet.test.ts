/**
 * OFA-ResNet50 supernet vs the OFA PyTorch reference fixtures (seed1, float16 checkpoint): logits of every case
 * (supernet materialisation and the static sub-network rebuilt from its artifacts), the static topology vs OFA's
 * net config, SubnetNorm with the fixture's statistics, and OFA's BN re-calibration.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  createResNet50Supernet, ResNetCheckpointError, StaticTopologyError, SubnetNormError, staticSubnetFromArtifacts,
} from '../../../supernet/resnet50/index.ts';
import type { BnStats, MaterializedSubnet, StateDict, Supernet } from '../../../supernet/types.ts';
import { fixturesOrSkip } from '../../fixtures.ts';
import { fixtureCases, loadFixtureStateDict, loadFixtureSupernet, maxAbsDiff, nhwc, readF32, readJson, type FixtureCase } from './fixture-cases.ts';

const TOL = 1e-4;
const dir = fixturesOrSkip('ofa-resnet50/seed1');
let sn: Supernet;
let sd: StateDict;

function logitsOf(m: MaterializedSubnet, x: tf.Tensor4D): Float32Array {
  const y = tf.tidy(() => m.forward(x));
  try {
    assert.equal(y.shape, [x.shape[0], 1000]);
    return y.dataSync() as Float32Array;
  } finally {
    y.dispose();
  }
}

function caseInput(d: string, c: FixtureCase, file = 'input'): tf.Tensor4D {
  const f = c.files[file] ?? c.calibration?.files[file];
  if (!f?.shape) throw new Error(`case ${c.id} has no ${file}`);
  return nhwc(readF32(d, f.path), f.shape[0]!, c.config.image_size);
}

/** OFA's count_parameters of the static subnet: conv weights + BN (γ, β) + classifier; we fold BN into one bias. */
function paramCount(m: MaterializedSubnet): number {
  let n = 0;
  for (const [name, t] of m.artifacts().weights) n += t.size * (name.endsWith('.bias') && !name.startsWith('classifier') ? 2 : 1);
  return n;
}

if (dir !== null) {
  const d = dir;
  const cases = fixtureCases(d);

  test.before(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    sd = loadFixtureStateDict(d);
    sn = loadFixtureSupernet(d, sd);
  });
  test.after(() => sn.dispose());

  for (const c of cases) {
    test(`${c.id}: logits of the materialised sub-network and of its static rebuild match OFA`, () => {
      const config = sn.validate(readJson(d, `cases/${c.id}/config.json`));
      const x = caseInput(d, c);
      const m = sn.materialize(config);
      try {
        assert.is(m.key, sn.key(config));
        assert.is(paramCount(m), c.subnet_params, 'parameter count equals OFA count_parameters');
        const diff = maxAbsDiff(logitsOf(m, x), readF32(d, `cases/${c.id}/logits_supernet.bin`));
        assert.ok(diff <= TOL, `supernet logits max abs diff ${diff}`);

        const a = m.artifacts();
        assert.is(a.arch, 'ofa-resnet50');
        const { weight_format: _fmt, ...netConfig } = a.topology as Record<string, unknown>;
        assert.equal(netConfig, readJson(d, `cases/${c.id}/subnet_net_config.json`), 'topology = OFA get_active_net_config');
        const copy = staticSubnetFromArtifacts({ ...a, weights: new Map([...a.weights].map(([k, t]) => [k, t.clone()])) });
        try {
          const sdiff = maxAbsDiff(logitsOf(copy, x), readF32(d, `cases/${c.id}/logits_subnet.bin`));
          assert.ok(sdiff <= TOL, `static subnet logits max abs diff ${sdiff}`);
          assert.is(copy.bytes, m.bytes);
        } finally {
          copy.dispose();
        }
      } finally {
        m.dispose();
        x.dispose();
      }
    });
  }

  const cal = cases.find((c) => c.calibration !== undefined);
  if (cal?.calibration) {
    const calib = cal.calibration;
    const fixtureStats = (): Map<string, BnStats> => {
      const flat = readF32(d, calib.files.calib_bn_stats!.path);
      return new Map(calib.bn_index.map((b) => [b.supernet_bn, {
        mean: flat.slice(b.mean_offset, b.mean_offset + b.channels),
        var: flat.slice(b.var_offset, b.var_offset + b.channels),
      }]));
    };
    const calibratedLogits = (stats: Map<string, BnStats>): Float32Array => {
      const key = sn.key(cal.config);
      sn.subnetNorm.set(key, stats);
      const x = caseInput(d, cal);
      const m = sn.materialize(cal.config);
      try {
        return logitsOf(m, x);
      } finally {
        m.dispose();
        x.dispose();
        sn.subnetNorm.delete(key);
      }
    };

    test(`${cal.id}: SubnetNorm with OFA's re-calibrated statistics reproduces the calibrated logits`, () => {
      const diff = maxAbsDiff(calibratedLogits(fixtureStats()), readF32(d, calib.files.logits_calibrated_supernet!.path));
      assert.ok(diff <= TOL, `calibrated logits max abs diff ${diff}`);
    });

    test(`${cal.id}: calibrate() = OFA set_running_statistics (batches ${calib.calib_batch_sizes.join('+')})`, () => {
      const all = caseInput(d, cal, 'calib_input');
      let start = 0;
      const batches = calib.calib_batch_sizes.map((n) => {
        const b = tf.slice(all, [start, 0, 0, 0], [n, -1, -1, -1]);
        start += n;
        return b;
      });
      all.dispose();
      const before = tf.memory().numTensors;
      const stats = sn.calibrate(cal.config, batches);
      assert.is(tf.memory().numTensors, before, 'calibrate leaves no tensors behind');
      for (const b of batches) b.dispose();

      const ref = fixtureStats();
      assert.equal([...stats.keys()].sort(), [...ref.keys()].sort(), 'exactly the BN layers the sub-network uses');
      let worst = 0;
      for (const [name, r] of ref) {
        const s = stats.get(name)!;
        for (const [got, want] of [[s.mean, r.mean], [s.var, r.var]] as const) {
          assert.is(got.length, want.length, `${name} channels`);
          for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
        }
      }
      assert.ok(worst <= 1e-4, `calibrated statistics max (abs/(1+|ref|)) diff ${worst}`);
      const diff = maxAbsDiff(calibratedLogits(stats), readF32(d, calib.files.logits_calibrated_supernet!.path));
      assert.ok(diff <= TOL, `logits with our calibrated statistics: max abs diff ${diff}`);
    });

    test('SubnetNorm statistics of the wrong width are rejected', () => {
      const key = sn.key(cal.config);
      sn.subnetNorm.set(key, new Map([['input_stem.0.bn.bn', { mean: new Float32Array(3), var: new Float32Array(3) }]]));
      try {
        assert.throws(() => sn.materialize(cal.config), (e: Error) => e instanceof SubnetNormError && /input_stem\.0\.bn\.bn/.test(e.message));
      } finally {
        sn.subnetNorm.delete(key);
      }
    });
  }

  test('a checkpoint with a missing or misshapen tensor is rejected by name, leaking nothing', () => {
    const before = tf.memory().numTensors;
    const missing = new Map(sd);
    missing.delete('blocks.17.conv3.bn.bn.running_var');
    assert.throws(() => createResNet50Supernet(missing, new Map()),
      (e: Error) => e instanceof ResNetCheckpointError && e.message.includes('blocks.17.conv3.bn.bn.running_var'));
    const misshapen = new Map(sd);
    const w = sd.get('blocks.9.conv2.conv.conv.weight')!;
    misshapen.set('blocks.9.conv2.conv.conv.weight', { ...w, shape: [w.shape[1]!, w.shape[0]!, 9, 1] });
    assert.throws(() => createResNet50Supernet(misshapen, new Map()),
      (e: Error) => e instanceof ResNetCheckpointError && /blocks\.9\.conv2\.conv\.conv\.weight.*\[360, 360, 3, 3\]/.test(e.message));
    assert.is(tf.memory().numTensors, before);
  });

  const isTopologyError = (e: unknown): boolean => e instanceof StaticTopologyError;
  test('staticSubnetFromArtifacts rejects missing weights and a topology that contradicts the config', () => {
    const c = cases[0]!;
    const m = sn.materialize(c.config);
    try {
      const a = m.artifacts();
      const missing = new Map(a.weights);
      missing.delete('blocks.0.conv2.weight');
      assert.throws(() => staticSubnetFromArtifacts({ ...a, weights: missing }),
        (e: Error) => e instanceof StaticTopologyError && /blocks\.0\.conv2\.weight/.test(e.message));
      const otherConfig = { ...c.config, d: [2, 0, 0, 0, 0] };
      assert.throws(() => staticSubnetFromArtifacts({ ...a, config: otherConfig }), isTopologyError);
      assert.throws(() => staticSubnetFromArtifacts({ ...a, topology: { name: 'MobileNetV3' } }), isTopologyError);
      assert.throws(() => m.forward(tf.zeros([1, 64, 64, 3])), /expects NHWC input \[N, 224, 224, 3\]/);
    } finally {
      m.dispose();
    }
  });
} else {
  // One skip per test this suite registers with fixtures; the per-case tests (one per fixture case) count as one.
  for (const name of ['<case>: logits of the materialised sub-network and of its static rebuild match OFA',
    '<case>: SubnetNorm with OFA\'s re-calibrated statistics reproduces the calibrated logits',
    '<case>: calibrate() = OFA set_running_statistics', 'SubnetNorm statistics of the wrong width are rejected',
    'a checkpoint with a missing or misshapen tensor is rejected by name, leaking nothing',
    'staticSubnetFromArtifacts rejects missing weights and a topology that contradicts the config']) test.skip(name);
}

test.run();
