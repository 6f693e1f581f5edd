/**
 * report.html: the dashboard's charts drawn offline from the time series of a simulation, an experiment or a
 * replay (src/sim/summary.ts). One self-contained file (uPlot, the chart code and the data inlined) that a
 * browser opens from disk without a server or a network.
 * @module
 */
import { writeFileSync } from 'node:fs';
import type { LatencyProfile } from '../scheduler/index.ts';
import { policyLabel } from '../sim/report.ts';
import type { SummaryRun, TimeSeries } from '../sim/summary.ts';
import { PALETTE } from '../palette.ts';
import { DASHBOARD_ASSETS } from './assets.ts';
import { accuracyPercent, compact, mixColumn, rollingRatio, type ChartFrame, type SubnetLegend } from './frame.ts';

export interface ReportRun {
  name: string;
  series: TimeSeries;
  sloMs: number;
  /** Sub-networks with their accuracy, for the mix legend (ids the series has but this lacks show accuracy –). */
  subnets: SubnetLegend[];
  summary?: SummaryRun;
}

export interface FrameOptions {
  /** Step of the report's charts, ms (the series' bins are summed into steps). @default 1000 */
  resolutionMs?: number;
  /** Window of attainment and accuracy, s, as on the live page. @default 10 */
  averageS?: number;
}

/** The chart frame of one run: the series' bins summed into `resolutionMs` steps. */
export function seriesFrame(run: ReportRun, opts: FrameOptions = {}): ChartFrame {
  const s = run.series;
  const f = Math.max(1, Math.round((opts.resolutionMs ?? 1000) / s.binMs));
  const stepS = (f * s.binMs) / 1000;
  const k = s.subnetIds.length;
  const n = Math.ceil(s.sent.length / f);
  const sum = (a: Float64Array, i: number): number => { let v = 0; for (let b = i * f; b < Math.min(a.length, (i + 1) * f); b++) v += a[b]!; return v; };
  const sent = new Float64Array(n); const onTime = new Float64Array(n); const served = new Float64Array(n);
  const accSum = new Float64Array(n); const batches = new Float64Array(n);
  const perSubnet = s.subnetIds.map(() => new Float64Array(n));
  const workers: Array<number | null> = new Array(n).fill(null);
  for (let i = 0; i < n; i++) {
    sent[i] = sum(s.sent, i); onTime[i] = sum(s.onTime, i); served[i] = sum(s.servedReqs, i);
    accSum[i] = sum(s.accSum, i); batches[i] = sum(s.batches, i);
    for (let b = i * f; b < Math.min(s.sent.length, (i + 1) * f); b++) {
      for (let j = 0; j < k; j++) perSubnet[j]![i]! += s.perSubnet[b * k + j]!;
      if (!Number.isNaN(s.workers[b]!)) workers[i] = s.workers[b]!;
    }
  }
  const w = Math.max(1, Math.round((opts.averageS ?? 10) / stepS));
  const perS = (a: Float64Array) => Array.from(a, (v) => compact(v / stepS));
  const columns: ChartFrame['columns'] = {
    t: Array.from({ length: n }, (_, i) => compact(i * stepS)),
    arriving: perS(sent),
    answered: perS(served),
    attainment: rollingRatio(sent.map((_, i) => Math.min(onTime[i]!, sent[i]!)), sent, w, 100),
    accuracy: rollingRatio(accSum, served, w).map((v) => (v === null ? null : compact(accuracyPercent(v)))),
    batchMean: Array.from(served, (v, i) => (batches[i]! > 0 ? compact(v / batches[i]!) : null)),
    ...(workers.some((x) => x !== null) ? { alive: workers } : {}),
  };
  s.subnetIds.forEach((id, j) => { columns[mixColumn(id)] = Array.from(perSubnet[j]!, (v, i) => (served[i]! > 0 ? compact((100 * v) / served[i]!) : null)); });
  const legend = new Map(run.subnets.map((x) => [x.id, x.accuracy]));
  return {
    title: run.name, timeAxis: 'elapsed', sloMs: run.sloMs, windowS: w * stepS,
    subnets: s.subnetIds.map((id) => ({ id, accuracy: legend.get(id) ?? Number.NaN })), palette: PALETTE, columns,
  };
}

/** The whole report.html text. */
export function reportHtml(title: string, runs: ReportRun[], opts: FrameOptions = {}): string {
  const a = DASHBOARD_ASSETS.files;
  const data = { title, runs: runs.map((r) => ({ name: r.name, frame: seriesFrame(r, opts), ...(r.summary ? { summary: r.summary } : {}) })) };
  // Inside <script>, only "</" could end the element early; JSON allows writing "<" as \u003c.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const inline = (name: string) => a[name]!.text.replace(/<\/(script|style)/gi, '<\\/$1');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${inline('uplot.css')}</style>
<style>${inline('style.css')}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><label id="run-picker" hidden>run <select id="run"></select></label></header>
<main>
  <section id="stats" class="stats" aria-label="run summary"></section>
  <section id="charts" class="charts" aria-label="time series"></section>
  <section class="panels"><div class="panel wide"><h2>All runs</h2><div class="scroll"><table id="runs"></table></div></div></section>
</main>
<script type="application/json" id="report-data">${json}</script>
<script>${inline('uplot.js')}</script>
<script>${inline('charts.js')}</script>
<script>${inline('report.js')}</script>
</body>
</html>
`;
}

export function writeReportHtml(path: string, title: string, runs: ReportRun[], opts: FrameOptions = {}): void {
  writeFileSync(path, reportHtml(title, runs, opts));
}

/** The runs of an experiment that kept a time series, named as in its report.md. */
export function experimentReportRuns(runs: { run: SummaryRun; series?: TimeSeries }[], profile: LatencyProfile): ReportRun[] {
  const subnets = profile.subnets.map((s) => ({ id: s.id, accuracy: s.accuracy }));
  return runs.filter((r) => r.series !== undefined).map(({ run, series }) => ({
    name: `${run.experiment} ${run.trace} ${policyLabel(run.policy, profile)}`, series: series!, sloMs: run.slo_ms, subnets, summary: run,
  }));
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
