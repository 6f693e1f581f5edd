/** Policies that plan across workers follow the live worker count the dispatcher reports. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPolicy, Scheduler, VirtualClock, type QueuedRequest } from '../../src/scheduler/index.ts';
import { cpuProfile } from './profiles.ts';

function chosenWith(workers: number): number {
  const profile = cpuProfile();
  const s = new Scheduler<null>({ clock: new VirtualClock(0), policy: createPolicy('slackfit-q', profile, { workers: 1 }), profile });
  s.setWorkers(workers);
  for (let i = 0; i < 8; i++) s.enqueue({ id: i, arrival: 0, deadline: 1000, payload: null } satisfies QueuedRequest<null>);
  return s.next().dispatch!.subnetId;
}

test('slackfit-q serves a more accurate sub-network when more workers share the queue', () => {
  const one = chosenWith(1);
  const four = chosenWith(4);
  assert.ok(four > one, `4 workers chose ${four}, 1 worker chose ${one}`);
});

test('policies without a worker model ignore setWorkers', () => {
  const profile = cpuProfile();
  const s = new Scheduler<null>({ clock: new VirtualClock(0), policy: createPolicy('slackfit', profile), profile });
  s.setWorkers(0);
  s.enqueue({ id: 1, arrival: 0, deadline: 1000, payload: null });
  assert.ok(s.next().dispatch !== null);
});

test.run();
