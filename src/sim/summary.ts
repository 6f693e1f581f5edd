/**
 * The run summary shared by `simulate`, `experiment` and `replay`: a recorder that takes per-request outcomes
 * and per-batch events, and turns them into the stable `summary.json` row and a per-bin time series.
 *
 * `slo_attainment` = answered on time / sent; `mean_accuracy` = mean profiled accuracy over on-time answers;
 * `p50_ms`/`p99_ms` over answered-with-a-result requests; `subnet_mix` = fraction of those per sub-network.
 * `classes` (when the run has request classes: SLO x priority level): the same counts per class.
 * @module
 */
import { writeFileSync } from 'node:fs';

export interface SummaryRun {
  experiment: string;
  trace: string;
  policy: string;
  workers: number;
  slo_ms: number;
  sent: number;
  answered: number;
  ok: number;
  errors: Record<string, number>;
  slo_attainment: number;
  mean_accuracy: number;
  p50_ms: number;
  p99_ms: number;
  subnet_mix: Record<string, number>;
  /** Per request class (SLO, priority level), when the run knows them. */
  classes?: ClassRun[];
  /** Extra, optional: how the run was made (profile, scale, lag...). Readers may ignore it. */
  params?: Record<string, unknown>;
}

export interface ClassRun {
  slo_ms: number;
  priority: number;
  sent: number;
  ok: number;
  slo_attainment: number;
  mean_accuracy: number;
  errors: Record<string, number>;
}

export interface Summary { runs: SummaryRun[] }

/** Per-bin series (bins of `binMs` from t = 0). Arrival-binned: sent, onTime. Dispatch-binned: the rest. */
export interface TimeSeries {
  binMs: number;
  subnetIds: number[];
  sent: Float64Array;
  onTime: Float64Array;
  servedReqs: Float64Array;
  accSum: Float64Array;
  batches: Float64Array;
  /** served requests per subnet index (row-major bins × subnetIds). */
  perSubnet: Float64Array;
  workers: Float64Array;
}

export class RunRecorder {
  readonly series: TimeSeries;
  private readonly latencies: Float64Array;
  private nLat = 0;
  private answered = 0;
  private okCount = 0;
  private onTimeCount = 0;
  private accOnTime = 0;
  private readonly errors: Record<string, number> = {};
  private readonly subnetIndex = new Map<number, number>();
  private readonly okPerSubnet: Float64Array;
  private readonly nBins: number;
  private classKeys: { slo_ms: number; priority: number }[] = [];
  private classOf: Uint16Array | undefined;
  private classStats: { sent: number; ok: number; onTime: number; acc: number; errors: Record<string, number> }[] = [];

  constructor(readonly sent: number, durationMs: number, subnetIds: number[], binMs = 100) {
    this.nBins = Math.max(1, Math.ceil(durationMs / binMs) + 1);
    const n = this.nBins;
    subnetIds.forEach((id, i) => this.subnetIndex.set(id, i));
    this.okPerSubnet = new Float64Array(subnetIds.length);
    this.latencies = new Float64Array(sent);
    this.series = {
      binMs, subnetIds: [...subnetIds], sent: new Float64Array(n), onTime: new Float64Array(n), servedReqs: new Float64Array(n),
      accSum: new Float64Array(n), batches: new Float64Array(n), perSubnet: new Float64Array(n * subnetIds.length),
      workers: new Float64Array(n).fill(NaN),
    };
  }

  /** Results per request class from now on: `classOf[id]` = the class index of request `id` (ids 0..sent-1). */
  useClasses(classes: { slo_ms: number; priority: number }[], classOf: Uint16Array): void {
    this.classKeys = classes;
    this.classOf = classOf;
    this.classStats = classes.map(() => ({ sent: 0, ok: 0, onTime: 0, acc: 0, errors: {} }));
    for (let i = 0; i < classOf.length; i++) this.classStats[classOf[i]!]!.sent++;
  }

  private cls(id: number | undefined): { sent: number; ok: number; onTime: number; acc: number; errors: Record<string, number> } | undefined {
    return id === undefined || this.classOf === undefined ? undefined : this.classStats[this.classOf[id]!];
  }

  private bin(t: number): number { return Math.min(this.nBins - 1, Math.max(0, Math.floor(t / this.series.binMs))); }

  /** Counts an arrival in its bin (call once per sent request). */
  arrived(arrivalMs: number): void { this.series.sent[this.bin(arrivalMs)]! += 1; }

  /** A request answered with a result. */
  served(arrivalMs: number, latencyMs: number, onTime: boolean, subnetId: number, accuracy: number, id?: number): void {
    this.answered++; this.okCount++;
    const c = this.cls(id);
    if (c) { c.ok++; if (onTime) { c.onTime++; c.acc += accuracy; } }
    if (this.nLat < this.latencies.length) this.latencies[this.nLat++] = latencyMs;
    const si = this.subnetIndex.get(subnetId);
    if (si !== undefined) this.okPerSubnet[si]! += 1;
    if (onTime) {
      this.onTimeCount++; this.accOnTime += accuracy;
      this.series.onTime[this.bin(arrivalMs)]! += 1;
    }
  }

  /** A request answered with an error (or never answered: use reason 'unanswered' and do not count it as answered). */
  failed(reason: string, answered = true, count = 1, ids?: ArrayLike<number>): void {
    if (answered) this.answered += count;
    this.errors[reason] = (this.errors[reason] ?? 0) + count;
    if (ids) for (let k = 0; k < ids.length; k++) { const c = this.cls(ids[k]); if (c) c.errors[reason] = (c.errors[reason] ?? 0) + 1; }
  }

  /** A batch started at `atMs`: feeds the accuracy / batch-size / sub-network series. */
  batch(atMs: number, subnetId: number, size: number, accuracy: number): void {
    const b = this.bin(atMs);
    const s = this.series;
    s.batches[b]! += 1; s.servedReqs[b]! += size; s.accSum[b]! += accuracy * size;
    const si = this.subnetIndex.get(subnetId);
    if (si !== undefined) s.perSubnet[b * s.subnetIds.length + si]! += size;
  }

  /**
   * One request answered at `atMs` from a batch of `batchSize` (replay: read from the response). Adds 1/batchSize
   * batches, so the per-bin mean batch size means the same thing as in the simulator (requests per batch).
   */
  servedFromBatch(atMs: number, subnetId: number, batchSize: number, accuracy: number): void {
    const b = this.bin(atMs);
    const s = this.series;
    s.batches[b]! += 1 / Math.max(1, batchSize); s.servedReqs[b]! += 1; s.accSum[b]! += accuracy;
    const si = this.subnetIndex.get(subnetId);
    if (si !== undefined) s.perSubnet[b * s.subnetIds.length + si]! += 1;
  }

  /** Live worker count from `atMs` on. */
  workers(atMs: number, alive: number): void {
    const w = this.series.workers;
    for (let b = this.bin(atMs); b < w.length; b++) w[b] = alive;
  }

  get onTime(): number { return this.onTimeCount; }

  toRun(id: { experiment: string; trace: string; policy: string; workers: number; slo_ms: number; params?: Record<string, unknown> }): SummaryRun {
    const lat = this.latencies.subarray(0, this.nLat).slice().sort();
    const mix: Record<string, number> = {};
    for (const [sid, i] of this.subnetIndex) mix[String(sid)] = this.okCount ? round(this.okPerSubnet[i]! / this.okCount, 6) : 0;
    return {
      experiment: id.experiment, trace: id.trace, policy: id.policy, workers: id.workers, slo_ms: id.slo_ms,
      sent: this.sent, answered: this.answered, ok: this.okCount, errors: { ...this.errors },
      slo_attainment: this.sent ? round(this.onTimeCount / this.sent, 6) : 0,
      mean_accuracy: this.onTimeCount ? round(this.accOnTime / this.onTimeCount, 4) : 0,
      p50_ms: round(quantile(lat, 0.5), 3), p99_ms: round(quantile(lat, 0.99), 3), subnet_mix: mix,
      ...(this.classOf ? { classes: this.classKeys.map((k, i) => {
        const c = this.classStats[i]!;
        return { slo_ms: k.slo_ms, priority: k.priority, sent: c.sent, ok: c.ok, slo_attainment: c.sent ? round(c.onTime / c.sent, 6) : 0, mean_accuracy: c.onTime ? round(c.acc / c.onTime, 4) : 0, errors: { ...c.errors } };
      }) } : {}),
      ...(id.params ? { params: id.params } : {}),
    };
  }
}

/** Nearest-rank quantile of a sorted array; 0 when empty. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function round(v: number, digits: number): number { const f = 10 ** digits; return Math.round(v * f) / f; }

/** Writes the per-bin series as CSV: t_s, sent, on_time, attainment, served, mean_accuracy, mean_batch, workers, subnet_<id>... */
export function timeSeriesCsv(s: TimeSeries): string {
  const k = s.subnetIds.length;
  const rows = [['t_s', 'sent', 'on_time', 'attainment', 'served', 'mean_accuracy', 'mean_batch', 'workers', ...s.subnetIds.map((id) => `subnet_${id}`)].join(',')];
  for (let b = 0; b < s.sent.length; b++) {
    const served = s.servedReqs[b]!;
    const cells = [
      ((b * s.binMs) / 1000).toFixed(1), s.sent[b], s.onTime[b], s.sent[b] ? (s.onTime[b]! / s.sent[b]!).toFixed(4) : '',
      served, served ? (s.accSum[b]! / served).toFixed(3) : '', s.batches[b] ? (served / s.batches[b]!).toFixed(2) : '',
      Number.isNaN(s.workers[b]!) ? '' : s.workers[b],
    ];
    for (let i = 0; i < k; i++) cells.push(s.perSubnet[b * k + i]);
    rows.push(cells.join(','));
  }
  return rows.join('\n') + '\n';
}

export function writeSummary(path: string, runs: SummaryRun[]): void {
  writeFileSync(path, JSON.stringify({ runs } satisfies Summary, null, 2) + '\n');
}

/** Checks a parsed summary.json against the schema; returns a list of problems (empty when well-formed). */
export function validateSummary(json: unknown): string[] {
  const problems: string[] = [];
  const runs = (json as Summary | null)?.runs;
  if (!Array.isArray(runs)) return ['"runs" must be an array'];
  const num = ['workers', 'slo_ms', 'sent', 'answered', 'ok', 'slo_attainment', 'mean_accuracy', 'p50_ms', 'p99_ms'] as const;
  runs.forEach((r, i) => {
    for (const k of ['experiment', 'trace', 'policy'] as const) if (typeof r[k] !== 'string') problems.push(`runs[${i}].${k} must be a string`);
    for (const k of num) if (typeof r[k] !== 'number' || !Number.isFinite(r[k])) problems.push(`runs[${i}].${k} must be a finite number`);
    for (const k of ['errors', 'subnet_mix'] as const) {
      const o = r[k];
      if (typeof o !== 'object' || o === null || Object.values(o).some((v) => typeof v !== 'number')) problems.push(`runs[${i}].${k} must map to numbers`);
    }
    if (r.slo_attainment < 0 || r.slo_attainment > 1) problems.push(`runs[${i}].slo_attainment out of [0,1]`);
    if (r.answered > r.sent || r.ok > r.answered) problems.push(`runs[${i}]: need ok <= answered <= sent`);
    if (r.classes !== undefined) {
      if (!Array.isArray(r.classes)) problems.push(`runs[${i}].classes must be an array`);
      else r.classes.forEach((c, j) => {
        for (const k of ['slo_ms', 'priority', 'sent', 'ok', 'slo_attainment', 'mean_accuracy'] as const) {
          if (typeof c[k] !== 'number' || !Number.isFinite(c[k])) problems.push(`runs[${i}].classes[${j}].${k} must be a finite number`);
        }
      });
      if (Array.isArray(r.classes) && r.classes.reduce((a, c) => a + c.sent, 0) !== r.sent) problems.push(`runs[${i}].classes: sent must add up to the run's`);
    }
  });
  return problems;
}
