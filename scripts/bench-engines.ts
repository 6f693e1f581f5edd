/**
 * `npm run bench:engines`: the tfjs engine (WASM + XNNPACK, SubNetAct) against the ort engine (ONNX Runtime CPU
 * sessions of the same sub-networks) and a bare onnxruntime-node session on the same ONNX model, for every Pareto
 * sub-network at batch 1 and 8, measured interleaved in one run; plus the resident memory each engine adds.
 * Writes bench/results/engines.json.
 *
 * - tfjs and ort each run in their own inference worker thread as `serve` runs them (same thread count, the
 *   layout's), timed from this thread: message passing and the NHWC -> NCHW copy of the ort path included.
 *   The tfjs worker's cache is `auto` (every Pareto sub-network resident: no streaming); a second tfjs worker
 *   (`tfjs-cache128`) runs with the old fixed 128 MiB cache, which streams the sub-networks that do not fit.
 * - bare: `InferenceSession.run` on this thread, on a prepared NCHW tensor, same model bytes and session options
 *   (intra-op threads that do not spin between runs: with spinning, whichever pool ran last starves the others).
 * - Interleaved: per (sub-network, batch), each engine pays its first call, then the timed runs rotate over the
 *   three engines, so load from other processes on this shared machine hits all of them alike.
 * - RSS: the process's resident set after each engine is started and has run every shape, minus before.
 * - With --serving: `bench:overload` once per engine (closed-loop capacity on time, then a 5x burst of binary
 *   requests), each into bench/results/overload-<engine>.json, summarised here.
 * Flags: --checkpoint DIR (default: the embedded OFA-ResNet50), --threads N (default: the layout's), --reps N (5),
 *        --batches 1,8, --serving, --seconds N (burst and capacity seconds with --serving; 10), --out FILE.
 * @module
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { paretoSet } from '../supernet/archs.ts';
import { createSupernet } from '../supernet/archs.ts';
import { readCheckpoint } from '../supernet/checkpoint/checkpoint-dir.ts';
import { ensureDefaultCheckpoint } from '../supernet/load.ts';
import { onnxBytes, onnxModelFor } from '../supernet/onnx/model-store.ts';
import { sessionOptions } from '../supernet/onnx/ort-runner.ts';
import { chooseThreadLayout } from '../src/serving/thread-layout.ts';
import { checkpointIdentity } from '../src/worker/nats-identity.ts';
import type { EngineName, ImageItem } from '../src/worker/protocol.ts';
import { ThreadWorker } from '../src/worker/threads.ts';
import { table, writeResults } from './bench-common.ts';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const checkpoint = flag('--checkpoint') ?? await ensureDefaultCheckpoint();
const threads = Number(flag('--threads') ?? chooseThreadLayout(availableParallelism(), { workers: 1 }).wasmThreads);
const reps = Number(flag('--reps') ?? 5);
const batches = (flag('--batches') ?? '1,8').split(',').map(Number);
const out = flag('--out') ?? 'bench/results/engines.json';
const id = await checkpointIdentity(checkpoint);
const subnets = paretoSet(id.arch);
const log = (m: string): void => console.log(m);

const rssMiB = (): number => process.memoryUsage.rss() / 2 ** 20;
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const k = s.length >> 1; return s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2; };

function images(n: number, size: number, seed: number): ImageItem[] {
  return Array.from({ length: n }, (_, k) => {
    const data = new Float32Array(size * size * 3);
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(seed + k * 31 + i * 0.013);
    return { data, height: size, width: size };
  });
}

// --- the ONNX models (exported once into the checkpoint's cache; the ort worker then reads them from there) ---
await tf.setBackend('cpu');
const models = new Map<number, Uint8Array>();
{
  const ck = await readCheckpoint(checkpoint);
  const sn = createSupernet(ck.arch, ck.stateDict, ck.subnetNorm);
  const t0 = performance.now();
  for (const s of subnets) models.set(s.id, await onnxBytes(await onnxModelFor(sn, sn.validate(s.config), checkpoint, id.checkpointHash)));
  sn.dispose();
  log(`ONNX models of ${subnets.length} Pareto sub-networks ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (${[...models.values()].map((m) => (m.byteLength / 2 ** 20).toFixed(0)).join(', ')} MiB)`);
}

// --- start the engines one after the other, each warmed on every shape, recording the RSS it adds ---
const rss: Record<string, number> = {};
const startMs: Record<string, number> = {};
type Label = 'tfjs' | 'tfjs-cache128' | 'ort';
const ENGINES: Record<Label, { engine: EngineName; cacheMiB: number | 'auto' }> = {
  tfjs: { engine: 'tfjs', cacheMiB: 'auto' }, 'tfjs-cache128': { engine: 'tfjs', cacheMiB: 128 }, ort: { engine: 'ort', cacheMiB: 'auto' },
};
const init = (label: Label) => ({
  checkpoint, arch: id.arch, backend: 'wasm', cacheMiB: ENGINES[label].cacheMiB, wasmThreads: threads, engine: ENGINES[label].engine,
  subnets: subnets.map((s) => ({ id: s.id, config: s.config })), warmupBatches: batches,
});
const workers: Partial<Record<Label, ThreadWorker>> = {};
for (const engine of Object.keys(ENGINES) as Label[]) {
  const before = rssMiB();
  const t0 = performance.now();
  workers[engine] = await ThreadWorker.start(engine, init(engine));
  startMs[engine] = performance.now() - t0;
  rss[engine] = rssMiB() - before;
  log(`${engine} worker up and warm (${subnets.length} sub-networks x batches ${batches.join(',')}) in ${(startMs[engine] / 1000).toFixed(1)} s: +${rss[engine].toFixed(0)} MiB RSS` +
    (workers[engine]!.info.cache ? `; tfjs cache ${workers[engine]!.info.cache!.budgetMiB} MiB (${workers[engine]!.info.cache!.why})` : ''));
}
const stats = { tfjs: await workers.tfjs!.stats(), 'tfjs-cache128': await workers['tfjs-cache128']!.stats(), ort: await workers.ort!.stats() };
const bare = new Map<number, ort.InferenceSession>();
{
  const before = rssMiB();
  for (const [sid, bytes] of models) {
    bare.set(sid, await ort.InferenceSession.create(bytes, sessionOptions({ intraOpThreads: threads, provider: 'cpu' })));
  }
  models.clear();
  rss.bare = rssMiB() - before;
}

// --- interleaved timing ---
interface Row { subnet: number; accuracy: number; image_size: number; batch: number; engine: string; first_ms: number; median_ms: number; img_per_s: number; samples: number }
const rows: Row[] = [];
let job = 0;
for (const s of subnets) {
  const r = s.config.image_size;
  for (const b of batches) {
    // Fresh images per call (runBatch transfers their buffers), all built before any clock starts.
    const fresh = () => Array.from({ length: reps + 1 }, (_, k) => images(b, r, s.id + k));
    const pool = { tfjs: fresh(), 'tfjs-cache128': fresh(), ort: fresh() };
    const nchw = new ort.Tensor('float32', new Float32Array(b * 3 * r * r).map((_, i) => Math.sin(i * 0.013)), [b, 3, r, r]);
    const run: Record<string, () => Promise<void>> = {
      tfjs: async () => { const x = await workers.tfjs!.runBatch({ jobId: job++, subnetId: s.id, items: pool.tfjs.pop()! }); if (x.error) throw new Error(x.error); },
      'tfjs-cache128': async () => {
        const x = await workers['tfjs-cache128']!.runBatch({ jobId: job++, subnetId: s.id, items: pool['tfjs-cache128'].pop()! });
        if (x.error) throw new Error(x.error);
      },
      ort: async () => {
        const x = await workers.ort!.runBatch({ jobId: job++, subnetId: s.id, items: pool.ort.pop()! });
        if (x.error) throw new Error(x.error);
        if (x.engine !== 'ort') throw new Error(`subnet ${s.id} ran on ${x.engine}, not ort`);
      },
      bare: async () => { const y = await bare.get(s.id)!.run({ input: nchw }); y.logits?.dispose(); },
    };
    const first: Record<string, number> = {};
    for (const [e, fn] of Object.entries(run)) { const t0 = performance.now(); await fn(); first[e] = performance.now() - t0; }
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(run).map((e) => [e, []]));
    for (let k = 0; k < reps; k++) {
      // Rotate the order so that no engine always runs right after another.
      const order = Object.keys(run).map((_, i, a) => a[(i + k) % a.length]!);
      for (const e of order) {
        const t0 = performance.now();
        await run[e]!();
        samples[e]!.push(performance.now() - t0);
      }
    }
    for (const e of Object.keys(run)) {
      const m = median(samples[e]!);
      rows.push({ subnet: s.id, accuracy: s.accuracy, image_size: r, batch: b, engine: e, first_ms: first[e]!, median_ms: m, img_per_s: (b * 1000) / m, samples: reps });
    }
    const at = (e: string) => rows.find((x) => x.subnet === s.id && x.batch === b && x.engine === e)!.img_per_s;
    log(`subnet ${s.id} (${r} px) b${b}: tfjs ${at('tfjs').toFixed(1)} (cache 128 MiB: ${at('tfjs-cache128').toFixed(1)}), ort ${at('ort').toFixed(1)}, bare ORT ${at('bare').toFixed(1)} img/s -> ort/tfjs ${(at('ort') / at('tfjs')).toFixed(2)}x, ort/bare ${(at('ort') / at('bare')).toFixed(2)}`);
  }
}
for (const w of Object.values(workers)) await w!.close();
for (const sess of bare.values()) await sess.release();

const ratio = (s: number, b: number, num: string, den: string): number => {
  const f = (e: string) => rows.find((x) => x.subnet === s && x.batch === b && x.engine === e)!.img_per_s;
  return f(num) / f(den);
};
const largest = subnets[subnets.length - 1]!.id;
const bMax = Math.max(...batches);
const ratios = subnets.flatMap((s) => batches.map((b) => ({
  subnet: s.id, batch: b, ort_over_tfjs: ratio(s.id, b, 'ort', 'tfjs'), ort_over_bare: ratio(s.id, b, 'ort', 'bare'),
  tfjs_auto_over_cache128: ratio(s.id, b, 'tfjs', 'tfjs-cache128'),
})));
const geomean = (xs: number[]): number => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
const targets = {
  ort_over_bare_min: { target: 0.9, measured: Math.min(...ratios.map((r) => r.ort_over_bare)) },
  ort_over_bare_geomean: { target: 0.9, measured: geomean(ratios.map((r) => r.ort_over_bare)) },
  largest_batch8_ort_over_tfjs: { target: 3, measured: ratio(largest, bMax, 'ort', 'tfjs') },
};
console.log(`\n${table(rows.map((r) => ({ subnet: r.subnet, px: r.image_size, batch: r.batch, engine: r.engine, 'img/s': r.img_per_s, 'median ms': r.median_ms, 'first ms': r.first_ms })))}`);
console.log(`\n${table(ratios.map((r) => ({ subnet: r.subnet, batch: r.batch, 'ort/tfjs': r.ort_over_tfjs, 'ort/bare': r.ort_over_bare, 'tfjs auto/128': r.tfjs_auto_over_cache128 })))}`);
console.log(`RSS added: tfjs ${rss.tfjs!.toFixed(0)} MiB (cache 128 MiB: ${rss['tfjs-cache128']!.toFixed(0)} MiB), ort ${rss.ort!.toFixed(0)} MiB, bare sessions ${rss.bare!.toFixed(0)} MiB`);
console.log(`targets: ort >= 0.9x bare (worst point ${targets.ort_over_bare_min.measured.toFixed(2)}, geometric mean ${targets.ort_over_bare_geomean.measured.toFixed(2)}), largest b${bMax} ort >= 3x tfjs (${targets.largest_batch8_ort_over_tfjs.measured.toFixed(2)})`);

// --- optional: serving capacity and a 5x burst per engine, through bench:overload ---
const serving: Record<string, unknown> = {};
if (args.includes('--serving')) {
  const seconds = flag('--seconds') ?? '10';
  for (const engine of ['tfjs', 'ort']) {
    const file = `bench/results/overload-${engine}.json`;
    log(`\nbench:overload --engine ${engine} (closed-loop capacity, then a 5x burst; ${seconds} s each)`);
    const code = await new Promise<number | null>((res) => spawn(process.execPath, ['--import', 'tsx', 'scripts/bench-overload.ts', '--checkpoint', checkpoint,
      '--engine', engine, '--multipliers', '5', '--kinds', 'binary', '--seconds', seconds, '--out', file], { stdio: 'inherit' }).on('exit', res));
    if (code !== 0) { serving[engine] = { error: `bench:overload exited with ${code}` }; continue; }
    const r = JSON.parse(await readFile(file, 'utf8')) as { capacity_req_s: number; capacity_by_clients: unknown; runs: unknown[] };
    serving[engine] = { file, capacity_req_s: r.capacity_req_s, capacity_by_clients: r.capacity_by_clients, burst_5x: r.runs[0] };
  }
}

await writeResults(out, {
  checkpoint, arch: id.arch, checkpoint_hash: id.checkpointHash, threads, reps, batches,
  onnxruntime_node: (JSON.parse(await readFile('node_modules/onnxruntime-node/package.json', 'utf8')) as { version: string }).version,
  note: 'tfjs: WASM+XNNPACK inference worker thread (cache auto); tfjs-cache128: the same with the old fixed 128 MiB cache; ort: the project\'s ONNX Runtime worker thread (CPU EP); bare: onnxruntime-node InferenceSession.run on this thread on the same ONNX model with the same session options (no thread spinning); all with the same thread count, interleaved per (sub-network, batch) on a machine shared with other jobs. img/s = batch / median wall ms seen by the caller.',
  rows, ratios, targets,
  rss_added_mib: rss, start_ms: startMs,
  worker_stats: stats,
  ...(Object.keys(serving).length ? { serving } : {}),
});
process.exit(0);
