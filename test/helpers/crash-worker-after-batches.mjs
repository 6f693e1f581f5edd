// Fault injection for tests of worker replacement, loaded with `node --import` into a server process (never into
// production code): every inference thread is terminated right after it was handed its
// (SUPERSERVE_CRASH_AFTER_BATCHES + 1)-th batch, i.e. while that batch is in flight.
import { syncBuiltinESMExports } from 'node:module';
import workerThreads from 'node:worker_threads';

const crashAfter = Number(process.env.SUPERSERVE_CRASH_AFTER_BATCHES ?? 0);
if (crashAfter > 0) {
  const Original = workerThreads.Worker;
  workerThreads.Worker = class CrashingWorker extends Original {
    #batches = 0;
    postMessage(msg, transfer) {
      super.postMessage(msg, transfer);
      if (msg?.type === 'batch' && ++this.#batches > crashAfter) void this.terminate();
    }
  };
  syncBuiltinESMExports();
}
