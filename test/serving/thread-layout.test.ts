/** Worker threads x WASM threads from the cores, and what the flags override. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseThreadLayout, workersForBackend } from '../../src/serving/thread-layout.ts';

const layout = (cores: number, r = {}) => { const l = chooseThreadLayout(cores, r); return [l.workers, l.wasmThreads]; };

test('default: few workers with many threads, at most 8 threads per worker', () => {
  assert.equal(layout(1), [1, 1]);
  assert.equal(layout(2), [1, 2]);
  assert.equal(layout(8), [1, 8]);
  assert.equal(layout(12), [2, 6]);
  assert.equal(layout(16), [2, 8]);
  assert.equal(layout(64), [8, 8]);
});

test('flags override; the other dimension follows the cores', () => {
  assert.equal(layout(2, { workers: 2 }), [2, 1]);
  assert.equal(layout(16, { workers: 4 }), [4, 4]);
  assert.equal(layout(16, { wasmThreads: 2 }), [8, 2]);
  assert.equal(layout(2, { workers: 1, wasmThreads: 4 }), [1, 4]);
  assert.match(chooseThreadLayout(2, { workers: 2, wasmThreads: 2 }).why, /more threads than the 2 cores/);
});

test('GPU backends get one worker unless asked', () => {
  const l = chooseThreadLayout(16);
  assert.is(workersForBackend(l, 'webgpu'), 1);
  assert.is(workersForBackend(l, 'wasm'), 2);
  assert.is(workersForBackend(l, 'webgpu', 3), 3);
});

test.run();
