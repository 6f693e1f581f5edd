/**
 * The ort engine inside an inference worker (EngineHost, in-process): Pareto sub-networks run on ONNX Runtime
 * sessions exported from the supernet (and cached next to the checkpoint under its hash), a sub-network outside the
 * Pareto set still runs on tfjs in the same worker, both give the tfjs engine's logits, images of another size are
 * resized as on tfjs, and the engine can be switched (auto) only when the sessions exist.
 * @module
 */
import '@tensorflow/tfjs-backend-wasm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync } from 'node:fs';
import { paretoSet } from '../../supernet/archs.ts';
import { onnxCacheDir } from '../../supernet/onnx/model-store.ts';
import { EngineHost } from '../../src/worker/engine-host.ts';
import type { ImageItem } from '../../src/worker/protocol.ts';
import { MBV3, mbv3Checkpoints } from './mbv3-checkpoint.ts';

const cks = await mbv3Checkpoints([3]);
test.after(() => cks.remove());
const ckpt = cks.dirs[0]!;
const pareto0 = paretoSet(MBV3)[0]!;
/** Not in the Pareto set: the smallest sub-network's layers at another resolution, and one with mixed kernels. */
const OTHER = { ks: Array(20).fill(5), e: Array(20).fill(4), d: Array(5).fill(3), image_size: 160 };
const SMALL_AT_112 = { ...pareto0.config, image_size: 112 };
const subnets = [{ id: 0, config: pareto0.config }, { id: 100, config: OTHER }, { id: 101, config: SMALL_AT_112 }, { id: 102, config: pareto0.config }];

function images(n: number, side: number, seed: number): ImageItem[] {
  return Array.from({ length: n }, (_, k) => ({
    data: new Float32Array(side * side * 3).map((_, i) => Math.sin(i * 0.013 + seed + k)), height: side, width: side,
  }));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.is(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return Number.isNaN(m) ? Infinity : m;
}

let ort: EngineHost;
let tfjs: EngineHost;
test.before(async () => {
  ort = await EngineHost.create({ checkpoint: ckpt, arch: MBV3, backend: 'wasm', cacheMiB: 64, subnets, warmupBatches: [], engine: 'ort', wasmThreads: 1 });
  tfjs = await EngineHost.create({ checkpoint: ckpt, arch: MBV3, backend: 'wasm', cacheMiB: 64, subnets, warmupBatches: [] });
});

test('ort: one session per Pareto sub-network served, exported into the checkpoint\'s cache under its hash', () => {
  assert.is(ort.info.engine, 'ort');
  assert.is(tfjs.info.engine, 'tfjs');
  assert.equal(ort.info.ort && { provider: ort.info.ort.provider, threads: ort.info.ort.threads, sessions: ort.info.ort.sessions },
    { provider: 'cpu', threads: 1, sessions: 1 }, 'Pareto 0 gets one session (under two ids); the others none');
  const dir = onnxCacheDir(ckpt, ort.info.checkpointHash);
  assert.ok(existsSync(dir), dir);
  assert.is(readdirSync(dir).filter((f) => f.endsWith('.onnx')).length, 1);
  assert.equal(ort.stats().ort?.sessions, 1);
});

test('Pareto batches run on ort, others on tfjs in the same worker, all with the tfjs engine\'s logits', async () => {
  for (const [id, side, batch] of [[0, 128, 3], [100, 160, 2], [101, 112, 1], [102, 128, 1], [0, 100, 2]] as const) {
    const a = await ort.runBatch({ jobId: 1, subnetId: id, items: images(batch, side, id) });
    const b = await tfjs.runBatch({ jobId: 2, subnetId: id, items: images(batch, side, id) });
    assert.is(a.error, undefined, a.error);
    assert.is(a.engine, id === 0 || id === 102 ? 'ort' : 'tfjs', `subnet ${id}`);
    assert.is(b.engine, 'tfjs');
    assert.is(a.numClasses, 1000);
    const d = maxAbsDiff(a.logits!, b.logits!);
    assert.ok(d <= 1e-4, `subnet ${id} at ${side} px, batch ${batch}: ort vs tfjs max abs diff ${d}`);
  }
});

test('setEngine switches the Pareto sub-networks between engines; ort needs sessions', async () => {
  ort.setEngine('tfjs');
  assert.is((await ort.runBatch({ jobId: 3, subnetId: 0, items: images(1, 96, 0) })).engine, 'tfjs');
  ort.setEngine('ort');
  assert.is((await ort.runBatch({ jobId: 4, subnetId: 0, items: images(1, 96, 0) })).engine, 'ort');
  assert.throws(() => tfjs.setEngine('ort'), /holds no ONNX Runtime sessions/);
});

test('a second worker on the same checkpoint reads the cached ONNX model instead of exporting again', async () => {
  const again = await EngineHost.create({ checkpoint: ckpt, arch: MBV3, backend: 'wasm', cacheMiB: 64, subnets: subnets.slice(0, 1), warmupBatches: [], engine: 'ort' });
  assert.is(again.info.ort?.cachedModels, 1);
});

test.run();
