/**
 * What the dispatcher sees of a worker, whether it is a thread in this process or a process behind NATS.
 * @module
 */
import type { BatchJob, BatchReply, WorkerInfo } from './protocol.ts';

export interface WorkerTransport {
  readonly name: string;
  readonly info: WorkerInfo;
  /** Where it runs. @default 'thread' */
  readonly kind?: 'thread' | 'nats';
  /** Resolves with the reply; rejects if the worker died or missed its deadline. */
  runBatch(job: BatchJob, deadlineMs?: number): Promise<BatchReply>;
  /** Called once when the worker is gone for good (crash, missed heartbeats). */
  onDeath(cb: (reason: string) => void): void;
  close(): Promise<void>;
}
