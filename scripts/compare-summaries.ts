/**
 * Compares two summary.json files of the same experiment run on two code versions (e.g. a short policy-eval
 * before and after a scheduler change): per (policy, setting, noise), over the traces both hold, mean and
 * minimum attainment, mean accuracy difference, how many traces got better / worse (> 0.001) and the mean share
 * of answered-with-a-result requests that were on time; plus every
 * run the new file holds alone with its per-class results. Writes JSON to --out.
 *
 *   node --import tsx scripts/compare-summaries.ts BASE/summary.json NEW/summary.json --out FILE.json
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { SummaryRun } from '../src/sim/summary.ts';

const [basePath, newPath, flag, out] = process.argv.slice(2);
if (!basePath || !newPath || flag !== '--out' || !out) {
  process.stderr.write('usage: compare-summaries.ts BASE.json NEW.json --out FILE.json\n');
  process.exit(2);
}
const load = (p: string): SummaryRun[] => (JSON.parse(readFileSync(p, 'utf8')) as { runs: SummaryRun[] }).runs;
const key = (r: SummaryRun) => `${r.experiment}|${r.trace}|${r.policy}|${String(r.params?.batch_sizes)}|${String(r.params?.late)}`;
const base = new Map(load(basePath).map((r) => [key(r), r]));
const groups: Record<string, { traces: number; base_mean_attainment: number; new_mean_attainment: number; base_min_attainment: number; new_min_attainment: number; mean_accuracy_delta: number; better: number; worse: number; base_on_time_of_answered: number; new_on_time_of_answered: number }> = {};
const onlyNew: { trace: string; group: string; slo_attainment: number; mean_accuracy: number; classes: SummaryRun['classes'] }[] = [];
for (const r of load(newPath)) {
  const g = `${r.policy} [${String(r.params?.batch_sizes)}, ${String(r.params?.late)}] noise ${String(r.params?.noise)}`;
  const b = base.get(key(r));
  if (!b) { onlyNew.push({ trace: r.trace, group: g, slo_attainment: r.slo_attainment, mean_accuracy: r.mean_accuracy, classes: r.classes }); continue; }
  const a = (groups[g] ??= { traces: 0, base_mean_attainment: 0, new_mean_attainment: 0, base_min_attainment: 1, new_min_attainment: 1, mean_accuracy_delta: 0, better: 0, worse: 0, base_on_time_of_answered: 0, new_on_time_of_answered: 0 });
  // of the requests answered with a result, the share on time (the "200s that met their deadline")
  a.base_on_time_of_answered += b.ok ? (b.slo_attainment * b.sent) / b.ok : 1;
  a.new_on_time_of_answered += r.ok ? (r.slo_attainment * r.sent) / r.ok : 1;
  a.traces++;
  a.base_mean_attainment += b.slo_attainment; a.new_mean_attainment += r.slo_attainment;
  a.base_min_attainment = Math.min(a.base_min_attainment, b.slo_attainment); a.new_min_attainment = Math.min(a.new_min_attainment, r.slo_attainment);
  a.mean_accuracy_delta += r.mean_accuracy - b.mean_accuracy;
  if (r.slo_attainment > b.slo_attainment + 0.001) a.better++;
  if (r.slo_attainment < b.slo_attainment - 0.001) a.worse++;
}
const r4 = (v: number) => Math.round(v * 1e4) / 1e4;
for (const a of Object.values(groups)) {
  a.base_mean_attainment = r4(a.base_mean_attainment / a.traces); a.new_mean_attainment = r4(a.new_mean_attainment / a.traces);
  a.mean_accuracy_delta = r4(a.mean_accuracy_delta / a.traces);
  a.base_on_time_of_answered = r4(a.base_on_time_of_answered / a.traces); a.new_on_time_of_answered = r4(a.new_on_time_of_answered / a.traces);
}
writeFileSync(out, JSON.stringify({ base: basePath, new: newPath, groups, only_in_new: onlyNew }, null, 2) + '\n');
process.stderr.write(`${Object.keys(groups).length} groups, ${onlyNew.length} runs only in the new file -> ${out}\n`);
