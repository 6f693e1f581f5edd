/**
 * Simulator speed: simulated requests per wall-clock second (target >= 1 M/s) on the heaviest Fig. 9 trace
 * (λb 1500 + λv 5550, CV² 8) for a few policies and profile scales. Run: node --import tsx scripts/bench-sim.ts
 * @module
 */
import { pathToFileURL } from 'node:url';
import { loadProfile } from '../src/sim/profiles.ts';
import { simulate } from '../src/sim/simulator.ts';
import { burstyTrace } from '../src/sim/traces.ts';

export interface SimBenchRow { policy: string; scale: number; requests: number; wallS: number; requestsPerS: number; attainment: number }

export function benchSim(opts: { durationS?: number; policies?: string[]; scales?: number[]; workers?: number } = {}): SimBenchRow[] {
  const trace = burstyTrace({ baseRate: 1500, rate: 5550, cv2: 8, durationS: opts.durationS ?? 60, seed: 1 });
  const rows: SimBenchRow[] = [];
  for (const scale of opts.scales ?? [1, 2.5]) {
    const profile = loadProfile('a40', scale).profile;
    for (const policy of opts.policies ?? ['slackfit', 'slackfit-q', 'infaas', 'maxacc']) {
      simulate({ profile, arrivalsMs: trace.arrivalsMs.subarray(0, 20_000), policy, workers: opts.workers ?? 8, sloMs: 36 }); // warm-up (JIT)
      const t0 = performance.now();
      const r = simulate({ profile, arrivalsMs: trace.arrivalsMs, policy, workers: opts.workers ?? 8, sloMs: 36 });
      const wallS = (performance.now() - t0) / 1000;
      const n = trace.arrivalsMs.length;
      rows.push({ policy, scale, requests: n, wallS, requestsPerS: n / wallS, attainment: r.recorder.onTime / n });
    }
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = benchSim();
  for (const r of rows) {
    console.log(`${r.policy.padEnd(11)} scale ${String(r.scale).padEnd(4)} ${r.requests} requests in ${r.wallS.toFixed(3)} s = ${(r.requestsPerS / 1e6).toFixed(2)} M simulated requests/s (attainment ${r.attainment.toFixed(4)})`);
  }
  const total = rows.reduce((a, r) => a + r.requests, 0) / rows.reduce((a, r) => a + r.wallS, 0);
  console.log(`overall: ${(total / 1e6).toFixed(2)} M simulated requests per wall-clock second (target >= 1 M/s)`);
}
