/**
 * `npm run bench:subnetact`: SubNetAct and the engine, ratios against baselines measured in the same run.
 * 1. switching sub-network between two batches vs loading it as a separate tfjs model from disk;
 * 2. actuated forward (cached and streamed) vs the exported static model, batch 1 and 8, smallest/largest Pareto;
 * 3. tensor memory: one supernet + SubnetNorm statistics vs the sum of separate exported models (Pareto set, 100 subnets);
 * 4. images/s of the smallest and largest Pareto sub-networks (section 2, cached path);
 * 5. backends: wasm 1 thread (stock), wasm N threads (shim), webgpu: images/s at batch 1, 8, 32 and each shape's
 *    first-call cost, each backend in its own worker thread (`serve`'s way);
 * 6. layouts: worker threads x WASM threads on this machine's cores, largest sub-network at batch 8;
 * 7. serve: `superserve serve` with no arguments in a fresh directory: first start and later start to ready, the
 *    server's RSS while serving every Pareto sub-network at batch 1 and 8, also with the old cache-everything budget;
 * 8. memory accounting: where a default worker's memory goes (WASM heap, tensors, cache).
 * Writes bench/results/subnetact.json (sections not run keep their last results).
 * Options: --quick (fewer repeats), --only 1,5,7 (sections), --gpu-batches 1,8,32 (default 1 on a software adapter: it only proves the path, at seconds per image).
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { paretoSet } from '../supernet/archs.ts';
import { selectBackend } from '../supernet/backend.ts';
import { probeAdapters } from '../supernet/backends/webgpu-probe.ts';
import { SubnetEngine } from '../supernet/engine.ts';
import { DEFAULT_ARCH, ensureDefaultCheckpoint, loadModel } from '../supernet/load.ts';
import { loadStaticSubnet, saveStaticSubnet } from '../supernet/static-model.ts';
import type { ResNetSubnetConfig, SubnetConfig } from '../supernet/types.ts';
import { chooseThreadLayout } from '../src/serving/thread-layout.ts';
import { table, timeMs, writeResults } from './bench-common.ts';
import { backendRows, cores, layoutRows, startEngine, type BackendSpec } from './lib/engine-backends.ts';
import { serveRun, type StartRun } from './lib/serve-startup.ts';

const RESULTS = 'bench/results/subnetact.json';
const argValue = (name: string): string | undefined => { const i = process.argv.indexOf(name); return i < 0 ? undefined : process.argv[i + 1]; };
const only = argValue('--only')?.split(',').map(Number);
const runs = (section: number): boolean => only === undefined || only.includes(section);
const previous = existsSync(RESULTS) ? JSON.parse(await readFile(RESULTS, 'utf8')) as Record<string, unknown> : {};
const results: Record<string, unknown> = { ...previous };
const log = (m: string): void => console.log(m);
const quick = process.argv.includes('--quick');
const backend = await selectBackend();
console.log(`backend: ${backend.name}${quick ? ' (quick)' : ''}`);
const ckpt = await ensureDefaultCheckpoint();
const model = await loadModel(ckpt);
const supernetBytes = tf.memory().numBytes; // before anything is materialised (views of shared layers would count again)
const engine = new SubnetEngine(model.supernet);
const paretoSubnets = paretoSet(model.arch);
const pareto = paretoSubnets.map((p) => model.supernet.validate(p.config));
const smallest = pareto[0]!;
const largest = pareto[pareto.length - 1]!;
const tmp = await mkdtemp(join(tmpdir(), 'superserve-bench-'));
const input = (b: number, c: SubnetConfig): tf.Tensor4D => tf.randomUniform([b, c.image_size, c.image_size, 3], -2, 2, 'float32', 1) as tf.Tensor4D;
const forward = async (fn: () => tf.Tensor): Promise<void> => { const y = fn(); await y.data(); y.dispose(); };

if (runs(1) || runs(2) || runs(3) || runs(4)) {
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

Object.assign(results, { backend: backend.name, arch: model.arch, checkpoint: ckpt, quick,
  switching, forward: forwardRows, memory: { pareto: memPareto, hundred: mem100 } });
}
engine.dispose();

// 5. Backends, each in its own worker thread.
const layout = chooseThreadLayout(cores());
const ends = [{ name: 'smallest', s: paretoSubnets[0]! }, { name: 'largest', s: paretoSubnets.at(-1)! }];
if (runs(5)) {
  const report = await probeAdapters();
  const adapter = report.routes.find((r) => r.adapter !== null)?.adapter;
  const gpuBatches = argValue('--gpu-batches')?.split(',').map(Number) ?? (adapter?.isSoftware ? [1] : [1, 8, 32]);
  const specs: BackendSpec[] = [
    { label: 'wasm 1 thread (stock)', backend: 'wasm', wasmThreads: 1, batches: [1, 8, 32] },
    ...(layout.wasmThreads > 1 ? [{ label: `wasm ${layout.wasmThreads} threads`, backend: 'wasm', wasmThreads: layout.wasmThreads, batches: [1, 8, 32] }] : []),
    { label: 'webgpu', backend: 'webgpu', batches: gpuBatches },
  ];
  console.log('\n5. backends (ms per batch in the worker; first call = operator creation / shader compilation)');
  const { rows, startMs: starts, skipped } = await backendRows(ckpt, specs, ends, (b) => (quick ? 1 : b === 1 ? 5 : b === 8 ? 3 : 2), log);
  const base = (subnet: string, b: number): number | undefined => rows.find((r) => r.backend === specs[0]!.label && r.subnet === subnet && r.batch === b)?.img_per_s;
  const table5 = rows.map((r) => ({ backend: r.backend, subnet: r.subnet, batch: r.batch, first_call_ms: r.first_call_ms, ms: r.median_ms,
    img_per_s: r.img_per_s, vs_stock: base(r.subnet, r.batch) === undefined ? '' : r.img_per_s / base(r.subnet, r.batch)! }));
  console.log(table(table5));
  results.backends = { rows: table5, adapter: adapter ?? null, skipped, worker_start_ms: starts, default_layout: layout };
}

// 6. Layouts on this machine's cores.
if (runs(6)) {
  const c = cores();
  const layouts: Array<[number, number]> = [[1, 1], [1, c], [c, 1]].filter((l, i, all) => all.findIndex((m) => m[0] === l[0] && m[1] === l[1]) === i) as Array<[number, number]>;
  console.log(`\n6. layouts on ${c} cores: largest Pareto sub-network, batch 8, all workers at once`);
  const rows = await layoutRows(ckpt, paretoSubnets.at(-1)!, 8, layouts, quick ? 1 : 2, quick ? 1 : 2, log);
  console.log(table(rows.map((r) => ({ ...r }))));
  results.layouts = { cores: c, subnet: 'largest', batch: 8, rows, default: `${layout.workers}x${layout.wasmThreads}` };
}

// 7. serve from a fresh directory, as a newcomer's `npm start`.
if (runs(7)) {
  console.log('\n7. serve: first start (creates the checkpoint, quick profile), later start, memory while serving');
  const root = resolve(import.meta.dirname, '..');
  const dir = await mkdtemp(join(tmpdir(), 'superserve-start-'));
  const subnets = paretoSubnets.map((p) => ({ id: p.id, size: p.config.image_size }));
  try {
    const runsOut: StartRun[] = [];
    runsOut.push(await serveRun(root, dir, 'first start', [], subnets, log));
    runsOut.push(await serveRun(root, dir, 'later start', [], subnets, log));
    runsOut.push(await serveRun(root, dir, 'later start, --cache-mib 2048 (cache everything, as before)', ['--cache-mib', '2048'], subnets, log));
    console.log(table(runsOut.map((r) => ({ run: r.label, ready_s: r.ready_s, rss_ready_mib: r.rss_ready_mib, rss_peak_mib: r.rss_peak_mib }))));
    results.serve = { arch: DEFAULT_ARCH, layout, runs: runsOut };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// 8. Where a default worker's memory goes, after every Pareto sub-network ran at batch 1 and 8.
if (runs(8)) {
  console.log('\n8. memory accounting of one default worker (engine side; the server adds its HTTP thread and decode pool)');
  const w = await startEngine('accounting', ckpt, { backend: 'wasm', wasmThreads: layout.wasmThreads }, paretoSubnets);
  try {
    const after: Array<Record<string, string | number>> = [];
    const snap = async (stage: string): Promise<void> => {
      const s = await w.stats();
      after.push({ stage, wasm_heap_mib: (s.wasmHeapBytes ?? 0) / 2 ** 20, tensor_mib: s.tensorBytes / 2 ** 20, cache_mib: s.cacheBytes / 2 ** 20, cached_subnets: s.cacheEntries });
    };
    await snap('loaded (supernet only)');
    for (const b of [1, 8]) {
      for (const p of paretoSubnets) {
        const r = p.config.image_size;
        const reply = await w.runBatch({ jobId: p.id, subnetId: p.id, items: Array.from({ length: b }, () => ({ data: new Float32Array(r * r * 3), height: r, width: r })) });
        if (reply.error) throw new Error(reply.error);
      }
      await snap(`all Pareto sub-networks at batch ${b}`);
    }
    console.log(table(after));
    results.accounting = { layout, rows: after };
  } finally {
    await w.close();
  }
}

await writeResults(RESULTS, results);
await rm(tmp, { recursive: true, force: true });
