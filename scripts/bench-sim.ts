/**
 * Simulator speed: simulated requests per second (target >= 1 M/s) on the heaviest Fig. 9 trace
 * (λb 1500 + λv 5550, CV² 8) for a few policies and profile scales, without and with latency noise.
 * Both wall-clock and process-CPU rates are printed: on a shared machine the CPU rate is the simulator's own
 * speed. Run: npm run bench:sim  (writes bench/results/sim.json)
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { loadProfile, noiseFor } from '../src/sim/profiles.ts';
import { simulate } from '../src/sim/simulator.ts';
import { burstyTrace } from '../src/sim/traces.ts';

export interface SimBenchRow {
  policy: string; scale: number; noise: 'none' | 'profile'; requests: number; wallS: number; cpuS: number;
  requestsPerS: number; requestsPerCpuS: number; attainment: number;
}

export function benchSim(opts: { durationS?: number; policies?: string[]; scales?: number[]; workers?: number } = {}): SimBenchRow[] {
  const trace = burstyTrace({ baseRate: 1500, rate: 5550, cv2: 8, durationS: opts.durationS ?? 60, seed: 1 });
  const rows: SimBenchRow[] = [];
  for (const scale of opts.scales ?? [1, 2.5]) {
    const lp = loadProfile('a40', scale);
    for (const noise of ['none', 'profile'] as const) {
      for (const policy of opts.policies ?? ['slackfit', 'slackfit-m', 'slackfit-q', 'infaas', 'maxacc']) {
        const run = (arrivalsMs: Float64Array) => {
          const nm = noiseFor(lp, noise, 1);
          return simulate({ profile: lp.profile, arrivalsMs, policy, workers: opts.workers ?? 8, sloMs: 36, adaptLatency: true, ...(nm ? { durationOf: nm.durationOf } : {}) });
        };
        run(trace.arrivalsMs.subarray(0, 20_000)); // warm-up (JIT)
        const c0 = process.cpuUsage(); const t0 = performance.now();
        const r = run(trace.arrivalsMs);
        const wallS = (performance.now() - t0) / 1000;
        const cu = process.cpuUsage(c0); const cpuS = (cu.user + cu.system) / 1e6;
        const n = trace.arrivalsMs.length;
        rows.push({ policy, scale, noise, requests: n, wallS, cpuS, requestsPerS: n / wallS, requestsPerCpuS: n / cpuS, attainment: r.recorder.onTime / n });
      }
    }
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = benchSim();
  for (const r of rows) {
    console.log(`${r.policy.padEnd(11)} scale ${String(r.scale).padEnd(4)} noise ${r.noise.padEnd(8)} ${r.requests} requests: ${(r.requestsPerS / 1e6).toFixed(2)} M/s wall, ` +
      `${(r.requestsPerCpuS / 1e6).toFixed(2)} M/s CPU (attainment ${r.attainment.toFixed(4)})`);
  }
  const rate = (sel: SimBenchRow[], k: 'wallS' | 'cpuS') => sel.reduce((a, r) => a + r.requests, 0) / sel.reduce((a, r) => a + r[k], 0);
  const summary: Record<string, number> = {};
  for (const noise of ['none', 'profile'] as const) {
    const sel = rows.filter((r) => r.noise === noise);
    summary[`noise_${noise}_wall`] = rate(sel, 'wallS'); summary[`noise_${noise}_cpu`] = rate(sel, 'cpuS');
    console.log(`noise ${noise}: ${(rate(sel, 'wallS') / 1e6).toFixed(2)} M simulated requests per wall-clock second, ${(rate(sel, 'cpuS') / 1e6).toFixed(2)} M per CPU second (target >= 1 M/s)`);
  }
  console.log(`noise on / off (CPU rate): ${(summary.noise_profile_cpu! / summary.noise_none_cpu!).toFixed(2)}`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/sim.json', JSON.stringify({ created: new Date().toISOString(), summary, rows }, null, 2) + '\n');
}
