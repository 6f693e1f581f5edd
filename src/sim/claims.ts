/**
 * The paper's quantitative claims checked against one experiment run: for each claim the paper's number,
 * ours (computed from the runs in the report, same device scale and settings) and a verdict:
 * "yes" (ours meets the claim), "partly" (same direction, smaller), "no", or "n/a" (the runs needed are missing).
 * @module
 */
import type { SummaryRun } from './summary.ts';

export interface ClaimCheck { claim: string; paper: string; ours: string; verdict: 'yes' | 'partly' | 'no' | 'n/a' }

type Runs = SummaryRun[];
const tp = (r: SummaryRun): Record<string, unknown> => (r.params?.trace ?? {}) as Record<string, unknown>;
const of = (runs: Runs, exp: string, policy: string, where: Record<string, number> = {}) =>
  runs.filter((r) => r.experiment === exp && r.policy === policy && Object.entries(where).every(([k, v]) => tp(r)[k] === v));
const single = (runs: Runs) => runs.filter((r) => r.policy.startsWith('fixed:') || r.policy === 'infaas');
const f4 = (v: number) => v.toFixed(4);

/** Best accuracy of Clipper+/INFaaS at attainment >= att (equal attainment), and best attainment at accuracy >= acc. */
function baselines(runs: Runs, exp: string, trace: string, att: number, acc: number): { accAtAtt?: number; attAtAcc?: number } {
  const b = single(runs.filter((r) => r.experiment === exp && r.trace === trace));
  const byAtt = b.filter((r) => r.slo_attainment >= att - 1e-5).map((r) => r.mean_accuracy);
  const byAcc = b.filter((r) => r.mean_accuracy >= acc - 0.005).map((r) => r.slo_attainment);
  return { ...(byAtt.length ? { accAtAtt: Math.max(...byAtt) } : {}), ...(byAcc.length ? { attAtAcc: Math.max(...byAcc) } : {}) };
}

const verdictAtLeast = (ours: number, paper: number): ClaimCheck['verdict'] => (ours >= paper ? 'yes' : ours > 0 ? 'partly' : 'no');
const decreasing = (xs: number[]) => xs.length > 1 && xs.every((x, i) => i === 0 || x <= xs[i - 1]! + 1e-6) && xs[xs.length - 1]! < xs[0]!;

export function checkClaims(runs: Runs, policy = 'slackfit'): ClaimCheck[] {
  const out: ClaimCheck[] = [];
  const add = (claim: string, paper: string, ours: string | undefined, verdict: ClaimCheck['verdict'] | undefined) =>
    out.push({ claim, paper, ours: ours ?? '—', verdict: ours === undefined ? 'n/a' : verdict! });
  const maf = of(runs, 'fig8', policy)[0];
  add('Fig. 8 MAF: SuperServe attainment', '0.99999', maf && f4(maf.slo_attainment), maf && (maf.slo_attainment >= 0.99999 ? 'yes' : maf.slo_attainment >= 0.999 ? 'partly' : 'no'));
  if (maf) {
    const b = baselines(runs, 'fig8', maf.trace, maf.slo_attainment, maf.mean_accuracy);
    const d = b.accAtAtt === undefined ? undefined : maf.mean_accuracy - b.accAtAtt;
    add('Fig. 8: accuracy gain over the best Clipper+/INFaaS at equal attainment (points)', '+4.65', d === undefined ? undefined : d.toFixed(2), d === undefined ? 'n/a' : verdictAtLeast(d, 4.65));
    const x = b.attAtAcc === undefined ? undefined : maf.slo_attainment / b.attAtAcc;
    add('Fig. 8: attainment gain at equal accuracy', '2.85x', x === undefined ? undefined : `${x.toFixed(2)}x`, x === undefined ? 'n/a' : x >= 2.85 ? 'yes' : x > 1 ? 'partly' : 'no');
  }
  const f9 = of(runs, 'fig9', policy);
  if (f9.length) {
    const min = Math.min(...f9.map((r) => r.slo_attainment));
    add('Fig. 9 bursty grid: SuperServe attainment on every trace', '> 0.999', `min ${f4(min)}`, min > 0.999 ? 'yes' : min > 0.99 ? 'partly' : 'no');
    const gains = f9.filter((r) => r.slo_attainment >= 0.9999).map((r) => baselines(runs, 'fig9', r.trace, 0.9999, r.mean_accuracy).accAtAtt)
      .map((b, i) => (b === undefined ? undefined : f9.filter((r) => r.slo_attainment >= 0.9999)[i]!.mean_accuracy - b)).filter((v): v is number => v !== undefined);
    add('Fig. 9: accuracy gain over the best Clipper+/INFaaS at 0.9999 attainment (points, max over traces)', '+4.33', gains.length ? Math.max(...gains).toFixed(2) : undefined, gains.length ? verdictAtLeast(Math.max(...gains), 4.33) : 'n/a');
    const ratios = f9.map((r) => baselines(runs, 'fig9', r.trace, 1, r.mean_accuracy).attAtAcc).map((b, i) => (b ? f9[i]!.slo_attainment / b : undefined)).filter((v): v is number => v !== undefined);
    add('Fig. 9: attainment gain at equal accuracy (max over traces)', '2.06x', ratios.length ? `${Math.max(...ratios).toFixed(2)}x` : undefined, ratios.length ? (Math.max(...ratios) >= 2.06 ? 'yes' : Math.max(...ratios) > 1 ? 'partly' : 'no') : 'n/a');
    const hi = of(runs, 'fig9', policy, { rate: 5550 }).map((r) => r.mean_accuracy);
    add('Fig. 13a (λ = 7000): served accuracy', '76-78 %', hi.length ? `${Math.min(...hi).toFixed(2)}-${Math.max(...hi).toFixed(2)} %` : undefined, hi.length ? (hi.every((a) => a >= 76 && a <= 78) ? 'yes' : 'no') : 'n/a');
    const c1 = [2, 4, 8].map((cv2) => of(runs, 'fig9', 'fixed:1', { rate: 5550, cv2 })[0]?.slo_attainment).filter((v): v is number => v !== undefined);
    add('Fig. 9: Clipper+(76.69) degrades as CV² grows (λv 5550)', 'degrades', c1.length === 3 ? c1.map(f4).join(' -> ') : undefined, decreasing(c1) ? 'yes' : 'no');
    const c3 = [2950, 4900, 5550].map((rate) => of(runs, 'fig9', 'fixed:3', { rate, cv2: 2 })[0]?.slo_attainment).filter((v): v is number => v !== undefined);
    add('Fig. 9: Clipper+(78.25) degrades as λv grows (CV² 2)', 'degrades', c3.length === 3 ? c3.map(f4).join(' -> ') : undefined, decreasing(c3) ? 'yes' : 'no');
    const inf = of(runs, 'fig9', 'infaas');
    if (inf.length) {
      const m = Math.min(...inf.map((r) => r.slo_attainment));
      add('Fig. 9: INFaaS near-perfect attainment at the lowest accuracy (73.8)', '~1.0 / 73.8', `min ${f4(m)} / ${inf[0]!.mean_accuracy.toFixed(2)}`, m >= 0.999 ? 'yes' : 'no');
    }
  }
  const f10 = of(runs, 'fig10', policy);
  if (f10.length) {
    const min = Math.min(...f10.map((r) => r.slo_attainment));
    add('Fig. 10 time-varying: SuperServe attainment', '0.991-1.0', `min ${f4(min)}`, min >= 0.991 ? 'yes' : min >= 0.95 ? 'partly' : 'no');
    const c4 = [250, 500, 5000].map((accel) => of(runs, 'fig10', 'fixed:4', { rateTo: 6800, accel })[0]?.slo_attainment).filter((v): v is number => v !== undefined);
    add('Fig. 10: Clipper+(79.44) diverges as τ grows (λ2 6800)', 'diverges', c4.length === 3 ? c4.map(f4).join(' -> ') : undefined, decreasing(c4) ? 'yes' : 'no');
  }
  const f11a = of(runs, 'fig11a', policy)[0];
  add('Fig. 11a: attainment with one worker killed every 12 s (8 -> 4)', '~0.999', f11a && f4(f11a.slo_attainment), f11a && (f11a.slo_attainment >= 0.999 ? 'yes' : f11a.slo_attainment >= 0.99 ? 'partly' : 'no'));
  const f11c = of(runs, 'fig11c', policy);
  if (f11c.length) {
    const min = Math.min(...f11c.map((r) => r.slo_attainment));
    add('Fig. 11c: SlackFit attainment at λ 7000, CV² 2-8', '0.999', `min ${f4(min)}`, min >= 0.999 ? 'yes' : min >= 0.99 ? 'partly' : 'no');
    const sf8 = of(runs, 'fig11c', policy, { cv2: 8 })[0]; const mb8 = of(runs, 'fig11c', 'maxbatch', { cv2: 8 })[0];
    if (sf8 && mb8) {
      const d = sf8.slo_attainment - mb8.slo_attainment;
      add('Fig. 11c: MaxBatch attainment minus SlackFit\'s at CV² 8', '~ -0.05', `${d > 0 ? '-' : '+'}${Math.abs(d).toFixed(4)}`, d >= 0.04 ? 'yes' : d > 0 ? 'partly' : 'no');
    }
    const ma = of(runs, 'fig11c', 'maxacc').map((r) => r.slo_attainment);
    if (ma.length) add('Fig. 11c: MaxAcc diverges', 'diverges', `max ${f4(Math.max(...ma))}`, Math.max(...ma) < 0.9 ? 'yes' : 'no');
  }
  return out;
}

export function claimsTable(checks: ClaimCheck[]): string[] {
  return ['| claim | paper | ours | reproduced |', '|---|---|---|---|', ...checks.map((c) => `| ${c.claim} | ${c.paper} | ${c.ours} | ${c.verdict} |`)];
}
