/**
 * The tfjs WASM backend with N XNNPACK threads in Node: stock @tensorflow/tfjs-backend-wasm 4.22.0 is
 * single-threaded in Node, for reasons this shim removes one by one (measured: ../shared/docs/tfjs-webgpu-on-node.md §3):
 * 1. the flag WASM_HAS_MULTITHREAD_SUPPORT is hard-wired false when IS_NODE (tfjs issue 3830): forced on;
 * 2. Emscripten creates its pthread workers from blob: URLs, which worker_threads cannot load: Blob texts are
 *    kept and URL.createObjectURL returns a file holding them;
 * 3. the worker script refers to variables that only exist inside the tfjs rollup bundle: a prelude defines them;
 * 4. the C++ side caps the pool at os.cpus().length / 2 (1 thread on 2 cores): os.cpus is widened during init;
 * 5. the pool's workers would keep the event loop alive: they are unref()ed (idle ones terminated).
 * Everything patched is restored once the backend is up. It relies on the internals of exactly 4.22.0, which
 * package.json pins; any other version is refused rather than half-working.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

export const WASM_THREADS_TFJS_VERSION = '4.22.0';
const GLUE_MARKER = 'var WasmBackendModuleThreadedSimd';
const WORKER_MARKER = 'WasmBackendModuleThreadedSimd(Module)';

type WasmModule = typeof import('@tensorflow/tfjs-backend-wasm');
interface PoolWorker { unref?(): void; terminate?(): Promise<number> }
interface PThreadPool { unusedWorkers?: PoolWorker[]; runningWorkers?: PoolWorker[] }

/** Writes `text` once under a content-addressed name (shared by every thread and process), returns its path. */
function persist(dir: string, stem: string, text: string): string {
  const file = join(dir, `${stem}-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.cjs`);
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  }
  return file;
}

/**
 * Loads the threaded-SIMD build with `threads` XNNPACK threads and makes 'wasm' the active backend.
 * Must run before the wasm backend was initialised in this thread (the thread count is fixed at init).
 * Returns the thread count tfjs reports; throws when it is not `threads`.
 */
export async function activateThreadedWasm(threads: number): Promise<number> {
  if (!Number.isInteger(threads) || threads < 2) throw new Error(`threaded wasm needs at least 2 threads, got ${threads}`);
  const wasm = await import('@tensorflow/tfjs-backend-wasm') as WasmModule;
  if (wasm.version_wasm !== WASM_THREADS_TFJS_VERSION) {
    throw new Error(`the threaded-WASM shim supports @tensorflow/tfjs-backend-wasm ${WASM_THREADS_TFJS_VERSION} only, found ${wasm.version_wasm}`);
  }
  if (tf.findBackend('wasm') !== null) {
    const have = wasm.getThreadsCount();
    if (have !== threads) throw new Error(`the wasm backend already runs with ${have} thread(s) in this thread; cannot switch to ${threads}`);
    await tf.setBackend('wasm');
    return have;
  }
  const cacheDir = join(os.tmpdir(), `superserve-wasm-threads-${WASM_THREADS_TFJS_VERSION}`);
  mkdirSync(cacheDir, { recursive: true });
  const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));

  const RealBlob = globalThis.Blob;
  const realCreateObjectURL = URL.createObjectURL.bind(URL);
  const realCpus = os.cpus.bind(os);
  let gluePath = '';
  const texts = new WeakMap<Blob, string>();
  globalThis.Blob = class extends RealBlob {
    constructor(parts: BlobPart[] = [], opts?: BlobPropertyBag) {
      super(parts, opts);
      const text = parts.map(String).join('');
      texts.set(this, text);
      if (text.startsWith(GLUE_MARKER)) gluePath = persist(cacheDir, 'glue', text);
    }
  };
  URL.createObjectURL = (obj: Blob | MediaSource): string => {
    const text = obj instanceof RealBlob ? texts.get(obj) : undefined;
    if (text === undefined) return realCreateObjectURL(obj as Blob);
    if (!text.includes(WORKER_MARKER)) return persist(cacheDir, 'blob', text);
    // The pthread worker evaluates the glue with names that the rollup bundle defines around it.
    const prelude = `var __p=require('path');global.require$$0=require('fs');global.require$$1=__p;global.require$$3=require('perf_hooks');` +
      `global.require$$4=require('os');global.commonjsGlobal=global;global.__dirname=${JSON.stringify(wasmDir)};` +
      `global._scriptDir=${JSON.stringify(gluePath)};URL.createObjectURL=()=>${JSON.stringify(gluePath)};\n`;
    return persist(cacheDir, 'worker', prelude + text);
  };
  if (realCpus().length < 2 * threads) {
    os.cpus = () => { const c = realCpus(); return Array.from({ length: 2 * threads }, (_, i) => c[i % c.length]!); };
  }
  try {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasm.setThreadsCount(threads);
    if (!(await tf.setBackend('wasm'))) throw new Error('the threaded wasm backend failed to initialise');
    await tf.ready();
  } finally {
    globalThis.Blob = RealBlob;
    URL.createObjectURL = realCreateObjectURL;
    os.cpus = realCpus;
  }
  trimPool();
  const got = wasm.getThreadsCount();
  if (got !== threads) throw new Error(`asked the wasm backend for ${threads} threads, it runs ${got}`);
  return got;
}

function pthreadPool(): PThreadPool | undefined {
  return (tf.findBackend('wasm') as unknown as { wasm?: { PThread?: PThreadPool } } | null)?.wasm?.PThread;
}

/**
 * Emscripten pre-starts 8 pool workers (~12 MB each, measured) whatever the thread count; XNNPACK's pool holds
 * threads - 1 of them (the calling thread is the last one). The idle rest are terminated, the busy ones
 * unref()ed so that the process (or worker thread) can exit.
 */
function trimPool(): void {
  const pool = pthreadPool();
  if (pool === undefined) return;
  for (const w of pool.unusedWorkers ?? []) void w.terminate?.();
  pool.unusedWorkers = [];
  for (const w of pool.runningWorkers ?? []) w.unref?.();
}

/** Pthread workers running XNNPACK's threads in this thread's wasm backend (0 for the stock build). */
export function wasmPoolThreads(): number {
  return pthreadPool()?.runningWorkers?.length ?? 0;
}
