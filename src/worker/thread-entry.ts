/**
 * Inference worker thread: owns one tfjs instance and one supernet; the HTTP/scheduling thread never blocks
 * on a forward pass.
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { measureProfile } from '../profiler/measure.ts';
import { EngineHost } from './engine-host.ts';
import type { ToWorker } from './thread-messages.ts';

const port = parentPort;
if (port === null) throw new Error('thread-entry must run in a worker thread');
let host: EngineHost | undefined;

port.on('message', (msg: ToWorker) => {
  void handle(msg).catch((e: Error) => port.postMessage({ type: 'fatal', error: e.stack ?? e.message }));
});

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'init':
      host = await EngineHost.create(msg.init);
      port!.postMessage({ type: 'ready', info: host.info });
      return;
    case 'batch': {
      const reply = await requireHost().runBatch(msg.job);
      port!.postMessage({ type: 'reply', reply }, reply.logits ? [reply.logits.buffer as ArrayBuffer] : []);
      return;
    }
    case 'profile': {
      const profile = await measureProfile(requireHost(), msg.subnets, msg.request, (done, total, label) =>
        port!.postMessage({ type: 'progress', done, total, label }));
      port!.postMessage({ type: 'profile', profile });
      return;
    }
    case 'stats':
      port!.postMessage({ type: 'stats', stats: requireHost().stats() });
      return;
    case 'engine':
      requireHost().setEngine(msg.engine);
      port!.postMessage({ type: 'engine-set', info: requireHost().info });
      return;
    case 'warmup':
      port!.postMessage({ type: 'warmed', report: await requireHost().warmUp(msg.batches) });
      return;
  }
}

function requireHost(): EngineHost {
  if (host === undefined) throw new Error('worker used before init');
  return host;
}
