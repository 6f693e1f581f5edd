/**
 * The GPU comparison of the two engines: tfjs-webgpu (the tfjs engine on the webgpu backend) against ONNX Runtime's
 * WebGPU execution provider (the ort engine in a worker started on a hardware WebGPU adapter), on the smallest and
 * largest Pareto sub-network at batch 1, 8 and 32, each shape's first call (shader compilation, session
 * warm-up) recorded apart from the median of the timed runs, interleaved. Writes one JSON (default
 * bench/results/gpu-engines.json, or $OUT/gpu-engines.json when OUT is set).
 * Without a hardware adapter the ort worker falls back to the CPU provider and says so in `ort_provider`: the
 * rows are then no GPU comparison (the script still runs, to prove the path).
 * Flags: --checkpoint DIR (default: the embedded OFA-ResNet50), --reps N (5), --batches 1,8,32.
 * @module
 */
import { join } from 'node:path';
import { paretoSet } from '../../supernet/archs.ts';
import { ensureDefaultCheckpoint } from '../../supernet/load.ts';
import { checkpointIdentity } from '../../src/worker/nats-identity.ts';
import type { EngineName, ImageItem } from '../../src/worker/protocol.ts';
import { ThreadWorker } from '../../src/worker/threads.ts';
import { writeResults } from '../bench-common.ts';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const checkpoint = flag('--checkpoint') ?? await ensureDefaultCheckpoint();
const reps = Number(flag('--reps') ?? 5);
const batches = (flag('--batches') ?? '1,8,32').split(',').map(Number);
const out = process.env.OUT ? join(process.env.OUT, 'gpu-engines.json') : 'bench/results/gpu-engines.json';
const id = await checkpointIdentity(checkpoint);
const all = paretoSet(id.arch);
const picked = [all[0]!, all[all.length - 1]!];
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const k = s.length >> 1; return s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2; };
const images = (n: number, r: number): ImageItem[] => Array.from({ length: n }, (_, k) => ({
  data: new Float32Array(r * r * 3).map((_, i) => Math.sin(k + i * 0.013)), height: r, width: r,
}));

const workers: Partial<Record<EngineName, ThreadWorker>> = {};
const startMs: Record<string, number> = {};
for (const engine of ['tfjs', 'ort'] as const) {
  const t0 = performance.now();
  workers[engine] = await ThreadWorker.start(engine, {
    checkpoint, arch: id.arch, backend: 'webgpu', cacheMiB: 'auto', engine, warmupBatches: [],
    subnets: picked.map((s) => ({ id: s.id, config: s.config })),
  });
  startMs[engine] = performance.now() - t0;
}
const info = { tfjs: workers.tfjs!.info, ort: workers.ort!.info };
console.log(`tfjs backend ${info.tfjs.backend}${info.tfjs.adapter ? ` (${info.tfjs.adapter.description}, software ${info.tfjs.adapter.isSoftware})` : ''}; ort provider ${info.ort.ort?.provider}`);

const rows: Array<Record<string, number | string>> = [];
let job = 0;
for (const s of picked) {
  const r = s.config.image_size;
  for (const b of batches) {
    const first: Record<string, number> = {};
    const samples: Record<string, number[]> = { tfjs: [], ort: [] };
    const once = async (e: EngineName): Promise<number> => {
      const items = images(b, r);
      const t0 = performance.now();
      const x = await workers[e]!.runBatch({ jobId: job++, subnetId: s.id, items });
      if (x.error) throw new Error(`${e} subnet ${s.id} batch ${b}: ${x.error}`);
      return performance.now() - t0;
    };
    for (const e of ['tfjs', 'ort'] as const) first[e] = await once(e);
    for (let k = 0; k < reps; k++) for (const e of (k % 2 ? ['ort', 'tfjs'] : ['tfjs', 'ort']) as EngineName[]) samples[e]!.push(await once(e));
    for (const e of ['tfjs', 'ort'] as const) {
      const m = median(samples[e]!);
      rows.push({ subnet: s.id, image_size: r, batch: b, engine: e, first_ms: first[e]!, median_ms: m, img_per_s: (b * 1000) / m });
    }
    console.log(`subnet ${s.id} b${b}: tfjs ${Number(rows.at(-2)!.img_per_s).toFixed(2)} img/s (first ${first.tfjs!.toFixed(0)} ms), ort ${Number(rows.at(-1)!.img_per_s).toFixed(2)} img/s (first ${first.ort!.toFixed(0)} ms)`);
  }
}
for (const w of Object.values(workers)) await w!.close();
await writeResults(out, {
  checkpoint, arch: id.arch, reps, batches, start_ms: startMs,
  tfjs_backend: info.tfjs.backend, adapter: info.tfjs.adapter ?? null, ort_provider: info.ort.ort?.provider ?? null,
  gpu_comparison: info.ort.ort?.provider === 'webgpu' && info.tfjs.backend === 'webgpu',
  rows,
});
process.exit(0);
