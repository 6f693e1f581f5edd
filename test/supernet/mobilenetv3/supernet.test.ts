/**
 * The OFA-MobileNetV3 supernet against OFA's PyTorch reference fixtures (ofa-mbv3/seed1): every case actuated on
 * ONE supernet instance, the static rebuild from artifacts, OFA's subnet config, BN re-calibration, bad inputs.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixturesOrSkip, testIf } from '../../fixtures.ts';
import {
  createMbV3Supernet, MbV3CheckpointError, staticSubnetFromArtifacts, StaticArtifactsError, SubnetInputError,
  SubnetNormError, type MbV3Topology,
} from '../../../supernet/mobilenetv3/index.ts';
import { SubnetConfigError, type StateDict, type Supernet } from '../../../supernet/types.ts';
import {
  maxAbsDiff, nchwFileToNhwc, readF32, readJson, readManifest, readSupernetStateDict, type FixtureCase, type Manifest,
} from './fixture-data.ts';

const TOL = 1e-4;
const dir = fixturesOrSkip('ofa-mbv3/seed1');
const it = testIf(dir !== null);
let manifest: Manifest;
let sd: StateDict;
let net: Supernet;

test.before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  if (!dir) return;
  manifest = readManifest(dir);
  sd = readSupernetStateDict(dir);
  net = createMbV3Supernet(1.0, sd, new Map());
});

test.after(() => {
  net?.dispose();
});

function logits(subnet: { forward(x: tf.Tensor4D): tf.Tensor2D }, x: tf.Tensor4D): Float32Array {
  const y = subnet.forward(x);
  try {
    assert.equal(y.shape, [x.shape[0], 1000]);
    return y.dataSync() as Float32Array;
  } finally {
    y.dispose();
  }
}

function caseInput(c: FixtureCase): tf.Tensor4D {
  return nchwFileToNhwc(dir!, c.files.input);
}

it('every fixture case on one supernet: logits match OFA (<= 1e-4), and so does the static rebuild', () => {
  if (!dir) return; // narrows for TypeScript; the test is registered as skipped without fixtures
  assert.is(manifest.cases.length, 7);
  for (const c of manifest.cases) {
    const x = caseInput(c);
    const ref = readF32(dir, c.files.logits_supernet.path);
    const m = net.materialize(c.config);
    assert.is(m.key, net.key(c.config));
    const got = logits(m, x);
    const d = maxAbsDiff(got, ref);
    assert.ok(d <= TOL, `${c.id}: supernet logits max abs diff ${d}`);

    const a = m.artifacts();
    let bytes = 0;
    for (const t of a.weights.values()) bytes += t.size * 4;
    assert.is(m.bytes, bytes, `${c.id}: bytes = sum of its tensors' bytes`);
    assert.equal(a.config, c.config);
    // The topology must survive JSON (it is what export-subnet writes).
    const s = staticSubnetFromArtifacts({ ...a, topology: JSON.parse(JSON.stringify(a.topology)) });
    m.dispose();
    const gotStatic = logits(s, x);
    assert.ok(maxAbsDiff(gotStatic, ref) <= TOL, `${c.id}: static subnet diff ${maxAbsDiff(gotStatic, ref)}`);
    assert.is(maxAbsDiff(gotStatic, got), 0, `${c.id}: static rebuild computes the same numbers`);
    assert.is(s.key, net.key(c.config));
    s.dispose();
    x.dispose();
  }
});

interface OfaLayer { in_channels: number; out_channels: number; kernel_size: number; stride: number; act_func: string | null }
interface OfaBlock { conv: OfaLayer & { mid_channels: number | null; expand_ratio: number; use_se: boolean }; shortcut: unknown }
interface OfaNetConfig {
  first_conv: OfaLayer; blocks: OfaBlock[]; final_expand_layer: OfaLayer; feature_mix_layer: OfaLayer;
  classifier: { in_features: number; out_features: number };
}

it('artifacts topology describes the same static net as OFA get_active_net_config()', () => {
  if (!dir) return; // narrows for TypeScript; the test is registered as skipped without fixtures
  for (const c of manifest.cases) {
    const ofa = readJson(dir, c.files.subnet_net_config.path) as OfaNetConfig;
    const m = net.materialize(c.config);
    const t = m.artifacts().topology as MbV3Topology;
    m.dispose();
    assert.is(t.image_size, c.image_size);
    assert.is(t.first_conv.out_channels, ofa.first_conv.out_channels);
    assert.is(t.first_conv.stride, ofa.first_conv.stride);
    assert.is(t.first_conv.act, ofa.first_conv.act_func);
    assert.is(t.blocks.length, ofa.blocks.length, `${c.id}: number of blocks`);
    t.blocks.forEach((b, i) => {
      const o = ofa.blocks[i]!;
      const got = [b.in_channels, b.out_channels, b.kernel_size, b.stride, b.expand_ratio, b.act_func, b.use_se, b.residual];
      const want = [o.conv.in_channels, o.conv.out_channels, o.conv.kernel_size, o.conv.stride, o.conv.expand_ratio,
        o.conv.act_func, o.conv.use_se, o.shortcut !== null];
      assert.equal(got, want, `${c.id} block ${i}`);
      assert.is(b.mid_channels, o.conv.mid_channels ?? o.conv.in_channels, `${c.id} block ${i} mid`);
    });
    assert.is(t.final_expand_layer.out_channels, ofa.final_expand_layer.out_channels);
    assert.is(t.feature_mix_layer.out_features, ofa.feature_mix_layer.out_channels);
    assert.is(t.classifier.in_features, ofa.classifier.in_features);
  }
});

it('calibrate() reproduces OFA set_running_statistics, and SubnetNorm then gives the calibrated logits', () => {
  if (!dir) return; // narrows for TypeScript; the test is registered as skipped without fixtures
  const c = manifest.cases.find((k) => k.calibration)!;
  const cal = c.calibration!;
  const all = nchwFileToNhwc(dir, cal.files.calib_input);
  const sizes = cal.calib_batch_sizes;
  assert.equal(sizes, [3, 2]);
  const batches = [tf.slice(all, [0, 0, 0, 0], [3, -1, -1, -1]), tf.slice(all, [3, 0, 0, 0], [2, -1, -1, -1])] as tf.Tensor4D[];
  const before = tf.memory();
  const stats = net.calibrate(c.config, batches);
  assert.is(tf.memory().numTensors, before.numTensors, 'calibrate leaks no tensors');
  tf.dispose([all, ...batches]);

  assert.equal([...stats.keys()], cal.bn_index.map((e) => e.supernet_bn), 'one entry per active BN, in execution order');
  const ref = readF32(dir, cal.files.calib_bn_stats.path);
  for (const e of cal.bn_index) {
    const s = stats.get(e.supernet_bn)!;
    assert.is(s.mean.length, e.channels, e.supernet_bn);
    assert.is(s.var.length, e.channels, e.supernet_bn);
    for (let i = 0; i < e.channels; i++) {
      const rm = ref[e.mean_offset + i]!;
      const rv = ref[e.var_offset + i]!;
      assert.ok(Math.abs(s.mean[i]! - rm) <= TOL * Math.max(1, Math.abs(rm)), `${e.supernet_bn} mean[${i}] ${s.mean[i]} vs ${rm}`);
      assert.ok(Math.abs(s.var[i]! - rv) <= TOL * Math.max(1, Math.abs(rv)), `${e.supernet_bn} var[${i}] ${s.var[i]} vs ${rv}`);
    }
  }

  const x = caseInput(c);
  const refCalibrated = readF32(dir, cal.files.logits_calibrated_supernet.path);
  const refStored = readF32(dir, c.files.logits_supernet.path);
  const key = net.key(c.config);
  net.subnetNorm.set(key, stats);
  const m = net.materialize(c.config);
  const got = logits(m, x);
  m.dispose();
  assert.ok(maxAbsDiff(got, refCalibrated) <= TOL, `calibrated logits diff ${maxAbsDiff(got, refCalibrated)}`);
  assert.ok(maxAbsDiff(got, refStored) > 0.01, 'per-subnet statistics visibly change the logits');

  // Another subnet is untouched by this subnet's statistics (no clobbering as in OFA).
  const other = manifest.cases[4]!;
  const xo = caseInput(other);
  const mo = net.materialize(other.config);
  assert.ok(maxAbsDiff(logits(mo, xo), readF32(dir, other.files.logits_supernet.path)) <= TOL);
  mo.dispose();
  xo.dispose();

  net.subnetNorm.delete(key);
  const m2 = net.materialize(c.config);
  assert.ok(maxAbsDiff(logits(m2, x), refStored) <= TOL, 'without an entry the checkpoint statistics are used');
  m2.dispose();
  x.dispose();
});

it('bad configs, inputs and SubnetNorm entries are rejected clearly', () => {
  if (!dir) return; // narrows for TypeScript; the test is registered as skipped without fixtures
  const c = manifest.cases[0]!;
  assert.throws(() => net.validate({ ...c.config, ks: [...c.config.ks.slice(1), 9] }), (e: unknown) =>
    e instanceof SubnetConfigError && e.field === 'ks[19]' && /ks\[19\]=9/.test(e.message));
  assert.throws(() => net.materialize({ ...c.config, d: [2, 2] }), (e: unknown) => e instanceof SubnetConfigError && e.field === 'd');
  assert.throws(() => net.materialize({ d: [0], e: [0.2], w: [0], image_size: 224 }), (e: unknown) => e instanceof SubnetConfigError);
  const m = net.materialize(c.config);
  const wrong = tf.zeros([1, 224, 224, 3]) as tf.Tensor4D;
  assert.throws(() => m.forward(wrong), (e: unknown) => e instanceof SubnetInputError && /\[N,160,160,3\]/.test((e as Error).message));
  assert.throws(() => net.calibrate(c.config, [wrong]), (e: unknown) => e instanceof SubnetInputError);
  assert.throws(() => net.calibrate(c.config, []), (e: unknown) => e instanceof SubnetInputError);
  wrong.dispose();
  m.dispose();

  const key = net.key(c.config);
  net.subnetNorm.set(key, new Map([['first_conv.bn', { mean: new Float32Array(3), var: new Float32Array(3) }]]));
  const before = tf.memory().numTensors;
  assert.throws(() => net.materialize(c.config), (e: unknown) => e instanceof SubnetNormError && /first_conv\.bn/.test((e as Error).message));
  assert.is(tf.memory().numTensors, before, 'a failed materialize leaks nothing');
  net.subnetNorm.delete(key);
});

it('checkpoint problems are named: missing tensor, wrong width', () => {
  if (!dir) return; // narrows for TypeScript; the test is registered as skipped without fixtures
  const before = tf.memory().numTensors;
  const missing = new Map(sd);
  missing.delete('blocks.7.conv.depth_conv.conv.7to5_matrix');
  assert.throws(() => createMbV3Supernet(1.0, missing, new Map()), (e: unknown) =>
    e instanceof MbV3CheckpointError && /blocks\.7\.conv\.depth_conv\.conv\.7to5_matrix/.test((e as Error).message));
  assert.throws(() => createMbV3Supernet(1.2, sd, new Map()), (e: unknown) =>
    e instanceof MbV3CheckpointError && /has shape \[16,.*expected \[24,/.test((e as Error).message));
  assert.is(tf.memory().numTensors, before, 'a failed load frees what it created');
});

it('staticSubnetFromArtifacts rejects foreign or damaged artifacts', () => {
  if (!dir) return; // narrows for TypeScript; the test is registered as skipped without fixtures
  const m = net.materialize(manifest.cases[0]!.config);
  const a = m.artifacts();
  assert.throws(() => staticSubnetFromArtifacts({ ...a, arch: 'ofa-resnet50' }), (e: unknown) => e instanceof StaticArtifactsError && /ofa-resnet50/.test((e as Error).message));
  const noClassifier = new Map(a.weights);
  noClassifier.delete('classifier.bias');
  assert.throws(() => staticSubnetFromArtifacts({ ...a, weights: noClassifier }), (e: unknown) =>
    e instanceof StaticArtifactsError && /classifier\.bias/.test((e as Error).message));
  const bad = tf.zeros([3]);
  const wrongShape = new Map(a.weights).set('classifier.bias', bad);
  assert.throws(() => staticSubnetFromArtifacts({ ...a, weights: wrongShape }), (e: unknown) =>
    e instanceof StaticArtifactsError && /classifier\.bias.*\[3\].*\[1000\]/.test((e as Error).message));
  assert.throws(() => staticSubnetFromArtifacts({ ...a, topology: { name: 'ResNets' } }), (e: unknown) => e instanceof StaticArtifactsError);
  bad.dispose();
  m.dispose();
  assert.throws(() => m.forward(tf.zeros([1, 160, 160, 3]) as tf.Tensor4D), /disposed/);
});

test.run();
