/**
 * A small pool of worker threads that decode JPEG/PNG bytes and apply OFA preprocessing off the main
 * (HTTP/scheduling) thread. Image bytes go to a thread and pixels come back as transferred buffers; waiting
 * images are bounded (over the bound: ServiceError 'queue_full', i.e. 503 + Retry-After); undecodable images
 * reject with the same ImageDecodeError as inline decoding; `close()` answers what is running, refuses what
 * waits and ends the threads.
 * @module
 */
import { Worker } from 'node:worker_threads';
import { ServiceError } from '../serving/types.ts';
import { ImageDecodeError } from './decode.ts';
import type { DecodeReply, DecodeRequest } from './decode-messages.ts';
import { PreprocessError } from './preprocess.ts';

const BOOT = new URL('./decode-worker-boot.mjs', import.meta.url);

export interface DecodePoolOptions {
  /** Worker threads. @default 1 */
  threads?: number;
  /** Most images waiting for a free thread; a request that would exceed it is refused whole. @default 256 */
  maxQueue?: number;
  /** Largest accepted width*height (see decodeImage). @default decodeImage's */
  maxPixels?: number;
}

export interface DecodePool {
  readonly threads: number;
  /** Threads running now (0 once close() resolved). */
  readonly alive: number;
  /** Images waiting for a free thread. */
  readonly queued: number;
  /** Decode and preprocess one image to NHWC float32 (`size*size*3`). */
  preprocess(bytes: Uint8Array, size: number): Promise<Float32Array>;
  /** All images of one request, admitted or refused together; an ImageDecodeError carries the image's `index`. */
  preprocessAll(images: readonly Uint8Array[], size: number): Promise<Float32Array[]>;
  /** Refuse waiting and new images, let running ones finish, end the threads. Idempotent. */
  close(): Promise<void>;
}

export class DecodePoolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodePoolError';
  }
}

export function createDecodePool(opts: DecodePoolOptions = {}): DecodePool {
  return new WorkerDecodePool(opts);
}

interface Task { bytes: Uint8Array; size: number; resolve: (p: Float32Array) => void; reject: (e: Error) => void }
interface Slot { worker: Worker; task?: { id: number; task: Task; settled: Promise<void> }; ready: boolean; exited: Promise<void> }

class WorkerDecodePool implements DecodePool {
  readonly threads: number;
  private readonly maxQueue: number;
  private readonly maxPixels: number | undefined;
  private readonly slots = new Set<Slot>();
  private readonly waiting: Task[] = [];
  private nextId = 1;
  private closing: Promise<void> | undefined;
  /** Set when a thread died before it started: restarting would only fail again. */
  private broken: string | undefined;

  constructor(opts: DecodePoolOptions) {
    const threads = opts.threads ?? 1;
    const maxQueue = opts.maxQueue ?? 256;
    if (!Number.isInteger(threads) || threads < 1) throw new DecodePoolError(`decode pool threads must be an integer >= 1, got ${threads}`);
    if (!Number.isInteger(maxQueue) || maxQueue < 1) throw new DecodePoolError(`decode pool maxQueue must be an integer >= 1, got ${maxQueue}`);
    this.threads = threads;
    this.maxQueue = maxQueue;
    this.maxPixels = opts.maxPixels;
    for (let i = 0; i < threads; i++) this.spawn();
  }

  get alive(): number { return this.slots.size; }
  get queued(): number { return this.waiting.length; }

  preprocess(bytes: Uint8Array, size: number): Promise<Float32Array> {
    return this.preprocessAll([bytes], size).then((p) => p[0]!);
  }

  preprocessAll(images: readonly Uint8Array[], size: number): Promise<Float32Array[]> {
    const refused = this.refusal(images.length);
    if (refused) return Promise.reject(refused);
    const all = Promise.all(images.map((bytes, index) =>
      new Promise<Float32Array>((resolve, reject) => {
        // A copy we own, so its buffer can be transferred (the caller's may be a view into a larger one).
        this.waiting.push({ bytes: new Uint8Array(bytes), size, resolve, reject });
      }).catch((err: unknown) => {
        throw err instanceof ImageDecodeError ? new ImageDecodeError(err.message, index) : err;
      })));
    this.pump();
    return all;
  }

  close(): Promise<void> {
    return (this.closing ??= (async () => {
      for (const t of this.waiting.splice(0)) t.reject(new ServiceError('shutting_down', 'image decode pool is closed', 1));
      await Promise.all([...this.slots].map((s) => s.task?.settled));
      const exits = [...this.slots].map((s) => s.exited);
      await Promise.all([...this.slots].map((s) => s.worker.terminate()));
      await Promise.all(exits);
    })());
  }

  private refusal(count: number): Error | undefined {
    if (this.closing) return new ServiceError('shutting_down', 'image decode pool is closed', 1);
    if (this.broken !== undefined) return new DecodePoolError(`image decode pool is broken: ${this.broken}`);
    // A request larger than the whole queue is still admitted when nothing waits, or it could never run.
    if (this.waiting.length > 0 && this.waiting.length + count > this.maxQueue) {
      return new ServiceError('queue_full', `image decode queue is full (${this.waiting.length} images waiting, limit ${this.maxQueue})`, 1);
    }
    return undefined;
  }

  private spawn(): void {
    const worker = new Worker(BOOT);
    worker.unref(); // referenced only while it works, so an idle pool never holds the process open
    let onExit!: () => void;
    const slot: Slot = { worker, ready: false, exited: new Promise<void>((r) => (onExit = r)) };
    let lastError: Error | undefined;
    worker.on('message', (m: DecodeReply) => this.onReply(slot, m));
    worker.on('error', (e) => { lastError = e; });
    worker.once('exit', (code) => { onExit(); this.onExit(slot, code, lastError); });
    this.slots.add(slot);
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.waiting.length === 0) return;
      if (slot.task) continue;
      const task = this.waiting.shift()!;
      const id = this.nextId++;
      let settle!: () => void;
      const settled = new Promise<void>((r) => (settle = r));
      const done = (f: () => void) => { slot.task = undefined; slot.worker.unref(); settle(); f(); this.pump(); };
      slot.task = {
        id, settled,
        task: { ...task, resolve: (p) => done(() => task.resolve(p)), reject: (e) => done(() => task.reject(e)) },
      };
      slot.worker.ref();
      const msg: DecodeRequest = { id, bytes: task.bytes, size: task.size, ...(this.maxPixels === undefined ? {} : { maxPixels: this.maxPixels }) };
      slot.worker.postMessage(msg, [task.bytes.buffer as ArrayBuffer]);
    }
  }

  private onReply(slot: Slot, m: DecodeReply): void {
    if (m.type === 'ready') { slot.ready = true; return; }
    const running = slot.task;
    if (!running || running.id !== m.id) return;
    if (m.type === 'done') running.task.resolve(m.pixels);
    else running.task.reject(rebuildError(m.name, m.message));
  }

  private onExit(slot: Slot, code: number, err: Error | undefined): void {
    this.slots.delete(slot);
    const reason = err ? `${err.name}: ${err.message}` : `exit code ${code}`;
    slot.task?.task.reject(new DecodePoolError(`image decode thread died while decoding (${reason})`));
    if (this.closing) return;
    if (!slot.ready) {
      this.broken = `a decode thread failed to start (${reason})`;
      if (this.slots.size === 0) for (const t of this.waiting.splice(0)) t.reject(new DecodePoolError(`image decode pool is broken: ${this.broken}`));
      return;
    }
    this.spawn();
    this.pump();
  }
}

function rebuildError(name: string, message: string): Error {
  if (name === 'ImageDecodeError') return new ImageDecodeError(message);
  if (name === 'PreprocessError') return new PreprocessError(message);
  return new DecodePoolError(`image decode failed: ${name}: ${message}`);
}
