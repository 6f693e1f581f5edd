/**
 * bench:subnetact, per backend: images/s of the smallest and largest Pareto sub-networks at several batch sizes
 * and the first-call cost of each shape, each backend in its own worker thread as `serve` runs it; and the
 * worker x thread layouts of this machine's cores, run side by side.
 * @module
 */
import { availableParallelism } from 'node:os';
import type { ParetoSubnet } from '../../supernet/archs.ts';
import { adapterLabel } from '../../supernet/backends/webgpu-adapter.ts';
import { DEFAULT_CACHE_MIB } from '../../supernet/defaults.ts';
import type { ImageItem } from '../../src/worker/protocol.ts';
import { ThreadWorker } from '../../src/worker/threads.ts';

export interface BackendSpec { label: string; backend: string; wasmThreads?: number; batches: number[] }

export interface BackendRow {
  backend: string;
  adapter?: string;
  subnet: string;
  batch: number;
  first_call_ms: number;
  median_ms: number;
  img_per_s: number;
  samples: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 === 1 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
};

function batch(n: number, size: number, seed: number): ImageItem[] {
  return Array.from({ length: n }, (_, k) => {
    const data = new Float32Array(size * size * 3);
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(seed + k * 31 + i * 0.013);
    return { data, height: size, width: size };
  });
}

let jobs = 0;
async function computeMs(w: ThreadWorker, subnetId: number, n: number, size: number): Promise<number> {
  const r = await w.runBatch({ jobId: jobs++, subnetId, items: batch(n, size, jobs) });
  if (r.error !== undefined) throw new Error(`${w.name}: subnet ${subnetId} batch ${n} failed: ${r.error}`);
  return r.computeMs;
}

export async function startEngine(name: string, checkpoint: string, spec: { backend: string; wasmThreads?: number }, subnets: ParetoSubnet[]): Promise<ThreadWorker> {
  return ThreadWorker.start(name, {
    checkpoint, backend: spec.backend, cacheMiB: DEFAULT_CACHE_MIB, subnets: subnets.map((s) => ({ id: s.id, config: s.config })),
    warmupBatches: [], ...(spec.wasmThreads !== undefined ? { wasmThreads: spec.wasmThreads } : {}),
  });
}

/**
 * Rows for every backend, measured side by side: all backends' workers are started first, then for each
 * (sub-network, batch) every worker makes its first call and the timed runs alternate between the workers, so
 * that a change in the machine's load (it is shared and noisy) hits every backend alike.
 */
export async function backendRows(checkpoint: string, specs: BackendSpec[], subnets: Array<{ name: string; s: ParetoSubnet }>,
  repsFor: (b: number) => number, log: (m: string) => void): Promise<{ rows: BackendRow[]; startMs: Record<string, number>; skipped: Record<string, string> }> {
  const started: Array<{ spec: BackendSpec; w: ThreadWorker; adapter?: string }> = [];
  const startMs: Record<string, number> = {};
  const skipped: Record<string, string> = {};
  for (const spec of specs) {
    const t0 = performance.now();
    try {
      const w = await startEngine(spec.label, checkpoint, spec, subnets.map((x) => x.s));
      startMs[spec.label] = performance.now() - t0;
      started.push({ spec, w, ...(w.info.adapter ? { adapter: adapterLabel(w.info.adapter) } : {}) });
    } catch (e) {
      skipped[spec.label] = (e as Error).message.split('\n')[0]!;
      log(`  ${spec.label}: skipped (${skipped[spec.label]})`);
    }
  }
  const rows: BackendRow[] = [];
  try {
    const batches = [...new Set(specs.flatMap((s) => s.batches))].sort((a, b) => a - b);
    for (const { name, s } of subnets) {
      for (const b of batches) {
        const here = started.filter((x) => x.spec.batches.includes(b));
        const firsts = new Map<string, number>();
        const times = new Map<string, number[]>(here.map((x) => [x.spec.label, []]));
        for (const x of here) firsts.set(x.spec.label, await computeMs(x.w, s.id, b, s.config.image_size));
        for (let i = 0; i < repsFor(b); i++) {
          for (const x of here) times.get(x.spec.label)!.push(await computeMs(x.w, s.id, b, s.config.image_size));
        }
        for (const x of here) {
          const med = median(times.get(x.spec.label)!);
          const first = firsts.get(x.spec.label)!;
          rows.push({ backend: x.spec.label, ...(x.adapter ? { adapter: x.adapter } : {}), subnet: name, batch: b, first_call_ms: first,
            median_ms: med, img_per_s: (1000 * b) / med, samples: times.get(x.spec.label)!.length });
          log(`  ${x.spec.label} ${name} b${b}: first ${first.toFixed(0)} ms, then ${med.toFixed(0)} ms (${((1000 * b) / med).toFixed(2)} img/s)`);
        }
      }
    }
  } finally {
    await Promise.all(started.map((x) => x.w.close()));
  }
  return { rows, startMs, skipped };
}

export interface LayoutRow { layout: string; workers: number; wasm_threads: number; img_per_s: number; batch_ms: number; vs_1x1: number }

/**
 * `subnet` at batch `b`: each layout's workers run `batches` batches each, all at once; images/s over the wall
 * time. Layouts are measured in `rounds` interleaved rounds (the machine is noisy) and the median taken.
 */
export async function layoutRows(checkpoint: string, subnet: ParetoSubnet, b: number, layouts: Array<[number, number]>,
  batches: number, rounds: number, log: (m: string) => void): Promise<LayoutRow[]> {
  const results = new Map<string, { ips: number[]; ms: number[] }>();
  const pools = new Map<string, ThreadWorker[]>();
  try {
    for (const [workers, threads] of layouts) {
      const ws = await Promise.all(Array.from({ length: workers }, (_, i) => startEngine(`L${workers}x${threads}-${i}`, checkpoint, { backend: 'wasm', wasmThreads: threads }, [subnet])));
      for (const w of ws) await computeMs(w, subnet.id, b, subnet.config.image_size); // first call
      pools.set(`${workers}x${threads}`, ws);
      results.set(`${workers}x${threads}`, { ips: [], ms: [] });
    }
    for (let r = 0; r < rounds; r++) {
      for (const [key, ws] of pools) {
        const t0 = performance.now();
        const ms = (await Promise.all(ws.map(async (w) => {
          const out: number[] = [];
          for (let i = 0; i < batches; i++) out.push(await computeMs(w, subnet.id, b, subnet.config.image_size));
          return out;
        }))).flat();
        const wall = performance.now() - t0;
        const res = results.get(key)!;
        res.ips.push((ws.length * batches * b * 1000) / wall);
        res.ms.push(median(ms));
        log(`  layout ${key} round ${r + 1}: ${res.ips.at(-1)!.toFixed(2)} img/s, batch ${res.ms.at(-1)!.toFixed(0)} ms`);
      }
    }
  } finally {
    for (const ws of pools.values()) await Promise.all(ws.map((w) => w.close()));
  }
  const base = median(results.get('1x1')?.ips ?? [Number.NaN]);
  return layouts.map(([workers, threads]) => {
    const r = results.get(`${workers}x${threads}`)!;
    const ips = median(r.ips);
    return { layout: `${workers} worker(s) x ${threads} thread(s)`, workers, wasm_threads: threads, img_per_s: ips, batch_ms: median(r.ms), vs_1x1: ips / base };
  });
}

export function cores(): number {
  return availableParallelism();
}
