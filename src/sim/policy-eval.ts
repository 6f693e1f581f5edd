/**
 * Item 4 of the evaluation: is our policy at least as good as SlackFit on every fig8-fig10 trace, with
 * both at their own best setting? Every policy runs at every setting (batch sizes all | profiled x
 * late drop | serve) on every trace, at every profile (device scales of the authors' A40 profile and
 * optionally this machine's CPU profile), without and with latency noise. Per trace a policy's best
 * setting is the one with the highest attainment (ties within ATTAINMENT_TIE), then accuracy. Each
 * policy's best is compared with SlackFit's best (wins / ties / trade-offs / losses) and with the
 * offline optimum's upper bound (fluid relaxation, noise-free latencies).
 * @module
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BatchSizes, LateMode } from '../scheduler/index.ts';
import { boundSloMs, type TraceSpec } from './experiments.ts';
import { fluidBound, type FluidBound } from './optimum/fluid-bound.ts';
import { optimumInstance } from './optimum/instance.ts';
import { noiseFor, type LoadedProfile } from './profiles.ts';
import { classesOf } from './request-classes.ts';
import { runSettings, settingsLabel, type NoiseKind } from './run-settings.ts';
import { simulate } from './simulator.ts';
import { writeSummary, type SummaryRun } from './summary.ts';

/** Attainment differences below this are ties (one request in 100 000). */
export const ATTAINMENT_TIE = 1e-5;
/** Accuracy differences below this (percentage points) are ties. */
export const ACCURACY_TIE = 0.005;

export type Verdict = 'dominates' | 'equal' | 'more attainment, less accuracy' | 'more accuracy, less attainment' | 'dominated';

export function verdict(ours: SummaryRun, theirs: SummaryRun): Verdict {
  const da = ours.slo_attainment - theirs.slo_attainment;
  const dc = ours.mean_accuracy - theirs.mean_accuracy;
  const a = Math.abs(da) < ATTAINMENT_TIE ? 0 : Math.sign(da);
  const c = Math.abs(dc) < ACCURACY_TIE ? 0 : Math.sign(dc);
  if (a === 0 && c === 0) return 'equal';
  if (a >= 0 && c >= 0) return 'dominates';
  if (a <= 0 && c <= 0) return 'dominated';
  return a > 0 ? 'more attainment, less accuracy' : 'more accuracy, less attainment';
}

/** Higher attainment (beyond the tie), then higher accuracy. */
export function betterRun(x: SummaryRun, y: SummaryRun): boolean {
  const da = x.slo_attainment - y.slo_attainment;
  if (Math.abs(da) >= ATTAINMENT_TIE) return da > 0;
  return x.mean_accuracy > y.mean_accuracy;
}

export function bestRun(runs: SummaryRun[]): SummaryRun | undefined {
  let best: SummaryRun | undefined;
  for (const r of runs) if (!best || betterRun(r, best)) best = r;
  return best;
}

export interface Setting { batchSizes: BatchSizes; late: LateMode }
export const EVAL_SETTINGS: Setting[] = [
  { batchSizes: 'all', late: 'drop' }, { batchSizes: 'all', late: 'serve' },
  { batchSizes: 'profiled', late: 'drop' }, { batchSizes: 'profiled', late: 'serve' },
];

export interface EvalConfig {
  /** Compared against `baseline`; every one runs at every setting. */
  policies: string[];
  baseline: string;
  /** Shown for reference at its default setting. */
  references: string[];
  noises: NoiseKind[];
  seed: number;
  workers: number;
  sloMs: number;
  settings: Setting[];
}

export interface EvalProfile { label: string; lp: LoadedProfile }

export interface EvalCase {
  profile: string;
  noise: NoiseKind;
  trace: string;
  bound: { maxAttainment: number; at: (att: number) => number };
  /** policy -> runs (one per setting). */
  runs: Map<string, SummaryRun[]>;
}

export interface EvalResult { cases: EvalCase[]; runs: SummaryRun[]; simulated: number; seconds: number }

export async function runPolicyEval(traces: TraceSpec[], profiles: EvalProfile[], cfg: EvalConfig, onRun?: (label: string) => void): Promise<EvalResult> {
  const cases: EvalCase[] = []; const all: SummaryRun[] = [];
  let simulated = 0; const t0 = performance.now();
  for (const ts of traces) {
    const trace = await ts.make();
    for (const { label, lp } of profiles) {
      const fb: FluidBound = fluidBound(optimumInstance(lp.meanProfile, trace.arrivalsMs, boundSloMs(trace, cfg.sloMs), cfg.workers));
      const requestClasses = classesOf(trace, cfg.sloMs);
      for (const noise of cfg.noises) {
        const runs = new Map<string, SummaryRun[]>();
        const one = (policy: string, setting: Partial<Setting>): SummaryRun => {
          const nm = noiseFor(lp, noise, cfg.seed);
          const r = simulate({
            profile: lp.profile, arrivalsMs: trace.arrivalsMs, policy, workers: cfg.workers, sloMs: cfg.sloMs, policyOptions: setting,
            durationMs: trace.meta.durationS * 1000, adaptLatency: true, ...(nm ? { durationOf: nm.durationOf } : {}), requestClasses,
          });
          simulated += trace.arrivalsMs.length;
          const run = r.recorder.toRun({
            experiment: `policy-eval[${label}, noise ${noise}]`, trace: ts.id, policy, workers: cfg.workers, slo_ms: cfg.sloMs,
            params: { ...runSettings(r.policy, { noise, seed: cfg.seed, adaptLatency: true }), profile: lp.name, profile_scale: lp.scale, latency: lp.part, trace: { ...ts.params, durationS: trace.meta.durationS } },
          });
          all.push(run);
          onRun?.(`${label} ${noise} ${ts.id} ${policy} ${settingsLabel(run.params)}`);
          return run;
        };
        for (const p of [cfg.baseline, ...cfg.policies]) runs.set(p, cfg.settings.map((s) => one(p, s)));
        for (const p of cfg.references) runs.set(p, [one(p, {})]);
        cases.push({ profile: label, noise, trace: ts.id, bound: { maxAttainment: fb.maxAttainment, at: fb.accuracyAt }, runs });
      }
    }
  }
  return { cases, runs: all, simulated, seconds: (performance.now() - t0) / 1000 };
}

const fmt = (r: SummaryRun | undefined) => (r ? `${r.slo_attainment.toFixed(5)} / ${r.mean_accuracy.toFixed(2)}` : '—');
const setting = (r: SummaryRun | undefined) => (r ? settingsLabel(r.params).replace(/, noise\]$/, ']') : '');

/** Attainment gap and accuracy gap (at the run's attainment) to the bound. */
function gap(c: EvalCase, r: SummaryRun): { att: number; acc: number } {
  const b = c.bound.at(Math.min(r.slo_attainment, c.bound.maxAttainment));
  return { att: c.bound.maxAttainment - r.slo_attainment, acc: b - r.mean_accuracy };
}

const VERDICT_ORDER: Verdict[] = ['dominates', 'equal', 'more attainment, less accuracy', 'more accuracy, less attainment', 'dominated'];

export function policyEvalReport(dir: string, res: EvalResult, cfg: EvalConfig, notes: string[] = []): { tallies: Record<string, Record<string, Record<Verdict, number>>> } {
  writeSummary(join(dir, 'summary.json'), res.runs);
  const groups = new Map<string, EvalCase[]>();
  for (const c of res.cases) { const k = `${c.profile} | noise ${c.noise}`; groups.set(k, [...(groups.get(k) ?? []), c]); }
  const tallies: Record<string, Record<string, Record<Verdict, number>>> = {};
  const md: string[] = [`# Policy evaluation: ${cfg.policies.join(', ')} vs ${cfg.baseline}, each at its best setting per trace`, '',
    `Every policy runs at every setting (${cfg.settings.map((s) => `[${typeof s.batchSizes === 'string' ? s.batchSizes : s.batchSizes.join(',')}, ${s.late}]`).join(', ')}) ` +
    `on every fig8-fig10 trace; per trace its best setting (highest attainment, ties within ${ATTAINMENT_TIE}, then accuracy) is compared with ` +
    `${cfg.baseline}'s best. Verdicts for the policy: dominates = at least as good on both and better on one; equal = within ${ATTAINMENT_TIE} attainment ` +
    `and ${ACCURACY_TIE} accuracy points. Bound = the offline optimum's upper bound (fluid relaxation of the noise-free problem, ` +
    '`src/sim/optimum/fluid-bound.ts`): its best attainment and, for the gap columns, its best mean accuracy at the policy\'s attainment. ' +
    `Workers ${cfg.workers}, SLO ${cfg.sloMs} ms; noise seed ${cfg.seed}; with noise the scheduler adapts its latency factor to the drawn batch times, as the server does.`, ''];
  for (const n of notes) md.push(`- ${n}`);
  if (notes.length) md.push('');
  const summary: string[] = ['## Summary: wins / ties / trade-offs / losses against ' + cfg.baseline + '-best', '',
    `| profile | noise | ${cfg.policies.map((p) => `${p}: dominates / equal / more att., less acc. / more acc., less att. / dominated`).join(' | ')} |`,
    `|---|---|${cfg.policies.map(() => '---').join('|')}|`];
  const gapRows: string[] = ['## Gap to the optimum bound (best setting per trace; mean and max over the traces)', '',
    '| profile | noise | policy | attainment gap mean / max | accuracy gap (points, at own attainment) mean / max |', '|---|---|---|---|---|'];
  const detail: string[] = [];
  for (const [key, cs] of groups) {
    const [profile, noiseLabel] = key.split(' | ');
    tallies[key] = {};
    const pols = [cfg.baseline, ...cfg.policies];
    detail.push(`## ${profile}, ${noiseLabel}`, '',
      `| trace | bound att / acc at 1.0 | ${pols.map((p) => `${p} best: att / acc [setting]`).join(' | ')} | ${cfg.references.join(' | ')} | ${cfg.policies.map((p) => `verdict ${p}`).join(' | ')} |`,
      `|---|---|${pols.map(() => '---').join('|')}|${cfg.references.map(() => '---').join('|')}|${cfg.policies.map(() => '---').join('|')}|`);
    const gaps = new Map<string, { att: number[]; acc: number[] }>();
    for (const c of cs) {
      const best = new Map(pols.map((p) => [p, bestRun(c.runs.get(p) ?? [])]));
      const base = best.get(cfg.baseline)!;
      const verdicts = cfg.policies.map((p) => {
        const v = verdict(best.get(p)!, base);
        const t = (tallies[key]![p] ??= Object.fromEntries(VERDICT_ORDER.map((x) => [x, 0])) as Record<Verdict, number>);
        t[v]++;
        return v;
      });
      for (const p of pols) {
        const g = gap(c, best.get(p)!);
        const e = gaps.get(p) ?? { att: [], acc: [] };
        e.att.push(g.att); if (Number.isFinite(g.acc)) e.acc.push(g.acc);
        gaps.set(p, e);
      }
      const b1 = c.bound.at(c.bound.maxAttainment);
      detail.push(`| ${c.trace} | ${c.bound.maxAttainment.toFixed(5)} / ${Number.isFinite(b1) ? b1.toFixed(2) : '—'} | ` +
        `${pols.map((p) => `${fmt(best.get(p))} ${setting(best.get(p))}`).join(' | ')} | ${cfg.references.map((p) => fmt(c.runs.get(p)?.[0])).join(' | ')} | ${verdicts.join(' | ')} |`);
    }
    detail.push('');
    summary.push(`| ${profile} | ${noiseLabel} | ${cfg.policies.map((p) => VERDICT_ORDER.map((v) => tallies[key]![p]![v]).join(' / ')).join(' | ')} |`);
    for (const [p, g] of gaps) {
      const mean = (xs: number[]) => (xs.length ? xs.reduce((x, y) => x + y, 0) / xs.length : Number.NaN);
      const max = (xs: number[]) => (xs.length ? Math.max(...xs) : Number.NaN);
      gapRows.push(`| ${profile} | ${noiseLabel} | ${p} | ${mean(g.att).toFixed(5)} / ${max(g.att).toFixed(5)} | ${mean(g.acc).toFixed(2)} / ${max(g.acc).toFixed(2)} |`);
    }
  }
  md.push(...summary, '', ...gapRows, '', `Simulated ${res.simulated} requests in ${res.seconds.toFixed(0)} s (${Math.round(res.simulated / res.seconds)} per wall-clock second, noise included).`, '', ...detail);
  writeFileSync(join(dir, 'report.md'), md.join('\n') + '\n');
  return { tallies };
}
