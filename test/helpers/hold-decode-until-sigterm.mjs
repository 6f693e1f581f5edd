// Fault injection for the shutdown test, loaded with `node --import` into a server process (never into production
// code): the first image decode handed to a request-preparation thread is held back until the process gets
// SIGTERM and handed over 200 ms later, so the shutdown certainly begins while that decode is in flight (the pool
// counts it as running from the moment it posted it). Prints HELD_LINE on stderr when it holds one.
import { syncBuiltinESMExports } from 'node:module';
import workerThreads from 'node:worker_threads';

export const HELD_LINE = 'hold-decode-until-sigterm: a decode is held until SIGTERM';

if (workerThreads.isMainThread) {
  let release;
  let held = false;
  process.on('SIGTERM', () => setTimeout(() => release?.(), 200));
  const Original = workerThreads.Worker;
  workerThreads.Worker = class HoldingWorker extends Original {
    postMessage(msg, transfer) {
      if (msg?.kind !== 'decode' || held) return super.postMessage(msg, transfer);
      held = true;
      release = () => super.postMessage(msg, transfer);
      process.stderr.write(`${HELD_LINE}\n`);
    }
  };
  syncBuiltinESMExports();
}
