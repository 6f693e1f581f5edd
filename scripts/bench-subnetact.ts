/**
 * `npm run bench:subnetact`: SubNetAct on the default backend, ratios against baselines measured in the same run.
 * 1. switching sub-network between two batches vs loading it as a separate tfjs model from disk;
 * 2. actuated forward (cached and uncached) vs the exported static model, batch 1 and 8, smallest/largest Pareto;
 * 3. resident memory: one supernet + SubnetNorm statistics vs the sum of separate exported models (Pareto set, 100 subnets);
 * 4. images/s of the smallest and largest Pareto sub-networks.
 * Writes bench/results/subnetact.json. `--quick` uses fewer repeats.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paretoSet } from '../supernet/archs.ts';
import { selectBackend } from '../supernet/backend.ts';
import { SubnetEngine } from '../supernet/engine.ts';
import { ensureDefaultCheckpoint, loadModel } from '../supernet/load.ts';
import { loadStaticSubnet, saveStaticSubnet } from '../supernet/static-model.ts';
import type { ResNetSubnetConfig, SubnetConfig } from '../supernet/types.ts';
import { table, timeMs, writeResults } from './bench-common.ts';

const quick = process.argv.includes('--quick');
const backend = await selectBackend();
console.log(`backend: ${backend.name}${quick ? ' (quick)' : ''}`);
const ckpt = await ensureDefaultCheckpoint();
const model = await loadModel(ckpt);
const engine = new SubnetEngine(model.supernet);
const pareto = paretoSet(model.arch).map((p) => model.supernet.validate(p.config));
const smallest = pareto[0]!;
const largest = pareto[pareto.length - 1]!;
const tmp = await mkdtemp(join(tmpdir(), 'superserve-bench-'));
const input = (b: number, c: SubnetConfig): tf.Tensor4D => tf.randomUniform([b, c.image_size, c.image_size, 3], -2, 2, 'float32', 1) as tf.Tensor4D;
const forward = async (fn: () => tf.Tensor): Promise<void> => { const y = fn(); await y.data(); y.dispose(); };

// 1. Switching: actuating a resident sub-network (the per-batch cost of changing sub-network) vs loading
// that sub-network from disk as a separate model (read + decode + build, before its first forward).
for (const c of [smallest, largest]) { const x = input(1, c); await forward(() => engine.run(x, c)); x.dispose(); }
let flip = 0;
const switchCached = await timeMs(() => { const c = flip++ % 2 === 0 ? smallest : largest; return engine.cache.get(model.supernet.key(c)); }, quick ? 200 : 2000, 10);
const switchSlice = await timeMs(() => model.supernet.materialize(largest).dispose(), quick ? 3 : 7);
const dirLargest = join(tmp, 'largest');
const dirSmallest = join(tmp, 'smallest');
{ const m = model.supernet.materialize(largest); await saveStaticSubnet(dirLargest, m.artifacts()); m.dispose(); }
{ const m = model.supernet.materialize(smallest); await saveStaticSubnet(dirSmallest, m.artifacts()); m.dispose(); }
const loadDisk = await timeMs(async () => (await loadStaticSubnet(dirLargest)).dispose(), quick ? 3 : 7);
const switching = {
  actuate_cached_ms: switchCached.median, actuate_uncached_slice_ms: switchSlice.median, load_from_disk_ms: loadDisk.median,
  speedup_cached_vs_disk: loadDisk.median / switchCached.median, speedup_uncached_vs_disk: loadDisk.median / switchSlice.median,
};
console.log('\n1. switching sub-network (largest Pareto) vs loading it from disk');
console.log(table([{ path: 'actuate (cached)', ms: switchCached.median, 'x faster than disk': switching.speedup_cached_vs_disk },
  { path: 'actuate (slice + fold)', ms: switchSlice.median, 'x faster than disk': switching.speedup_uncached_vs_disk },
  { path: 'load static model from disk', ms: loadDisk.median, 'x faster than disk': 1 }]));

// 2 + 4. Forward: cached / uncached actuation vs the exported static model.
const forwardRows: Array<Record<string, string | number>> = [];
for (const [name, c, dir] of [['smallest', smallest, dirSmallest], ['largest', largest, dirLargest]] as const) {
  const stat = await loadStaticSubnet(dir);
  for (const b of [1, 8]) {
    const reps = quick ? 2 : (b === 1 ? 7 : 3);
    const x = input(b, c);
    const tStatic = await timeMs(() => forward(() => tf.tidy(() => stat.forward(x))), reps);
    const tCached = await timeMs(() => forward(() => engine.run(x, c)), reps);
    const tUncached = await timeMs(() => forward(() => engine.runUncached(x, c)), reps);
    x.dispose();
    forwardRows.push({ subnet: name, batch: b, static_ms: tStatic.median, cached_ms: tCached.median, uncached_ms: tUncached.median,
      cached_overhead_pct: 100 * (tCached.median / tStatic.median - 1), uncached_overhead_pct: 100 * (tUncached.median / tStatic.median - 1),
      img_per_s_cached: (1000 * b) / tCached.median });
  }
  stat.dispose();
}
console.log('\n2/4. forward: actuated (cached, uncached) vs exported static model');
console.log(table(forwardRows));

// 3. Memory: the supernet's weights + per-subnet BN statistics vs separate static models.
const supernetBytes = tf.memory().numBytes - engine.cache.bytes;
const bnBytes = (c: SubnetConfig): number => {
  const small = { ...c, image_size: 64 } as SubnetConfig; // statistics size does not depend on resolution
  const x = input(1, small);
  const stats = model.supernet.calibrate(small, [x]);
  x.dispose();
  let n = 0;
  for (const s of stats.values()) n += (s.mean.length + s.var.length) * 4;
  return n;
};
const staticBytes = (c: SubnetConfig): number => { const m = model.supernet.materialize(c); const b = m.bytes; m.dispose(); return b; };
const memFor = (configs: SubnetConfig[]): Record<string, number> => {
  let bn = 0; let separate = 0;
  for (const c of configs) { bn += bnBytes(c); separate += staticBytes(c); }
  return { subnets: configs.length, supernet_mib: supernetBytes / 2 ** 20, subnetnorm_mib: bn / 2 ** 20,
    supernet_plus_norm_mib: (supernetBytes + bn) / 2 ** 20, separate_models_mib: separate / 2 ** 20, ratio: separate / (supernetBytes + bn) };
};
const memPareto = memFor(pareto);
const rng = (() => { let s = 12345; return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31); })();
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
// OFA's sample_active_subnet(): e per block, d[0] in {0, 2}, d[1..4] in {0,1,2}, w as indices.
const randomResNet = (): ResNetSubnetConfig => ({
  d: [pick([0, 2]), ...Array.from({ length: 4 }, () => pick([0, 1, 2]))],
  e: Array.from({ length: 18 }, () => pick([0.2, 0.25, 0.35])),
  w: Array.from({ length: 6 }, () => pick([0, 1, 2])), image_size: 224,
});
const hundred = [...pareto, ...Array.from({ length: 100 - pareto.length }, () => model.supernet.validate(randomResNet()))];
const mem100 = memFor(hundred);
console.log('\n3. memory: one supernet + SubnetNorm vs separate static models (tensor bytes)');
console.log(table([{ set: 'Pareto', ...memPareto }, { set: '100 sub-networks', ...mem100 }]));

await writeResults('bench/results/subnetact.json', { backend: backend.name, arch: model.arch, checkpoint: ckpt, quick,
  switching, forward: forwardRows, memory: { pareto: memPareto, hundred: mem100 } });
engine.dispose();
await rm(tmp, { recursive: true, force: true });
