/**
 * The simulator must make exactly the decisions the server makes: this drives the real serving
 * Dispatcher (src/serving/dispatcher.ts) + Scheduler on a virtual clock with fake workers that finish
 * after the profiled latency, and compares every dispatch (time, worker, sub-network, request ids,
 * expirations) with the simulator's on the same trace. Any divergence in queue, policy or event
 * handling between the two fails it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPolicy, ProfileTable, Scheduler, VirtualClock, type LatencyProfile } from '../../src/scheduler/index.ts';
import { Dispatcher, type ItemPayload } from '../../src/serving/dispatcher.ts';
import type { BatchJob, BatchReply, WorkerInfo } from '../../src/worker/protocol.ts';
import type { WorkerTransport } from '../../src/worker/transport.ts';
import { loadProfile } from '../../src/sim/profiles.ts';
import { simulate } from '../../src/sim/simulator.ts';
import { burstyTrace } from '../../src/sim/traces.ts';

const flush = () => new Promise<void>((r) => setImmediate(r));

interface Pending { until: number; worker: number; resolve: (r: BatchReply) => void; reply: BatchReply }

/** Runs the real dispatcher on a virtual clock; returns its decision log in the simulator's format. */
async function serverDecisions(profile: LatencyProfile, arrivals: Float64Array, policyName: string, workers: number, sloMs: number, failAtMs: number[]): Promise<string[]> {
  const clock = new VirtualClock(0);
  const scheduler = new Scheduler<ItemPayload>({ clock, policy: createPolicy(policyName, profile, { workers }), profile });
  const dispatcher = new Dispatcher(scheduler, clock);
  const table = new ProfileTable(profile);
  const log: string[] = [];
  const pending: Pending[] = [];
  const deathCbs: ((reason: string) => void)[] = [];
  const rejecters: ((e: Error) => void)[][] = [];
  const expiredSince: number[] = [];
  const info: WorkerInfo = { arch: 'resnet50' as WorkerInfo['arch'], backend: 'fake', untrained: true, checkpoint: '', checkpointHash: '', numClasses: 1 };
  for (let w = 0; w < workers; w++) {
    rejecters.push([]);
    const transport: WorkerTransport = {
      name: `w${w}`, info,
      runBatch(job: BatchJob): Promise<BatchReply> {
        const ids = job.items.map((it) => it.data[0]!); // the dispatcher copies the pixels; the id rides in them
        const latency = table.latency(table.indexOf(job.subnetId), job.items.length);
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
  while (i < arrivals.length || pending.length > 0 || (f < fails.length && scheduler.size > 0)) {
    let best = -1;
    for (let k = 0; k < pending.length; k++) {
      const p = pending[k]!; const b = best >= 0 ? pending[best]! : undefined;
      if (!b || p.until < b.until || (p.until === b.until && p.worker < b.worker)) best = k;
    }
    const ct = best >= 0 ? pending[best]!.until : Infinity;
    const ft = f < fails.length ? fails[f]! : Infinity;
    const at = i < arrivals.length ? arrivals[i]! : Infinity;
    if (ct === Infinity && at === Infinity && ft === Infinity) break;
    if (ct <= ft && ct <= at) {
      clock.set(Math.max(ct, clock.now()));
      const p = pending.splice(best, 1)[0]!;
      rejecters[p.worker]!.shift();
      p.resolve(p.reply);
    } else if (ft <= at) {
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
    } else {
      clock.set(Math.max(at, clock.now()));
      const id = i++;
      const data = Float32Array.of(id, 0, 0);
      const payload: ItemPayload = {
        item: { data, height: 1, width: 1 },
        settle: (_r, reason) => { if (reason === 'deadline') expiredSince.push(id); },
      };
      scheduler.enqueue({ id, arrival: at, deadline: at + sloMs, payload });
      dispatcher.pump();
    }
    await flush();
  }
  return [...log, `expired:${expiredSince.join(',')}`];
}

function simDecisions(profile: LatencyProfile, arrivals: Float64Array, policy: string, workers: number, sloMs: number, failAtMs: number[]): string[] {
  const log: string[] = [];
  const expired: number[] = [];
  simulate({
    profile, arrivalsMs: arrivals, policy, workers, sloMs, failAtMs,
    onDispatch: (d, w) => {
      log.push(`${d.decidedAt}:w${w}:s${d.subnetId}:[${d.requests.map((r) => r.id).join(',')}]`);
    },
    onExpired: (ex) => { expired.push(...ex.map((r) => r.id)); },
  });
  return [...log, `expired:${expired.join(',')}`];
}

const profile = loadProfile('a40', 2.5).profile;
const trace = burstyTrace({ baseRate: 1500, rate: 5550, cv2: 8, durationS: 0.6, seed: 9 }).arrivalsMs;

// fixed:4 overloads 4 workers, so the expiry path is exercised too (checked below)
for (const policy of ['slackfit', 'slackfit-q', 'maxbatch', 'fixed:4']) {
  test(`simulator and server Dispatcher make identical decisions: ${policy}`, async () => {
    const server = (await serverDecisions(profile, trace, policy, 4, 36, []));
    const sim = simDecisions(profile, trace, policy, 4, 36, []);
    assert.ok(server.length > 50, `only ${server.length} dispatches`);
    assert.equal(sim, server);
    if (policy === 'fixed:4') assert.ok(server.at(-1)!.split(',').length > 10, 'fixed:4 should expire requests');
  });
}

test('identical decisions when workers die mid-batch (requeue path)', async () => {
  const server = (await serverDecisions(profile, trace, 'slackfit', 4, 36, [150, 300]));
  const sim = simDecisions(profile, trace, 'slackfit', 4, 36, [150, 300]);
  assert.equal(sim, server);
});

test.run();
