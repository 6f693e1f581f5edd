/**
 * Picks the TensorFlow.js backend: tfjs-node-gpu, then tfjs-node (optional native bindings, used only when
 * they load), then WASM (SIMD, single thread: the default that always works), then the pure-JS CPU backend.
 * `SUPERSERVE_BACKEND` or an explicit name overrides the order.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export class BackendError extends Error {
  override name = 'BackendError';
}

async function tryNative(pkg: string): Promise<boolean> {
  try {
    await import(pkg);
    return true;
  } catch {
    return false;
  }
}

async function activate(name: BackendName): Promise<boolean> {
  switch (name) {
    case 'tensorflow-gpu':
      // tfjs-node-gpu registers itself under the name 'tensorflow'.
      if (!(await tryNative('@tensorflow/tfjs-node-gpu'))) return false;
      return tf.setBackend('tensorflow');
    case 'tensorflow':
      if (!(await tryNative('@tensorflow/tfjs-node'))) return false;
      return tf.setBackend('tensorflow');
    case 'wasm':
      await import('@tensorflow/tfjs-backend-wasm');
      return tf.setBackend('wasm');
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return tf.setBackend('cpu');
  }
}

export interface BackendInfo {
  name: BackendName;
  /** What tfjs reports (`tensorflow` for both native bindings). */
  tfBackend: string;
  tried: BackendName[];
}

/** Resolves `requested` ('auto' = the fallback order) and makes it the active tfjs backend. */
export async function selectBackend(requested: string = process.env.SUPERSERVE_BACKEND ?? 'auto'): Promise<BackendInfo> {
  tf.enableProdMode();
  const order: BackendName[] = requested === 'auto' ? [...BACKEND_NAMES] : [parseBackendName(requested)];
  const tried: BackendName[] = [];
  for (const name of order) {
    tried.push(name);
    if (await activate(name)) {
      await tf.ready();
      return { name, tfBackend: tf.getBackend(), tried };
    }
  }
  throw new BackendError(`backend ${requested} is not available (tried ${tried.join(', ')})`);
}

export function parseBackendName(s: string): BackendName {
  if ((BACKEND_NAMES as readonly string[]).includes(s)) return s as BackendName;
  throw new BackendError(`unknown backend "${s}": expected auto or one of ${BACKEND_NAMES.join(', ')}`);
}
