/**
 * The offline optimum on small traces: the exact optimum (exhaustive search, checked against the HiGHS MIP),
 * the fluid upper bound the paper-sized reports use, and SlackFit and slackfit-m at their best setting, on short
 * bursts of the A40 x2.5 profile (one worker, SLO 36 ms). Shows each policy's gap to the true optimum and how
 * loose the bound is. Run: npm run bench:optimum (writes bench/results/policy-eval/small-traces.md)
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { bruteForceFrontier } from '../src/sim/optimum/brute-force.ts';
import { exactOptimum } from '../src/sim/optimum/exact.ts';
import { fluidBound } from '../src/sim/optimum/fluid-bound.ts';
import { optimumInstance } from '../src/sim/optimum/instance.ts';
import { bestRun, EVAL_SETTINGS } from '../src/sim/policy-eval.ts';
import { loadProfile } from '../src/sim/profiles.ts';
import { Rng } from '../src/sim/rng.ts';
import { settingsLabel, runSettings } from '../src/sim/run-settings.ts';
import { simulate } from '../src/sim/simulator.ts';

const lp = loadProfile('a40', 2.5);
const SLO = Number(process.env.SLO ?? 20); const N = Number(process.env.N ?? 8); const CASES = Number(process.env.CASES ?? 6);
const rows: string[] = [];
for (let seed = 1; seed <= CASES; seed++) {
  const rng = new Rng(seed);
  let t = 0; const arr: number[] = [];
  for (let i = 0; i < N; i++) { t += rng.exponential(1); arr.push(t); }
  const inst = optimumInstance(lp.meanProfile, arr, SLO, 1);
  const t0 = performance.now();
  const f = bruteForceFrontier(inst);
  const searchS = (performance.now() - t0) / 1000;
  const kmax = f.reduce((m, v, k) => (v > Number.NEGATIVE_INFINITY ? k : m), 0);
  const mip = await exactOptimum(inst, { kind: 'accuracy', onTime: kmax }, { timeLimitS: 120 });
  const fb = fluidBound(inst, { slotMs: 0.25 });
  const cells = [`${seed}`, `${kmax}/${N}, ${(f[kmax]! / kmax).toFixed(2)} (search ${searchS.toFixed(1)} s; MIP ${mip.status} ${(mip.accuracySum / kmax).toFixed(2)}, ${mip.seconds.toFixed(1)} s)`,
    `${fb.maxOnTime.toFixed(2)}/${N}, ${fb.accuracyAt(kmax / N).toFixed(2)}`];
  for (const policy of ['slackfit', 'slackfit-m']) {
    const runs = EVAL_SETTINGS.map((s) => {
      const r = simulate({ profile: lp.profile, arrivalsMs: Float64Array.from(arr), policy, workers: 1, sloMs: SLO, policyOptions: s });
      return r.recorder.toRun({ experiment: 'small', trace: String(seed), policy, workers: 1, slo_ms: SLO, params: { ...runSettings(r.policy, { noise: 'none', seed: 1, adaptLatency: false }) } });
    });
    const b = bestRun(runs)!;
    const k = Math.round(b.slo_attainment * N);
    const exactAtK = k > 0 ? f[k]! / k : Number.NaN;
    cells.push(`${k}/${N}, ${b.mean_accuracy.toFixed(2)} ${settingsLabel(b.params)}; gap ${kmax - k} on time, ${(exactAtK - b.mean_accuracy).toFixed(2)} points at ${k}`);
  }
  rows.push(`| ${cells.join(' | ')} |`);
  console.log(rows.at(-1));
}
const md = ['# The offline optimum on small traces', '',
  `${CASES} bursts of ${N} requests (exponential gaps, mean 1 ms), one worker, SLO ${SLO} ms, A40 profile x2.5, noise-free. ` +
  'Exact = exhaustive search (`src/sim/optimum/brute-force.ts`), confirmed by the HiGHS MIP (`exact.ts`); bound = the fluid ' +
  'relaxation the paper-sized reports use. Each policy at its best of [all|profiled] x [drop|serve]; its gap = on-time requests ' +
  'below the optimum, and accuracy points below the optimum\'s best mean accuracy at the policy\'s own on-time count.', '',
  '| seed | exact: on time, mean accuracy | bound: on time, accuracy at the exact count | slackfit best | slackfit-m best |', '|---|---|---|---|---|', ...rows, ''];
mkdirSync('bench/results/policy-eval', { recursive: true });
writeFileSync('bench/results/policy-eval/small-traces.md', md.join('\n'));
