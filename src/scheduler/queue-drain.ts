/**
 * Can the whole queue be served on time if every free worker keeps running one option?
 * The estimate slackfit-q uses to decide whether SlackFit's choice is safe.
 * @module
 */
import type { DeadlineClass } from './types.ts';

/**
 * n requests wait; W workers each run batches of b requests taking l ms; round r (0-based) of P = W * b
 * requests ends at T_r = (r + 1) * l. Every request whose slack is below T_r must be among the first r * P,
 * so the queue drains in time iff count(slack < T_r) <= r * P for every round r up to the last.
 *
 * count() comes from the deadlines actually queued, per SLO class (`classes`): within a class they are
 * assumed spread evenly between its earliest and latest slack (one SLO: requests arrive in deadline order).
 * `headSlackMs` is exact for the head. count() is piecewise linear in T with breakpoints at the classes'
 * first and last slacks, and r * P is linear, so the binding rounds are the first, the last and those next
 * to a breakpoint: O(classes^2) for any n, no queue walk.
 */
export function drainsInTime(latencyMs: number, batch: number, workers: number, headSlackMs: number, classes: readonly DeadlineClass[], n: number): boolean {
  if (latencyMs > headSlackMs) return false;
  const q = Math.max(1, n);
  const perRound = workers * batch;
  const last = Math.ceil(q / perRound) - 1;
  if (last === 0) return true;
  if (!fits(last, latencyMs, perRound, headSlackMs, classes, q)) return false;
  for (let i = 0; i < classes.length; i++) {
    const c = classes[i]!;
    if (!around(c.firstSlackMs, last, latencyMs, perRound, headSlackMs, classes, q) || !around(c.lastSlackMs, last, latencyMs, perRound, headSlackMs, classes, q)) return false;
  }
  return true;
}

/** The rounds next to breakpoint `x` (strictly between the first and the last round) fit. */
function around(x: number, last: number, latencyMs: number, perRound: number, headSlackMs: number, classes: readonly DeadlineClass[], n: number): boolean {
  const r = Math.floor(x / latencyMs - 1);
  if (r > 0 && r < last && !fits(r, latencyMs, perRound, headSlackMs, classes, n)) return false;
  return !(r + 1 > 0 && r + 1 < last && !fits(r + 1, latencyMs, perRound, headSlackMs, classes, n));
}

/** count(slack < (r + 1) * l) <= r * perRound. */
function fits(r: number, latencyMs: number, perRound: number, headSlackMs: number, classes: readonly DeadlineClass[], n: number): boolean {
  const t = (r + 1) * latencyMs;
  if (classes.length === 0) return t <= headSlackMs || n <= r * perRound;
  let count = 0;
  for (let i = 0; i < classes.length; i++) {
    const c = classes[i]!;
    const lo = Math.max(c.firstSlackMs, headSlackMs);
    const hi = Math.max(c.lastSlackMs, lo);
    if (t <= lo) continue;
    count += t > hi ? c.count : (c.count * (t - lo)) / (hi - lo);
  }
  return count <= r * perRound + 1e-9;
}
