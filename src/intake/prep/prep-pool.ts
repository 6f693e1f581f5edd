/**
 * Request preparation off the HTTP/scheduling thread: a few worker threads parse large infer bodies and
 * decode JPEG/PNG images. p-queue does the queueing: at most one job per thread runs, waiting jobs leave
 * in earliest-deadline order (priority = -deadline), a job whose client left is dropped from the queue
 * (its AbortSignal), and the number of waiting jobs is bounded (503 beyond). A multi-image request is
 * one job per image, so its images interleave with other requests' by deadline: one request cannot
 * hold the pool while others wait.
 *
 * Admission: the pool keeps a running estimate of each job kind's cost (ms per JSON megabyte, ms per
 * decoded megapixel; EWMA of what it measured). A request whose jobs cannot be done by its deadline
 * behind the work already waiting is refused at once (503 'overloaded', Retry-After = the backlog).
 *
 * Budgets: a job still waiting at its deadline is answered 504 then (a timer); a job still running at its
 * deadline is answered 504 then too: a decode has its thread terminated and replaced once the libvips work it
 * started has ended (libuv's pool cannot cancel it), so native decodes never outnumber the threads; a parse (bounded by the body limit, and more
 * likely starved than stuck) is left to finish on its thread, its result dropped. The deadline a caller
 * passes is its work deadline: the latest time preparation may end so that inference can still make the
 * request's deadline. Pixel budgets are checked from the
 * image headers on the caller's side, before anything is queued (see image-budget.ts).
 * @module
 */
import PQueue from 'p-queue';
import { Worker } from 'node:worker_threads';
import { ImageDecodeError } from '../../imaging/decode.ts';
import { gradientJpeg } from '../../imaging/gradient-jpeg.ts';
import { imageDimensions } from '../../imaging/dimensions.ts';
import { PreprocessError } from '../../imaging/preprocess.ts';
import { ServiceError, type ImageBatch, type ModelMetadata } from '../../serving/types.ts';
import { RequestValidationError } from '../../protocol/errors.ts';
import type { EncodedImages } from '../image-batch.ts';
import type { CodecLimits, ParsedInferRequest } from '../../protocol/v2-codec.ts';
import type { PrepReply, PrepRequest } from './prep-messages.ts';

const BOOT = new URL('./prep-worker-boot.mjs', import.meta.url);

export interface PrepPoolOptions {
  /** Worker threads. @default 1 */
  threads?: number;
  /** Most jobs (bodies + images) waiting for a thread; beyond it requests get 503. @default 256 */
  maxWaiting?: number;
  /** Largest width*height of one image. */
  maxImagePixels: number;
  /** The service clock (deadlines are on it). */
  now: () => number;
}

export interface JobOptions {
  /** Service-clock time after which the result is useless (answered 504). */
  deadline: number;
  signal?: AbortSignal;
}

export interface PrepPool {
  readonly threads: number;
  /** Threads running now. */
  readonly alive: number;
  /** Jobs waiting for a thread. */
  readonly waiting: number;
  /** Threads terminated for a decode past its deadline (and replaced), since start. */
  readonly restarts: number;
  /** Current cost estimates: ms per JSON megabyte parsed, ms per megapixel decoded. */
  readonly costs: Readonly<{ parse: number; decode: number }>;
  /** Resolves once every thread has started (a server waits for it before it says ready). */
  ready(): Promise<void>;
  parse(json: Uint8Array, binary: Uint8Array | undefined, meta: ModelMetadata, limits: CodecLimits, job: JobOptions): Promise<ParsedInferRequest>;
  decode(images: EncodedImages, job: JobOptions): Promise<ImageBatch>;
  /** Refuse new and waiting jobs (503), let running ones finish, end the threads. Idempotent. */
  close(): Promise<void>;
}

export class PrepPoolError extends Error { override name = 'PrepPoolError'; }

export function createPrepPool(opts: PrepPoolOptions): PrepPool {
  return new WorkerPrepPool(opts);
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type CostKind = 'parse' | 'decode';
type Job = WithoutId<PrepRequest> & { transfer: ArrayBuffer[]; /** MB of JSON or MP of pixels */ units: number };

/** Estimates, ms per unit (JSON megabyte / decoded megapixel), until ready() measured them on a thread. */
const INITIAL_MS_PER_UNIT = { parse: 25, decode: 20 };
const COST_EWMA_ALPHA = 0.1;
/** Small jobs cost a fixed overhead more than their size: count each as at least this many units. */
const MIN_UNITS = { parse: 0.05, decode: 0.25 };
interface Running { id: number; resolve: (r: PrepReply) => void; reject: (e: Error) => void }
interface Slot { worker: Worker; running?: Running; ready: boolean; started: Promise<void>; killed?: boolean; exited: Promise<void> }

class WorkerPrepPool implements PrepPool {
  readonly threads: number;
  readonly #opts: PrepPoolOptions;
  readonly #maxWaiting: number;
  readonly #queue: PQueue;
  readonly #slots = new Set<Slot>();
  readonly #closed = new AbortController();
  #nextId = 1;
  #restarts = 0;
  /** Estimated ms of the jobs waiting for a thread (sum over them). */
  #waitingMs = 0;
  #msPerUnit = { ...INITIAL_MS_PER_UNIT };
  #calibrated: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  /** Set when a thread died before it started: restarting would only fail again. */
  #broken: string | undefined;

  constructor(opts: PrepPoolOptions) {
    const threads = opts.threads ?? 1;
    const maxWaiting = opts.maxWaiting ?? 256;
    if (!Number.isInteger(threads) || threads < 1) throw new PrepPoolError(`prep pool threads must be an integer >= 1, got ${threads}`);
    if (!Number.isInteger(maxWaiting) || maxWaiting < 1) throw new PrepPoolError(`prep pool maxWaiting must be an integer >= 1, got ${maxWaiting}`);
    this.threads = threads;
    this.#opts = opts;
    this.#maxWaiting = maxWaiting;
    this.#queue = new PQueue({ concurrency: threads });
    for (let i = 0; i < threads; i++) this.#spawn();
  }

  get alive(): number { return this.#slots.size; }
  get waiting(): number { return this.#queue.size; }
  get restarts(): number { return this.#restarts; }
  get costs(): Readonly<{ parse: number; decode: number }> { return { ...this.#msPerUnit }; }

  /** Threads started, and the starting cost estimates measured on one of them (not assumed). */
  ready(): Promise<void> {
    return (this.#calibrated ??= (async () => {
      await Promise.all([...this.#slots].map((s) => s.started));
      if (this.#broken !== undefined) throw new PrepPoolError(`request preparation pool is broken: ${this.#broken}`);
      const { json, image } = calibrationInputs();
      const reply = await this.#queue.add(() => this.#onThread({ kind: 'calibrate', json, image, transfer: [], units: 0 }, Number.POSITIVE_INFINITY, () => {}));
      if (reply.type === 'calibrated') this.#msPerUnit = { parse: reply.parseMsPerMb, decode: reply.decodeMsPerMp };
    })());
  }

  async parse(json: Uint8Array, binary: Uint8Array | undefined, meta: ModelMetadata, limits: CodecLimits, job: JobOptions): Promise<ParsedInferRequest> {
    const units = Math.max(MIN_UNITS.parse, (json.byteLength + (binary?.byteLength ?? 0)) / 1e6);
    this.#admit(1, 'parse', units, job.deadline);
    const reply = await this.#run({ kind: 'parse', json, ...(binary ? { binary } : {}), meta, limits, transfer: [], units }, job);
    if (reply.type !== 'parsed') throw new PrepPoolError(`unexpected reply ${reply.type}`);
    return reply.request;
  }

  async decode(images: EncodedImages, job: JobOptions): Promise<ImageBatch> {
    const { items, size } = images;
    const megapixels = items.map((bytes) => { const d = imageDimensions(bytes); return Math.max(MIN_UNITS.decode, d ? (d.width * d.height) / 1e6 : 1); });
    this.#admit(items.length, 'decode', megapixels.reduce((a, b) => a + b, 0), job.deadline);
    // One failure fails the request: the images still waiting are dropped, not decoded.
    const failed = new AbortController();
    const signal = job.signal ? AbortSignal.any([job.signal, failed.signal]) : failed.signal;
    const perImage = size * size * 3;
    const data = new Float32Array(items.length * perImage);
    await Promise.all(items.map(async (bytes, index) => {
      try {
        // A copy we own, so its buffer can be transferred (the caller's may be a view into the body).
        const own = new Uint8Array(bytes);
        const reply = await this.#run({ kind: 'decode', bytes: own, size, maxPixels: this.#opts.maxImagePixels, transfer: [own.buffer], units: megapixels[index]! }, { deadline: job.deadline, signal });
        if (reply.type !== 'decoded') throw new PrepPoolError(`unexpected reply ${reply.type}`);
        data.set(reply.pixels, index * perImage);
      } catch (err) {
        failed.abort();
        throw err instanceof ImageDecodeError ? new RequestValidationError(`input '${images.inputName}': data[${index}]: ${err.message}`) : err;
      }
    }));
    return { data, n: items.length, height: size, width: size };
  }

  close(): Promise<void> {
    return (this.#closing ??= (async () => {
      this.#closed.abort(new ServiceError('shutting_down', 'server is shutting down', 1));
      await this.#queue.onIdle();
      const exits = [...this.#slots].map((s) => s.exited);
      await Promise.all([...this.#slots].map((s) => s.worker.terminate()));
      await Promise.all(exits);
    })());
  }

  #admit(jobs: number, kind: CostKind, units: number, deadline: number): void {
    if (this.#closing) throw new ServiceError('shutting_down', 'server is shutting down', 1);
    if (this.#broken !== undefined) throw new PrepPoolError(`request preparation pool is broken: ${this.#broken}`);
    const backlogMs = this.#waitingMs / this.threads;
    // A request larger than the whole bound is still admitted when nothing waits, or it could never run.
    if (this.#queue.size > 0 && this.#queue.size + jobs > this.#maxWaiting) {
      throw new ServiceError('queue_full', `request preparation queue is full (${this.#queue.size} jobs waiting, limit ${this.#maxWaiting})`, Math.max(1, backlogMs / 1000));
    }
    const doneAt = this.#opts.now() + backlogMs + (units * this.#msPerUnit[kind]) / this.threads;
    if (this.#queue.size > 0 && doneAt > deadline) {
      throw new ServiceError('overloaded', `overloaded: ${this.#queue.size} jobs wait for the ${this.threads} preparation thread(s) (about ${backlogMs.toFixed(0)} ms); this request could not be ${kind === 'decode' ? 'decoded' : 'parsed'} before its deadline`, Math.max(1, backlogMs / 1000));
    }
  }

  async #run(job: Job & { kind: CostKind }, opts: JobOptions): Promise<PrepReply> {
    const estimate = job.units * this.#msPerUnit[job.kind];
    this.#waitingMs += estimate;
    let started = false;
    // Cancellation (client gone, pool closing) only removes a job that still waits: p-queue would also settle a
    // running one early and start the next job on a thread that is still busy.
    const waiting = new AbortController();
    const stopWaiting = (reason: unknown) => { if (!started) waiting.abort(reason); };
    const onClientGone = () => stopWaiting(new ServiceError('cancelled', 'client disconnected'));
    const onClosed = () => stopWaiting(this.#closed.signal.reason);
    opts.signal?.addEventListener('abort', onClientGone, { once: true });
    this.#closed.signal.addEventListener('abort', onClosed, { once: true });
    if (opts.signal?.aborted) onClientGone();
    // A job still waiting at its deadline is answered then, not when a thread would have reached it.
    const expiry = Number.isFinite(opts.deadline) ? setTimeout(() => stopWaiting(new ServiceError('deadline',
      `the request waited for a preparation thread until its deadline (${this.#queue.size} jobs waiting for ${this.threads} thread(s))`)),
    Math.max(0, opts.deadline - this.#opts.now())) : undefined;
    // A parse past its deadline is answered then while its thread finishes it (see #onThread): p-queue keeps the
    // thread's slot until the thread is done, the caller gets whichever comes first.
    let answerEarly!: (e: Error) => void;
    const early = new Promise<never>((_, reject) => { answerEarly = reject; });
    try {
      return await Promise.race([early, this.#queue.add(() => {
        started = true;
        this.#waitingMs -= estimate;
        return this.#onThread(job, opts.deadline, answerEarly);
      }, { priority: -opts.deadline, signal: waiting.signal })]);
    } finally {
      clearTimeout(expiry);
      if (!started) this.#waitingMs -= estimate;
      opts.signal?.removeEventListener('abort', onClientGone);
      this.#closed.signal.removeEventListener('abort', onClosed);
    }
  }

  #onThread(job: Job, deadline: number, answerEarly: (e: Error) => void): Promise<PrepReply> {
    const budget = deadline - this.#opts.now();
    if (budget <= 0) return Promise.reject(new ServiceError('deadline', `deadline passed ${(-budget).toFixed(1)} ms ago while waiting to be ${job.kind === 'decode' ? 'decoded' : 'parsed'}`));
    const slot = [...this.#slots].find((s) => s.running === undefined);
    if (slot === undefined) return Promise.reject(new PrepPoolError('no free preparation thread (pool broken?)'));
    const id = this.#nextId++;
    const { transfer, units, ...rest } = job;
    const t0 = this.#opts.now();
    return new Promise<PrepReply>((resolve, reject) => {
      const timer = Number.isFinite(budget) ? setTimeout(() => {
        const late = new ServiceError('deadline', `${job.kind === 'decode' ? 'image decoding' : 'request parsing'} did not finish before the request's deadline`);
        // Parsing costs at most its (size-limited) body's share and is likely nearly done: a thread that is merely
        // starved under load is not worth a restart. Decoding can be pathological (a bomb): that thread goes.
        if (job.kind === 'parse') { answerEarly(late); return; }
        // The caller is answered now; this job keeps its place in the queue until the thread has exited, which
        // is when the libvips decode it started on libuv's pool has ended (that work cannot be cancelled).
        answerEarly(late);
        this.#kill(slot).then(() => reject(late), () => reject(late));
      }, budget) : undefined;
      const done = () => { clearTimeout(timer); slot.running = undefined; slot.worker.unref(); };
      const learn = () => {
        if (units > 0 && job.kind !== 'calibrate') this.#msPerUnit[job.kind] += COST_EWMA_ALPHA * ((this.#opts.now() - t0) / units - this.#msPerUnit[job.kind]);
      };
      slot.running = { id, resolve: (r) => { done(); learn(); resolve(r); }, reject: (e) => { done(); reject(e); } };
      slot.worker.ref();
      slot.worker.postMessage({ ...rest, id } as PrepRequest, transfer);
    });
  }

  /**
   * End a thread stuck in an over-budget job. A terminated thread exits only once its native decode has
   * finished, and its replacement starts then: libvips never decodes more images at once than there are threads.
   */
  async #kill(slot: Slot): Promise<void> {
    this.#restarts++;
    slot.killed = true;
    this.#slots.delete(slot);
    void slot.worker.terminate();
    await slot.exited;
    if (!this.#closing) this.#spawn();
  }

  #spawn(): void {
    const worker = new Worker(BOOT);
    worker.unref(); // referenced only while it works, so an idle pool never holds the process open
    let onExit!: () => void;
    let onStarted!: () => void;
    const slot: Slot = { worker, ready: false, started: new Promise<void>((r) => (onStarted = r)), exited: new Promise<void>((r) => (onExit = r)) };
    void slot.exited.then(() => onStarted());
    let lastError: Error | undefined;
    worker.on('message', (m: PrepReply) => { if (m.type === 'ready') onStarted(); this.#onReply(slot, m); });
    worker.on('error', (e) => { lastError = e; });
    worker.once('exit', (code) => { onExit(); this.#onExit(slot, code, lastError); });
    this.#slots.add(slot);
  }

  #onReply(slot: Slot, m: PrepReply): void {
    if (m.type === 'ready') { slot.ready = true; return; }
    const running = slot.running;
    if (!running || running.id !== m.id) return;
    if (m.type === 'failed') running.reject(rebuildError(m.name, m.message));
    else running.resolve(m);
  }

  #onExit(slot: Slot, code: number, err: Error | undefined): void {
    if (slot.killed) return;
    this.#slots.delete(slot);
    const reason = err ? `${err.name}: ${err.message}` : `exit code ${code}`;
    slot.running?.reject(new PrepPoolError(`request preparation thread died (${reason})`));
    if (this.#closing) return;
    if (!slot.ready) {
      this.#broken = `a preparation thread failed to start (${reason})`;
      return;
    }
    this.#spawn();
  }
}

function rebuildError(name: string, message: string): Error {
  if (name === 'ImageDecodeError') return new ImageDecodeError(message);
  if (name === 'PreprocessError') return new PreprocessError(message);
  if (name === 'RequestValidationError') return new RequestValidationError(message);
  return new PrepPoolError(`request preparation failed: ${name}: ${message}`);
}

/** About 1 MB of a JSON number array and a 640x480 JPEG photo-like gradient (made once). */
function calibrationInputs(): { json: Uint8Array; image: Uint8Array } {
  const numbers = Array.from({ length: 60_000 }, (_, i) => Math.sin(i * 0.01).toFixed(6));
  return { json: new TextEncoder().encode(`[${numbers.join(',')}]`), image: gradientJpeg(640, 480) };
}
