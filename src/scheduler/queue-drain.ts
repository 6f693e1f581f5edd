/**
 * Can the whole queue be served on time if every free worker keeps running one option?
 * The estimate slackfit-q uses to decide whether SlackFit's choice is safe.
 * @module
 */

/**
 * n requests wait; W workers each run batches of b requests taking l ms; round r (0-based) of W
 * batches ends at (r + 1) * l. The head has `slackMs`; later requests have later deadlines, and
 * the newest one has about a whole SLO left, so the first request of round r is assumed to have
 * slack + (slo - slack) * (r * W * b) / n (deadlines spread evenly from head to tail). With
 * `sloMs <= slackMs` this is the conservative bound "everything within the head's slack".
 * Both sides are linear in r, so checking the first and the last round suffices: O(1) for any n.
 */
export function drainsInTime(latencyMs: number, batch: number, workers: number, slackMs: number, sloMs: number, n: number): boolean {
  const q = Math.max(1, n);
  const perRound = workers * batch;
  const last = Math.ceil(q / perRound) - 1;
  const gapPerRequest = Math.max(0, sloMs - slackMs) / q;
  // round 0 and the last round (no closure: this runs for every option of every decision)
  return latencyMs <= slackMs && (last + 1) * latencyMs <= slackMs + gapPerRequest * last * perRound;
}
