/**
 * Read a request body under a byte limit: refused from Content-Length when it is declared, otherwise while
 * streaming, so an oversized body is never held in memory. Under @hono/node-server the body is read from
 * Node's request directly into one buffer (web streams cost several times more per byte); a `prefix`
 * check runs as soon as its bytes have arrived, and when it throws the rest of the body is discarded
 * unread and the request can be answered at once.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { ServiceError } from '../serving/types.ts';
import { BodyTooLargeError, RequestValidationError } from './errors.ts';

/** Looked at as soon as the first `bytes` of the body are in (e.g. the binary extension's JSON header). */
export interface PrefixCheck {
  bytes: number;
  check(prefix: Uint8Array): void;
}

/** The request body (BodyTooLargeError beyond the limit; ServiceError 'cancelled' if the client leaves). */
export async function readRequestBody(c: Context, limitBytes: number, prefix?: PrefixCheck): Promise<Uint8Array> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming !== undefined && typeof incoming.on === 'function') return readIncoming(incoming, limitBytes, prefix);
  const body = await readBodyLimited(c.req.raw, limitBytes);
  if (prefix !== undefined && body.byteLength >= prefix.bytes) prefix.check(body.subarray(0, prefix.bytes));
  return body;
}

function readIncoming(incoming: IncomingMessage, limitBytes: number, prefix: PrefixCheck | undefined): Promise<Uint8Array> {
  const declared = incoming.headers['content-length'] === undefined ? undefined : Number(incoming.headers['content-length']);
  if (declared !== undefined && declared > limitBytes) {
    incoming.resume();
    return Promise.reject(new BodyTooLargeError(limitBytes));
  }
  return new Promise<Uint8Array>((resolve, reject) => {
    // Chunks are kept as they come until the prefix check passed: a refused request never gets its buffer.
    let chunks: Buffer[] | undefined = [];
    let buf: Uint8Array | undefined;
    let size = 0;
    let checked = prefix === undefined;
    const cleanup = () => {
      incoming.off('data', onData); incoming.off('end', onEnd); incoming.off('error', onGone); incoming.off('close', onClose);
    };
    const fail = (e: unknown) => { cleanup(); incoming.resume(); reject(e); };
    const append = (chunk: Uint8Array) => {
      if (buf === undefined) buf = new Uint8Array(declared !== undefined && Number.isFinite(declared) ? declared : Math.max(64 * 1024, size));
      if (size + chunk.byteLength > buf.byteLength) {
        const grown = new Uint8Array(Math.min(limitBytes, Math.max(buf.byteLength * 2, size + chunk.byteLength)));
        grown.set(buf.subarray(0, size));
        buf = grown;
      }
      buf.set(chunk, size);
      size += chunk.byteLength;
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.byteLength > limitBytes) { fail(new BodyTooLargeError(limitBytes)); return; }
      if (chunks !== undefined) {
        chunks.push(chunk);
        size += chunk.byteLength;
        if (!checked && size < prefix!.bytes) return;
        const held = chunks;
        chunks = undefined;
        size = 0;
        for (const c of held) append(c);
      } else append(chunk);
      if (!checked) {
        checked = true;
        try { prefix!.check(buf!.subarray(0, prefix!.bytes)); } catch (e) { fail(e); }
      }
    };
    const onEnd = () => {
      cleanup();
      if (chunks !== undefined) { const held = chunks; chunks = undefined; size = 0; for (const c of held) append(c); }
      if (buf === undefined) { resolve(new Uint8Array(0)); return; }
      resolve(size === buf.byteLength ? buf : buf.subarray(0, size));
    };
    const onGone = () => { cleanup(); reject(new ServiceError('cancelled', 'client disconnected while sending the body')); };
    const onClose = () => { if (!incoming.complete) onGone(); };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onGone);
    incoming.on('close', onClose);
  });
}

/** Body bytes from a web Request, or BodyTooLargeError once more than `limitBytes` arrive. */
export async function readBodyLimited(req: Request, limitBytes: number): Promise<Uint8Array> {
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > limitBytes) throw new BodyTooLargeError(limitBytes);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(limitBytes);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) { out.set(c, offset); offset += c.byteLength; }
  return out;
}
