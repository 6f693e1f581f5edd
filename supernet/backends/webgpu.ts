/**
 * The tfjs WebGPU backend on Dawn's Node binding: picks an adapter (probed in a child process), exposes it as
 * `navigator.gpu` the way @tensorflow/tfjs-backend-webgpu expects, and makes 'webgpu' the active backend.
 * Also: the GPU buffer pool, which tfjs never shrinks, measured and trimmed.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { adapterLabel, adapterOptions, adapterRoutes, describeAdapter, loadDawn, requestAdapter, type AdapterInfo } from './webgpu-adapter.ts';
import { explainProbe, probeAdapters } from './webgpu-probe.ts';

export type { AdapterInfo } from './webgpu-adapter.ts';
export { adapterLabel };

let active: AdapterInfo | undefined;

/**
 * Activates WebGPU on the first hardware adapter (or, with `allowSoftware`, a software one when that is all
 * there is). Throws with the reason when there is none.
 */
export async function activateWebGpu(opts: { allowSoftware: boolean }): Promise<AdapterInfo> {
  if (active !== undefined && tf.findBackend('webgpu') !== null) {
    if (active.isSoftware && !opts.allowSoftware) throw new Error(`this process runs WebGPU on a software adapter (${adapterLabel(active)})`);
    if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend failed to re-activate');
    return active;
  }
  const report = await probeAdapters();
  const found = report.routes.filter((r) => r.adapter !== null);
  const pick = found.find((r) => !r.adapter!.isSoftware) ?? (opts.allowSoftware ? found[0] : undefined);
  if (pick === undefined) throw new Error(explainProbe(report, opts.allowSoftware));
  // Same route in this process (only its driver is loaded here).
  const route = adapterRoutes().find((r) => r.name === pick.route.name) ?? pick.route;
  const dawn = await loadDawn();
  const { gpu, adapter } = await requestAdapter(dawn, route);
  if (adapter === null) throw new Error(`the ${route.name} adapter the probe found is not available in this process`);
  const info = describeAdapter(adapter, route);
  Object.assign(globalThis, dawn.globals);
  // tfjs-backend-webgpu asks navigator.gpu for an adapter itself: give it the route's feature level.
  const shim = {
    requestAdapter: (o: Record<string, unknown> = {}) => gpu.requestAdapter(adapterOptions(route, o)),
    getPreferredCanvasFormat: () => gpu.getPreferredCanvasFormat?.() ?? 'rgba8unorm',
    get wgslLanguageFeatures() { return gpu.wgslLanguageFeatures; },
  };
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav === undefined) Object.defineProperty(globalThis, 'navigator', { value: { gpu: shim }, configurable: true, writable: true });
  else Object.defineProperty(nav, 'gpu', { value: shim, configurable: true, writable: true });
  // It registers 'webgpu' only if navigator.gpu exists when it is first imported.
  try {
    await import('@tensorflow/tfjs-backend-webgpu');
  } catch (e) {
    throw new Error(`the optional dependency @tensorflow/tfjs-backend-webgpu does not load: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!(await tf.setBackend('webgpu'))) throw new Error(`tfjs could not start WebGPU on ${adapterLabel(info)}`);
  active = info;
  return info;
}

export interface GpuPoolStats {
  /** Bytes held by live tensors. */
  usedBytes: number;
  /** Bytes of GPU buffers the pool holds (live + free for reuse). */
  allocatedBytes: number;
  freeBuffers: number;
}

interface BufferManagerInternals {
  numBytesUsed: number;
  numBytesAllocated: number;
  numFreeBuffers: number;
  freeBuffers: Map<string, Array<{ size: number; destroy(): void }>>;
}

function bufferManager(): BufferManagerInternals | undefined {
  if (tf.getBackend() !== 'webgpu') return undefined;
  return (tf.backend() as unknown as { bufferManager?: BufferManagerInternals }).bufferManager;
}

export function gpuPoolStats(): GpuPoolStats | undefined {
  const m = bufferManager();
  return m === undefined ? undefined : { usedBytes: m.numBytesUsed, allocatedBytes: m.numBytesAllocated, freeBuffers: m.numFreeBuffers };
}

/**
 * Destroys free pooled buffers while the pool holds more than `maxAllocatedBytes`; returns the bytes released.
 * tfjs keeps every buffer it ever allocated for reuse by size, so serving many shapes raises the high-water mark
 * for good (465 MB after one MobileNetV3 at batch 8, measured). Live tensors are never touched.
 */
export function trimGpuPool(maxAllocatedBytes: number): number {
  const m = bufferManager();
  if (m === undefined || m.numBytesAllocated <= maxAllocatedBytes) return 0;
  let released = 0;
  for (const list of m.freeBuffers.values()) {
    // Keep the (possibly empty) list: tfjs's releaseBuffer() ignores buffers when the map itself is empty.
    while (list.length > 0 && m.numBytesAllocated > maxAllocatedBytes) {
      const b = list.pop()!;
      b.destroy();
      m.numBytesAllocated -= b.size;
      m.numFreeBuffers--;
      released += b.size;
    }
  }
  return released;
}
