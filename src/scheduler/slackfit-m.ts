/**
 * `slackfit-m`: slackfit-q with a learnt latency margin at a miss-rate target (ours; the server's default).
 *
 * Every rule of SlackFit and slackfit-q fits options to the head's slack with their predicted latency
 * (profile x the scheduler's latency factor). When batch times vary around the prediction, a tight fit
 * misses its deadline whenever the batch runs long: about half the time. slackfit-m plans with the latency
 * quantile that the target needs instead:
 *
 *   decide(slack) = slackfit-q(slack / (1 + m)) when that serves the head within its whole slack,
 *                   else slackfit-q(slack);
 *   m = q_level(measured / predicted) - 1 (>= 0), q over the last RATIO_WINDOW batches (`observe`), or over the
 *   pulling worker's own last WORKER_WINDOW once it has WORKER_MIN_SAMPLES (workers differ: a remote one, one
 *   sharing its cores); and per (sub-network, batch) over its own last OPTION_WINDOW once it has
 *   OPTION_MIN_SAMPLES: a chosen option whose own quantile asks for more margin is decided once more with it;
 *   level = `sloTarget` (default 0.99), raised by the excess of the observed miss rate of admitted requests
 *   over 1 - target (`observeOutcome`: late completions and expiries), capped at MAX_LEVEL.
 *
 * Without variance (the noise-free simulator) every ratio is 1, m = 0 and every decision is slackfit-q's.
 * A margin decision slower than the head's real slack gives way to slackfit-q's own (tested), and `runFactor`
 * tells the scheduler to run a decision in 'drop' mode only when its latency times 1 + the margin fits the
 * head's slack: a head the margin predicts late is answered at once (deadline) instead of served late about
 * half the time; it may drop a head slackfit-q would have run at zero margin. Settings, defaults and costs are slackfit-q's, plus one
 * sort of a 512-sample window (and of the worker's 256) every 16 batches. Workers that leave keep their window
 * (a handful of KiB each).
 * @module
 */
import { WindowQuantile } from './latency-quantile.ts';
import { resolveOptions, type PolicyOptions } from './options.ts';
import { ProfileTable } from './profile-table.ts';
import { SlackFitQPolicy } from './slackfit-q.ts';
import type { Decision, LatencyProfile, Policy } from './types.ts';

/** Batches in the pooled window, in each option's window, and the samples an option needs before its own counts. */
export const RATIO_WINDOW = 512;
export const OPTION_WINDOW = 128;
export const OPTION_MIN_SAMPLES = 32;
export const WORKER_WINDOW = 256;
export const WORKER_MIN_SAMPLES = 64;
/** Weight of one batch in the miss-rate EWMA, and the highest quantile level the feedback may ask for. */
export const MISS_EWMA_ALPHA = 0.02;
export const MAX_LEVEL = 0.999;

export class SlackFitMPolicy extends SlackFitQPolicy {
  override readonly name: string = 'slackfit-m';
  readonly sloTarget: number;
  #pooled = new WindowQuantile(RATIO_WINDOW);
  #perOption = new Map<number, WindowQuantile>();
  #perWorker = new Map<string, WindowQuantile>();
  #miss = 0;

  constructor(profile: LatencyProfile, opts: PolicyOptions = {}) {
    super(profile, opts);
    this.sloTarget = resolveOptions(new ProfileTable(profile), opts, 'all').sloTarget;
  }

  /** The quantile level planned with now: the target, raised while admitted requests miss more than it allows. */
  get level(): number {
    return Math.min(MAX_LEVEL, this.sloTarget + Math.max(0, this.#miss - (1 - this.sloTarget)));
  }

  /** The current pooled margin m (a fraction of the slack). */
  get margin(): number {
    if (this.#pooled.count < 2) return 0;
    return Math.max(0, this.#pooled.quantile(this.level) - 1);
  }

  /** The observed miss-rate estimate (EWMA over batches and expiries). */
  get missRate(): number { return this.#miss; }

  /** The margin for batches on `worker`: its own quantile once it has enough batches, else the pooled one. */
  marginFor(worker: string | undefined): number {
    const q = worker === undefined ? undefined : this.#perWorker.get(worker);
    if (q === undefined || q.count < WORKER_MIN_SAMPLES) return this.margin;
    return Math.max(0, q.quantile(this.level) - 1);
  }

  protected override slackMargin(worker?: string): number {
    return this.marginFor(worker);
  }

  protected override optionMargin(subnetId: number, batchSize: number): number {
    const q = this.#perOption.get(optionKey(subnetId, batchSize));
    if (q === undefined || q.count < OPTION_MIN_SAMPLES) return 0;
    return Math.max(0, q.quantile(this.level) - 1);
  }

  /** A batch is only run when its predicted latency at the target's quantile fits the head's slack. */
  runFactor(d: Decision, worker?: string): number {
    return 1 + Math.max(this.marginFor(worker), this.optionMargin(d.subnetId, d.batchSize));
  }

  /** A profile refresh must not forget the spread learnt so far (the margin would restart at 0). */
  override carryOver(previous: Policy): void {
    super.carryOver(previous);
    if (!(previous instanceof SlackFitMPolicy)) return;
    this.#pooled = previous.#pooled;
    this.#perOption = previous.#perOption;
    this.#perWorker = previous.#perWorker;
    this.#miss = previous.#miss;
  }

  observe(predictedMs: number, measuredMs: number, subnetId?: number, batchSize?: number, worker?: string): void {
    if (!(predictedMs > 0) || !(measuredMs > 0)) return;
    const x = measuredMs / predictedMs;
    this.#pooled.add(x);
    if (worker !== undefined) {
      let w = this.#perWorker.get(worker);
      if (w === undefined) this.#perWorker.set(worker, (w = new WindowQuantile(WORKER_WINDOW)));
      w.add(x);
    }
    if (subnetId === undefined || batchSize === undefined) return;
    const k = optionKey(subnetId, batchSize);
    let q = this.#perOption.get(k);
    if (q === undefined) this.#perOption.set(k, (q = new WindowQuantile(OPTION_WINDOW)));
    q.add(x);
  }

  observeOutcome(late: number, total: number): void {
    if (!(total > 0)) return;
    this.#miss += MISS_EWMA_ALPHA * (late / total - this.#miss);
  }
}

function optionKey(subnetId: number, batchSize: number): number {
  return subnetId * 4096 + batchSize;
}
