/**
 * The offline optimum of a tiny trace by exhaustive search: the reference the MIP and the fluid
 * bound are tested against. Exponential: for a handful of requests only.
 *
 * Two facts make a finite search complete:
 * - Left shift: every batch of an optimal schedule can start at max(its last request's arrival, its
 *   worker's previous completion) (starting earlier only ends earlier). So a worker decides when it
 *   frees and, while idle, at each arrival.
 * - EDF take: among the requests that have arrived, are not yet served and can still make the batch's
 *   end, a batch may take the b earliest deadlines (swap any other one for such a request: the swapped
 *   request's later deadline only helps wherever the optimum served it).
 * At each decision the free worker either starts some option (sub-network, batch size) on the b
 * earliest eligible requests, or idles to the next arrival. The search returns the whole frontier:
 * for every on-time count k, the largest accuracy sum (memoised on time, worker states and served set).
 * @module
 */
import { OptimumError, type OptimumInstance } from './instance.ts';

export const BRUTE_FORCE_MAX_REQUESTS = 12;

/** frontier[k] = the largest accuracy sum with exactly k requests on time (-Infinity if impossible). */
export function bruteForceFrontier(inst: OptimumInstance): number[] {
  const a = inst.arrivalsMs; const n = a.length;
  if (n > BRUTE_FORCE_MAX_REQUESTS) throw new OptimumError(`brute force is for at most ${BRUTE_FORCE_MAX_REQUESTS} requests, got ${n}`);
  const slo = inst.sloMs;
  const opts = inst.options.filter((o) => o.batch <= n);
  const memo = new Map<string, number[]>();
  const NONE = Number.NEGATIVE_INFINITY;

  const merge = (into: number[], from: number[], shift: number, gain: number): void => {
    for (let k = 0; k < from.length; k++) {
      const v = from[k]!;
      if (v === NONE) continue;
      if (v + gain > into[k + shift]!) into[k + shift] = v + gain;
    }
  };

  /** free[w]: when worker w can next decide (Infinity: never again); mask: served requests. */
  const search = (free: number[], mask: number): number[] => {
    const sorted = [...free].sort((x, y) => x - y);
    const key = `${sorted.join(',')}|${mask}`;
    const hit = memo.get(key);
    if (hit) return hit;
    const out = new Array<number>(n + 1).fill(NONE);
    out[0] = 0;
    const t = sorted[0]!;
    if (t !== Number.POSITIVE_INFINITY) {
      const w = free.indexOf(t);
      // idle to the next arrival after t (or stop for good)
      let next = Number.POSITIVE_INFINITY;
      for (let i = 0; i < n; i++) if (a[i]! > t) { next = a[i]!; break; }
      const idle = [...free]; idle[w] = next;
      merge(out, search(idle, mask), 0, 0);
      for (const o of opts) {
        const chosen: number[] = [];
        for (let i = 0; i < n && chosen.length < o.batch; i++) {
          if ((mask >> i) & 1 || a[i]! > t || a[i]! + slo < t + o.latencyMs) continue;
          chosen.push(i);
        }
        if (chosen.length < o.batch) continue;
        const busy = [...free]; busy[w] = t + o.latencyMs;
        let m2 = mask;
        for (const i of chosen) m2 |= 1 << i;
        merge(out, search(busy, m2), o.batch, o.accuracy * o.batch);
      }
    }
    memo.set(key, out);
    return out;
  };
  const start = a.length ? a[0]! : 0;
  return search(new Array<number>(inst.workers).fill(start), 0);
}
