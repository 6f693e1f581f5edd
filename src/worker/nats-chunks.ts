/**
 * Sends a binary frame as a NATS request even when it is larger than the server's max_payload (1 MiB by
 * default, while a batch of 16 images at 224 px is 9.6 MB): the frame is cut into chunks published in order
 * on the same subject (NATS keeps per-publisher order), the last one carrying the reply inbox. Each chunk
 * has a `Superserve-Frame: <token> <index> <count>` header; a frame that fits travels as one plain request.
 * @module
 */
import { headers, type Msg, type MsgHdrs, type NatsConnection } from 'nats';

export class ChunkError extends Error { override name = 'ChunkError'; }

const HEADER = 'Superserve-Frame';
/** Room left in each message for the protocol line and headers. */
const HEADROOM = 4096;

export function maxChunkBytes(nc: NatsConnection): number {
  return Math.max(64 * 1024, (nc.info?.max_payload ?? 1024 * 1024) - HEADROOM);
}

/** Request-reply with a frame of any size; resolves with the reply message. `extra` headers go on the last (or only) message. */
export async function requestFrame(nc: NatsConnection, subject: string, frame: Uint8Array, timeoutMs: number,
  extra?: Record<string, string>): Promise<Msg> {
  const max = maxChunkBytes(nc);
  if (frame.length <= max) {
    if (extra === undefined) return nc.request(subject, frame, { timeout: timeoutMs });
    const h = headers();
    for (const [k, v] of Object.entries(extra)) h.set(k, v);
    return nc.request(subject, frame, { timeout: timeoutMs, headers: h });
  }
  const count = Math.ceil(frame.length / max);
  const token = Math.random().toString(36).slice(2, 10);
  const hdr = (i: number): MsgHdrs => { const h = headers(); h.set(HEADER, `${token} ${i} ${count}`); return h; };
  for (let i = 0; i < count - 1; i++) nc.publish(subject, frame.subarray(i * max, (i + 1) * max), { headers: hdr(i) });
  const last = hdr(count - 1);
  for (const [k, v] of Object.entries(extra ?? {})) last.set(k, v);
  return nc.request(subject, frame.subarray((count - 1) * max), { timeout: timeoutMs, headers: last });
}

/** Worker side: feeds messages in, hands back whole frames. */
export class FrameAssembler {
  private readonly partial = new Map<string, { next: number; count: number; parts: Uint8Array[] }>();

  constructor(private readonly maxPartial = 4) {}

  /** The whole frame once `msg` completes one, null while chunks are still missing. Throws on a broken sequence. */
  accept(msg: Msg): Uint8Array | null {
    const tag = msg.headers?.get(HEADER);
    if (tag === undefined || tag === '') return msg.data;
    const [token, index, count] = tag.split(' ');
    const i = Number(index);
    const n = Number(count);
    if (token === undefined || !Number.isInteger(i) || !Number.isInteger(n) || i < 0 || i >= n) throw new ChunkError(`bad ${HEADER} header ${JSON.stringify(tag)}`);
    let p = this.partial.get(token);
    if (p === undefined) {
      if (i !== 0) throw new ChunkError(`chunk ${i}/${n} of frame ${token} arrived without its first chunk`);
      p = { next: 0, count: n, parts: [] };
      this.partial.set(token, p);
      if (this.partial.size > this.maxPartial) this.partial.delete(this.partial.keys().next().value!);
    }
    if (i !== p.next || n !== p.count) {
      this.partial.delete(token);
      throw new ChunkError(`frame ${token}: got chunk ${i}/${n}, expected ${p.next}/${p.count}`);
    }
    p.parts.push(msg.data.slice()); // held across messages: do not alias the client's read buffer
    p.next++;
    if (p.next < n) return null;
    this.partial.delete(token);
    const out = new Uint8Array(p.parts.reduce((s, c) => s + c.length, 0));
    let off = 0;
    for (const c of p.parts) { out.set(c, off); off += c.length; }
    return out;
  }
}
