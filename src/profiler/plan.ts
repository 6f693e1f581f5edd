/**
 * Which batch sizes a profile covers and how hard it measures them, per backend class and mode.
 *
 * CPU-class backends (wasm, cpu, native tensorflow) stop at batch 8: per image, batch 16 is no faster than
 * batch 8 on a CPU (ResNet50 Pareto sub-networks, bench:subnetact), while it doubles activation memory and
 * warm-up time. GPU backends go to 32, where batching pays. A quick profile measures the ends (CPU: 1 and 8;
 * GPU: 1, 8 and 32) and interpolates the rest; GPU backends still run every table shape once (`warmAll`),
 * because the first call of each shape compiles shaders for seconds.
 * @module
 */
export interface ProfileOptions {
  /** Batch sizes timed. */
  batchSizes: number[];
  /** Batch sizes of the profile table (timed ones plus interpolated ones). */
  tableBatches: number[];
  /** Timed runs per point after the first (untimed) call. */
  repeats: number;
  /** Stop repeating a point once it has used this many seconds (one timed run is always made). */
  maxSecondsPerPoint: number;
  /** Run the first call of every table shape, timed or not (GPU: shader compilation before serving). */
  warmAll: boolean;
  /**
   * Count the first call of a batch size as a sample once the sub-network has run at another size (quick mode on
   * CPU backends: there the first call at a new batch size costs what the next does, measured in bench:subnetact).
   */
  firstCallIsSample: boolean;
}

export interface ProfileRequest {
  mode: 'quick' | 'full';
  batchSizes?: number[];
  repeats?: number;
  maxSecondsPerPoint?: number;
}

const GPU_BACKENDS = new Set(['webgpu', 'tensorflow-gpu']);
const CPU_TABLE = [1, 2, 4, 8];
const GPU_TABLE = [1, 2, 4, 8, 16, 32];

/** The `profile` command's default on a CPU backend (the table, 5 repeats). */
export const DEFAULT_PROFILE_OPTIONS: ProfileOptions = {
  batchSizes: CPU_TABLE, tableBatches: CPU_TABLE, repeats: 5, maxSecondsPerPoint: 4, warmAll: false, firstCallIsSample: false,
};

export function profileOptionsFor(backend: string, r: ProfileRequest): ProfileOptions {
  const gpu = GPU_BACKENDS.has(backend);
  const table = r.batchSizes ?? (gpu ? GPU_TABLE : CPU_TABLE);
  const quick = r.mode === 'quick' && r.batchSizes === undefined;
  const timedSizes = quick ? (gpu ? [1, 8, 32] : [1, 8]).filter((b) => table.includes(b)) : table;
  return {
    batchSizes: [...new Set([1, ...timedSizes])].sort((a, b) => a - b),
    tableBatches: [...new Set([1, ...table])].sort((a, b) => a - b),
    repeats: r.repeats ?? (r.mode === 'quick' ? (gpu ? 3 : 1) : (gpu ? 10 : 5)),
    maxSecondsPerPoint: r.maxSecondsPerPoint ?? (r.mode === 'quick' ? 2 : 4),
    warmAll: gpu,
    firstCallIsSample: quick && !gpu,
  };
}
