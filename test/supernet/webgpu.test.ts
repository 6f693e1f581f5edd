/**
 * The webgpu backend on whatever adapter the machine has (in CI: Mesa's software rasteriser, which only a named
 * `webgpu` may use): it starts and reports its adapter; 50 mixed actuations leave tf.memory() where it was; the
 * GPU buffer pool is bounded. Skipped (counted as skipped) where there is no adapter at all.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import { createSupernet, paretoSet } from '../../supernet/archs.ts';
import { selectBackend } from '../../supernet/backend.ts';
import { gpuPoolStats, trimGpuPool } from '../../supernet/backends/webgpu.ts';
import { randomStateDict } from '../../supernet/checkpoint/random-init.ts';
import { SubnetEngine } from '../../supernet/engine.ts';
import type { SubnetConfig } from '../../supernet/types.ts';
import { webgpuAdapterOrSkip } from './webgpu-adapter.ts';

const adapter = await webgpuAdapterOrSkip();
const run = adapter === null ? test.skip : test;

test.after(async () => { await selectBackend('wasm'); });

run('a named webgpu backend starts on the adapter there is and says which', async () => {
  const b = await selectBackend('webgpu');
  assert.is(b.name, 'webgpu');
  assert.is(b.tfBackend, 'webgpu');
  assert.is(tf.getBackend(), 'webgpu');
  assert.ok(b.adapter !== undefined);
  assert.is(b.adapter!.isSoftware, adapter!.isSoftware);
  assert.ok(b.adapter!.device !== '' || b.adapter!.description !== '' || b.adapter!.vendor !== '', JSON.stringify(b.adapter));
});

run('tf.memory() is stable over 50 mixed actuations (cached and sliced per batch, batch 1 and 2); the pool is bounded', async () => {
  await selectBackend('webgpu');
  const supernet = createSupernet('ofa-mbv3-w1.0', randomStateDict('ofa-mbv3-w1.0', 3), new Map());
  const engine = new SubnetEngine(supernet, { cacheBudgetMiB: 64 });
  try {
    const configs: SubnetConfig[] = paretoSet('ofa-mbv3-w1.0').slice(0, 3).map((p) => supernet.validate({ ...p.config, image_size: 64 }));
    const step = async (i: number): Promise<void> => {
      const c = configs[i % configs.length]!;
      const b = 1 + (i % 2);
      const y = tf.tidy(() => {
        const x = tf.randomUniform([b, 64, 64, 3], -1, 1, 'float32', i) as tf.Tensor4D;
        return i % 4 < 2 ? engine.run(x, c) : engine.runUncached(x, c);
      });
      const d = await y.data();
      assert.ok(d.length === b * 1000 && d.every(Number.isFinite));
      y.dispose();
    };
    for (let i = 0; i < 12; i++) await step(i); // every (sub-network, batch, path) once: shaders compiled, cache filled
    const before = tf.memory();
    for (let i = 0; i < 50; i++) await step(i);
    const after = tf.memory();
    assert.is(after.numTensors, before.numTensors, 'tensors');
    assert.is(after.numBytes, before.numBytes, 'bytes');
    const pool = gpuPoolStats()!;
    assert.ok(pool.allocatedBytes >= pool.usedBytes);
    const bound = pool.usedBytes + 1024 * 1024;
    trimGpuPool(bound);
    assert.ok(gpuPoolStats()!.allocatedBytes <= Math.max(bound, pool.usedBytes), 'free buffers beyond the bound were released');
    await step(0); // and it still runs: the pool grows back as needed
  } finally {
    engine.dispose();
  }
});

test.run();
