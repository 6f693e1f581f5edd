/**
 * Messages between the serving core and an inference worker (thread or NATS). Tensors travel as
 * Float32Array (transferred between threads, framed binary over NATS: see codec.ts).
 * @module
 */
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
}

export interface WorkerInfo {
  arch: ArchName;
  backend: string;
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
}

export interface BatchReply {
  jobId: number;
  /** Row-major [items, numClasses]; absent on error. */
  logits?: Float32Array;
  numClasses: number;
  computeMs: number;
  error?: string;
}
