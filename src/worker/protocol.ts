/**
 * Messages between the serving core and an inference worker (thread or NATS). Tensors travel as
 * Float32Array (transferred between threads, framed binary over NATS: see codec.ts).
 * @module
 */
import type { AdapterInfo } from '../../supernet/backends/webgpu-adapter.ts';
import type { ArchName } from '../../supernet/types.ts';

export interface WorkerInit {
  checkpoint: string;
  arch?: ArchName;
  backend: string;
  cacheMiB: number;
  /** Sub-networks this worker serves, by Pareto id. */
  subnets: Array<{ id: number; config: unknown }>;
  /** Batch sizes to warm up for every subnet at start (empty: no warm-up). */
  warmupBatches: number[];
  /** XNNPACK threads of the wasm backend (default 1: the stock single-threaded build). */
  wasmThreads?: number;
  /** Bound on the WebGPU buffer pool: free buffers beyond it are destroyed after a batch (default 2048 MiB). */
  gpuPoolMiB?: number;
}

/** First call (operator creation, shader compilation) of one (sub-network, batch) shape. */
export interface WarmupShape { subnetId: number; batch: number; firstMs: number }

export interface WarmupReport {
  shapes: WarmupShape[];
  totalMs: number;
  /** WebGPU buffer pool after warm-up (bytes of live tensors, bytes the pool holds). */
  gpuPool?: { usedBytes: number; allocatedBytes: number };
}

/** Where a worker's memory goes (bytes). */
export interface EngineStats {
  /** Size of the WASM heap (shared by the worker's XNNPACK threads; never shrinks), on wasm. */
  wasmHeapBytes?: number;
  /** Bytes of live tensors as tfjs counts them (views sharing storage are counted again). */
  tensorBytes: number;
  /** Resident bytes the materialised-subnet cache accounts for, and its entries. */
  cacheBytes: number;
  cacheEntries: number;
  /** WebGPU buffer pool (bytes of live tensors, bytes held). */
  gpuPool?: { usedBytes: number; allocatedBytes: number };
}

export interface WorkerInfo {
  arch: ArchName;
  backend: string;
  /** The WebGPU adapter (vendor, architecture, device, description, isSoftware, route), on webgpu. */
  adapter?: AdapterInfo;
  /** XNNPACK threads, on wasm. */
  wasmThreads?: number;
  /** What warm-up paid per shape before the worker said it was ready. */
  warmup?: WarmupReport;
  untrained: boolean;
  checkpoint: string;
  checkpointHash: string;
  numClasses: number;
}

export interface ImageItem { data: Float32Array; height: number; width: number }

export interface BatchJob {
  jobId: number;
  subnetId: number;
  /** NHWC images; resized to the subnet's image_size by the worker when they differ. */
  items: ImageItem[];
  /** W3C trace context of the batch (only when tracing is on): NATS carries it in message headers. */
  trace?: { traceparent: string; links: string[] };
}

export interface BatchReply {
  jobId: number;
  /** Row-major [items, numClasses]; absent on error. */
  logits?: Float32Array;
  numClasses: number;
  computeMs: number;
  error?: string;
}
