/**
 * How `serve` spreads inference over the machine's cores: worker threads (each with its own copy of the
 * weights and its own WASM heap) x XNNPACK threads per worker (sharing one heap, splitting every batch).
 *
 * Default: few workers with many threads. Threads shorten every batch (2 threads on 2 cores: ResNet50
 * 1.6-1.9x, measured), which is what a latency budget needs, and they share one copy of the weights; a
 * second worker only adds throughput, at the price of a second copy (~0.5-1 GB) and, on 2 cores, of the
 * first worker's speed. Beyond 8 threads per worker XNNPACK's split of a small late-stage convolution
 * (7x7 pixels at batch 1) leaves threads idle, so large machines get more workers of 8 threads:
 * 2 cores -> 1x2, 8 -> 1x8, 12 -> 2x6, 16 -> 2x8, 64 -> 8x8. GPU backends use one worker (one device).
 * @module
 */
export const MAX_THREADS_PER_WORKER = 8;

export interface ThreadLayout {
  workers: number;
  wasmThreads: number;
  /** How the layout was reached, for the start-up log. */
  why: string;
}

export interface LayoutRequest {
  workers?: number;
  wasmThreads?: number;
}

export function chooseThreadLayout(cores: number, requested: LayoutRequest = {}): ThreadLayout {
  const c = Math.max(1, Math.floor(cores));
  const { workers, wasmThreads } = requested;
  if (workers !== undefined && wasmThreads !== undefined) {
    return { workers, wasmThreads, why: `--workers ${workers} --wasm-threads ${wasmThreads}${workers * wasmThreads > c ? ` (more threads than the ${c} cores)` : ''}` };
  }
  if (workers !== undefined) {
    const t = Math.max(1, Math.min(MAX_THREADS_PER_WORKER, Math.floor(c / Math.max(1, workers))));
    return { workers, wasmThreads: t, why: `--workers ${workers} on ${c} cores` };
  }
  if (wasmThreads !== undefined) {
    return { workers: Math.max(1, Math.floor(c / wasmThreads)), wasmThreads, why: `--wasm-threads ${wasmThreads} on ${c} cores` };
  }
  const w = Math.ceil(c / MAX_THREADS_PER_WORKER);
  return { workers: w, wasmThreads: Math.floor(c / w), why: `default for ${c} cores` };
}

/** Backends that run one device per process: more local workers would only duplicate the weights on it. */
export function isGpuBackend(backend: string): boolean {
  return backend === 'webgpu' || backend === 'tensorflow-gpu';
}

/** The worker count once the backend is known: one per GPU device unless asked otherwise. */
export function workersForBackend(layout: ThreadLayout, backend: string, requestedWorkers?: number): number {
  if (requestedWorkers !== undefined) return requestedWorkers;
  return isGpuBackend(backend) ? 1 : layout.workers;
}
