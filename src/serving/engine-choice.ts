/**
 * `--engine auto`: the engine whose profile is faster on this machine. Compares the two profiles point by point
 * (same sub-network, same batch size, measured or refined points only) and takes the geometric mean of the
 * tfjs / ort latency ratios: above 1, ort serves the same batches in less time.
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ProfileJson } from '../profiler/measure.ts';
import type { EngineName } from '../worker/protocol.ts';
import { profilePath } from './profile-store.ts';

export interface EngineChoiceResult {
  engine: EngineName;
  /** Geometric mean of tfjs latency / ort latency over the compared points (ort's speed-up). */
  speedup: number;
  points: number;
}

export function chooseFasterEngine(tfjs: ProfileJson, ort: ProfileJson): EngineChoiceResult {
  let logSum = 0;
  let points = 0;
  for (const m of tfjs.models) {
    const other = ort.models.find((o) => o.id === m.id);
    if (other === undefined) continue;
    for (const p of m.latency_and_batch_ns) {
      if (p.source === 'interpolated') continue;
      const q = other.latency_and_batch_ns.find((x) => x.batch_size === p.batch_size && x.source !== 'interpolated');
      if (q === undefined || !(p.mean > 0) || !(q.mean > 0)) continue;
      logSum += Math.log(p.mean / q.mean);
      points++;
    }
  }
  if (points === 0) throw new Error('the tfjs and ort profiles share no measured (sub-network, batch) point to compare');
  const speedup = Math.exp(logSum / points);
  return { engine: speedup > 1 ? 'ort' : 'tfjs', speedup, points };
}

/**
 * `--engine auto` where nothing is measured (run-subnet, a NATS worker): the faster engine by the two profiles stored
 * in the checkpoint directory for this checkpoint, or undefined when either is missing.
 */
export async function storedEngineChoice(checkpointDir: string, checkpointHash: string): Promise<EngineChoiceResult | undefined> {
  const read = async (engine: EngineName): Promise<ProfileJson | undefined> => {
    const file = profilePath(checkpointDir, engine);
    if (!existsSync(file)) return undefined;
    try {
      const p = JSON.parse(await readFile(file, 'utf8')) as ProfileJson;
      return p.checkpoint_hash === checkpointHash ? p : undefined;
    } catch {
      return undefined;
    }
  };
  const [tfjs, ort] = [await read('tfjs'), await read('ort')];
  return tfjs && ort ? chooseFasterEngine(tfjs, ort) : undefined;
}
