/**
 * Test helper: the WebGPU adapter this machine offers (hardware, or Mesa's software rasteriser through Dawn's GL
 * backend on a CPU-only machine), or null after a loud SKIP line when there is none.
 * @module
 */
import type { AdapterInfo } from '../../supernet/backends/webgpu-adapter.ts';
import { explainProbe, probeAdapters } from '../../supernet/backends/webgpu-probe.ts';

export async function webgpuAdapterOrSkip(): Promise<AdapterInfo | null> {
  const report = await probeAdapters();
  const found = report.routes.find((r) => r.adapter !== null)?.adapter ?? null;
  if (found === null) console.warn(`\n!!! SKIPPED: no WebGPU adapter (${explainProbe(report, true)}); on Debian install libegl1 libegl-mesa0 libgl1-mesa-dri libegl-dev !!!\n`);
  return found;
}
