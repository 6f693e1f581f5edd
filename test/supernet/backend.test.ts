/** Backend selection: explicit names, the fallback order, and clear errors. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError, parseBackendName, selectBackend } from '../../supernet/backend.ts';

test('auto falls back to the first backend that loads (wasm here unless tfjs-node is installed)', async () => {
  const info = await selectBackend('auto');
  assert.is(info.tried[0], 'tensorflow-gpu');
  assert.is(info.tried[info.tried.length - 1], info.name);
  assert.is(tf.getBackend(), info.tfBackend);
  assert.ok(['tensorflow-gpu', 'tensorflow', 'wasm'].includes(info.name));
});

test('explicit cpu and wasm', async () => {
  assert.is((await selectBackend('cpu')).tfBackend, 'cpu');
  assert.is((await selectBackend('wasm')).tfBackend, 'wasm');
});

test('unknown names are a clear error; a missing native binding says what was tried', async () => {
  assert.throws(() => parseBackendName('webgl'), /unknown backend "webgl"/);
  try {
    await selectBackend('tensorflow-gpu');
    assert.is(tf.getBackend(), 'tensorflow'); // only where tfjs-node-gpu is installed
  } catch (e) {
    assert.instance(e, BackendError);
    assert.match((e as Error).message, /not available \(tried tensorflow-gpu\)/);
  }
  await selectBackend('wasm');
});

test.run();
