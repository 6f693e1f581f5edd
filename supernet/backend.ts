/**
 * Picks the TensorFlow.js backend. `auto`: WebGPU on a hardware adapter (Dawn), then tfjs-node-gpu, then
 * tfjs-node (optional native bindings, used only when they load), then WASM (SIMD; N threads through the
 * threaded-WASM shim when asked), then the pure-JS CPU backend. A software WebGPU adapter (Mesa llvmpipe) is
 * never chosen by `auto` but `webgpu` named explicitly runs on it. A named backend that cannot start is an
 * error, never a silent fallback. `SUPERSERVE_BACKEND` or an explicit name overrides the order.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { activateThreadedWasm } from './backends/wasm-threads.ts';
import { activateWebGpu, adapterLabel, type AdapterInfo } from './backends/webgpu.ts';
import { BACKEND_NAMES, BackendError, parseBackendName, type BackendName } from './backend-names.ts';


export interface BackendOptions {
  /** XNNPACK threads of the WASM backend (1 = the stock single-threaded build). Default `SUPERSERVE_WASM_THREADS` or 1. */
  wasmThreads?: number;
}

/** `SUPERSERVE_WASM_THREADS`, validated (undefined when unset). */
export function wasmThreadsFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = env.SUPERSERVE_WASM_THREADS;
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new BackendError(`SUPERSERVE_WASM_THREADS must be an integer 1-64, got "${v}"`);
  return n;
}

export interface BackendInfo {
  name: BackendName;
  /** What tfjs reports (`tensorflow` for both native bindings). */
  tfBackend: string;
  tried: BackendName[];
  /** Why each backend tried before `name` was skipped. */
  skipped: string[];
  /** The WebGPU adapter, on the webgpu backend. */
  adapter?: AdapterInfo;
  /** XNNPACK threads, on the wasm backend. */
  wasmThreads?: number;
}

/** One line for logs: `webgpu on NVIDIA ... via vulkan`, `wasm, 2 threads`. */
export function describeBackend(b: { name: string; adapter?: AdapterInfo | undefined; wasmThreads?: number | undefined }): string {
  if (b.adapter !== undefined) return `${b.name} on ${adapterLabel(b.adapter)}`;
  if (b.wasmThreads !== undefined) return `${b.name}, ${b.wasmThreads} thread${b.wasmThreads === 1 ? '' : 's'}`;
  return b.name;
}

async function tryNative(pkg: string): Promise<boolean> {
  try {
    await import(pkg);
    return true;
  } catch {
    return false;
  }
}

type Activated = { ok: true; adapter?: AdapterInfo; wasmThreads?: number } | { ok: false; reason: string };

async function activate(name: BackendName, explicit: boolean, opts: BackendOptions): Promise<Activated> {
  switch (name) {
    case 'webgpu':
      try {
        return { ok: true, adapter: await activateWebGpu({ allowSoftware: explicit }) };
      } catch (e) {
        return { ok: false, reason: (e as Error).message };
      }
    case 'tensorflow-gpu':
      // tfjs-node-gpu registers itself under the name 'tensorflow'.
      if (!(await tryNative('@tensorflow/tfjs-node-gpu'))) return { ok: false, reason: '@tensorflow/tfjs-node-gpu is not installed' };
      return (await tf.setBackend('tensorflow')) ? { ok: true } : { ok: false, reason: 'tfjs-node-gpu did not start' };
    case 'tensorflow':
      if (!(await tryNative('@tensorflow/tfjs-node'))) return { ok: false, reason: '@tensorflow/tfjs-node is not installed' };
      return (await tf.setBackend('tensorflow')) ? { ok: true } : { ok: false, reason: 'tfjs-node did not start' };
    case 'wasm': {
      const threads = opts.wasmThreads ?? wasmThreadsFromEnv() ?? 1;
      if (threads > 1) {
        // Asked for threads: failing to get them is an error even under auto (a silent 1-thread or CPU run is not what was asked).
        try {
          return { ok: true, wasmThreads: await activateThreadedWasm(threads) };
        } catch (e) {
          throw new BackendError(`wasm with ${threads} threads: ${(e as Error).message}`);
        }
      }
      await import('@tensorflow/tfjs-backend-wasm');
      return (await tf.setBackend('wasm')) ? { ok: true, wasmThreads: 1 } : { ok: false, reason: 'the wasm backend did not start' };
    }
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return (await tf.setBackend('cpu')) ? { ok: true } : { ok: false, reason: 'the cpu backend did not start' };
  }
}

/** Resolves `requested` ('auto' = the fallback order) and makes it the active tfjs backend. */
export async function selectBackend(requested: string = process.env.SUPERSERVE_BACKEND ?? 'auto', opts: BackendOptions = {}): Promise<BackendInfo> {
  tf.enableProdMode();
  const explicit = requested !== 'auto';
  const order: BackendName[] = explicit ? [parseBackendName(requested)] : [...BACKEND_NAMES];
  const tried: BackendName[] = [];
  const skipped: string[] = [];
  for (const name of order) {
    tried.push(name);
    const r = await activate(name, explicit, opts);
    if (r.ok) {
      await tf.ready();
      return {
        name, tfBackend: tf.getBackend(), tried, skipped,
        ...(r.adapter ? { adapter: r.adapter } : {}), ...(r.wasmThreads !== undefined ? { wasmThreads: r.wasmThreads } : {}),
      };
    }
    skipped.push(`${name}: ${r.reason}`);
  }
  throw new BackendError(`backend ${requested} is not available (tried ${tried.join(', ')}): ${skipped.join('; ')}`);
}

