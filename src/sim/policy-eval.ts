/**
 * Item 4 report: does our queue-aware policy (slackfit-q) dominate literal SlackFit, i.e. have higher or
 * equal attainment AND accuracy on every fig8-fig10 trace, at every profile scale (and on a CPU profile)?
 * @module
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LatencyProfile } from '../scheduler/index.ts';
import type { RunOutput } from './experiments.ts';
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

export function policyEvalReport(dir: string, results: { scaleLabel: string; outputs: RunOutput[] }[], _profile: LatencyProfile): void {
  const allRuns: SummaryRun[] = [];
  const md = ['# Policy evaluation: slackfit-q (ours) vs slackfit (paper)', '',
    'Goal: slackfit-q has higher-or-equal SLO attainment and accuracy than slackfit on every trace of fig8-fig10, at every profile. ' +
    `Ties: attainment within ${ATTAINMENT_TIE}, accuracy within ${ACCURACY_TIE} points. INFaaS (always the smallest subnet) shown for reference.`, ''];
  const tally: string[] = [];
  for (const { scaleLabel, outputs } of results) {
    const runs = outputs.map((o) => ({ ...o.run, experiment: `policy-eval[${scaleLabel}]` }));
    allRuns.push(...runs);
    md.push(`## ${scaleLabel}`, '', '| trace | slackfit att / acc | slackfit-q att / acc | infaas att | verdict for slackfit-q |', '|---|---|---|---|---|');
    const counts = new Map<Verdict, number>();
    for (const trace of [...new Set(runs.map((r) => r.trace))]) {
      const get = (p: string) => runs.find((r) => r.trace === trace && r.policy === p);
      const sf = get('slackfit'); const q = get('slackfit-q'); const inf = get('infaas');
      if (!sf || !q) continue;
      const v = verdict(q, sf);
      counts.set(v, (counts.get(v) ?? 0) + 1);
      md.push(`| ${trace} | ${sf.slo_attainment.toFixed(5)} / ${sf.mean_accuracy.toFixed(2)} | ${q.slo_attainment.toFixed(5)} / ${q.mean_accuracy.toFixed(2)} | ${inf ? inf.slo_attainment.toFixed(5) : '—'} | ${v} |`);
    }
    const line = [...counts].map(([v, n]) => `${v}: ${n}`).join(', ');
    tally.push(`- ${scaleLabel}: ${line}`);
    md.push('', `Tally: ${line}`, '');
  }
  md.splice(4, 0, '## Summary', '', ...tally, '');
  writeSummary(join(dir, 'summary.json'), allRuns);
  writeFileSync(join(dir, 'report.md'), md.join('\n') + '\n');
}
