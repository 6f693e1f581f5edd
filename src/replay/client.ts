/**
 * Open-loop trace replay against a running server (KServe V2 `POST /v2/models/{model}/infer`): each request is
 * sent at its scheduled time whether or not earlier ones returned, latency is counted from the scheduled time
 * (no coordinated omission), and the client reports its own send lag. Results go into the same RunRecorder
 * (summary.json row and time series) as the simulator, from the responses' `parameters`. Requests use the
 * binary tensor data extension by default (raw float32 after a small JSON header, binary outputs back), which
 * costs the server far less than parsing and printing JSON number arrays; `encoding: 'json'` sends plain V2 JSON.
 * @module
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { classesOf, DEFAULT_PRIORITY_LEVELS } from '../sim/request-classes.ts';
import { quantile, RunRecorder, type SummaryRun } from '../sim/summary.ts';
import { fp32Bytes, frameBinaryBody, INFERENCE_HEADER_CONTENT_LENGTH } from '../protocol/v2-binary.ts';

export class ReplayError extends Error {
  constructor(message: string) { super(message); this.name = 'ReplayError'; }
}

export interface ReplayOptions {
  url: string;
  model: string;
  arrivalsMs: Float64Array;
  traceName: string;
  sloMs: number;
  /** Per-request SLOs (0 = `sloMs`) and Triton priorities (0 = default), from a v2 trace: sent per request, reported per class. */
  requestSloMs?: Float64Array;
  requestPriority?: Int32Array;
  /** The server's `--priority-levels` (to map priorities to classes as it does). @default 2 */
  priorityLevels?: number;
  /** Per-request give-up time (counted as unanswered, errors.timeout). @default 30000 */
  timeoutMs?: number;
  /** Sub-network ids expected in responses (for subnet_mix / series); others are added as seen. @default 0..5 */
  subnetIds?: number[];
  seed?: number;
  /** 'binary': Triton's binary tensor data extension; 'json': FP32 as JSON numbers. @default 'binary' */
  encoding?: ReplayEncoding;
  onProgress?: (done: number, total: number) => void;
}

export interface ReplayResult {
  run: SummaryRun;
  recorder: RunRecorder;
  lag: { p50: number; p99: number; max: number };
  imageSize: number;
  /** What the server said about its model before the replay. */
  model: ModelInfo;
}

export type ReplayEncoding = 'binary' | 'json';

interface ResponseParams { subnet_id?: number; accuracy?: number; batch_size?: number; deadline_met?: boolean }

export interface ModelInfo { imageSize: number; policy?: string; workers?: number; subnetIds?: number[]; subnets?: { id: number; accuracy: number }[] }

/** From GET /v2/models/{model}: image size (224 when absent), policy, workers, sub-networks, top level or under `parameters`. */
export async function fetchModelInfo(url: string, model: string): Promise<ModelInfo> {
  let res: Response;
  try { res = await fetch(`${url}/v2/models/${encodeURIComponent(model)}`); } catch (e) {
    throw new ReplayError(`cannot reach ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new ReplayError(`GET ${url}/v2/models/${model} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  interface Fields { image_size?: unknown; policy?: unknown; workers?: { total?: unknown }; subnets?: { id?: unknown; accuracy?: unknown }[] }
  const meta = (await res.json()) as Fields & { imageSize?: unknown; parameters?: Fields };
  const p = meta.parameters ?? {};
  const s = meta.imageSize ?? p.image_size;
  const policy = meta.policy ?? p.policy;
  const total = meta.workers?.total ?? p.workers?.total;
  const list = Array.isArray(meta.subnets) ? meta.subnets : Array.isArray(p.subnets) ? p.subnets : [];
  const ids = list.map((x) => x?.id).filter((x): x is number => typeof x === 'number');
  const subnets = list.filter((x) => typeof x?.id === 'number' && typeof x?.accuracy === 'number') as { id: number; accuracy: number }[];
  return {
    imageSize: typeof s === 'number' && Number.isInteger(s) && s > 0 ? s : 224,
    ...(typeof policy === 'string' ? { policy } : {}),
    ...(typeof total === 'number' ? { workers: total } : {}),
    ...(ids.length ? { subnetIds: ids } : {}),
    ...(subnets.length ? { subnets: subnets.map(({ id, accuracy }) => ({ id, accuracy })) } : {}),
  };
}

/** A fixed pseudo-random image [1,3,S,S] (values in -1..1, 3 decimals), row-major. */
export function pseudoImage(imageSize: number, seed = 1): number[] {
  const n = 3 * imageSize * imageSize;
  const data = new Array<number>(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; x >>>= 0; data[i] = Math.round(((x / 4294967296) * 2 - 1) * 1000) / 1000; }
  return data;
}

/**
 * The outputs every replayed request names: a classifier's answer. Left out, the server would return all
 * seven outputs; the replay reads only the response parameters, and naming these keeps each request's work
 * what earlier result files measured.
 */
export const REPLAY_OUTPUTS = [{ name: 'logits' }, { name: 'top5' }] as const;

/** The pseudo-random image serialised once into a JSON V2 request body. */
export function inferBody(imageSize: number, sloMs: number, seed = 1, priority?: number): string {
  const data = pseudoImage(imageSize, seed);
  return JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, imageSize, imageSize], data }], parameters: { slo_ms: sloMs, ...(priority ? { priority } : {}) }, outputs: REPLAY_OUTPUTS });
}

/** The same image as a binary-extension body (outputs asked for as binary too); send `headerLength` in the header. */
export function inferBodyBinary(imageSize: number, sloMs: number, seed = 1, priority?: number): { body: Uint8Array<ArrayBuffer>; headerLength: number } {
  const pixels = fp32Bytes(new Float32Array(pseudoImage(imageSize, seed)));
  return frameBinaryBody({
    inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, imageSize, imageSize], parameters: { binary_data_size: pixels.byteLength } }],
    parameters: { slo_ms: sloMs, binary_data_output: true, ...(priority ? { priority } : {}) },
    outputs: REPLAY_OUTPUTS,
  }, [pixels]);
}

/** Body and headers of the request every replayed arrival sends. */
export function inferRequest(imageSize: number, sloMs: number, seed: number, encoding: ReplayEncoding, priority?: number): { body: string | Uint8Array<ArrayBuffer>; headers: Record<string, string> } {
  if (encoding === 'json') return { body: inferBody(imageSize, sloMs, seed, priority), headers: { 'content-type': 'application/json' } };
  const { body, headerLength } = inferBodyBinary(imageSize, sloMs, seed, priority);
  return { body, headers: { 'content-type': 'application/octet-stream', [INFERENCE_HEADER_CONTENT_LENGTH]: String(headerLength) } };
}

/** The JSON part of a reply: all of it, or the first Inference-Header-Content-Length bytes of a binary one. */
async function replyJsonText(res: Response): Promise<string> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  const header = res.headers.get(INFERENCE_HEADER_CONTENT_LENGTH);
  const n = header === null ? bytes.byteLength : Math.min(Number(header), bytes.byteLength);
  return new TextDecoder().decode(bytes.subarray(0, Number.isInteger(n) && n >= 0 ? n : bytes.byteLength));
}

/** Error class for `errors`: "<status> <first words of the message>", e.g. "503 queue is full". */
export function errorClass(status: number, body: string): string {
  let msg = '';
  try { msg = String((JSON.parse(body) as { error?: unknown }).error ?? ''); } catch { msg = body; }
  const cls = msg.toLowerCase().replace(/[0-9.]+/g, '#').split(/[:(]/)[0]!.trim().split(/\s+/).slice(0, 4).join(' ');
  return cls ? `${status} ${cls}` : String(status);
}

export async function replay(o: ReplayOptions): Promise<ReplayResult> {
  const url = o.url.replace(/\/+$/, '');
  const info = await fetchModelInfo(url, o.model);
  const imageSize = info.imageSize;
  const encoding = o.encoding ?? 'binary';
  const endpoint = `${url}/v2/models/${encodeURIComponent(o.model)}/infer`;
  const n = o.arrivalsMs.length;
  const durationMs = n ? o.arrivalsMs[n - 1]! : 0;
  const rec = new RunRecorder(n, durationMs, o.subnetIds ?? info.subnetIds ?? [0, 1, 2, 3, 4, 5]);
  // One body per request class (SLO x priority level); the default level is sent as no priority at all.
  const levels = o.priorityLevels ?? DEFAULT_PRIORITY_LEVELS;
  const rc = classesOf({
    meta: { kind: 'replay', durationS: durationMs / 1000 }, arrivalsMs: o.arrivalsMs,
    ...(o.requestSloMs ? { sloMs: o.requestSloMs.subarray(0, n) } : {}), ...(o.requestPriority ? { priority: o.requestPriority.subarray(0, n) } : {}),
  }, o.sloMs, levels);
  rec.useClasses(rc.classes, rc.classOf);
  const requests = rc.classes.map((c) => inferRequest(imageSize, c.slo_ms, o.seed ?? 1, encoding, c.priority < levels ? c.priority : undefined));
  const timeoutMs = o.timeoutMs ?? 30_000;
  const lags = new Float64Array(n);
  let done = 0;
  let unanswered = 0;
  const inflight: Promise<void>[] = [];
  const start = performance.now();

  const sendOne = async (i: number, scheduled: number): Promise<void> => {
    const { body, headers } = requests[rc.classOf[i]!]!;
    const sloMs = rc.sloMs[i]!;
    try {
      const res = await fetch(endpoint, {
        method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await replyJsonText(res);
      const latency = performance.now() - start - scheduled;
      if (res.status === 200) {
        const p = ((JSON.parse(text) as { parameters?: ResponseParams }).parameters ?? {});
        const subnet = typeof p.subnet_id === 'number' ? p.subnet_id : -1;
        const acc = typeof p.accuracy === 'number' ? p.accuracy : 0;
        rec.served(scheduled, latency, latency <= sloMs, subnet, acc, i);
        rec.servedFromBatch(scheduled, subnet, typeof p.batch_size === 'number' ? p.batch_size : 1, acc);
      } else {
        rec.failed(errorClass(res.status, text), true, 1, [i]);
      }
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      if (err.name === 'TimeoutError' || err.name === 'AbortError') { rec.failed('timeout', false, 1, [i]); unanswered++; }
      else { rec.failed(`network ${err.cause?.code ?? err.name}`, false, 1, [i]); unanswered++; }
    }
    done++;
    o.onProgress?.(done, n);
  };

  for (let i = 0; i < n; i++) {
    const scheduled = o.arrivalsMs[i]!;
    const wait = scheduled - (performance.now() - start);
    if (wait >= 1) await sleep(wait); // timers are ms-granular: sub-ms gaps are sent at once, the lag shows it
    lags[i] = performance.now() - start - scheduled;
    rec.arrived(scheduled);
    inflight.push(sendOne(i, scheduled));
  }
  await Promise.all(inflight);
  const sortedLag = lags.slice().sort();
  const lag = { p50: quantile(sortedLag, 0.5), p99: quantile(sortedLag, 0.99), max: n ? sortedLag[n - 1]! : 0 };
  const run = rec.toRun({
    experiment: 'replay', trace: o.traceName, policy: info.policy ?? 'server', workers: info.workers ?? 0, slo_ms: o.sloMs,
    params: {
      url, model: o.model, image_size: imageSize, encoding, lag_p50_ms: round3(lag.p50), lag_p99_ms: round3(lag.p99), lag_max_ms: round3(lag.max),
      latency_from: 'scheduled send time',
      ...(unanswered ? { unanswered, unanswered_reason: `no response within ${timeoutMs} ms or connection error (see errors)` } : {}),
    },
  });
  return { run, recorder: rec, lag, imageSize, model: info };
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
