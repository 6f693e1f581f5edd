/**
 * Keeps the in-process inference threads serving: a thread that dies is replaced (its batch was already
 * re-queued by the pull loop) with a few spaced retries, and every thread is closed on shutdown. Deaths are
 * watched from the moment the threads are handed over, so one that dies before the dispatcher is attached
 * is replaced too (and never handed to the dispatcher).
 * @module
 */
import type { Dispatcher } from '../serving/dispatcher.ts';
import type { LocalWorkers } from '../serving/local-workers.ts';
import type { ThreadWorker } from '../worker/threads.ts';

export interface ThreadSupervisor {
  /** Hand the started threads to the dispatcher; replacements join it too. */
  attach(d: Dispatcher): void;
  /** Whether the named worker is one of these in-process threads (not a NATS worker). */
  owns(workerName: string): boolean;
  close(): Promise<void>;
}

const MAX_ATTEMPTS = 5;

export function superviseThreads(local: LocalWorkers, o: { accepting: () => boolean; log: (m: string) => void }): ThreadSupervisor {
  const live = new Set<ThreadWorker>(local.workers);
  let dispatcher: Dispatcher | undefined;
  let closed = false;

  const watch = (w: ThreadWorker): void => {
    w.onDeath((reason) => { live.delete(w); void replace(w, reason); });
  };
  const replace = async (dead: ThreadWorker, reason: string): Promise<void> => {
    if (closed || !o.accepting()) return;
    o.log(`worker ${dead.name} died (${reason}); starting a replacement`);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS && !closed && o.accepting(); attempt++) {
      try {
        const w = await local.spawn(`${dead.name}.r${attempt}`);
        if (closed) { await w.close(); return; }
        live.add(w);
        watch(w);
        dispatcher?.addWorker(w);
        o.log(`replacement worker ${w.name} is serving`);
        return;
      } catch (e) {
        o.log(`replacement attempt ${attempt} failed: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 2000 * attempt));
      }
    }
  };
  for (const w of live) watch(w);
  return {
    attach(d) {
      dispatcher = d;
      for (const w of live) if (w.deathReason === undefined) d.addWorker(w);
    },
    owns(name) {
      for (const w of live) if (w.name === name) return true;
      return false;
    },
    async close() {
      closed = true;
      await Promise.all([...live].map((w) => w.close()));
      live.clear();
    },
  };
}
