/**
 * Writes an experiment's outputs: summary.json, report.md (attainment-vs-accuracy tables beside the paper's
 * claims), per-run time-series CSVs and SVG plots (attainment vs accuracy per trace; served accuracy,
 * batch size, sub-network mix and attainment over time).
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_POLICY, type LatencyProfile } from '../scheduler/index.ts';
import { claimsFor } from './paper-numbers.ts';
import { settingsLabel } from './run-settings.ts';
import { chart, type Series } from './svg.ts';
import { timeSeriesCsv, writeSummary, type SummaryRun, type TimeSeries } from './summary.ts';
import { checkClaims, claimsTable } from './claims.ts';
import type { RunOutput } from './experiments.ts';

export interface ReportInput {
  title: string;
  runs: RunOutput[];
  profile: LatencyProfile;
  profileName: string;
  profileScale: number;
  /** 'none' or 'profile' (latency noise), stated in titles. */
  noise?: string;
  notes?: string[];
}

/** "Clipper+(76.69)" for fixed:<id>, the policy name otherwise. */
export function policyLabel(policy: string, profile: LatencyProfile): string {
  const m = /^fixed:(\d+)$/.exec(policy);
  if (!m) return policy;
  const s = profile.subnets.find((x) => x.id === Number(m[1]));
  return s ? `Clipper+(${s.accuracy.toFixed(2)})` : policy;
}

/** Policy label plus its settings: "slackfit [1,2,4,8,16, drop]". */
export function runLabel(run: SummaryRun, profile: LatencyProfile): string {
  const s = settingsLabel(run.params);
  return s ? `${policyLabel(run.policy, profile)} ${s}` : policyLabel(run.policy, profile);
}

const fmtAtt = (v: number) => v.toFixed(4);
const fmtAcc = (v: number) => (v ? v.toFixed(2) : '—');

type Bound = RunOutput['bound'];

/** Markdown table rows of one trace: policy [settings] | attainment | accuracy | gap to the bound | p99 | mix | paper. */
function traceTable(runs: SummaryRun[], profile: LatencyProfile, bound: Bound): string[] {
  const lines = ['| policy [batch sizes, late] | SLO attainment | mean accuracy % | gap to optimum bound: att / acc | p99 ms | errors | sub-network mix | paper says |', '|---|---|---|---|---|---|---|---|'];
  if (bound) {
    const top = bound.accuracyAt(bound.maxAttainment);
    lines.push(`| optimum (upper bound, noise-free) | ${fmtAtt(bound.maxAttainment)} | ${Number.isFinite(top) ? top.toFixed(2) : '—'} | — | — | — | — | — |`);
  }
  for (const r of runs) {
    const tp = (r.params?.trace ?? {}) as Record<string, unknown>;
    const claims = claimsFor(r.experiment, r.policy, tp).map((c) =>
      [c.attainment && `attainment ${c.attainment}`, c.accuracy && `accuracy ${c.accuracy}`, c.note].filter(Boolean).join('; ')).join(' / ');
    const mix = Object.entries(r.subnet_mix).filter(([, f]) => f >= 0.005).map(([id, f]) => `${id}:${Math.round(f * 100)}%`).join(' ');
    const errs = Object.entries(r.errors).map(([k, v]) => `${k} ${v}`).join(', ');
    const gap = bound && r.slo_attainment > 0
      ? `${(bound.maxAttainment - r.slo_attainment).toFixed(5)} / ${(bound.accuracyAt(Math.min(r.slo_attainment, bound.maxAttainment)) - r.mean_accuracy).toFixed(2)}` : '—';
    lines.push(`| ${runLabel(r, profile)} | ${fmtAtt(r.slo_attainment)} | ${fmtAcc(r.mean_accuracy)} | ${gap} | ${r.p99_ms.toFixed(1)} | ${errs || '—'} | ${mix} | ${claims || '—'} |`);
  }
  return lines;
}

export function writeExperimentReport(dir: string, input: ReportInput): void {
  mkdirSync(join(dir, 'plots'), { recursive: true });
  mkdirSync(join(dir, 'series'), { recursive: true });
  const runs = input.runs.map((r) => r.run);
  writeSummary(join(dir, 'summary.json'), runs);
  const where = `${input.profileName} x${input.profileScale}, noise ${input.noise ?? 'none'}`;
  const md: string[] = [`# ${input.title}`, '',
    `Simulated with the server's own scheduler and policies. Profile: **${input.profileName}**, device scale **${input.profileScale}** ` +
    `(results depend strongly on it), latency noise **${input.noise ?? 'none'}**. Workers ${runs[0]?.workers ?? '?'}, SLO ${runs[0]?.slo_ms ?? '?'} ms. ` +
    'Attainment = on-time answers / sent; accuracy = mean profiled top-1 % over on-time answers. Each policy runs at its own default ' +
    'settings, printed with it as [batch sizes, late handling]. The optimum bound is the offline optimum\'s upper bound for the trace ' +
    '(`src/sim/optimum/fluid-bound.ts`); the gap columns are bound minus policy (accuracy: the bound at the policy\'s attainment).', ''];
  for (const n of input.notes ?? []) md.push(`- ${n}`);
  if (input.notes?.length) md.push('');
  md.push(`## The paper's claims at this device scale (${where})`, '',
    `SuperServe = literal SlackFit at its default settings (${settingsLabel(runs.find((r) => r.policy === 'slackfit')?.params) || 'not run'}):`, '',
    ...claimsTable(checkClaims(runs)), '');
  if (runs.some((r) => r.policy === DEFAULT_POLICY.name)) {
    md.push(`The same claims for our default policy, ${DEFAULT_POLICY.name} ${settingsLabel(runs.find((r) => r.policy === DEFAULT_POLICY.name)?.params)}:`, '',
      ...claimsTable(checkClaims(runs, DEFAULT_POLICY.name)), '');
  }
  md.push('Yes: ours meets the paper\'s number; partly: same direction, smaller; no: not reproduced. The per-trace tables below hold the numbers; ' +
    '`bench/results/policy-eval/report.md` compares SlackFit at its best setting per trace.', '');
  const byExp = groupBy(input.runs, (r) => r.run.experiment);
  for (const [exp, expRuns] of byExp) {
    md.push(`## ${exp}`, '');
    for (const [trace, tr] of groupBy(expRuns, (r) => r.run.trace)) {
      const tp = (tr[0]?.run.params?.trace ?? {}) as Record<string, unknown>;
      const bound = tr[0]?.bound;
      md.push(`### ${trace}`, '', `Trace parameters: ${Object.entries(tp).map(([k, v]) => `${k}=${String(v)}`).join(', ')}`, '');
      md.push(...traceTable(tr.map((r) => r.run), input.profile, bound), '');
      const file = `plots/${exp}-${trace}-attainment-vs-accuracy.svg`;
      const series = tr.filter((r) => r.run.mean_accuracy > 0).map((r) => ({ name: runLabel(r.run, input.profile), points: [{ x: r.run.mean_accuracy, y: r.run.slo_attainment }] }));
      if (bound) {
        const top = bound.accuracyAt(bound.maxAttainment);
        if (Number.isFinite(top)) series.unshift({ name: 'optimum bound', points: [{ x: top, y: bound.maxAttainment }] });
      }
      writeFileSync(join(dir, file), chart({
        title: `${exp} ${trace} (${where})`, xLabel: 'mean serving accuracy (%)', yLabel: 'SLO attainment (nines scale)', kind: 'scatter', yScale: 'nines', series,
      }));
      md.push(`![attainment vs accuracy](${file})`, '');
    }
  }
  const withSeries = input.runs.filter((r) => r.series);
  if (withSeries.length) md.push('## Dynamics over time', '');
  for (const { run, series } of withSeries) {
    const base = `${run.experiment}-${run.trace}-${run.policy.replace(':', '')}`;
    writeFileSync(join(dir, 'series', `${base}.csv`), timeSeriesCsv(series!));
    for (const [kind, svg] of Object.entries(timeSeriesCharts(series!, `${run.experiment} ${run.trace} ${runLabel(run, input.profile)} (${where})`, input.profile))) {
      writeFileSync(join(dir, 'plots', `${base}-${kind}.svg`), svg);
      md.push(`![${kind}](plots/${base}-${kind}.svg)`);
    }
    md.push('');
  }
  writeFileSync(join(dir, 'report.md'), md.join('\n') + '\n');
}

/** Served accuracy, batch size, sub-network mix and attainment (with live workers) over time. */
export function timeSeriesCharts(s: TimeSeries, title: string, profile?: LatencyProfile): Record<string, string> {
  const nb = s.sent.length; const k = s.subnetIds.length;
  const t = (b: number) => Number(((b * s.binMs) / 1000).toFixed(2));
  const acc: Series = { name: 'accuracy %', points: [] };
  const batch: Series = { name: 'mean batch', points: [] };
  const att: Series = { name: 'attainment', points: [] };
  const workers: Series = { name: 'live workers / 8', points: [] };
  const mix: Series[] = s.subnetIds.map((id) => ({ name: `subnet ${id}${profile ? ` (${profile.subnets.find((x) => x.id === id)?.accuracy.toFixed(2)})` : ''}`, points: [] }));
  for (let b = 0; b < nb; b++) {
    const served = s.servedReqs[b]!;
    if (served > 0) {
      acc.points.push({ x: t(b), y: s.accSum[b]! / served });
      batch.points.push({ x: t(b), y: served / s.batches[b]! });
    }
    for (let i = 0; i < k; i++) mix[i]!.points.push({ x: t(b), y: served > 0 ? s.perSubnet[b * k + i]! / served : 0 });
    if (s.sent[b]! > 0) att.points.push({ x: t(b), y: s.onTime[b]! / s.sent[b]! });
    if (!Number.isNaN(s.workers[b]!)) workers.points.push({ x: t(b), y: s.workers[b]! / 8 });
  }
  return {
    accuracy: chart({ title: `${title}: served accuracy`, xLabel: 'time (s)', yLabel: 'accuracy (%)', kind: 'line', series: [acc] }),
    batch: chart({ title: `${title}: batch size`, xLabel: 'time (s)', yLabel: 'requests per batch', kind: 'line', series: [batch] }),
    subnets: chart({ title: `${title}: sub-network mix`, xLabel: 'time (s)', yLabel: 'fraction of served requests', kind: 'stacked', series: mix, yDomain: [0, 1] }),
    attainment: chart({ title: `${title}: SLO attainment`, xLabel: 'time (s)', yLabel: 'on time / sent', kind: 'line', series: [att, workers], yDomain: [0, 1.05] }),
  };
}

function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) { const k = key(x); const a = m.get(k); if (a) a.push(x); else m.set(k, [x]); }
  return m;
}
