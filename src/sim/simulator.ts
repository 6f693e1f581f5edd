/**
 * Discrete-event simulator on a virtual clock, driving the server's own `Scheduler` and policies.
 *
 * It replays the serving dispatcher's event logic (src/serving/dispatcher.ts) synchronously:
 * - each arrival is enqueued on its own, then idle workers pull (`pump`);
 * - a worker pulls by calling `scheduler.next()`; expired requests are answered with a deadline error;
 *   a dispatch occupies the worker for `durationOf(...)` (default: `expectedLatencyMs`, the profile
 *   interpolated for the batch; `src/sim/noise.ts` draws it from a latency distribution instead);
 *   with `adaptLatency` the drawn durations are fed back through `scheduler.observeBatch`, as the server does;
 * - idle workers form a LIFO stack, as in the dispatcher;
 * - a failed worker's in-flight batch is re-queued (`scheduler.requeue`), or failed if that is refused;
 * - events at the same instant: batch completions first (lower worker index first), then failures,
 *   then arrivals in trace order.
 * test/sim/shared-path.test.ts checks that this yields the same decisions as the real Dispatcher.
 * @module
 */
import { createPolicy, Scheduler, type Clock, type Dispatch, type LateMode, type LatencyProfile, type Policy, type PolicyOptions, type QueuedRequest } from '../scheduler/index.ts';
import { RunRecorder } from './summary.ts';

export class SimulationError extends Error {
  constructor(message: string) { super(message); this.name = 'SimulationError'; }
}

export interface SimOptions {
  profile: LatencyProfile;
  arrivalsMs: Float64Array;
  /** A policy name for `createPolicy` (slackfit, slackfit-q, maxbatch, maxacc, infaas, fixed:<id>) or a Policy. */
  policy: string | Policy;
  workers: number;
  sloMs: number;
  /** Kill one worker at each of these times (ms); the highest-numbered live worker goes first. */
  failAtMs?: number[];
  /** Overrides the policy's `late` for the scheduler (default: the policy's). */
  lateMode?: LateMode;
  maxQueue?: number;
  /** Virtual duration of a started batch (default: its expected latency). Called once per dispatch, in dispatch order. */
  durationOf?: (subnetId: number, batchSize: number, expectedMs: number) => number;
  /** Feed the durations back into the scheduler's latency factor (`observeBatch`). @default false */
  adaptLatency?: boolean;
  /** Trace length, for the time series (default: last arrival). */
  durationMs?: number;
  binMs?: number;
  /** Called for every dispatch (tests, traces of decisions). */
  onDispatch?: (d: Dispatch<number>, worker: number) => void;
  /** Called with the requests `next()` expired (answered with a deadline error). */
  onExpired?: (expired: QueuedRequest<number>[]) => void;
  /** Extra options for `createPolicy` (batchSizes, late, ...); `workers` defaults to the simulated worker count. */
  policyOptions?: PolicyOptions;
}

export interface SimResult {
  recorder: RunRecorder;
  dispatches: number;
  /** Virtual time when the last request was answered. */
  endMs: number;
  policyName: string;
  /** The policy that ran (its batch sizes and late handling are part of the result). */
  policy: Policy;
}

interface InFlight { until: number; dispatch: Dispatch<number>; ms: number }

export function simulate(o: SimOptions): SimResult {
  if (!Number.isInteger(o.workers) || o.workers < 1) throw new SimulationError(`workers must be a positive integer, got ${o.workers}`);
  if (!(o.sloMs > 0)) throw new SimulationError(`slo must be positive, got ${o.sloMs}`);
  const arrivals = o.arrivalsMs;
  const n = arrivals.length;
  // A plain closure clock: VirtualClock.set's checks cost ~10 % of the run at a million events per second.
  // The simulator only moves it forward (events are taken in time order).
  let now = 0;
  const clock: Clock = { now: () => now };
  const policy = typeof o.policy === 'string' ? createPolicy(o.policy, o.profile, { workers: o.workers, ...o.policyOptions }) : o.policy;
  const scheduler = new Scheduler<number>({
    clock, policy, profile: o.profile,
    ...(o.lateMode ? { lateMode: o.lateMode } : {}), ...(o.maxQueue !== undefined ? { maxQueue: o.maxQueue } : {}),
    ...(o.adaptLatency ? { adaptLatency: true } : {}),
  });
  const durationOf = o.durationOf;
  const accuracy = new Map(o.profile.subnets.map((s) => [s.id, s.accuracy]));
  const durationMs = o.durationMs ?? (n ? arrivals[n - 1]! : 0);
  const rec = new RunRecorder(n, durationMs, o.profile.subnets.map((s) => s.id), o.binMs ?? 100);
  const fails = [...(o.failAtMs ?? [])].sort((a, b) => a - b);

  const alive: boolean[] = new Array(o.workers).fill(true);
  const busy: (InFlight | null)[] = new Array(o.workers).fill(null);
  const idle: number[] = [];
  for (let w = 0; w < o.workers; w++) idle.push(w);
  let aliveCount = o.workers;
  rec.workers(0, aliveCount);
  let dispatches = 0;
  let endMs = 0;

  const answer = (r: QueuedRequest<number>, t: number, subnetId: number) => {
    rec.served(r.arrival, t - r.arrival, t <= r.deadline, subnetId, accuracy.get(subnetId) ?? 0);
    if (t > endMs) endMs = t;
  };

  const pump = (t: number) => {
    while (idle.length > 0 && scheduler.size > 0) {
      const w = idle.pop()!;
      const { dispatch, expired } = scheduler.next();
      if (expired.length) { rec.failed('deadline', true, expired.length); o.onExpired?.(expired); }
      if (dispatch === null) { idle.push(w); if (expired.length === 0) break; continue; }
      dispatches++;
      const ms = durationOf ? durationOf(dispatch.subnetId, dispatch.requests.length, dispatch.expectedLatencyMs) : dispatch.expectedLatencyMs;
      busy[w] = { until: t + ms, dispatch, ms };
      rec.batch(t, dispatch.subnetId, dispatch.requests.length, accuracy.get(dispatch.subnetId) ?? 0);
      o.onDispatch?.(dispatch, w);
    }
  };

  let i = 0; let f = 0;
  for (;;) {
    // next completion (lowest worker index wins ties)
    let cw = -1; let ct = Infinity;
    for (let w = 0; w < busy.length; w++) { const b = busy[w]; if (b && b.until < ct) { ct = b.until; cw = w; } }
    const ft = f < fails.length ? fails[f]! : Infinity;
    const at = i < n ? arrivals[i]! : Infinity;
    if (cw < 0 && i >= n && (f >= fails.length || scheduler.size === 0)) break;
    if (ct <= ft && ct <= at && cw >= 0) {
      if (ct > now) now = ct;
      const b = busy[cw]!; busy[cw] = null;
      for (const r of b.dispatch.requests) answer(r, ct, b.dispatch.subnetId);
      if (o.adaptLatency) scheduler.observeBatch(b.dispatch.subnetId, b.dispatch.requests.length, b.ms);
      idle.push(cw);
      pump(now);
    } else if (ft <= at) {
      if (ft > now) now = ft;
      f++;
      killOne(now);
    } else {
      if (at > now) now = at;
      rec.arrived(at);
      const r: QueuedRequest<number> = { id: i, arrival: at, deadline: at + o.sloMs, payload: i };
      i++;
      if (!scheduler.enqueue(r)) rec.failed('queue_full');
      pump(now);
    }
  }
  // left in the queue: every worker died (or the policy refused to serve): answered with an error
  if (scheduler.size > 0) rec.failed(aliveCount === 0 ? 'no_worker' : 'unserved', true, scheduler.size);
  function killOne(t: number): void {
    let w = -1;
    for (let k = o.workers - 1; k >= 0; k--) if (alive[k]) { w = k; break; }
    if (w < 0) return;
    alive[w] = false; aliveCount--;
    scheduler.setWorkers(aliveCount);
    rec.workers(t, aliveCount);
    const ix = idle.indexOf(w);
    if (ix >= 0) idle.splice(ix, 1);
    const b = busy[w];
    busy[w] = null;
    if (b) for (const r of b.dispatch.requests) if (!scheduler.requeue(r)) rec.failed('worker_failed');
    pump(t);
  }
  return { recorder: rec, dispatches, endMs, policyName: policy.name, policy };
}
