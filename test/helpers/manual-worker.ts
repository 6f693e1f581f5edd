/** A worker transport for serving tests whose batches finish only when the test says. @module */
import type { BatchJob, BatchReply, WorkerInfo } from '../../src/worker/protocol.ts';
import type { WorkerTransport } from '../../src/worker/transport.ts';

/** A worker whose batches stay pending until `finish()`; logits[i] = sum of image i's pixels + subnet id. */
export class ManualWorker implements WorkerTransport {
  readonly info = { numClasses: 2 } as WorkerInfo;
  readonly jobs: Array<{ job: BatchJob; resolve(r: BatchReply): void; reject(e: Error): void }> = [];
  private deaths: Array<(r: string) => void> = [];
  constructor(readonly name: string) {}
  runBatch(job: BatchJob): Promise<BatchReply> { return new Promise((resolve, reject) => this.jobs.push({ job, resolve, reject })); }
  finish(): void {
    const j = this.jobs.shift()!;
    const logits = new Float32Array(j.job.items.length * 2);
    j.job.items.forEach((it, i) => { logits[2 * i] = it.data.reduce((a, b) => a + b, 0); logits[2 * i + 1] = j.job.subnetId; });
    j.resolve({ jobId: j.job.jobId, logits, numClasses: 2, computeMs: 1 });
  }
  die(): void {
    for (const cb of this.deaths) cb('killed');
    for (const j of this.jobs.splice(0)) j.reject(new Error('killed'));
  }
  onDeath(cb: (r: string) => void): void { this.deaths.push(cb); }
  async close(): Promise<void> {}
}
