/**
 * Compressed request bodies (`Content-Encoding: gzip | deflate`, as Triton's clients send them) and
 * compressed replies (`Accept-Encoding`). A body is inflated while it streams in, on node:zlib's
 * thread pool (never on the event loop), and the body limit applies to both the compressed and the
 * decompressed size, so a compression bomb stops at the limit with 413 instead of filling memory.
 * @module
 */
import { createGunzip, createInflate, createInflateRaw, type Gunzip, type Inflate, type InflateRaw } from 'node:zlib';
import type { MiddlewareHandler } from 'hono';
import { compress } from 'hono/compress';
import { BodyTooLargeError, RequestValidationError, UnsupportedError } from '../protocol/errors.ts';
import { readBodyLimited } from './body.ts';

export type ContentCoding = 'gzip' | 'deflate';

/** The request's content coding, or undefined for none; 415 for one this server does not speak. */
export function contentCoding(header: string | null | undefined): ContentCoding | undefined {
  const value = (header ?? '').trim().toLowerCase();
  if (value === '' || value === 'identity') return undefined;
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  if (value === 'deflate') return 'deflate';
  throw new UnsupportedError(`Content-Encoding '${header}' is not supported (use gzip, deflate or identity)`, 415);
}

/** The request body, decompressed when `Content-Encoding` says so; 413 past `limitBytes` either way. */
export async function readRequestBody(req: Request, limitBytes: number): Promise<Uint8Array> {
  const coding = contentCoding(req.headers.get('content-encoding'));
  if (coding === undefined) return readBodyLimited(req, limitBytes);
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > limitBytes) throw new BodyTooLargeError(limitBytes);
  if (!req.body) return inflateLimited(coding, [], limitBytes);
  return inflateLimited(coding, req.body, limitBytes);
}

/**
 * Inflate `input` (chunks, or a stream read as it arrives) under `limitBytes` of output. `deflate` accepts
 * both the zlib format (RFC 1950, what HTTP means) and raw deflate (RFC 1951, what some clients send).
 */
export async function inflateLimited(coding: ContentCoding, input: ReadableStream<Uint8Array> | Iterable<Uint8Array>, limitBytes: number): Promise<Uint8Array> {
  const reader = input instanceof ReadableStream ? input.getReader() : undefined;
  const iterator = input instanceof ReadableStream ? undefined : input[Symbol.iterator]();
  const next = async (): Promise<Uint8Array | undefined> => {
    if (reader) { const r = await reader.read(); return r.done ? undefined : r.value; }
    const r = iterator!.next(); return r.done ? undefined : r.value;
  };
  const first = await next();
  const zlib: Gunzip | Inflate | InflateRaw = coding === 'gzip' ? createGunzip() : isZlibHeader(first) ? createInflate() : createInflateRaw();
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const fail = (err: Error): void => {
      if (done) return;
      done = true;
      zlib.destroy();
      void reader?.cancel().catch(() => {});
      reject(err);
    };
    zlib.on('data', (c: Buffer) => {
      size += c.byteLength;
      if (size > limitBytes) fail(new BodyTooLargeError(limitBytes, 'decompressed request body'));
      else chunks.push(c);
    });
    zlib.on('error', (e: Error) => fail(new RequestValidationError(`request body is not valid ${coding} data: ${e.message}`)));
    zlib.on('end', () => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    const closed = new Promise<void>((r) => zlib.once('close', r));
    // Each chunk is inflated before the next is read, so a bomb stops being read at the limit.
    void (async () => {
      let compressed = 0;
      for (let chunk = first; chunk !== undefined && !done; chunk = await next()) {
        compressed += chunk.byteLength;
        if (compressed > limitBytes) return fail(new BodyTooLargeError(limitBytes));
        const c = chunk;
        await Promise.race([new Promise<void>((r) => zlib.write(c, () => r())), closed]);
      }
      if (!done) zlib.end();
    })().catch((e: unknown) => fail(e instanceof Error ? e : new Error(String(e))));
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
  return compress({ contentTypeFilter: (type) => /^(application\/(json|octet-stream)|text\/)/i.test(type) });
}
