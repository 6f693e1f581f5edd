/**
 * A request-preparation thread: parses and validates large infer bodies and decodes JPEG/PNG images (libvips),
 * so the HTTP/scheduling thread never spends more than a few microseconds per request on them.
 * @module
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { decodeImageFast } from '../../imaging/native-decode.ts';
import { preprocessOfa } from '../../imaging/preprocess.ts';
import { parseJson } from '../../protocol/json-body.ts';
import { parseInferRequest, type ParsedInferRequest } from '../../protocol/v2-codec.ts';
import { PREP_THREAD_NICE, type PrepReply, type PrepRequest } from './prep-messages.ts';

if (parentPort === null) throw new Error('prep-worker must run in a worker thread');
const port = parentPort;

// Below the HTTP thread and the inference threads when the cores are saturated: preparing more requests
// than can be served only lengthens the queue (the pool's backlog admission then refuses early). On Linux
// the nice value is per thread, so this lowers only this thread; elsewhere it would renice the whole process.
if (process.platform === 'linux') {
  try { setPriority(0, PREP_THREAD_NICE); } catch { /* not permitted: run at normal priority */ }
}

port.on('message', (req: PrepRequest) => void handle(req));

async function handle(req: PrepRequest): Promise<void> {
  try {
    if (req.kind === 'calibrate') {
      const t0 = performance.now();
      Float32Array.from(JSON.parse(new TextDecoder().decode(req.json)) as number[]);
      await decodeImageFast(req.image); // loads the decoder: not part of the per-image cost
      const t1 = performance.now();
      const img = await decodeImageFast(req.image);
      preprocessOfa(img, 224);
      const t2 = performance.now();
      port.postMessage({ type: 'calibrated', id: req.id, parseMsPerMb: (t1 - t0) / (req.json.byteLength / 1e6), decodeMsPerMp: (t2 - t1) / ((img.width * img.height) / 1e6) } satisfies PrepReply);
      return;
    }
    if (req.kind === 'decode') {
      const pixels = preprocessOfa(await decodeImageFast(req.bytes, { maxPixels: req.maxPixels }), req.size);
      port.postMessage({ type: 'decoded', id: req.id, pixels } satisfies PrepReply, [pixels.buffer as ArrayBuffer]);
      return;
    }
    const request = parseInferRequest(parseJson(req.json), req.meta, req.limits, req.binary);
    port.postMessage({ type: 'parsed', id: req.id, request } satisfies PrepReply, transferables(request));
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    port.postMessage({ type: 'failed', id: req.id, name: e.name, message: e.message } satisfies PrepReply);
  }
}
port.postMessage({ type: 'ready' } satisfies PrepReply);

/** Buffers of the parsed request this thread owns outright (views into the body are copied instead). */
function transferables(r: ParsedInferRequest): ArrayBuffer[] {
  if (r.input.kind !== 'tensor') return [];
  const data = r.input.batch.data;
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? [data.buffer as ArrayBuffer] : [];
}
