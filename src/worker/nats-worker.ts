/**
 * Worker process main loop: the supernet runs in a worker thread (so heartbeats keep flowing during a
 * forward pass), the main thread talks NATS: announce, heartbeat, answer one batch at a time on its own
 * subject (the reply is its request for more work), say goodbye on SIGTERM/SIGINT.
 * Resolves with the process exit code: 0 clean stop, 1 failure, 3 refused by the router.
 * @module
 */
import { hostname } from 'node:os';
import { connect, ErrorCode, type ConnectionOptions, type Msg, type NatsConnection, type NatsError } from 'nats';
import { SpanStatusCode } from '@opentelemetry/api';
import { connectFailure } from './nats-auth.ts';
import { workerBatchSpan } from './nats-trace.ts';
import { decodeJob, encodeReply } from './codec.ts';
import { FrameAssembler, maxChunkBytes } from './nats-chunks.ts';
import { closeNats, trackConnection } from './nats-close.ts';
import {
  decodeAnnounceReply, decodeControl, encodeJson, subjects, workerId,
  type Announcement, type Bye, type Heartbeat,
} from './nats-protocol.ts';
import type { WorkerInit } from './protocol.ts';
import { ThreadWorker } from './threads.ts';

export const EXIT_REFUSED = 3;

export interface NatsWorkerProcessOptions {
  url: string;
  /** Credentials and TLS (nats-auth.ts natsConnectOptions). */
  connect?: Partial<ConnectionOptions>;
  name: string;
  init: WorkerInit;
  profileHash: string | null;
  subjectPrefix?: string;
  /** How long one announcement waits for a router before trying again. @default 2000 */
  announceTimeoutMs?: number;
  log(msg: string): void;
  /** Aborting stops the worker cleanly (goodbye sent), like SIGTERM. */
  signal?: AbortSignal;
}

export async function runNatsWorker(o: NatsWorkerProcessOptions): Promise<number> {
  const s = subjects(o.subjectPrefix);
  const id = workerId(o.name);
  let nc: NatsConnection;
  try {
    nc = await connect({ ...o.connect, servers: o.url, name: `superserve-worker ${id}`, maxReconnectAttempts: -1 });
  } catch (e) {
    throw new Error(connectFailure(e, o.url));
  }
  const link = trackConnection(nc);
  const t0 = performance.now();
  let engine: ThreadWorker;
  try {
    engine = await ThreadWorker.start(id, o.init);
  } catch (e) {
    await nc.close();
    throw e;
  }
  const info = engine.info;
  o.log(`worker ${id}: ${info.arch} on ${info.backend}, checkpoint ${info.checkpointHash}${info.untrained ? ' (UNTRAINED random weights)' : ''}, up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  let finish!: (code: number) => void;
  const done = new Promise<number>((resolve) => { finish = resolve; });
  let stopped = false;
  let heartbeat: NodeJS.Timeout | undefined;
  let seq = 0;
  let batches = 0;
  let busy = false;
  let queue: Promise<void> = Promise.resolve();
  const assembler = new FrameAssembler();

  const stop = async (code: number, why: string): Promise<void> => {
    if (stopped) return;
    stopped = true;
    clearInterval(heartbeat);
    // With the server gone there is nobody to say goodbye to: close at once (the router's watchdog notices).
    if (link.connected()) nc.publish(s.bye, encodeJson({ id, reason: why } satisfies Bye));
    await closeNats(link);
    await engine.close().catch(() => {});
    o.log(`worker ${id} stopped: ${why}`);
    finish(code);
  };

  engine.onDeath((reason) => void stop(1, `inference thread died: ${reason}`));

  const serve = async (msg: Msg): Promise<void> => {
    let frame: Uint8Array | null;
    try {
      frame = assembler.accept(msg);
    } catch (e) {
      if (msg.reply) msg.respond(encodeReply({ jobId: -1, numClasses: 0, computeMs: 0, error: (e as Error).message }));
      return;
    }
    if (frame === null) return;
    let jobId = -1;
    const span = workerBatchSpan(msg, id);
    try {
      const job = decodeJob(frame);
      jobId = job.jobId;
      span?.setAttributes({ 'batch.job_id': jobId, 'subnet.id': job.subnetId, 'batch.size': job.items.length });
      busy = true;
      const reply = await engine.runBatch(job);
      span?.setAttribute('compute_ms', reply.computeMs);
      if (reply.error !== undefined) span?.setStatus({ code: SpanStatusCode.ERROR, message: reply.error });
      const out = encodeReply(reply);
      msg.respond(out.length <= maxChunkBytes(nc) ? out
        : encodeReply({ jobId, numClasses: 0, computeMs: reply.computeMs, error: `reply of ${out.length} bytes exceeds the NATS max_payload` }));
      batches++;
    } catch (e) {
      span?.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
      msg.respond(encodeReply({ jobId, numClasses: 0, computeMs: 0, error: (e as Error).message }));
    } finally {
      busy = false;
      span?.end();
    }
  };

  let announcing: Promise<void> | undefined;
  const announce = (why: string): Promise<void> => {
    announcing ??= announceUntilAnswered(why).finally(() => { announcing = undefined; });
    return announcing;
  };
  const announcement: Announcement = {
    id, name: o.name, info, profileHash: o.profileHash, subnets: o.init.subnets.map((x) => x.id), host: hostname(), pid: process.pid,
  };
  const announceUntilAnswered = async (why: string): Promise<void> => {
    let waitingLogged = false;
    while (!stopped) {
      try {
        const msg = await nc.request(s.announce, encodeJson(announcement), { timeout: o.announceTimeoutMs ?? 2000 });
        const reply = decodeAnnounceReply(msg.data);
        if (!reply.accepted) {
          o.log(`worker ${id} REFUSED by the router: ${reply.reason}`);
          await stop(EXIT_REFUSED, `refused: ${reply.reason}`);
          return;
        }
        clearInterval(heartbeat);
        heartbeat = setInterval(() => {
          if (!nc.isClosed()) nc.publish(s.heartbeat, encodeJson({ id, seq: seq++, busy, batches } satisfies Heartbeat));
        }, reply.heartbeatMs);
        o.log(`worker ${id} admitted by the router (${why}); heartbeat every ${reply.heartbeatMs} ms`);
        return;
      } catch (e) {
        const code = (e as NatsError).code;
        if (code !== ErrorCode.NoResponders && code !== ErrorCode.Timeout) throw e;
        if (!waitingLogged) o.log(`worker ${id}: no router answers on ${s.announce} yet; retrying`);
        waitingLogged = true;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  };

  // Batches are served strictly one after another (the router sends one at a time anyway).
  nc.subscribe(s.batch(id), { callback: (err, msg) => { if (!err) queue = queue.then(() => serve(msg)); } });
  nc.subscribe(s.control(id), {
    callback: (err, msg) => {
      if (err) return;
      try {
        const c = decodeControl(msg.data);
        o.log(`worker ${id}: router asks to announce again (${c.reason})`);
        void announce('re-announced').catch((e: Error) => void stop(1, e.message));
      } catch (e) {
        o.log(`worker ${id}: ignored a bad control message: ${(e as Error).message}`);
      }
    },
  });
  nc.subscribe(s.hello, { callback: (err) => { if (!err) void announce('router started').catch((e: Error) => void stop(1, e.message)); } });
  await nc.flush();

  const onSignal = (sig: string) => () => void stop(0, `${sig} received`);
  const onTerm = onSignal('SIGTERM');
  const onInt = onSignal('SIGINT');
  process.once('SIGTERM', onTerm);
  process.once('SIGINT', onInt);
  o.signal?.addEventListener('abort', () => void stop(0, 'aborted'), { once: true });
  void nc.closed().then((err) => void stop(1, `NATS connection closed${err ? `: ${err.message}` : ''}`));

  await announce('first announcement').catch((e: Error) => stop(1, `announcement failed: ${e.message}`));
  const code = await done;
  process.off('SIGTERM', onTerm);
  process.off('SIGINT', onInt);
  return code;
}
