/**
 * The exact offline optimum for small traces: the problem of `instance.ts` as a mixed-integer program,
 * solved by HiGHS (the `highs` package: HiGHS compiled to WebAssembly; see README for why this solver).
 *
 * Formulation (continuous time, exact; the paper's ILP indexed by worker and position instead of by
 * start time): every worker w has positions p = 0..P-1 run in order (P = n: a worker never runs more
 * batches than there are requests).
 *   y[w,p,o] ∈ {0,1}: position (w,p) runs option o (sub-network, batch size b_o, latency l_o);
 *   x[i,w,p] ∈ {0,1}: request i rides in that batch;  T[w,p] >= 0: its start.
 *   Σ_o y[w,p,o] <= 1;   Σ_i x[i,w,p] = Σ_o b_o y[w,p,o]     (a batch holds exactly its size)
 *   Σ_{w,p} x[i,w,p] <= 1                                   (a request is served at most once)
 *   T[w,p] >= a_i x[i,w,p]                                  (starts after its requests arrive)
 *   T[w,p] + Σ_o l_o y[w,p,o] <= d_i + M (1 - x[i,w,p])     (ends by every one of their deadlines)
 *   T[w,p+1] >= T[w,p] + Σ_o l_o y[w,p,o]                   (one batch at a time per worker)
 *   used[w,p+1] <= used[w,p];  batches(w) >= batches(w+1)   (symmetry: no holes, workers ordered)
 * Objective: the most on-time requests Σ b_o y, or the largest accuracy sum Σ acc_o b_o y with the
 * on-time count fixed. Gaps are set to zero, and the solution is re-checked by `checkSchedule`.
 * Size grows as n² W x options: meant for tens of requests (tests and the small-trace report).
 * @module
 */
import * as highsModule from 'highs';
import type { Highs } from 'highs';
import { checkSchedule, OptimumError, type OptimumInstance, type ScheduledBatch } from './instance.ts';

let loaded: Promise<Highs> | undefined;

/** The HiGHS runtime, loaded once. (The package's types describe its CommonJS shape; ESM gets the loader as default.) */
export function loadHighs(): Promise<Highs> {
  if (!loaded) {
    const d = (highsModule as unknown as { default: unknown }).default;
    const loader = (typeof d === 'function' ? d : (d as { default: unknown }).default) as () => Promise<Highs>;
    loaded = loader();
  }
  return loaded;
}

export type ExactObjective = { kind: 'count' } | { kind: 'accuracy'; onTime: number };

export interface ExactResult {
  status: 'optimal' | 'infeasible' | 'time-limit';
  /** Objective of the best schedule found (count, or accuracy sum). */
  objective: number;
  onTime: number;
  accuracySum: number;
  /** The schedule (checked against every rule). */
  batches: ScheduledBatch[];
  seconds: number;
}

/** Sparse rows -> HiGHS CSR model. */
class MipBuilder {
  readonly cost: number[] = [];
  readonly lower: number[] = [];
  readonly upper: number[] = [];
  readonly integer: (0 | 1)[] = [];
  readonly rowLo: number[] = [];
  readonly rowHi: number[] = [];
  readonly starts: number[] = [0];
  readonly idx: number[] = [];
  readonly val: number[] = [];

  col(cost: number, lo: number, hi: number, integer: boolean): number {
    this.cost.push(cost); this.lower.push(lo); this.upper.push(hi); this.integer.push(integer ? 1 : 0);
    return this.cost.length - 1;
  }

  row(terms: [number, number][], lo: number, hi: number): void {
    const merged = new Map<number, number>();
    for (const [c, v] of terms) merged.set(c, (merged.get(c) ?? 0) + v);
    for (const [c, v] of merged) if (v !== 0) { this.idx.push(c); this.val.push(v); }
    this.starts.push(this.idx.length); this.rowLo.push(lo); this.rowHi.push(hi);
  }
}

export async function exactOptimum(inst: OptimumInstance, objective: ExactObjective, o: { timeLimitS?: number } = {}): Promise<ExactResult> {
  const highs = await loadHighs();
  const INF = highs.infinity;
  const n = inst.arrivalsMs.length;
  if (n === 0) return { status: 'optimal', objective: 0, onTime: 0, accuracySum: 0, batches: [], seconds: 0 };
  const t0 = inst.arrivalsMs[0]!;
  const a = Array.from(inst.arrivalsMs, (v) => v - t0);
  const opts = inst.options.filter((x) => x.batch <= n);
  const W = inst.workers; const P = n;
  const horizon = a[n - 1]! + inst.sloMs;
  const M = horizon + inst.sloMs;
  const m = new MipBuilder();
  const y: number[][][] = []; const x: number[][][] = []; const T: number[][] = [];
  const accObj = objective.kind === 'accuracy';
  for (let w = 0; w < W; w++) {
    y.push([]); x.push([]); T.push([]);
    for (let p = 0; p < P; p++) {
      y[w]!.push(opts.map((op) => m.col(accObj ? op.accuracy * op.batch : op.batch, 0, 1, true)));
      x[w]!.push(a.map(() => m.col(0, 0, 1, true)));
      T[w]!.push(m.col(0, 0, horizon, false));
    }
  }
  const lat = (w: number, p: number, sign: number): [number, number][] => opts.map((op, k) => [y[w]![p]![k]!, sign * op.latencyMs]);
  const used = (w: number, p: number, sign: number): [number, number][] => y[w]![p]!.map((c) => [c, sign]);
  for (let w = 0; w < W; w++) {
    for (let p = 0; p < P; p++) {
      m.row(used(w, p, 1), -INF, 1);
      m.row([...x[w]![p]!.map((c): [number, number] => [c, 1]), ...opts.map((op, k): [number, number] => [y[w]![p]![k]!, -op.batch])], 0, 0);
      for (let i = 0; i < n; i++) {
        const xi = x[w]![p]![i]!;
        m.row([[xi, 1], ...used(w, p, -1)], -INF, 0); // only a used position holds requests (tightens the relaxation)
        m.row([[T[w]![p]!, 1], [xi, -a[i]!]], 0, INF);
        m.row([[T[w]![p]!, 1], ...lat(w, p, 1), [xi, M]], -INF, a[i]! + inst.sloMs + M);
      }
      if (p + 1 < P) {
        m.row([[T[w]![p + 1]!, 1], [T[w]![p]!, -1], ...lat(w, p, -1)], 0, INF);
        m.row([...used(w, p + 1, 1), ...used(w, p, -1)], -INF, 0);
      }
    }
    if (w + 1 < W) {
      const count = (ww: number, s: number): [number, number][] => y[ww]!.flatMap((row) => row.map((c): [number, number] => [c, s]));
      m.row([...count(w, 1), ...count(w + 1, -1)], 0, INF);
    }
  }
  for (let i = 0; i < n; i++) m.row(x.flatMap((wr) => wr.map((pr): [number, number] => [pr[i]!, 1])), -INF, 1);
  if (objective.kind === 'accuracy') {
    m.row(y.flatMap((wr) => wr.flatMap((pr) => pr.map((c, k): [number, number] => [c, opts[k]!.batch]))), objective.onTime, objective.onTime);
  }
  const model = highs.createModel({
    numCols: m.cost.length, numRows: m.rowLo.length, sense: highs.constants.objectiveSense.maximize,
    colCost: m.cost, colLower: m.lower, colUpper: m.upper, rowLower: m.rowLo, rowUpper: m.rowHi, integrality: m.integer,
    matrix: { format: 'csr', numRows: m.rowLo.length, numCols: m.cost.length, starts: m.starts, indices: m.idx, values: m.val },
  });
  const started = performance.now();
  try {
    model.options.set({ output_flag: false, mip_rel_gap: 0, mip_abs_gap: 1e-6, ...(o.timeLimitS ? { time_limit: o.timeLimitS } : {}) });
    model.run();
    const status = model.getModelStatus();
    const seconds = (performance.now() - started) / 1000;
    if (status === highs.constants.modelStatus.infeasible) return { status: 'infeasible', objective: Number.NaN, onTime: 0, accuracySum: 0, batches: [], seconds };
    const optimal = status === highs.constants.modelStatus.optimal;
    if (!optimal && status !== highs.constants.modelStatus.timeLimit) throw new OptimumError(`HiGHS ended with model status ${status}`);
    const v = model.getSolution().colValue;
    const batches: ScheduledBatch[] = [];
    for (let w = 0; w < W; w++) {
      for (let p = 0; p < P; p++) {
        const k = y[w]![p]!.findIndex((c) => v[c]! > 0.5);
        if (k < 0) continue;
        const requests = a.map((_, i) => i).filter((i) => v[x[w]![p]![i]!]! > 0.5);
        batches.push({ worker: w, startMs: v[T[w]![p]!]! + t0, subnetId: opts[k]!.subnetId, requests });
      }
    }
    const checked = checkSchedule(inst, batches, 1e-5);
    return {
      status: optimal ? 'optimal' : 'time-limit', objective: accObj ? checked.accuracySum : checked.onTime,
      onTime: checked.onTime, accuracySum: checked.accuracySum, batches, seconds,
    };
  } finally {
    model.dispose();
  }
}
