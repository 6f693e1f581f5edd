/**
 * Router side of the NATS cluster: admits or refuses announcing workers (architecture, checkpoint hash,
 * optionally backend and sub-networks must match), wraps each admitted one in a NatsWorker handed to
 * `onWorker` (the caller adds it to its Dispatcher), and runs the heartbeat watchdog. Workers may join and
 * leave at any time; a worker declared dead that is still alive is told to announce itself again.
 * @module
 */
import { connect, type ConnectionOptions, type NatsConnection, type Subscription } from 'nats';
import type { ArchName } from '../../supernet/types.ts';
import {
  decodeAnnouncement, decodeBye, decodeHeartbeat, encodeJson, subjects,
  type Announcement, type AnnounceReply, type Control,
} from './nats-protocol.ts';
import { connectFailure, redactUrl } from './nats-auth.ts';
import { closeNats, trackConnection } from './nats-close.ts';
import { NatsWorker } from './nats-transport.ts';
import type { BatchJob } from './protocol.ts';
import type { WorkerTransport } from './transport.ts';

export interface NatsRouterOptions {
  /** nats://host:port */
  url: string;
  /** Credentials and TLS (nats-auth.ts natsConnectOptions). */
  connect?: Partial<ConnectionOptions>;
  /** What a worker must serve to be admitted (see checkpointIdentity() in nats-identity.ts). */
  expect: {
    arch: ArchName;
    checkpointHash: string;
    /** Refuse workers on another backend (the latency profile is per backend). @default any */
    backend?: string;
    /** Refuse workers that cannot run one of these sub-network ids. @default no check */
    subnets?: number[];
    /** Only logged when it differs: the router's profile is the one the scheduler uses. */
    profileHash?: string | null;
  };
  /** A worker was admitted: add it to the dispatcher. Its onDeath fires when it dies or leaves. */
  onWorker(w: WorkerTransport): void;
  onRefused?(reason: string, announcement?: Announcement): void;
  log?(msg: string): void;
  /** @default 'superserve' */
  subjectPrefix?: string;
  /** Interval at which workers beat. @default 1000 */
  heartbeatMs?: number;
  /** Beats a worker may miss before it is declared dead. @default 3 */
  missedHeartbeats?: number;
  /** Profiled latency (ms) of `batchSize` images on `subnetId`: the reply deadline is 3x this + replyMarginMs. */
  expectedLatencyMs?(subnetId: number, batchSize: number): number | undefined;
  /** @default 5000 */
  replyMarginMs?: number;
  /** Reply deadline when expectedLatencyMs knows nothing. @default 60000 */
  defaultReplyTimeoutMs?: number;
}

export interface NatsRouterStats {
  alive: number;
  admitted: number;
  refused: number;
  died: number;
}

export interface NatsRouter {
  workers(): NatsWorker[];
  stats(): NatsRouterStats;
  /** Stops listening; live workers are closed without firing onDeath. */
  close(): Promise<void>;
}

export class NatsRouterError extends Error { override name = 'NatsRouterError'; }

export async function startNatsRouter(o: NatsRouterOptions): Promise<NatsRouter> {
  const log = o.log ?? (() => {});
  const heartbeatMs = o.heartbeatMs ?? 1000;
  const missed = o.missedHeartbeats ?? 3;
  if (!(heartbeatMs > 0) || !Number.isInteger(missed) || missed < 1) throw new NatsRouterError(`heartbeatMs must be > 0 and missedHeartbeats a positive integer (got ${heartbeatMs}, ${missed})`);
  const s = subjects(o.subjectPrefix);
  let nc: NatsConnection;
  try {
    nc = await connect({ ...o.connect, servers: o.url, name: 'superserve-router', maxReconnectAttempts: -1 });
  } catch (e) {
    throw new NatsRouterError(connectFailure(e, o.url));
  }
  const link = trackConnection(nc);
  const margin = o.replyMarginMs ?? 5000;
  const fallback = o.defaultReplyTimeoutMs ?? 60_000;
  const workerOpts = {
    livenessMs: heartbeatMs * missed,
    subjectPrefix: o.subjectPrefix,
    replyTimeoutMs: (job: BatchJob) => {
      const expected = o.expectedLatencyMs?.(job.subnetId, job.items.length);
      return expected === undefined || !Number.isFinite(expected) ? fallback : 3 * expected + margin;
    },
  };
  const live = new Map<string, NatsWorker>();
  const counts = { admitted: 0, refused: 0, died: 0 };
  let closing = false;

  const refusal = (a: Announcement): string | undefined => {
    const e = o.expect;
    if (a.info.arch !== e.arch) return `architecture ${a.info.arch} does not match the router's ${e.arch}`;
    if (a.info.checkpointHash !== e.checkpointHash) {
      return `checkpoint ${a.info.checkpoint} (hash ${a.info.checkpointHash}) does not match the router's checkpoint (hash ${e.checkpointHash})`;
    }
    if (e.backend !== undefined && a.info.backend !== e.backend) return `backend ${a.info.backend} does not match the router's ${e.backend} (the latency profile is per backend)`;
    const missing = (e.subnets ?? []).filter((id) => !a.subnets.includes(id));
    if (missing.length > 0) return `it cannot run sub-networks ${missing.join(', ')}`;
    return undefined;
  };

  const onAnnounce = (data: Uint8Array, respond: (d: Uint8Array) => boolean): void => {
    let a: Announcement;
    try {
      a = decodeAnnouncement(data);
    } catch (e) {
      const reason = `malformed announcement: ${(e as Error).message}`;
      counts.refused++;
      log(`refused a worker: ${reason}`);
      o.onRefused?.(reason);
      respond(encodeJson({ accepted: false, reason } satisfies AnnounceReply));
      return;
    }
    const who = `worker ${a.id} (${a.host} pid ${a.pid})`;
    const reason = refusal(a);
    if (reason !== undefined) {
      counts.refused++;
      log(`refused ${who}: ${reason}`);
      o.onRefused?.(reason, a);
      respond(encodeJson({ accepted: false, reason } satisfies AnnounceReply));
      return;
    }
    const accepted = encodeJson({ accepted: true, heartbeatMs } satisfies AnnounceReply);
    const known = live.get(a.id);
    if (known !== undefined) { // a repeated announcement (lost reply): same worker, nothing new
      known.heartbeat();
      respond(accepted);
      return;
    }
    if (o.expect.profileHash !== undefined && a.profileHash !== o.expect.profileHash) {
      log(`note: ${who} has a different latency profile (${a.profileHash ?? 'none'}) from the router's (${o.expect.profileHash ?? 'none'}); the router's is used`);
    }
    const w = new NatsWorker(nc, a, workerOpts);
    live.set(a.id, w);
    counts.admitted++;
    w.onDeath((why) => {
      if (live.get(a.id) === w) live.delete(a.id);
      counts.died++;
      log(`${who} is gone: ${why} (${live.size} alive)`);
    });
    respond(accepted);
    log(`admitted ${who}: ${a.info.arch}, backend ${a.info.backend}, checkpoint ${a.info.checkpointHash} (${live.size} alive)`);
    o.onWorker(w);
  };

  const subs: Subscription[] = [
    nc.subscribe(s.announce, { callback: (err, msg) => { if (!err) onAnnounce(msg.data, (d) => msg.respond(d)); } }),
    nc.subscribe(s.heartbeat, {
      callback: (err, msg) => {
        if (err) return;
        try {
          const hb = decodeHeartbeat(msg.data);
          const w = live.get(hb.id);
          if (w !== undefined) w.heartbeat();
          else nc.publish(s.control(hb.id), encodeJson({ type: 'reannounce', reason: 'the router does not know this worker (it restarted, or declared the worker dead)' } satisfies Control));
        } catch (e) {
          log(`ignored a bad heartbeat: ${(e as Error).message}`);
        }
      },
    }),
    nc.subscribe(s.bye, {
      callback: (err, msg) => {
        if (err) return;
        try {
          const bye = decodeBye(msg.data);
          live.get(bye.id)?.die(`left: ${bye.reason}`, false);
        } catch (e) {
          log(`ignored a bad goodbye: ${(e as Error).message}`);
        }
      },
    }),
  ];
  await nc.flush();
  nc.publish(s.hello, encodeJson({ heartbeatMs }));

  const watchdog = setInterval(() => {
    const now = performance.now();
    for (const w of [...live.values()]) w.checkLiveness(now);
  }, Math.max(10, heartbeatMs / 2));
  watchdog.unref();

  void nc.closed().then((err) => {
    if (closing) return;
    log(`router lost its NATS connection${err ? `: ${err.message}` : ''}`);
    for (const w of [...live.values()]) w.die('the router lost its NATS connection', false);
  });
  log(`router listening on ${redactUrl(o.url)} (${s.announce}; heartbeat ${heartbeatMs} ms, dead after ${heartbeatMs * missed} ms of silence)`);

  return {
    workers: () => [...live.values()],
    stats: () => ({ alive: live.size, ...counts }),
    async close() {
      closing = true;
      clearInterval(watchdog);
      for (const sub of subs) sub.unsubscribe();
      for (const w of [...live.values()]) await w.close();
      live.clear();
      await closeNats(link);
    },
  };
}
