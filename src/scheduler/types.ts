/**
 * Types shared by the scheduler, the server and the simulator. Nothing here knows about
 * TensorFlow.js or HTTP; the implementations are exported from `index.ts`.
 * @module
 */

/** Milliseconds on a monotonic clock. The scheduler reads time only through this. */
export interface Clock {
  now(): number;
}

/** One sub-network of the profile: profiled latency (ms) per batch size. */
export interface SubnetProfile {
  id: number;
  /** Top-1 accuracy in percent (the authors' convention, e.g. 73.822). */
  accuracy: number;
  config?: unknown;
  /** batch size -> latency in ms (mean or p99: the caller decides when loading). */
  latencyMs: Record<number, number>;
}

/** Subnets sorted small -> large (by accuracy); `batchSizes` ascending, and must include 1. */
export interface LatencyProfile {
  subnets: SubnetProfile[];
  batchSizes: number[];
}

export interface QueuedRequest<P = unknown> {
  id: number;
  /** Arrival time on the scheduler's clock (ms). */
  arrival: number;
  /** Absolute deadline on the scheduler's clock (ms), normally arrival + SLO. */
  deadline: number;
  payload: P;
  /** The request asks for this sub-network id (see `Scheduler` for how pins batch). */
  pinnedSubnet?: number;
  /**
   * Importance level 1..L (1 = most important; Triton's levels after the front door maps them). Absent = below
   * every level. Within capacity it changes nothing (EDF); under overload less important requests
   * are refused or shed first (see pull-loop.ts).
   */
  priority?: number;
}

/** The queued requests of one SLO class, as slacks (ms from now, on the policy's scale like `slackMs`). */
export interface DeadlineClass {
  count: number;
  /** Slack of its earliest deadline. */
  firstSlackMs: number;
  /** Slack of its latest deadline (an upper bound). */
  lastSlackMs: number;
}

/** What the scheduler knows about the queue when it asks a policy; policies that plan the queue read it. */
export interface DecideContext {
  /** The head's whole SLO (deadline - arrival), on the slack's scale: slack < SLO means the head has waited. */
  headSloMs: number;
  /** The queued requests (head included) per SLO class: the deadlines actually in the queue. */
  classes: readonly DeadlineClass[];
  /** The worker that will run the batch, when known (a pull); absent for probes (expiry, shedding). */
  worker?: string | undefined;
}

/** What a policy picks for the head of the queue. `batchSize` is an upper bound. */
export interface Decision {
  subnetId: number;
  batchSize: number;
  /** Profiled latency of (subnetId, batchSize). */
  expectedLatencyMs: number;
}

export interface Policy {
  readonly name: string;
  /**
   * Pick (sub-network, batch) for the head request. `slackMs` = head deadline - now,
   * `queueLength` = requests waiting (head included). Returns null when no option the
   * policy may use fits in the slack (the head cannot make its deadline). A probe: it must not change the
   * policy's state (the scheduler also asks for decisions it never runs: expiry, shedding); what is run is
   * reported to `onDispatch`. Without `ctx` a policy assumes a fresh head and every deadline at the head's.
   */
  decide(slackMs: number, queueLength: number, nowMs: number, ctx?: DecideContext): Decision | null;
  /**
   * The scheduler dispatched a batch of `requests` on `decision.subnetId` at `nowMs`, for a head whose whole SLO
   * is `headSloMs` (on the slack's scale): the only place a policy that tracks its own work updates that state.
   */
  onDispatch?(decision: Decision, requests: number, nowMs: number, headSloMs: number): void;
  /** Requests finished after their deadline (`late`) out of `total` served: a miss-rate feedback. */
  observeOutcome?(late: number, total: number): void;
  /**
   * How many times its predicted latency a decision must fit in the head's slack to be run in 'drop' mode
   * (1 + the latency margin the policy's miss-rate target asks for on that option and worker). @default 1
   */
  runFactor?(decision: Decision, worker?: string): number;
  /** Sub-network used to serve late requests in lateMode 'serve' (default: the smallest). */
  readonly bestEffortSubnetId?: number;
  /** The batch sizes it may pick, ascending (reports print them). */
  readonly batchSizes?: readonly number[];
  /** Its late handling; the scheduler's default `lateMode`. */
  readonly late?: LateMode;
  /** Share of admitted requests that should meet their deadline, when the policy plans for one (slackfit-m). */
  readonly sloTarget?: number;
  /** Largest batch the policy may pick (the scheduler uses it for pinned heads too). */
  readonly maxBatch?: number;
  /** A batch predicted to take `predictedMs` (profile x latency factor) took `measuredMs` (policies that learn the spread use it). */
  observe?(predictedMs: number, measuredMs: number, subnetId?: number, batchSize?: number, worker?: string): void;
  /** Take over what `previous` learnt (the scheduler calls it when this policy replaces it on a new profile). */
  carryOver?(previous: Policy): void;
  /** The sub-networks it may pick, when not all (fixed, infaas): capacity bounds use only these. */
  readonly subnetIds?: readonly number[];
  /** The number of live workers changed (policies that plan across workers use it). */
  setWorkers?(n: number): void;
}

export interface Dispatch<P> {
  subnetId: number;
  /** In EDF order; at most the decision's batch size, fewer if fewer are queued. */
  requests: QueuedRequest<P>[];
  decidedAt: number;
  /** Profiled latency for `requests.length` (interpolated between profiled batch sizes). */
  expectedLatencyMs: number;
  /** True when the head could not make its deadline and lateMode is 'serve'. */
  bestEffort?: boolean;
}

/**
 * What to do with a head request the policy's rule cannot serve by its deadline (`decide`
 * returns null): 'drop' hands it back from `next()` in `expired` (answer with a deadline error,
 * no compute wasted); 'serve' serves it anyway on the cheapest sub-network (a miss). Policies
 * read the same setting (`PolicyOptions.late`): under 'serve' they also use options outside
 * their rule that still make the deadline (SlackFit: an option below its lowest bucket).
 */
export type LateMode = 'drop' | 'serve';

export interface SchedulerStats {
  /** Requests currently queued. */
  queued: number;
  enqueued: number;
  /** enqueue() refusals because the bounded queue was full. */
  rejectedFull: number;
  dispatches: number;
  dispatchedRequests: number;
  bestEffortDispatches: number;
  expired: number;
  removed: number;
  /** Queued requests taken out for a more important arrival (see pull-loop.ts). */
  shed: number;
  requeued: number;
  requeueRefused: number;
  /** sub-network id -> batches and requests dispatched on it. */
  perSubnet: Record<number, { batches: number; requests: number }>;
}
