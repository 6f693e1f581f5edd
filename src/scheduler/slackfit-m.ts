/**
 * `slackfit-m`: slackfit-q with a learnt latency margin (ours; the server's default, see README).
 *
 * Every rule of SlackFit and slackfit-q fits options to the head's slack with their profiled
 * latency. When batch times vary around the profile, a tight fit misses its deadline whenever the
 * batch runs long: about half the time. slackfit-m makes slackfit-q's decision on a slack shrunk by
 * a margin learnt from the batches it sees:
 *
 *   decide(slack) = slackfit-q(slack / (1 + m)), or slackfit-q(slack) if that has no answer,
 *   m = Z * the spread of (measured / predicted batch time): an exponentially weighted standard
 *   deviation over the last ~1/ALPHA batches (`observe`, which the scheduler calls for every finished batch).
 *
 * Without variance (the noise-free simulator) m stays 0 and every decision is slackfit-q's. The mean
 * of the ratio is not part of m: the scheduler's latency factor already divides the slack by it. The
 * fallback to the whole slack keeps every head slackfit-q would serve (the margin never turns a
 * servable head into a dropped one). Settings, defaults and costs are slackfit-q's.
 * @module
 */
import type { PolicyOptions } from './options.ts';
import { SlackFitQPolicy } from './slackfit-q.ts';
import type { LatencyProfile, Policy } from './types.ts';

/** Weight of one batch in the spread estimate. */
export const MARGIN_EWMA_ALPHA = 0.02;
/** Standard deviations of headroom. */
export const MARGIN_Z = 2;

export class SlackFitMPolicy extends SlackFitQPolicy {
  override readonly name: string = 'slackfit-m';
  #mean = 1;
  #var = 0;
  #seen = 0;

  constructor(profile: LatencyProfile, opts: PolicyOptions = {}) {
    super(profile, opts);
  }

  /** The current margin m (a fraction of the slack). */
  get margin(): number {
    return this.#seen < 2 ? 0 : MARGIN_Z * Math.sqrt(this.#var);
  }

  protected override slackMargin(): number {
    return this.margin;
  }

  /** A profile refresh must not forget the spread learnt so far (the margin would restart at 0). */
  override carryOver(previous: Policy): void {
    super.carryOver(previous);
    if (!(previous instanceof SlackFitMPolicy)) return;
    this.#mean = previous.#mean;
    this.#var = previous.#var;
    this.#seen = previous.#seen;
  }

  observe(predictedMs: number, measuredMs: number): void {
    if (!(predictedMs > 0) || !(measuredMs > 0)) return;
    const x = measuredMs / predictedMs;
    this.#seen++;
    const a = this.#seen === 1 ? 1 : MARGIN_EWMA_ALPHA;
    const d = x - this.#mean;
    this.#mean += a * d;
    this.#var = (1 - a) * (this.#var + a * d * d);
  }
}
