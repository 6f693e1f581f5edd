/**
 * The backend names and their parser, apart from the backend ladder itself (supernet/backend.ts), so that
 * flag parsing does not load TensorFlow.js.
 * @module
 */
export type BackendName = 'webgpu' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export class BackendError extends Error {
  override name = 'BackendError';
}

export function parseBackendName(s: string): BackendName {
  if ((BACKEND_NAMES as readonly string[]).includes(s)) return s as BackendName;
  throw new BackendError(`unknown backend "${s}": expected auto or one of ${BACKEND_NAMES.join(', ')}`);
}
