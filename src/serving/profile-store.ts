/**
 * The latency profile kept in a checkpoint directory: reused only when it was measured for the same
 * checkpoint under the same key (engine, backend, WebGPU adapter, WASM threads, local workers), otherwise measured
 * again. Each engine has its own file (tfjs: profile.json, ort: profile.ort.json), so `--engine auto` can compare them.
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { writeFileAtomically } from '../../supernet/checkpoint/atomic-fs.ts';
import { join } from 'node:path';
import { adapterLabel } from '../../supernet/backends/webgpu-adapter.ts';
import type { ProfileJson, ProfileKey } from '../profiler/measure.ts';
import type { WorkerInfo } from '../worker/protocol.ts';

export function profilePath(checkpointDir: string, engine?: string): string {
  return join(checkpointDir, engine === undefined || engine === 'tfjs' ? 'profile.json' : `profile.${engine}.json`);
}

/** The key a profile measured by this worker, served by `workers` local workers, is valid for. */
export function profileKey(info: Pick<WorkerInfo, 'backend' | 'adapter' | 'wasmThreads' | 'engine'>, workers: number): ProfileKey {
  return {
    // tfjs profiles carry no engine field, so those measured before engines existed stay valid.
    ...(info.engine !== undefined && info.engine !== 'tfjs' ? { engine: info.engine } : {}),
    backend: info.backend,
    ...(info.adapter ? { adapter: adapterLabel(info.adapter) } : {}),
    ...(info.wasmThreads !== undefined ? { wasm_threads: info.wasmThreads } : {}),
    workers,
  };
}

export function describeKey(k: ProfileKey): string {
  return [k.engine ? `engine ${k.engine}` : undefined, k.backend, k.adapter, k.wasm_threads !== undefined ? `${k.wasm_threads} wasm thread(s)` : undefined, `${k.workers} worker(s)`]
    .filter(Boolean).join(', ');
}

/** Why `stored` does not fit `wanted`, or undefined when it does. */
export function keyMismatch(stored: ProfileKey | undefined, wanted: ProfileKey): string | undefined {
  if (stored === undefined) return 'it predates keyed profiles (backend, adapter, thread layout)';
  for (const f of ['engine', 'backend', 'adapter', 'wasm_threads', 'workers'] as const) {
    if (stored[f] !== wanted[f]) return `it was measured with ${f} ${stored[f] ?? 'unset'}, not ${wanted[f] ?? 'unset'}`;
  }
  return undefined;
}

/** The stored profile if it matches this key and checkpoint, else undefined (with the reason). */
export async function readUsableProfile(checkpointDir: string, key: ProfileKey, checkpointHash: string):
  Promise<{ profile?: ProfileJson; reason: string }> {
  const file = profilePath(checkpointDir, key.engine);
  if (!existsSync(file)) return { reason: `no ${file}` };
  let p: ProfileJson;
  try {
    p = JSON.parse(await readFile(file, 'utf8')) as ProfileJson;
  } catch (e) {
    return { reason: `${file} is unreadable (${(e as Error).message})` };
  }
  if (p.checkpoint_hash !== checkpointHash) return { reason: `${file} belongs to another checkpoint` };
  const why = keyMismatch(p.key, key);
  if (why !== undefined) return { reason: `${file} does not fit: ${why}` };
  return { profile: p, reason: 'reused' };
}

export async function writeProfile(checkpointDir: string, p: ProfileJson): Promise<string> {
  const file = profilePath(checkpointDir, p.key?.engine);
  await writeFileAtomically(file, JSON.stringify(p, null, 1));
  return file;
}
