/**
 * Compressed request bodies (`Content-Encoding: gzip | deflate`, as Triton's clients send them) and
 * compressed replies (`Accept-Encoding`). A body is inflated while it streams in, on node:zlib's
 * thread pool (never on the event loop), and the body limit applies to both the compressed and the
 * decompressed size, so a compression bomb stops at the limit with 413 instead of filling memory.
 * @module
 */
import { createGunzip, createInflate, createInflateRaw, type Gunzip, type Inflate, type InflateRaw } from 'node:zlib';
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { compress } from 'hono/compress';
import { BodyTooLargeError, RequestValidationError, UnsupportedError } from '../protocol/errors.ts';
import { ServiceError } from '../serving/types.ts';

export type ContentCoding = 'gzip' | 'deflate';

/** The request's content coding, or undefined for none; 415 for one this server does not speak. */
export function contentCoding(header: string | null | undefined): ContentCoding | undefined {
  const value = (header ?? '').trim().toLowerCase();
  if (value === '' || value === 'identity') return undefined;
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  if (value === 'deflate') return 'deflate';
  throw new UnsupportedError(`Content-Encoding '${header}' is not supported (use gzip, deflate or identity)`, 415);
}

/**
 * The request body of a compressed request, inflated as it arrives (Node's request read directly under
 * @hono/node-server, the web stream otherwise); 413 past `limitBytes` compressed or decompressed, 400 for
 * data that is not valid `coding`, ServiceError 'cancelled' when the client leaves mid-body.
 */
export async function readCompressedBody(c: Context, coding: ContentCoding, limitBytes: number): Promise<Uint8Array> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > limitBytes) {
    incoming?.resume();
    throw new BodyTooLargeError(limitBytes);
  }
  if (incoming !== undefined && typeof incoming.on === 'function') return inflateIncoming(incoming, coding, limitBytes);
  return inflateLimited(coding, c.req.raw.body ?? [], limitBytes);
}

/**
 * Inflates chunk by chunk under a limit on the output (and on the input). `deflate` accepts both the zlib
 * format (RFC 1950, what HTTP means) and raw deflate (RFC 1951, what some clients send).
 */
class LimitedInflater {
  private zlib: Gunzip | Inflate | InflateRaw | undefined;
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private compressed = 0;
  private failure: Error | undefined;
  private closed: Promise<void> | undefined;
  private ended: Promise<void> | undefined;

  constructor(private readonly coding: ContentCoding, private readonly limitBytes: number) {}

  /** Inflates `chunk` before resolving, so a bomb stops being read at the limit. */
  async write(chunk: Uint8Array): Promise<void> {
    this.compressed += chunk.byteLength;
    if (this.compressed > this.limitBytes) this.fail(new BodyTooLargeError(this.limitBytes));
    this.throwIfFailed();
    const z = this.zlib ?? this.start(chunk);
    await Promise.race([new Promise<void>((r) => z.write(chunk, () => r())), this.closed]);
    this.throwIfFailed();
  }

  async end(): Promise<Uint8Array> {
    this.throwIfFailed();
    const z = this.zlib ?? this.start(new Uint8Array(0));
    z.end();
    await Promise.race([this.ended, this.closed]);
    this.throwIfFailed();
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
  }

  destroy(): void { this.zlib?.destroy(); }

  private start(first: Uint8Array): Gunzip | Inflate | InflateRaw {
    const z = this.coding === 'gzip' ? createGunzip() : isZlibHeader(first) ? createInflate() : createInflateRaw();
    this.zlib = z;
    this.closed = new Promise<void>((r) => z.once('close', r));
    this.ended = new Promise<void>((r) => z.once('end', r));
    z.on('data', (c: Buffer) => {
      this.size += c.byteLength;
      if (this.size > this.limitBytes) this.fail(new BodyTooLargeError(this.limitBytes, 'decompressed request body'));
      else this.chunks.push(c);
    });
    z.on('error', (e: Error) => this.fail(new RequestValidationError(`request body is not valid ${this.coding} data: ${e.message}`)));
    return z;
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.zlib?.destroy();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}

/** Inflate `input` (chunks, or a web stream read as it arrives and cancelled on failure) under `limitBytes` of output. */
export async function inflateLimited(coding: ContentCoding, input: ReadableStream<Uint8Array> | Iterable<Uint8Array>, limitBytes: number): Promise<Uint8Array> {
  const inflater = new LimitedInflater(coding, limitBytes);
  if (!(input instanceof ReadableStream)) {
    for (const chunk of input) await inflater.write(chunk);
    return inflater.end();
  }
  const reader = input.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await inflater.write(value);
    }
    return await inflater.end();
  } catch (err) {
    inflater.destroy();
    void reader.cancel().catch(() => {});
    throw err;
  }
}

/** Node's request, paused while each chunk inflates; on failure the rest is discarded unread (the reply can still go out). */
function inflateIncoming(incoming: IncomingMessage, coding: ContentCoding, limitBytes: number): Promise<Uint8Array> {
  const inflater = new LimitedInflater(coding, limitBytes);
  return new Promise<Uint8Array>((resolve, reject) => {
    let pending = Promise.resolve();
    let done = false;
    const cleanup = () => {
      incoming.off('data', onData); incoming.off('end', onEnd); incoming.off('error', onGone); incoming.off('close', onClose);
    };
    const fail = (e: unknown) => {
      if (done) return;
      done = true;
      cleanup();
      inflater.destroy();
      incoming.resume();
      reject(e);
    };
    const onData = (chunk: Buffer) => {
      incoming.pause();
      pending = pending.then(() => inflater.write(chunk)).then(() => { if (!done) incoming.resume(); }, fail);
    };
    const onEnd = () => {
      pending.then(() => inflater.end()).then((body) => { if (!done) { done = true; cleanup(); resolve(body); } }, fail);
    };
    const onGone = () => fail(new ServiceError('cancelled', 'client disconnected while sending the body'));
    const onClose = () => { if (!incoming.complete) onGone(); };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onGone);
    incoming.on('close', onClose);
  });
}

/** RFC 1950: CM = 8 (deflate) and the 16-bit header divisible by 31. */
function isZlibHeader(b: Uint8Array | undefined): boolean {
  return b !== undefined && b.byteLength >= 2 && (b[0]! & 0x0f) === 8 && ((b[0]! << 8) | b[1]!) % 31 === 0;
}

/**
 * Replies compressed as the client's `Accept-Encoding` prefers (gzip or deflate; Hono's compress
 * middleware on CompressionStream), JSON and binary tensor replies alike, from 1 KiB up.
 */
export function compressReplies(): MiddlewareHandler {
  // Not text/event-stream: a compressor buffers, and a stream of events must reach the client as sent.
  return compress({ contentTypeFilter: (type) => /^(application\/(json|octet-stream)|text\/(?!event-stream))/i.test(type) });
}
