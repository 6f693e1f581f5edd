/**
 * A WorkerTransport that answers at once with constant logits: isolates the HTTP + scheduling path in benchmarks.
 * @module
 */
import type { BatchJob, BatchReply, WorkerInfo } from '../../src/worker/protocol.ts';
import type { WorkerTransport } from '../../src/worker/transport.ts';

export class InstantWorker implements WorkerTransport {
  readonly info: WorkerInfo = { arch: 'ofa-resnet50', backend: 'none', untrained: true, checkpoint: 'instant', checkpointHash: 'instant', numClasses: 1000 };
  constructor(readonly name: string) {}
  async runBatch(job: BatchJob): Promise<BatchReply> {
    const logits = new Float32Array(job.items.length * 1000);
    for (let i = 0; i < job.items.length; i++) logits[i * 1000 + (i % 1000)] = 1;
    return { jobId: job.jobId, logits, numClasses: 1000, computeMs: 0 };
  }
  onDeath(): void {}
  async close(): Promise<void> {}
}
