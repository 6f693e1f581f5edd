/**
 * A provable upper bound on the offline optimum for paper-sized traces (hundreds of thousands of
 * requests), computed exactly and fast: the optimum of a fluid relaxation, by a greedy that is
 * optimal for it.
 *
 * Relaxation. Cut time into slots of `slotMs` (Δ). A request arriving in slot k can only be worked on
 * inside its window [a, a + SLO], which lies in slots k..k+L, L = ceil(SLO / Δ). Serving it on
 * sub-network s costs at least c_s = min_b l(s, b) / b worker-ms (the batch's latency shared by its
 * b requests), and the W workers give W·Δ worker-ms per slot. Every real schedule is feasible for the
 * relaxation (a batch lies in the windows of all its requests; each of them is charged l / b >= c_s of
 * its worker time), so the relaxation's optimum bounds the real one from above. The relaxation lets
 * requests be served fractionally and work be split and preempted; it ignores batch start and
 * worker-occupancy granularity.
 *
 * Solving it. Per arrival slot k, allocating X_k worker-ms to its n_k requests is worth at most
 * n_k · f(X_k / n_k), f = the upper concave hull of (0, 0) and (c_s, acc_s + μ) over s (μ: a bonus per
 * served request, below). The allocations X that fit the slot capacities form a polymatroid (a
 * transversal structure: arrival slots send work to time slots of their window), and with
 * consecutive windows they fit exactly when, for every range of arrival slots i..j,
 * Σ_{k=i..j} X_k <= capacity of time slots i..j+L (Hall's condition on an interval bipartite graph).
 * Maximising a separable concave piecewise-linear function over a polymatroid is solved exactly by
 * the greedy: take the hull segments in decreasing slope and give each arrival slot as much as the
 * condition allows. The condition is kept with prefix sums in two lazy segment trees, so each step is
 * O(log T) and a 60 s trace at Δ = 1 ms takes tens of milliseconds.
 *
 * Objectives. Count: the bound on on-time requests (μ large). Accuracy at a given on-time count K:
 * Lagrangian duality, max{Σ acc : count = K} <= G(μ) - μK for EVERY μ, G(μ) = the relaxation's
 * optimum with a bonus μ per served request; the bound takes the minimum over a grid of μ (each value
 * valid on its own, the grid only costs tightness). Mean accuracy at attainment >= K/N is then
 * <= that bound / K: the best mean accuracy of K on-time requests cannot rise by serving more
 * (dropping the least accurate of K+1 on-time requests leaves a schedule of K with a mean at least as high).
 * @module
 */
import { OptimumError, perRequestCost, type OptimumInstance } from './instance.ts';

export interface FluidOptions {
  /** Slot width Δ (ms); smaller is tighter and slower. @default SLO / 36 (1 ms at the paper's 36 ms) */
  slotMs?: number;
}

/** Slotted view of an instance: requests per arrival slot and capacity per time slot. */
interface Slots { counts: Float64Array; capacity: Float64Array; window: number }

function slotsOf(inst: OptimumInstance, slotMs: number): Slots {
  if (!(slotMs > 0)) throw new OptimumError(`slot width must be positive, got ${slotMs}`);
  const a = inst.arrivalsMs;
  const t0 = a.length ? a[0]! : 0;
  const nArr = a.length ? Math.floor((a[a.length - 1]! - t0) / slotMs) + 1 : 0;
  const counts = new Float64Array(nArr);
  for (const t of a) counts[Math.floor((t - t0) / slotMs)]! += 1;
  const window = Math.ceil(inst.sloMs / slotMs - 1e-12);
  const capacity = new Float64Array(nArr + window + 1).fill(inst.workers * slotMs);
  return { counts, capacity, window };
}

/** A hull segment: worker-ms per request and value per worker-ms. */
interface Segment { width: number; slope: number }

/** Upper concave hull of (0,0) and (c_s, acc_s + bonus), as segments of decreasing slope (only increasing ones). */
export function hullSegments(costs: { costMs: number; accuracy: number }[], bonus: number): { segments: Segment[]; firstCost: number } {
  const pts = costs.map((c) => ({ x: c.costMs, y: c.accuracy + bonus })).filter((p) => p.y > 0).sort((p, q) => p.x - q.x || q.y - p.y);
  const hull: { x: number; y: number }[] = [{ x: 0, y: 0 }];
  for (const p of pts) {
    if (p.y <= hull[hull.length - 1]!.y) continue; // more work for no more value
    while (hull.length >= 2) {
      const o = hull[hull.length - 2]!; const q = hull[hull.length - 1]!;
      if ((q.y - o.y) * (p.x - o.x) <= (p.y - o.y) * (q.x - o.x)) hull.pop(); else break;
    }
    hull.push(p);
  }
  const segments: Segment[] = [];
  for (let i = 1; i < hull.length; i++) {
    const w = hull[i]!.x - hull[i - 1]!.x;
    segments.push({ width: w, slope: (hull[i]!.y - hull[i - 1]!.y) / w });
  }
  return { segments, firstCost: hull.length > 1 ? hull[1]!.x : Number.POSITIVE_INFINITY };
}

/**
 * The greedy for one hull (segments in decreasing slope, the same for every arrival slot), in
 * O(segments x T). With P_j = allocated work of arrival slots <= j and S(t) = capacity of time slots < t,
 * the Hall condition is A_j - B_m <= 0 for all m < j, where A_j = P_j - S(j + L + 1) and
 * B_m = P_m - S(m + 1) (m = -1..T-2). Within one segment's pass over k = 0, 1, ..., an allocation at
 * k' raises every A_j, j >= k', so max_{j>=k} A_j is its value at the pass start plus all that was added
 * before k; and the B_m with m < k are final once passed, so their minimum is a running minimum.
 * Room at k = min_{m<k} B_m - max_{j>=k} A_j.
 */
function greedy(s: Slots, segments: Segment[], firstCost: number): { value: number; served: number } {
  const T = s.counts.length;
  const L = s.window;
  const S = new Float64Array(s.capacity.length + 1);
  for (let t = 0; t < s.capacity.length; t++) S[t + 1] = S[t]! + s.capacity[t]!;
  const P = new Float64Array(T); // allocated work per arrival slot, cumulated below
  const x = new Float64Array(T);
  const sufMaxA = new Float64Array(T + 1);
  let value = 0; let firstWork = 0;
  segments.forEach((seg, si) => {
    // A at the pass start, suffix maxima; cumulative allocations so far in P (prefix sums of all passes)
    let run = 0;
    const pre = new Float64Array(T); // P_j at the pass start
    for (let j = 0; j < T; j++) { run += P[j]!; pre[j] = run; }
    sufMaxA[T] = Number.NEGATIVE_INFINITY;
    for (let j = T - 1; j >= 0; j--) sufMaxA[j] = Math.max(sufMaxA[j + 1]!, pre[j]! - S[j + L + 1]!);
    let added = 0; // allocated in this pass at slots < k
    let minB = 0; // B_{-1} = P_{-1} - S(0) = 0
    for (let k = 0; k < T; k++) {
      if (k > 0) minB = Math.min(minB, pre[k - 1]! + added - S[k]!); // B_{k-1}, final now
      const n = s.counts[k]!;
      let got = 0;
      if (n > 0) {
        const room = minB - (sufMaxA[k]! + added);
        got = Math.min(n * seg.width, room);
        if (!(got > 1e-12)) got = 0;
      }
      x[k] = got;
      added += got;
      value += got * seg.slope;
      if (si === 0) firstWork += got;
    }
    for (let k = 0; k < T; k++) P[k]! += x[k]!;
  });
  return { value, served: firstWork / firstCost };
}

export interface FluidBound {
  /** Upper bound on the number of on-time requests. */
  maxOnTime: number;
  /** Upper bound on the best attainment (on time / sent). */
  maxAttainment: number;
  /** Upper bound on the mean accuracy of schedules with attainment >= `attainment` (NaN above maxAttainment). */
  accuracyAt(attainment: number): number;
  /** Bound on the mean accuracy when serving as many as possible (at maxAttainment). */
  accuracyAtMax: number;
  slotMs: number;
}

/** μ values tried for the accuracy bound: every one gives a valid bound; more only tightens it. */
function bonusGrid(accMax: number): number[] {
  const g: number[] = [];
  for (let i = 0; i <= 16; i++) g.push(-accMax + (accMax * i) / 16);
  for (let e = -2; e <= 4; e += 0.125) g.push(10 ** e);
  return g;
}

export function fluidBound(inst: OptimumInstance, o: FluidOptions = {}): FluidBound {
  const n = inst.arrivalsMs.length;
  const slotMs = o.slotMs ?? inst.sloMs / 36;
  const slots = slotsOf(inst, slotMs);
  const costs = perRequestCost(inst);
  const accMax = Math.max(...costs.map((c) => c.accuracy));
  if (n === 0 || costs.length === 0) {
    return { maxOnTime: 0, maxAttainment: n === 0 ? 1 : 0, accuracyAt: () => Number.NaN, accuracyAtMax: Number.NaN, slotMs };
  }
  const cMin = Math.min(...costs.map((c) => c.costMs));
  const count = greedy(slots, [{ width: cMin, slope: 1 }], cMin);
  const maxOnTime = Math.min(n, count.served);
  const lines = bonusGrid(accMax).map((mu) => {
    const h = hullSegments(costs, mu);
    const g = h.segments.length ? greedy(slots, h.segments, h.firstCost) : { value: 0, served: 0 };
    return { mu, G: g.value };
  });
  const accuracyAt = (attainment: number): number => {
    const k = attainment * n;
    if (k > maxOnTime * (1 + 1e-9) + 1e-9) return Number.NaN;
    if (k <= 0) return accMax;
    let best = Number.POSITIVE_INFINITY;
    for (const { mu, G } of lines) best = Math.min(best, G - mu * k);
    return Math.min(accMax, best / k);
  };
  return { maxOnTime, maxAttainment: maxOnTime / n, accuracyAt, accuracyAtMax: accuracyAt(maxOnTime / n), slotMs };
}
