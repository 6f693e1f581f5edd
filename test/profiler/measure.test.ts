/**
 * The quick profile as `serve` measures it on a first start, in a worker thread: on WASM batch 1 and 8 timed,
 * 2 and 4 interpolated, first-call costs recorded; on WebGPU (Mesa's software adapter in CI) every table shape
 * is run (shader compilation) and its first-call cost recorded. The WebGPU case is skipped without an adapter.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { paretoSet } from '../../supernet/archs.ts';
import { ThreadWorker } from '../../src/worker/threads.ts';
import { tempCheckpoint } from '../helpers/server-process.ts';
import { webgpuAdapterOrSkip } from '../supernet/webgpu-adapter.ts';

const ARCH = 'ofa-mbv3-w1.0';
const subnets = paretoSet(ARCH).slice(0, 2).map((p) => ({ id: p.id, accuracy: p.accuracy, config: { ...p.config, image_size: 64 } }));
let ckpt = '';
const adapter = await webgpuAdapterOrSkip();

test.before(async () => { ckpt = await tempCheckpoint(ARCH, 6); });
test.after(async () => { await rm(dirname(ckpt), { recursive: true, force: true }); });

const start = (backend: string) => ThreadWorker.start(`profile-${backend}`, { checkpoint: ckpt, arch: ARCH, backend, cacheMiB: 64,
  subnets: subnets.map(({ id, config }) => ({ id, config })), warmupBatches: [] });

test('quick profile on WASM: 1 and 8 timed, 2 and 4 interpolated and flagged, first calls recorded', async () => {
  const w = await start('wasm');
  try {
    const p = await w.profile(subnets, { mode: 'quick' });
    assert.equal(p.options.batchSizes, [1, 8]);
    for (const m of p.models) {
      assert.equal(m.latency_and_batch_ns.map((x) => x.batch_size), [1, 2, 4, 8]);
      assert.equal(m.latency_and_batch_ns.map((x) => x.source), ['measured', 'interpolated', 'interpolated', 'measured']);
      const [b1, b2, b4, b8] = m.latency_and_batch_ns.map((x) => x.mean);
      assert.ok(b1! > 0 && b2! >= b1! && b4! >= b2! && b8! >= b4!, 'monotone');
      for (const x of m.latency_and_batch_ns.filter((y) => y.source === 'measured')) {
        assert.ok(x.first_ms! > 0 && x.samples >= 1 && x.quantiles?.length === 21);
      }
    }
  } finally {
    await w.close();
  }
});

(adapter === null ? test.skip : test)('quick profile on WebGPU: every table shape run first (first_ms on each point)', async () => {
  const w = await start('webgpu');
  try {
    const p = await w.profile(subnets.slice(0, 1), { mode: 'quick', batchSizes: [1, 2] });
    assert.is(p.backend, 'webgpu');
    assert.is(p.options.warmAll, true);
    for (const x of p.models[0]!.latency_and_batch_ns) assert.ok(x.first_ms! > 0, `batch ${x.batch_size} first call recorded`);
  } finally {
    await w.close();
  }
});

test.run();
