/** Backend selection: explicit names, the fallback order, software adapters under `auto`, and clear errors. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError, parseBackendName } from '../../supernet/backend-names.ts';
import { describeBackend, selectBackend, wasmThreadsFromEnv } from '../../supernet/backend.ts';
import { probeAdapters } from '../../supernet/backends/webgpu-probe.ts';

test('auto tries WebGPU first and falls back to the first backend that loads, saying why it skipped each', async () => {
  const info = await selectBackend('auto');
  assert.is(info.tried[0], 'webgpu');
  assert.is(info.tried[info.tried.length - 1], info.name);
  assert.is(info.skipped.length, info.tried.length - 1);
  assert.is(tf.getBackend(), info.tfBackend);
  assert.ok(['webgpu', 'tensorflow-gpu', 'tensorflow', 'wasm'].includes(info.name));
  await selectBackend('wasm');
});

test('auto never runs on a software WebGPU adapter (Mesa llvmpipe and the like)', async () => {
  const report = await probeAdapters();
  const info = await selectBackend('auto');
  if (info.name === 'webgpu') {
    assert.is(info.adapter?.isSoftware, false, 'auto chose a hardware adapter');
  } else if (report.routes.some((r) => r.adapter?.isSoftware)) {
    assert.match(info.skipped[0]!, /^webgpu: only a software adapter was found .*name --backend webgpu/);
  } else {
    assert.match(info.skipped[0]!, /^webgpu: /);
  }
  await selectBackend('wasm');
});

test('explicit cpu and wasm; wasm reports its thread count', async () => {
  assert.is((await selectBackend('cpu')).tfBackend, 'cpu');
  const w = await selectBackend('wasm');
  assert.is(w.tfBackend, 'wasm');
  assert.is(w.wasmThreads, 1);
  assert.is(describeBackend(w), 'wasm, 1 thread');
});

test('unknown names are a clear error; a missing native binding says what was tried', async () => {
  assert.throws(() => parseBackendName('webgl'), /unknown backend "webgl"/);
  try {
    await selectBackend('tensorflow-gpu');
    assert.is(tf.getBackend(), 'tensorflow'); // only where tfjs-node-gpu is installed
  } catch (e) {
    assert.instance(e, BackendError);
    assert.match((e as Error).message, /not available \(tried tensorflow-gpu\): tensorflow-gpu: @tensorflow\/tfjs-node-gpu is not installed/);
  }
  await selectBackend('wasm');
});

test('asking for more WASM threads once the single-threaded build is up is an error, not a silent single thread', async () => {
  await selectBackend('wasm');
  try {
    await selectBackend('wasm', { wasmThreads: 2 });
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.instance(e, BackendError);
    assert.match((e as Error).message, /wasm with 2 threads: .*already runs with 1 thread/);
  }
});

test('SUPERSERVE_WASM_THREADS is validated', () => {
  assert.is(wasmThreadsFromEnv({}), undefined);
  assert.is(wasmThreadsFromEnv({ SUPERSERVE_WASM_THREADS: '4' }), 4);
  assert.throws(() => wasmThreadsFromEnv({ SUPERSERVE_WASM_THREADS: 'many' }), /integer 1-64/);
});

test.run();
