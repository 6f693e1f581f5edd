/**
 * The contract between the HTTP layer and the serving core: the HTTP side only translates
 * requests into `InferenceService.infer` calls and outcomes back into V2 responses.
 * @module
 */

/** Images as float32, already normalised the way OFA expects, in NHWC order. */
export interface ImageBatch {
  data: Float32Array;
  n: number;
  height: number;
  width: number;
}

export interface InferOptions {
  /** Latency target measured from `arrivalMs` (service clock). */
  sloMs: number;
  /** Pin a sub-network by its Pareto id. */
  subnetId?: number;
  /** Aborted when the client disconnects: queued work is removed and the promise rejects. */
  signal?: AbortSignal;
  /** Arrival time on the service clock; defaults to now. */
  arrivalMs?: number;
}

export interface InferOutcome {
  /** Row-major [n, numClasses]. */
  logits: Float32Array;
  numClasses: number;
  subnetId: number;
  accuracy: number;
  /** Size of the batch this request was served in. */
  batchSize: number;
  queueMs: number;
  computeMs: number;
  deadlineMet: boolean;
}

export type ServiceErrorKind =
  | 'queue_full'        // 503 + Retry-After
  | 'deadline'          // cannot meet the SLO: answered at once (HTTP 504 by default)
  | 'cancelled'         // client went away
  | 'shutting_down'     // 503
  | 'not_ready'         // 503
  | 'bad_request'       // 400
  | 'worker_failed';    // 500

export class ServiceError extends Error {
  constructor(readonly kind: ServiceErrorKind, message: string, readonly retryAfterS?: number) {
    super(message);
    this.name = 'ServiceError';
  }
}

export interface SubnetInfo { id: number; accuracy: number; config: unknown; imageSize: number }

export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  arch: string;
  backend: string;
  /** True for the embedded random-weight default: its predictions mean nothing. */
  untrained: boolean;
  checkpoint: string;
  policy: string;
  defaultSloMs: number;
  subnets: SubnetInfo[];
  /** Input resolution expected by default (largest Pareto image_size). */
  imageSize: number;
  workers: { total: number; alive: number };
}

export interface InferenceService {
  readonly modelName: string;
  /** Weights, SubnetNorm table, profile and warm-up done, and at least one worker alive. */
  isReady(): boolean;
  metadata(): ModelMetadata;
  infer(batch: ImageBatch, opts: InferOptions): Promise<InferOutcome>;
  /** Stop accepting; resolves when every accepted request has been answered. */
  drain(): Promise<void>;
}
