/**
 * The simulator and the server drive one pull loop (src/scheduler/pull-loop.ts). This checks it twice:
 * structurally (both construct and feed PullLoop), and by outcome: the real serving Dispatcher on a virtual
 * clock with fake workers that finish after the profiled latency makes exactly the simulator's decisions
 * on the same trace — every dispatch (time, worker, sub-network, request ids), refusal and expiry.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPolicy, ProfileTable, PullLoop, Scheduler, VirtualClock, type LatencyProfile } from '../../src/scheduler/index.ts';
import { POLICY_NAMES } from '../../src/scheduler/policy.ts';
import { Dispatcher, type ItemPayload, type SetTimer } from '../../src/serving/dispatcher.ts';
import type { BatchJob, BatchReply, WorkerInfo } from '../../src/worker/protocol.ts';
import type { WorkerTransport } from '../../src/worker/transport.ts';
import { loadProfile } from '../../src/sim/profiles.ts';
import { simulate } from '../../src/sim/simulator.ts';
import { classesOf, withClassMix } from '../../src/sim/request-classes.ts';
import { burstyTrace } from '../../src/sim/traces.ts';

const flush = () => new Promise<void>((r) => setImmediate(r));

interface Pending { until: number; worker: number; resolve: (r: BatchReply) => void; reply: BatchReply }

/**
 * How long the n-th started batch runs, on both sides: the profiled latency times a deterministic factor that
 * varies from batch to batch (0.9 .. 1.5), so the latency factor and slackfit-m's margin have something to learn.
 */
function slowdown(k: number): number {
  return 0.9 + 0.6 * (((k * 7919) % 13) / 12);
}

interface Classes { sloMs: Float64Array; level: Int32Array }

/** Runs the real dispatcher on a virtual clock; returns its decision log in the simulator's format. */
async function serverDecisions(profile: LatencyProfile, arrivals: Float64Array, policyName: string, workers: number, sloMs: number, failAtMs: number[],
  adapt = false, classes?: Classes): Promise<string[]> {
  const clock = new VirtualClock(0);
  const scheduler = new Scheduler<ItemPayload>({ clock, policy: createPolicy(policyName, profile, { workers }), profile, adaptLatency: adapt });
  let started = 0;
  let wake: { at: number; fire: () => void } | undefined;
  const setTimer: SetTimer = (fire, delayMs) => {
    const t = { at: clock.now() + delayMs, fire };
    wake = t;
    return { cancel: () => { if (wake === t) wake = undefined; } };
  };
  const dispatcher = new Dispatcher(scheduler, clock, {}, setTimer);
  const refused: number[] = [];
  const table = new ProfileTable(profile);
  const log: string[] = [];
  const pending: Pending[] = [];
  const deathCbs: ((reason: string) => void)[] = [];
  const rejecters: ((e: Error) => void)[][] = [];
  const expiredSince: number[] = [];
  const shedSince: number[] = [];
  const info: WorkerInfo = { arch: 'resnet50' as WorkerInfo['arch'], backend: 'fake', untrained: true, checkpoint: '', checkpointHash: '', numClasses: 1 };
  for (let w = 0; w < workers; w++) {
    rejecters.push([]);
    const transport: WorkerTransport = {
      name: `w${w}`, info,
      runBatch(job: BatchJob): Promise<BatchReply> {
        const ids = job.items.map((it) => it.data[0]!); // the dispatcher copies the pixels; the id rides in them
        const latency = table.latency(table.indexOf(job.subnetId), job.items.length) * (adapt ? slowdown(started++) : 1);
        log.push(`${clock.now()}:w${w}:s${job.subnetId}:[${ids.join(',')}]`);
        return new Promise((resolve, reject) => {
          pending.push({ until: clock.now() + latency, worker: w, resolve, reply: { jobId: job.jobId, logits: new Float32Array(job.items.length), numClasses: 1, computeMs: latency } });
          rejecters[w]!.push(reject);
        });
      },
      onDeath(cb) { deathCbs[w] = cb; },
      async close() {},
    };
    dispatcher.addWorker(transport);
  }
  let i = 0; let f = 0;
  const fails = [...failAtMs];
  const alive = new Array(workers).fill(true);
  while (i < arrivals.length || pending.length > 0 || wake !== undefined || (f < fails.length && scheduler.size > 0)) {
    let best = -1;
    for (let k = 0; k < pending.length; k++) {
      const p = pending[k]!; const b = best >= 0 ? pending[best]! : undefined;
      if (!b || p.until < b.until || (p.until === b.until && p.worker < b.worker)) best = k;
    }
    const ct = best >= 0 ? pending[best]!.until : Infinity;
    const ft = f < fails.length ? fails[f]! : Infinity;
    const at = i < arrivals.length ? arrivals[i]! : Infinity;
    const wt = wake?.at ?? Infinity;
    if (ct === Infinity && at === Infinity && ft === Infinity && wt === Infinity) break;
    if (ct <= ft && ct <= wt && ct <= at) {
      clock.set(Math.max(ct, clock.now()));
      const p = pending.splice(best, 1)[0]!;
      rejecters[p.worker]!.shift();
      p.resolve(p.reply);
    } else if (ft <= wt && ft <= at) {
      clock.set(Math.max(ft, clock.now())); f++;
      let w = -1;
      for (let k = workers - 1; k >= 0; k--) if (alive[k]) { w = k; break; }
      if (w >= 0) {
        alive[w] = false;
        deathCbs[w]!('killed');
        const mine = pending.filter((p) => p.worker === w);
        for (const p of mine) pending.splice(pending.indexOf(p), 1);
        for (const rej of rejecters[w]!.splice(0)) rej(new Error('worker killed'));
      }
    } else if (wt <= at) {
      clock.set(Math.max(wt, clock.now()));
      const fire = wake!.fire;
      wake = undefined;
      fire();
    } else {
      clock.set(Math.max(at, clock.now()));
      const id = i++;
      const data = Float32Array.of(id, 0, 0);
      const payload: ItemPayload = {
        item: { data, height: 1, width: 1 },
        settle: (_r, reason) => { if (reason === 'deadline') expiredSince.push(id); else if (reason === 'overloaded') shedSince.push(id); },
      };
      const req = classes === undefined
        ? { id, arrival: at, deadline: at + sloMs, payload }
        : { id, arrival: at, deadline: at + classes.sloMs[id]!, payload, priority: classes.level[id]! };
      if (!dispatcher.offer([req]).ok) refused.push(id);
    }
    await flush();
  }
  return [...log, `expired:${expiredSince.join(',')}`, `shed:${shedSince.join(',')}`, `refused:${refused.join(',')}`];
}

function simDecisions(profile: LatencyProfile, arrivals: Float64Array, policy: string, workers: number, sloMs: number, failAtMs: number[],
  adapt = false, classes?: ReturnType<typeof classesOf>): string[] {
  let started = 0;
  const table = new ProfileTable(profile);
  const log: string[] = [];
  const expired: number[] = [];
  const shed: number[] = [];
  const refused: number[] = [];
  const offer = PullLoop.prototype.offer;
  // Which arrivals the loop refused: the simulator's own record counts them but does not name them.
  PullLoop.prototype.offer = function (this: PullLoop<number>, rs) {
    const a = offer.call(this, rs);
    if (!a.ok) refused.push(...rs.map((r) => r.id));
    return a;
  };
  try {
    simulate({
    profile, arrivalsMs: arrivals, policy, workers, sloMs, failAtMs,
    onDispatch: (d, w) => {
      log.push(`${d.decidedAt}:w${w}:s${d.subnetId}:[${d.requests.map((r) => r.id).join(',')}]`);
    },
    onExpired: (ex) => { expired.push(...ex.map((r) => r.id)); },
    onShed: (ex) => { shed.push(...ex.map((r) => r.id)); },
    adaptLatency: adapt,
    ...(adapt ? { durationOf: (s: number, b: number) => table.latency(table.indexOf(s), b) * slowdown(started++) } : {}),
    ...(classes ? { requestClasses: classes } : {}),
    });
  } finally {
    PullLoop.prototype.offer = offer;
  }
  return [...log, `expired:${expired.join(',')}`, `shed:${shed.join(',')}`, `refused:${refused.join(',')}`];
}

const profile = loadProfile('a40', 2.5).profile;
const trace = burstyTrace({ baseRate: 1500, rate: 5550, cv2: 8, durationS: 0.6, seed: 9 }).arrivalsMs;

// Every policy of POLICY_NAMES and the server's default; fixed:4 overloads 4 workers, so the expiry path is
// exercised too (checked below).
for (const policy of ['default', ...POLICY_NAMES.map((n) => n.replace('<id>', '4'))]) {
  test(`simulator and server Dispatcher make identical decisions: ${policy}`, async () => {
    const server = (await serverDecisions(profile, trace, policy, 4, 36, []));
    const sim = simDecisions(profile, trace, policy, 4, 36, []);
    assert.ok(server.length > 50, `only ${server.length} dispatches`);
    assert.equal(sim, server);
    if (policy === 'fixed:4') assert.ok(server.at(-1)!.split(',').length > 10, 'fixed:4 should refuse requests');
    assert.is(server.at(-2), 'shed:', 'no priorities: nothing shed');
  });
  test(`... with latency adaptation on and batch times off the profile: ${policy}`, async () => {
    const server = (await serverDecisions(profile, trace, policy, 4, 36, [], true));
    const sim = simDecisions(profile, trace, policy, 4, 36, [], true);
    assert.ok(server.length > 50, `only ${server.length} dispatches`);
    assert.equal(sim, server);
  });
}

test('identical decisions with mixed SLOs and priorities (the default policy, adaptation on)', async () => {
  const mixed = withClassMix({ meta: { kind: 'bursty', durationS: 0.6 }, arrivalsMs: trace }, {
    sloMix: [{ value: 36, fraction: 0.7 }, { value: 120, fraction: 0.3 }], priorityMix: [{ value: 1, fraction: 0.3 }, { value: 0, fraction: 0.7 }], seed: 3,
  });
  const classes = classesOf(mixed, 36);
  assert.is(classes.classes.length, 4);
  // 3 workers: overloaded enough that important arrivals shed less important queued work.
  const server = await serverDecisions(profile, trace, 'default', 3, 36, [], true, classes);
  const sim = simDecisions(profile, trace, 'default', 3, 36, [], true, classes);
  assert.ok(server.length > 50);
  assert.equal(sim, server);
  assert.ok(server.at(-2)!.length > 'shed:'.length, 'some less important requests were shed');
});

test('the simulator and the server dispatcher drive the same PullLoop class', () => {
  const clock = new VirtualClock(0);
  const scheduler = new Scheduler<ItemPayload>({ clock, policy: createPolicy('slackfit', profile), profile });
  assert.instance(new Dispatcher(scheduler, clock).loop, PullLoop);
  let offers = 0;
  const offer = PullLoop.prototype.offer;
  PullLoop.prototype.offer = function (this: PullLoop<number>, rs) { offers++; return offer.call(this, rs); };
  try {
    simulate({ profile, arrivalsMs: trace.subarray(0, 100), policy: 'slackfit', workers: 2, sloMs: 36 });
  } finally {
    PullLoop.prototype.offer = offer;
  }
  assert.is(offers, 100, 'every simulated arrival goes through PullLoop.offer');
});

test('identical decisions when workers die mid-batch (requeue path)', async () => {
  const server = (await serverDecisions(profile, trace, 'slackfit', 4, 36, [150, 300]));
  const sim = simDecisions(profile, trace, 'slackfit', 4, 36, [150, 300]);
  assert.equal(sim, server);
});

test.run();
