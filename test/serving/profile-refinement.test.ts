/** profileRefinement as a ServingEvents listener: finished batches refine, updates are applied and stored. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProfileJson } from '../../src/profiler/measure.ts';
import type { LatencyProfile } from '../../src/scheduler/types.ts';
import { profilePath } from '../../src/serving/profile-store.ts';
import { profileRefinement } from '../../src/serving/profile-refinement.ts';
import { msAt, profileJson } from '../profiler/profile-fixtures.ts';

test('served batches reach the scheduler (apply) and profile.json; failed batches are ignored', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'superserve-refine-'));
  const applied: LatencyProfile[] = [];
  const logs: string[] = [];
  try {
    const r = profileRefinement({ profile: profileJson({ 0: { 1: 10, 8: 80 } }), checkpoint: dir, apply: (p) => applied.push(p),
      log: (m) => logs.push(m), refiner: { minSamples: 4, updateEvery: 4 }, saveEveryMs: 0 });
    const batch = (size: number, computeMs: number, ok = true) =>
      r.batchFinished!(0, { worker: 'w', subnetId: 0, size, computeMs, wallMs: computeMs + 1, ok });
    for (let i = 0; i < 8; i++) batch(i % 2 ? 1 : 8, 0, false);
    assert.is(applied.length, 0);
    for (let i = 0; i < 8; i++) batch(i % 2 ? 1 : 8, i % 2 ? 20 : 160);
    assert.ok(applied.length >= 1);
    assert.is(applied.at(-1)!.subnets[0]!.latencyMs[8], 160);
    assert.match(logs.join('\n'), /profile refined from \d+ served batches: 0x1 10->20 ms/);
    await r.flush();
    const stored = JSON.parse(await readFile(profilePath(dir), 'utf8')) as ProfileJson;
    assert.is(msAt(stored, 0, 1), 20);
    assert.ok(stored.refined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
