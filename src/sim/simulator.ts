/**
 * Discrete-event simulator on a virtual clock. It drives the server's own pull loop
 * (src/scheduler/pull-loop.ts: admission, EDF queue, policy, workers, expiry timer) exactly as the
 * server's dispatcher does, only the batches "run" for a virtual duration instead of on a worker:
 * - a started batch occupies its worker for `durationOf(subnet, batch, expected)` (default: the
 *   profiled latency the scheduler expects); with `adaptLatency` the measured durations feed the
 *   scheduler's latency factor, as on the server;
 * - the loop's timer (`wakeAt`) is an event like any other;
 * - a failed worker's running batch is re-queued by the loop (or failed when that is refused);
 * - events at the same instant: batch completions first (lower worker index first), then failures,
 *   then the timer, then arrivals in trace order;
 * - with `requestClasses` each request has its own SLO and priority level (trace v2, mixes) and the
 *   summary reports per class; requests shed for a more important one count as `shed`.
 * @module
 */
import { createPolicy, PullLoop, Scheduler, type Clock, type Dispatch, type LateMode, type LatencyProfile, type Policy, type PolicyOptions, type PullSink, type QueuedRequest, type RunningBatch } from '../scheduler/index.ts';
import type { classesOf } from './request-classes.ts';
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
  lateMode?: LateMode;
  maxQueue?: number;
  /** Trace length, for the time series (default: last arrival). */
  durationMs?: number;
  binMs?: number;
  /** Called for every dispatch (tests, traces of decisions). */
  onDispatch?: (d: Dispatch<number>, worker: number) => void;
  /** Called with the requests `next()` expired (answered with a deadline error). */
  onExpired?: (expired: QueuedRequest<number>[]) => void;
  /** Called with queued requests shed for a more important arrival. */
  onShed?: (shed: QueuedRequest<number>[]) => void;
  /** Extra options for `createPolicy` (batchSizes, late, ...); `workers` defaults to the simulated worker count. */
  policyOptions?: PolicyOptions;
  /** Virtual duration of a started batch (ms). @default the profiled latency the scheduler expects */
  durationOf?: (subnetId: number, batchSize: number, expectedMs: number) => number;
  /** Feed batch durations back into the scheduler's latency factor, as the server does. @default false */
  adaptLatency?: boolean;
  /** Per-request SLOs and priority levels, and the classes to report (`classesOf`). @default every request `sloMs`, no priority */
  requestClasses?: ReturnType<typeof classesOf>;
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

interface InFlight { until: number; startedAt: number; batch: RunningBatch<number> }

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
    clock, policy, profile: o.profile, adaptLatency: o.adaptLatency ?? false,
    ...(o.lateMode ? { lateMode: o.lateMode } : {}), ...(o.maxQueue !== undefined ? { maxQueue: o.maxQueue } : {}),
  });
  const accuracy = new Map(o.profile.subnets.map((s) => [s.id, s.accuracy]));
  const durationMs = o.durationMs ?? (n ? arrivals[n - 1]! : 0);
  const rec = new RunRecorder(n, durationMs, o.profile.subnets.map((s) => s.id), o.binMs ?? 100);
  const fails = [...(o.failAtMs ?? [])].sort((a, b) => a - b);
  const durationOf = o.durationOf ?? ((_s: number, _b: number, expected: number) => expected);
  const rc = o.requestClasses;
  if (rc !== undefined) {
    if (rc.classOf.length !== n) throw new SimulationError(`requestClasses cover ${rc.classOf.length} requests, the trace ${n}`);
    rec.useClasses(rc.classes, rc.classOf);
  }
  const idsOf = (rs: QueuedRequest<number>[]): number[] | undefined => (rc === undefined ? undefined : rs.map((r) => r.id));

  const names = Array.from({ length: o.workers }, (_, w) => `w${w}`);
  const indexOf = new Map(names.map((name, w) => [name, w]));
  const alive: boolean[] = new Array(o.workers).fill(true);
  const busy: (InFlight | null)[] = new Array(o.workers).fill(null);
  let aliveCount = o.workers;
  let dispatches = 0;
  let endMs = 0;

  const sink: PullSink<number> = {
    start(batch) {
      const w = indexOf.get(batch.worker)!;
      const d = batch.dispatch;
      const dur = durationOf(d.subnetId, d.requests.length, d.expectedLatencyMs);
      busy[w] = { until: now + dur, startedAt: now, batch };
      dispatches++;
      rec.batch(now, d.subnetId, d.requests.length, accuracy.get(d.subnetId) ?? 0);
      o.onDispatch?.(d, w);
    },
    expired(requests) {
      rec.failed('deadline', true, requests.length, idsOf(requests));
      o.onExpired?.(requests);
    },
    failed(requests) { rec.failed('worker_failed', true, requests.length, idsOf(requests)); },
    shed(requests) {
      rec.failed('shed', true, requests.length, idsOf(requests));
      o.onShed?.(requests);
    },
  };
  const loop = new PullLoop<number>(scheduler, sink);
  rec.workers(0, aliveCount);
  for (const name of names) loop.addWorker(name);

  let i = 0; let f = 0;
  for (;;) {
    // next completion (lowest worker index wins ties)
    let cw = -1; let ct = Infinity;
    for (let w = 0; w < busy.length; w++) { const b = busy[w]; if (b && b.until < ct) { ct = b.until; cw = w; } }
    const ft = f < fails.length ? fails[f]! : Infinity;
    const at = i < n ? arrivals[i]! : Infinity;
    const wt = scheduler.size > 0 ? loop.wakeAt() ?? Infinity : Infinity;
    if (cw < 0 && i >= n && wt === Infinity && (f >= fails.length || scheduler.size === 0)) break;
    if (cw >= 0 && ct <= ft && ct <= wt && ct <= at) {
      if (ct > now) now = ct;
      const b = busy[cw]!; busy[cw] = null;
      const d = b.batch.dispatch;
      for (const r of d.requests) answer(r, ct, d.subnetId);
      // measured as the server measures it: end minus start on the clock
      loop.finish(b.batch.jobId, { ok: true, measuredMs: ct - b.startedAt });
    } else if (ft <= wt && ft <= at) {
      if (ft > now) now = ft;
      f++;
      killOne();
    } else if (wt <= at) {
      if (wt > now) now = wt;
      loop.tick();
    } else {
      if (at > now) now = at;
      rec.arrived(at);
      const admission = loop.offer([rc === undefined
        ? { id: i, arrival: at, deadline: at + o.sloMs, payload: i }
        : { id: i, arrival: at, deadline: at + rc.sloMs[i]!, payload: i, priority: rc.level[i]! }]);
      if (!admission.ok) rec.failed(admission.reason, true, 1, rc === undefined ? undefined : [i]);
      i++;
    }
  }
  // left in the queue: every worker died (or the policy refused to serve): answered with an error
  if (scheduler.size > 0) rec.failed(aliveCount === 0 ? 'no_worker' : 'unserved', true, scheduler.size);

  function answer(r: QueuedRequest<number>, t: number, subnetId: number): void {
    rec.served(r.arrival, t - r.arrival, t <= r.deadline, subnetId, accuracy.get(subnetId) ?? 0, r.id);
    if (t > endMs) endMs = t;
  }

  function killOne(): void {
    let w = -1;
    for (let k = o.workers - 1; k >= 0; k--) if (alive[k]) { w = k; break; }
    if (w < 0) return;
    alive[w] = false; aliveCount--;
    rec.workers(now, aliveCount);
    busy[w] = null;
    loop.removeWorker(names[w]!);
  }
  return { recorder: rec, dispatches, endMs, policyName: policy.name, policy };
}
