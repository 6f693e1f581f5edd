/**
 * Turns a policy that depends on the slack alone into an O(log n) lookup. Such a decision
 * changes only where the slack crosses some option's latency (its rules are all of the form
 * "l(option) <= slack"), so it is evaluated once at each distinct option latency and `lookup`
 * binary-searches the largest breakpoint <= slack.
 * @module
 */
import type { Decision } from './types.ts';

export class StepTable {
  readonly #breaks: Float64Array;
  readonly #decisions: (Decision | null)[];

  /** `latencies`: every latency an option of the policy can have; `decideAt`: the slow rule. */
  constructor(latencies: Iterable<number>, decideAt: (slackMs: number) => Decision | null) {
    const sorted = [...new Set(latencies)].sort((a, b) => a - b);
    this.#breaks = Float64Array.from(sorted);
    this.#decisions = sorted.map((t) => decideAt(t));
  }

  lookup(slackMs: number): Decision | null {
    const br = this.#breaks;
    let lo = 0;
    let hi = br.length; // first index with breaks[i] > slack
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (br[mid]! <= slackMs) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? null : this.#decisions[lo - 1]!;
  }
}
