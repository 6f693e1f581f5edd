/**
 * The idle-server case of issue 17: a batch of 8 images whose deadline no idle worker could meet is a
 * `deadline` refusal (HTTP 504 / gRPC DEADLINE_EXCEEDED, no Retry-After), not `overloaded`; `overloaded` only
 * when the work ahead is the cause.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GrpcCode, toErrorAnswer } from '../../src/protocol/errors.ts';
import { createPolicy, ProfileTable, Scheduler, VirtualClock, type LatencyProfile } from '../../src/scheduler/index.ts';
import { Dispatcher, type ItemPayload } from '../../src/serving/dispatcher.ts';
import { LocalInferenceService } from '../../src/serving/service.ts';
import { ServiceError, type ImageBatch, type ModelMetadata } from '../../src/serving/types.ts';
import { issueTicket } from '../../src/serving/ticket.ts';
import { ManualWorker } from '../helpers/manual-worker.ts';

// best throughput: 4 images in 16 ms on subnet 0, so 8 images need at least 32 ms on one idle worker
const profile: LatencyProfile = {
  batchSizes: [1, 2, 4],
  subnets: [{ id: 0, accuracy: 70, latencyMs: { 1: 10, 2: 12, 4: 16 } }, { id: 1, accuracy: 80, latencyMs: { 1: 20, 2: 28, 4: 44 } }],
};
const images = (n: number): ImageBatch => ({ data: new Float32Array(n * 2 * 2 * 3).fill(1), n, height: 2, width: 2 });

test('idle server: 8 images with a 30 ms deadline -> deadline (504 / DEADLINE_EXCEEDED); behind queued work -> overloaded', async () => {
  const clock = new VirtualClock(0);
  const scheduler = new Scheduler<ItemPayload>({ clock, policy: createPolicy('default', profile), profile });
  const dispatcher = new Dispatcher(scheduler, clock, {}, () => ({ cancel: () => {} }));
  const service = new LocalInferenceService('m', clock, () => ({}) as ModelMetadata);
  service.attach({ dispatcher, accuracyOf: (id) => (id === 0 ? 70 : 80), hasSubnet: (id) => id === 0 || id === 1 });
  const w = new ManualWorker('w');
  dispatcher.addWorker(w);
  const err = await service.infer(images(8), issueTicket({ arrivalMs: clock.now(), sloMs: 30 })).catch((e: unknown) => e);
  assert.instance(err, ServiceError);
  assert.is((err as ServiceError).kind, 'deadline');
  const answer = toErrorAnswer(err);
  assert.is(answer.http, 504);
  assert.is(answer.grpc, GrpcCode.DEADLINE_EXCEEDED);
  assert.is(answer.retryAfterS, undefined);
  assert.is(scheduler.size, 0);
  // the same 8 images with 40 ms fit an idle worker; behind 8 queued images they do not: overloaded, with a retry hint
  const first = service.infer(images(8), issueTicket({ arrivalMs: clock.now(), sloMs: 40 }));
  const second = await service.infer(images(8), issueTicket({ arrivalMs: clock.now(), sloMs: 40 })).catch((e: unknown) => e);
  assert.is((second as ServiceError).kind, 'overloaded');
  assert.is(toErrorAnswer(second).http, 503);
  assert.ok(toErrorAnswer(second).retryAfterS! > 0);
  const done = first.then(() => 'answered', (e: unknown) => (e as ServiceError).kind);
  for (let k = 0; k < 20 && w.jobs.length > 0; k++) { clock.advance(16); w.finish(); await new Promise((r) => setImmediate(r)); }
  assert.is(await done, 'answered', 'the admitted request is answered once, with its result');
});

test('priority: a queued less important request displaced by a more important one is answered overloaded (503 + Retry-After)', async () => {
  const clock = new VirtualClock(0);
  const scheduler = new Scheduler<ItemPayload>({ clock, policy: createPolicy('fixed:0', profile), profile });
  const dispatcher = new Dispatcher(scheduler, clock, {}, () => ({ cancel: () => {} }));
  const service = new LocalInferenceService('m', clock, () => ({}) as ModelMetadata);
  service.attach({ dispatcher, accuracyOf: (id) => (id === 0 ? 70 : 80), hasSubnet: (id) => id === 0 || id === 1 });
  const w = new ManualWorker('w');
  dispatcher.addWorker(w);
  const outcomes: Promise<string>[] = [];
  const send = (priority: number) => {
    const p = service.infer(images(1), issueTicket({ arrivalMs: clock.now(), sloMs: 106, priority }));
    outcomes.push(p.then(() => 'ok', (e: unknown) => `${(e as ServiceError).kind} ${toErrorAnswer(e).http}`));
    return p;
  };
  void send(2); // runs 0..10
  await new Promise((r) => setImmediate(r));
  for (let k = 0; k < 24; k++) void send(2); // fills what the bound allows by 106 ms
  void send(1); // displaces one
  // each batch takes exactly its profiled latency
  const table = new ProfileTable(profile);
  for (let k = 0; k < 30 && w.jobs.length > 0; k++) {
    clock.advance(table.latency(0, w.jobs[0]!.job.items.length));
    w.finish();
    await new Promise((r) => setImmediate(r));
  }
  const got = await Promise.all(outcomes);
  assert.is(got.filter((o) => o === 'overloaded 503').length, 1, got.join(', '));
  assert.is(got.at(-1), 'ok', got.join(', '));
});

test.run();
