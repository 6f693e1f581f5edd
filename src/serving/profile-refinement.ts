/**
 * Refinement of the latency profile while serving, as a ServingEvents listener: every finished batch feeds the
 * refiner; an updated profile goes to `apply` (the scheduler swap) and, at most every `saveEveryMs`, to
 * `<checkpoint>/profile.json`, so that the next start begins from what serving measured.
 *
 * Wiring (createServer): `fanOut(..., profileRefinement({ profile: profileJson, checkpoint, log,
 *   apply: (p) => scheduler.replaceProfile(p, createPolicy(policyName, p, { workers })) }))`; the new policy takes
 * over what the old one learnt (Policy.carryOver).
 * @module
 */
import type { ProfileJson } from '../profiler/measure.ts';
import { ProfileRefiner, type RefinedProfile, type RefinerOptions } from '../profiler/refiner.ts';
import type { LatencyProfile } from '../scheduler/types.ts';
import type { ServingEvents } from './events.ts';
import { writeProfile } from './profile-store.ts';

export interface ProfileRefinementOptions {
  /** The profile serving started with (stored or just measured). */
  profile: ProfileJson;
  /** Checkpoint directory the refined profile is stored in; undefined: do not store. */
  checkpoint?: string;
  /** Installs an updated profile (the scheduler and its policy). */
  apply(profile: LatencyProfile, refined: RefinedProfile): void;
  log?: (msg: string) => void;
  refiner?: RefinerOptions;
  /** Minimum time between two writes of profile.json (default 60 s). */
  saveEveryMs?: number;
}

export interface ProfileRefinement extends ServingEvents {
  readonly refiner: ProfileRefiner;
  /** Writes the latest refined profile now if it has not been stored yet. */
  flush(): Promise<void>;
}

export function profileRefinement(o: ProfileRefinementOptions): ProfileRefinement {
  const refiner = new ProfileRefiner(o.profile, o.refiner);
  const saveEvery = o.saveEveryMs ?? 60_000;
  let unsaved: ProfileJson | undefined;
  let lastSave = 0;
  let timer: NodeJS.Timeout | undefined;
  const save = async (): Promise<void> => {
    timer = undefined;
    const p = unsaved;
    if (p === undefined || o.checkpoint === undefined) return;
    unsaved = undefined;
    lastSave = Date.now();
    try {
      await writeProfile(o.checkpoint, p);
    } catch (e) {
      o.log?.(`could not store the refined profile: ${(e as Error).message}`);
    }
  };
  return {
    refiner,
    batchFinished(_at, b) {
      if (!b.ok) return;
      const r = refiner.observe(b.subnetId, b.size, b.computeMs);
      if (r === undefined) return;
      o.apply(r.profile, r);
      const moved = r.changed.slice(0, 4).map((c) => `${c.subnetId}x${c.batch} ${c.fromMs.toFixed(0)}->${c.toMs.toFixed(0)} ms`).join(', ');
      o.log?.(`profile refined from ${r.json.refined?.batches ?? 0} served batches: ${moved}${r.changed.length > 4 ? ` (+${r.changed.length - 4} more)` : ''}`);
      unsaved = r.json;
      if (timer === undefined) timer = setTimeout(() => void save(), Math.max(0, lastSave + saveEvery - Date.now())).unref();
    },
    async flush() {
      if (timer !== undefined) clearTimeout(timer);
      await save();
    },
  };
}
