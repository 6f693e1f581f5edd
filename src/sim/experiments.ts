/**
 * The paper's experiments in the simulator (Fig. 8, 9, 10, 11a, 11c) plus `policy-eval` (item 4: slackfit-q
 * vs slackfit on the Fig. 8-10 traces at several profile scales and an optional CPU profile).
 * Parameters follow the paper: 8 workers, 36 ms SLO, λ_b = 1500, λ_v ∈ {2950, 4900, 5550}, CV² ∈ {2, 4, 8},
 * λ1 = 2500 → λ2 ∈ {4800, 6800, 7800} at τ ∈ {250, 500, 5000} with CV² 8, one worker killed every 12 s.
 * Trace lengths are not in the paper: ours are stated in each trace's meta and in the report.
 * policy-eval adds mixed-SLO traces (`withSloMix`: the same arrivals, each request's SLO drawn from a mix); every
 * run reports per request class (`runs[].classes`).
 * @module
 */
import { azureTrace } from './azure.ts';
import { fluidBound } from './optimum/fluid-bound.ts';
import { optimumInstance } from './optimum/instance.ts';
import { noiseFor, type LoadedProfile } from './profiles.ts';
import { classesOf, withClassMix, type MixEntry } from './request-classes.ts';
import { runSettings, type NoiseKind } from './run-settings.ts';
import { simulate } from './simulator.ts';
import type { SummaryRun, TimeSeries } from './summary.ts';
import type { Trace } from './trace-file.ts';
import { burstyTrace, timeVaryingTrace } from './traces.ts';

export const EXPERIMENTS = ['fig8', 'fig9', 'fig10', 'fig11a', 'fig11c'] as const;
export type ExperimentName = (typeof EXPERIMENTS)[number] | 'policy-eval';

export const CLIPPER_POLICIES = [0, 1, 2, 3, 4, 5].map((i) => `fixed:${i}`);
export const ALL_POLICIES = ['slackfit', 'slackfit-m', 'slackfit-q', 'maxbatch', 'maxacc', 'infaas', ...CLIPPER_POLICIES];

export interface TraceSpec {
  id: string;
  params: Record<string, number>;
  make(): Promise<Trace>;
  failAtMs?: number[];
  /** Keep the per-100 ms series (and plot it) for these policies. */
  seriesFor: string[];
  /** Requests of several SLOs: the trace's own SLO per request (the run's `sloMs` for none). */
  mixedSlo?: boolean;
}

/** `ts` with each request's SLO drawn from `mix` (own seeded stream: the same arrivals). */
export function withSloMix(ts: TraceSpec, mix: MixEntry[], seed: number): TraceSpec {
  const label = mix.map((e) => `${e.value}:${e.fraction}`).join(',');
  return { ...ts, id: `${ts.id}+slo${label}`, mixedSlo: true, make: async () => withClassMix(await ts.make(), { sloMix: mix, seed }) };
}

/** The largest SLO of a trace (the run's when none): relaxing deadlines only raises the optimum, so the bound stays an upper bound. */
export function boundSloMs(trace: Trace, runSloMs: number): number {
  let m = runSloMs;
  if (trace.sloMs) for (const s of trace.sloMs) if (s > m) m = s;
  return m;
}

export interface ExperimentSpec { name: string; traces: TraceSpec[]; policies: string[] }

export interface ExperimentConfig {
  /** Synthetic trace length (s); the paper does not state it. @default 60 */
  durationS: number;
  /** MAF trace length (s): the paper compresses 24 h into 120 s. @default 120 */
  mafDurationS: number;
  seed: number;
  csvDir?: string;
  workers: number;
  sloMs: number;
}

export const DEFAULT_CONFIG: ExperimentConfig = { durationS: 60, mafDurationS: 120, seed: 1, workers: 8, sloMs: 36 };

const TV_WARM_S = 20;
const TV_HOLD_S = 20;

function bursty(rate: number, cv2: number, c: ExperimentConfig, seriesFor: string[], baseRate = 1500): TraceSpec {
  return {
    id: `bursty-b${baseRate}-v${rate}-cv${cv2}`, params: { baseRate, rate, cv2 }, seriesFor,
    make: async () => burstyTrace({ baseRate, rate, cv2, durationS: c.durationS, seed: c.seed }),
  };
}

function timeVarying(rateTo: number, accel: number, c: ExperimentConfig, seriesFor: string[]): TraceSpec {
  const rateFrom = 2500; const cv2 = 8;
  const durationS = TV_WARM_S + Math.abs(rateTo - rateFrom) / accel + TV_HOLD_S;
  return {
    id: `tv-${rateFrom}-${rateTo}-tau${accel}`, params: { rateFrom, rateTo, accel, cv2 }, seriesFor,
    make: async () => timeVaryingTrace({ rateFrom, rateTo, accel, cv2, warmS: TV_WARM_S, durationS, seed: c.seed }),
  };
}

function maf(c: ExperimentConfig, seriesFor: string[]): TraceSpec {
  return {
    id: c.csvDir ? 'maf' : 'maf-default', params: { rate: 6400 }, seriesFor,
    make: () => azureTrace({ ...(c.csvDir ? { csvDir: c.csvDir } : {}), rate: 6400, durationS: c.mafDurationS, seed: c.seed }),
  };
}

const OURS = ['slackfit', 'slackfit-m'];
/** The policies of ours that policy-eval compares with SlackFit. */
export const EVAL_POLICIES = ['slackfit-m', 'slackfit-q'];

export function experimentSpec(name: ExperimentName, c: ExperimentConfig): ExperimentSpec {
  switch (name) {
    case 'fig8':
      return { name, traces: [maf(c, OURS)], policies: ALL_POLICIES };
    case 'fig9':
      return {
        name, policies: ALL_POLICIES,
        traces: [2950, 4900, 5550].flatMap((v) => [2, 4, 8].map((cv2) => bursty(v, cv2, c, v === 5550 ? OURS : []))),
      };
    case 'fig10':
      return {
        name, policies: ALL_POLICIES,
        traces: [4800, 6800, 7800].flatMap((l2) => [250, 500, 5000].map((tau) => timeVarying(l2, tau, c, l2 === 7800 ? OURS : []))),
      };
    case 'fig11a': {
      // λ = 3500 q/s, CV² = 2: 1500 base + 2000 gamma; 60 s; a worker dies every 12 s (8 -> 4)
      const t = bursty(2000, 2, { ...c, durationS: 60 }, ['slackfit', 'slackfit-m', 'infaas']);
      return { name, policies: ['slackfit', 'slackfit-m', 'slackfit-q', 'infaas', 'fixed:3'], traces: [{ ...t, failAtMs: [12_000, 24_000, 36_000, 48_000] }] };
    }
    case 'fig11c':
      return { name, policies: ['slackfit', 'maxbatch', 'maxacc', 'slackfit-m', 'slackfit-q'], traces: [2, 4, 8].map((cv2) => bursty(5550, cv2, c, [])) };
    case 'policy-eval': {
      // mixed SLOs: 90 % at the SLO and 10 % at 10x; and half at the SLO, half at 3x (the same arrivals)
      const slo = c.sloMs;
      const mixes: MixEntry[][] = [[{ value: slo, fraction: 0.9 }, { value: 10 * slo, fraction: 0.1 }], [{ value: slo, fraction: 0.5 }, { value: 3 * slo, fraction: 0.5 }]];
      const mixed = [bursty(5550, 8, c, []), maf(c, [])].flatMap((t) => mixes.map((m) => withSloMix(t, m, c.seed)));
      return {
        name, policies: ['slackfit', 'slackfit-q', 'infaas'],
        traces: [maf(c, []), ...experimentSpec('fig9', c).traces, ...experimentSpec('fig10', c).traces, ...mixed].map((t) => ({ ...t, seriesFor: [] })),
      };
    }
  }
}

export interface RunOutput {
  run: SummaryRun;
  series?: TimeSeries;
  simulatedRequests: number;
  /** The offline optimum's upper bound on this run's trace (noise-free latencies). */
  bound?: { maxAttainment: number; accuracyAt: (attainment: number) => number };
}

/**
 * Runs every (trace, policy) pair of a spec at each policy's default settings; traces are generated once and
 * shared by the policies, and the optimum's bound is computed once per trace.
 */
export async function runExperiment(
  spec: ExperimentSpec, lp: LoadedProfile, c: ExperimentConfig, params: Record<string, unknown>,
  onRun?: (label: string) => void, noise: { kind: NoiseKind; seed: number } = { kind: 'none', seed: 1 },
): Promise<RunOutput[]> {
  const out: RunOutput[] = [];
  for (const ts of spec.traces) {
    const trace = await ts.make();
    const fb = ts.failAtMs ? undefined : fluidBound(optimumInstance(lp.meanProfile, trace.arrivalsMs, boundSloMs(trace, c.sloMs), c.workers));
    const requestClasses = classesOf(trace, c.sloMs);
    const bound = fb ? { maxAttainment: fb.maxAttainment, accuracyAt: fb.accuracyAt } : undefined;
    for (const policy of spec.policies) {
      const nm = noiseFor(lp, noise.kind, noise.seed);
      const r = simulate({
        profile: lp.profile, arrivalsMs: trace.arrivalsMs, policy, workers: c.workers, sloMs: c.sloMs, adaptLatency: true,
        durationMs: trace.meta.durationS * 1000, ...(ts.failAtMs ? { failAtMs: ts.failAtMs } : {}), ...(nm ? { durationOf: nm.durationOf } : {}),
        requestClasses,
      });
      const run = r.recorder.toRun({
        experiment: spec.name, trace: ts.id, policy, workers: c.workers, slo_ms: c.sloMs,
        params: {
          ...runSettings(r.policy, { noise: noise.kind, seed: noise.seed, adaptLatency: true }), ...params,
          trace: { ...ts.params, durationS: trace.meta.durationS }, ...(ts.failAtMs ? { fail_at_ms: ts.failAtMs } : {}),
        },
      });
      out.push({ run, simulatedRequests: trace.arrivalsMs.length, ...(bound ? { bound } : {}), ...(ts.seriesFor.includes(policy) ? { series: r.recorder.series } : {}) });
      onRun?.(`${spec.name} ${ts.id} ${policy}`);
    }
  }
  return out;
}

/** How many runs a spec makes (for the progress bar). */
export function runCount(spec: ExperimentSpec): number { return spec.traces.length * spec.policies.length; }
