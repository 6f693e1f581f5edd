import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomStateDict } from '../../../supernet/checkpoint/random-init.ts';
import { checkStateDict } from '../../../supernet/checkpoint/spec.ts';

test('deterministic for a seed, different for another, valid for the spec', () => {
  const a = randomStateDict('ofa-mbv3-w1.0', 7);
  const b = randomStateDict('ofa-mbv3-w1.0', 7);
  const c = randomStateDict('ofa-mbv3-w1.0', 8);
  checkStateDict('ofa-mbv3-w1.0', a);
  const bytes = (x: { data: Float32Array | BigInt64Array }): Buffer => Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength);
  for (const [name, t] of a) {
    assert.ok(bytes(b.get(name)!).equals(bytes(t)), `${name} same for the same seed`);
    if (t.dtype === 'float32') assert.not.ok(bytes(c.get(name)!).equals(bytes(t)), `${name} differs for seed 8`);
  }
});

test('values have the intended scales: He-normal convs, BN ~ identity, near-identity matrices', () => {
  const sd = randomStateDict('ofa-mbv3-w1.0', 1);
  const rms = (name: string): number => {
    const d = sd.get(name)!.data as Float32Array;
    return Math.sqrt(d.reduce((s, v) => s + v * v, 0) / d.length);
  };
  assert.ok(Math.abs(rms('blocks.1.conv.inverted_bottleneck.conv.conv.weight') - Math.sqrt(2 / 16)) < 0.03);
  assert.ok(Math.abs(rms('classifier.linear.weight') - Math.sqrt(1 / 1280)) < 0.002);
  const gamma = sd.get('blocks.3.conv.depth_conv.bn.bn.weight')!.data as Float32Array;
  assert.ok(gamma.every((g) => g > 0.7 && g < 1.3));
  const v = sd.get('blocks.3.conv.depth_conv.bn.bn.running_var')!.data as Float32Array;
  assert.ok(v.every((x) => x > 0.5 && x < 2));
  const m = sd.get('blocks.3.conv.depth_conv.conv.5to3_matrix')!.data as Float32Array;
  assert.ok(Math.abs(m[0]! - 1) < 0.3 && Math.abs(m[1]!) < 0.3);
  assert.is(sd.get('first_conv.bn.num_batches_tracked')!.data[0], 0n);
  for (const t of sd.values()) assert.ok(t.data.every((x) => typeof x === 'bigint' || Number.isFinite(x)));
});

test('the ResNet50 state dict (the embedded default model) is complete', () => {
  const r = randomStateDict('ofa-resnet50', 0);
  checkStateDict('ofa-resnet50', r);
  assert.is(r.size, 368);
});

test('a non-integer seed is refused', () => {
  assert.throws(() => randomStateDict('ofa-mbv3-w1.0', 1.5), /seed must be an integer/);
});

test.run();
