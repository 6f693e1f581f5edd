/**
 * The router <-> worker conversation over NATS: subjects and the JSON control messages (batches themselves
 * are binary frames, see codec.ts and nats-chunks.ts).
 *
 *   <prefix>.announce             worker -> router, request: Announcement; reply: AnnounceReply (admitted or refused)
 *   <prefix>.heartbeat            worker -> router, publish every heartbeatMs: Heartbeat
 *   <prefix>.bye                  worker -> router, publish on a clean exit: Bye
 *   <prefix>.router.hello         router -> all workers, publish at router start: workers announce again
 *   <prefix>.worker.<id>.batch    router -> one worker, request: a job frame; reply: a reply frame (the reply
 *                                 is the worker's "I am free": the router then picks its next batch: pull)
 *   <prefix>.worker.<id>.control  router -> one worker: Control (e.g. "announce again": you were declared dead)
 * @module
 */
import type { WorkerInfo } from './protocol.ts';
import { ARCH_NAMES } from '../../supernet/types.ts';

export class NatsProtocolError extends Error { override name = 'NatsProtocolError'; }

export const DEFAULT_SUBJECT_PREFIX = 'superserve';

export function subjects(prefix = DEFAULT_SUBJECT_PREFIX) {
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(prefix)) throw new NatsProtocolError(`invalid NATS subject prefix ${JSON.stringify(prefix)}`);
  return {
    announce: `${prefix}.announce`,
    heartbeat: `${prefix}.heartbeat`,
    bye: `${prefix}.bye`,
    hello: `${prefix}.router.hello`,
    batch: (id: string) => `${prefix}.worker.${id}.batch`,
    control: (id: string) => `${prefix}.worker.${id}.control`,
  };
}

/** A worker id usable as one subject token: the name's safe characters plus a random suffix. */
export function workerId(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || 'worker';
  return `${safe}-${Math.random().toString(16).slice(2, 8)}`;
}

export interface Announcement {
  id: string;
  /** Human name (--name). */
  name: string;
  info: WorkerInfo;
  /** sha256 prefix of <checkpoint>/profile.json the worker sees, null when it has none. */
  profileHash: string | null;
  /** Sub-network ids the worker can run. */
  subnets: number[];
  host: string;
  pid: number;
}

export type AnnounceReply = { accepted: true; heartbeatMs: number } | { accepted: false; reason: string };

export interface Heartbeat { id: string; seq: number; busy: boolean; batches: number }
export interface Bye { id: string; reason: string }
export interface Control { type: 'reannounce'; reason: string }

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeJson(msg: object): Uint8Array { return enc.encode(JSON.stringify(msg)); }

function decodeObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(dec.decode(bytes));
  } catch (e) {
    throw new NatsProtocolError(`${what} is not JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new NatsProtocolError(`${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

function str(o: Record<string, unknown>, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0) throw new NatsProtocolError(`${what}: "${key}" must be a non-empty string`);
  return v;
}

export function decodeAnnouncement(bytes: Uint8Array): Announcement {
  const o = decodeObject(bytes, 'announcement');
  const what = 'announcement';
  const id = str(o, 'id', what);
  if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new NatsProtocolError(`${what}: id ${JSON.stringify(id)} is not a subject token`);
  const info = o.info as Record<string, unknown> | undefined;
  if (typeof info !== 'object' || info === null) throw new NatsProtocolError(`${what}: "info" must be an object`);
  const arch = str(info, 'arch', `${what} info`);
  if (!(ARCH_NAMES as readonly string[]).includes(arch)) throw new NatsProtocolError(`${what}: unknown architecture ${JSON.stringify(arch)}`);
  for (const k of ['backend', 'checkpoint', 'checkpointHash']) str(info, k, `${what} info`);
  if (!Number.isInteger(info.numClasses)) throw new NatsProtocolError(`${what} info: "numClasses" must be an integer`);
  const subnets = o.subnets;
  if (!Array.isArray(subnets) || !subnets.every((s) => Number.isInteger(s))) throw new NatsProtocolError(`${what}: "subnets" must be an array of ids`);
  const profileHash = o.profileHash;
  if (profileHash !== null && typeof profileHash !== 'string') throw new NatsProtocolError(`${what}: "profileHash" must be a string or null`);
  return {
    id, name: str(o, 'name', what), info: { ...(info as unknown as WorkerInfo), untrained: info.untrained === true },
    profileHash, subnets: subnets as number[], host: typeof o.host === 'string' ? o.host : '?', pid: Number(o.pid) || 0,
  };
}

export function decodeAnnounceReply(bytes: Uint8Array): AnnounceReply {
  const o = decodeObject(bytes, 'announce reply');
  if (o.accepted === true) {
    const hb = o.heartbeatMs;
    if (typeof hb !== 'number' || !(hb > 0)) throw new NatsProtocolError('announce reply: "heartbeatMs" must be a positive number');
    return { accepted: true, heartbeatMs: hb };
  }
  return { accepted: false, reason: typeof o.reason === 'string' ? o.reason : 'refused without a reason' };
}

export function decodeHeartbeat(bytes: Uint8Array): Heartbeat {
  const o = decodeObject(bytes, 'heartbeat');
  return { id: str(o, 'id', 'heartbeat'), seq: Number(o.seq) || 0, busy: o.busy === true, batches: Number(o.batches) || 0 };
}

export function decodeBye(bytes: Uint8Array): Bye {
  const o = decodeObject(bytes, 'bye');
  return { id: str(o, 'id', 'bye'), reason: typeof o.reason === 'string' ? o.reason : 'left' };
}

export function decodeControl(bytes: Uint8Array): Control {
  const o = decodeObject(bytes, 'control message');
  if (o.type !== 'reannounce') throw new NatsProtocolError(`control message: unknown type ${JSON.stringify(o.type)}`);
  return { type: 'reannounce', reason: typeof o.reason === 'string' ? o.reason : '' };
}
