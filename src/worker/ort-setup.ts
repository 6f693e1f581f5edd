/**
 * The ONNX Runtime side of an inference worker: the Pareto sub-networks it serves exported to ONNX (or read from the
 * checkpoint's cache) and loaded into sessions, on the CPU provider with the worker's threads, or the WebGPU
 * provider when tfjs found a hardware adapter. Sub-networks outside the Pareto set get no session (tfjs runs them).
 * @module
 */
import { paretoSet } from '../../supernet/archs.ts';
import type { BackendInfo } from '../../supernet/backend.ts';
import { collectGarbage } from '../../supernet/gc.ts';
import type { LoadedModel } from '../../supernet/load.ts';
import { onnxModelFor } from '../../supernet/onnx/model-store.ts';
import { OrtSubnetRunner, type OrtProvider } from '../../supernet/onnx/ort-runner.ts';
import type { SubnetConfig } from '../../supernet/types.ts';
import type { WorkerInfo } from './protocol.ts';

export async function startOrtRunner(model: LoadedModel, configs: Map<number, SubnetConfig>, info: WorkerInfo, threads: number,
  backend: BackendInfo): Promise<{ runner: OrtSubnetRunner; info: NonNullable<WorkerInfo['ort']> }> {
  const sn = model.supernet;
  const pareto = new Set(paretoSet(model.arch).map((p) => sn.key(sn.validate(p.config))));
  const t0 = performance.now();
  const models = new Map<string, Uint8Array | string>();
  let cached = 0;
  for (const config of configs.values()) {
    const key = sn.key(config);
    if (!pareto.has(key) || models.has(key)) continue;
    const m = await onnxModelFor(sn, config, model.source, info.checkpointHash);
    models.set(key, m.source);
    if (m.cached) cached++;
  }
  const provider: OrtProvider = backend.name === 'webgpu' && backend.adapter !== undefined && !backend.adapter.isSoftware ? 'webgpu' : 'cpu';
  const runner = await OrtSubnetRunner.create(models, { intraOpThreads: threads, provider });
  models.clear();
  collectGarbage(); // the model bytes now live in the sessions
  return { runner, info: { provider, threads, sessions: runner.size, exportMs: performance.now() - t0, cachedModels: cached } };
}
