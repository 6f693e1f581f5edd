/**
 * Decision time of `Scheduler.next()` (policy decision + EDF pops + re-enqueue of the batch,
 * so the queue length stays fixed) with 10, 1 000 and 10 000 queued requests, per policy, on the
 * authors' A40 profile. `benchScheduler()` returns the numbers; run directly it prints a table.
 * @module
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createPolicy, profileFromJson, Scheduler, VirtualClock, type QueuedRequest } from '../src/scheduler/index.ts';

export interface SchedulerBenchRow {
  policy: string;
  queued: number;
  /** Mean microseconds per next() call (each also re-enqueues what it dispatched). */
  nextUs: number;
  /** Mean microseconds per policy.decide() alone. */
  decideUs: number;
}

export function benchScheduler(opts: { policies?: string[]; sizes?: number[]; iterations?: number } = {}): SchedulerBenchRow[] {
  const policies = opts.policies ?? ['slackfit', 'slackfit-q', 'maxbatch', 'maxacc', 'fixed:3', 'infaas'];
  const sizes = opts.sizes ?? [10, 1_000, 10_000];
  const iterations = opts.iterations ?? 20_000;
  const json = JSON.parse(readFileSync(new URL('../data/profiles/ofa-resnet50-a40.json', import.meta.url), 'utf8'));
  const profile = profileFromJson(json);
  const rows: SchedulerBenchRow[] = [];
  for (const name of policies) {
    for (const queued of sizes) {
      const clock = new VirtualClock(0);
      const policy = createPolicy(name, profile, { workers: 8 });
      const sched = new Scheduler<null>({ clock, policy, profile, lateMode: 'serve' });
      let id = 0;
      const make = (): QueuedRequest<null> => ({ id: id++, arrival: 0, deadline: 10 + ((id * 7919) % 30), payload: null });
      for (let i = 0; i < queued; i++) sched.enqueue(make());
      const run = (n: number): number => {
        const t0 = performance.now();
        for (let i = 0; i < n; i++) {
          const { dispatch } = sched.next();
          if (dispatch) for (let k = 0; k < dispatch.requests.length; k++) sched.enqueue(make());
        }
        return performance.now() - t0;
      };
      run(Math.min(2_000, iterations)); // warm-up
      const nextMs = run(iterations);
      let sink = 0;
      const t0 = performance.now();
      for (let i = 0; i < iterations; i++) sink += policy.decide(5 + (i % 40), queued, 0)?.batchSize ?? 0;
      const decideMs = performance.now() - t0;
      if (sink < 0) console.log(sink);
      rows.push({ policy: name, queued, nextUs: (nextMs * 1000) / iterations, decideUs: (decideMs * 1000) / iterations });
    }
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = benchScheduler();
  console.log('policy       queued   next() us   decide() us');
  for (const r of rows) console.log(`${r.policy.padEnd(12)} ${String(r.queued).padStart(6)} ${r.nextUs.toFixed(2).padStart(11)} ${r.decideUs.toFixed(3).padStart(13)}`);
}
