/**
 * Decode worker thread: JPEG/PNG decode + OFA preprocessing for the pool in decode-pool.ts, so the
 * HTTP/scheduling thread never spends ~100 ms on an image.
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { decodeImage } from './decode.ts';
import { preprocessOfa } from './preprocess.ts';
import type { DecodeReply, DecodeRequest } from './decode-messages.ts';

const port = parentPort;
if (port === null) throw new Error('decode-worker must run in a worker thread');

port.on('message', (req: DecodeRequest) => {
  let reply: DecodeReply;
  try {
    const pixels = preprocessOfa(decodeImage(req.bytes, req.maxPixels === undefined ? {} : { maxPixels: req.maxPixels }), req.size);
    reply = { type: 'done', id: req.id, pixels };
    port.postMessage(reply, [pixels.buffer as ArrayBuffer]);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { type: 'failed', id: req.id, name: e.name, message: e.message };
    port.postMessage(reply);
  }
});
port.postMessage({ type: 'ready' } satisfies DecodeReply);
