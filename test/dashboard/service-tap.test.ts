import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { coreSnapshot, tapService } from '../../src/dashboard/service-tap.ts';
import type { ServingEvents } from '../../src/serving/events.ts';
import { ServiceError } from '../../src/serving/types.ts';
import { FakeService } from '../http/fake-service.ts';

const batch = (n: number) => ({ data: new Float32Array(n * 3 * 4), n, height: 2, width: 2 });

test('the interim tap reports arrivals, answers with their images and refusals with their reason', async () => {
  const seen: string[] = [];
  let t = 100;
  const events: ServingEvents = {
    arrived: (at, n) => seen.push(`arrived ${at} ${n}`),
    answered: (at, r) => seen.push(`answered ${at} ${r.images.length} ${r.latencyMs} ${r.deadlineMet} ${r.images[0]!.subnetId}`),
    refused: (at, reason, n) => seen.push(`refused ${at} ${reason} ${n}`),
  };
  const fake = new FakeService();
  const svc = tapService(fake, events, () => t);
  assert.is(svc.modelName, fake.modelName);
  const p = svc.infer(batch(2), { sloMs: 100, arrivalMs: 90 });
  t = 130;
  await p;
  fake.failWith = new ServiceError('queue_full', 'full');
  await svc.infer(batch(1), { sloMs: 100 }).then(() => assert.unreachable(), (e) => assert.instance(e, ServiceError));
  fake.failWith = new Error('boom');
  await svc.infer(batch(1), { sloMs: 100 }).catch(() => {});
  assert.equal(seen, ['arrived 90 2', 'answered 130 2 40 true 1', 'arrived 130 1', 'refused 130 queue_full 1', 'arrived 130 1', 'refused 130 worker_failed 1']);
});

test('interim snapshot: empty before the core exists, one busy worker while images are in flight', () => {
  assert.equal(coreSnapshot(undefined), { queued: 0, inFlight: 0, latencyFactor: 1, workers: [] });
  const s = coreSnapshot({ queued: 4, inFlight: 2, latencyFactor: 1.5, alive: 2, backend: 'wasm' });
  assert.equal(s.workers.map((w) => w.state), ['busy', 'idle']);
  assert.is(s.workers[0]!.backend, 'wasm');
});

test.run();
