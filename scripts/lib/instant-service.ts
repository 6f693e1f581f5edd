/**
 * The whole serving core (slackfit-q scheduler on the authors' A40 profile, pull-loop dispatcher, admission) over
 * one worker that answers at once, reporting to `events`: benchmarks of the HTTP path measure everything but the
 * forward pass.
 * @module
 */
import { readFileSync } from 'node:fs';
import { paretoSet } from '../../supernet/archs.ts';
import { DEFAULT_ARCH } from '../../supernet/load.ts';
import { createPolicy, profileFromJson, Scheduler, systemClock } from '../../src/scheduler/index.ts';
import { Dispatcher, type ItemPayload } from '../../src/serving/dispatcher.ts';
import type { ServingEvents } from '../../src/serving/events.ts';
import { LocalInferenceService } from '../../src/serving/service.ts';
import { InstantWorker } from './instant-worker.ts';

export function instantService(imageSize: number, events: ServingEvents = {}): LocalInferenceService {
  const profile = profileFromJson(JSON.parse(readFileSync(new URL('../../data/profiles/ofa-resnet50-a40.json', import.meta.url), 'utf8')));
  const subnets = paretoSet(DEFAULT_ARCH);
  const scheduler = new Scheduler<ItemPayload>({ clock: systemClock, policy: createPolicy('slackfit-q', profile), profile });
  const dispatcher = new Dispatcher(scheduler, systemClock, events);
  dispatcher.addWorker(new InstantWorker('instant-0'));
  const service = new LocalInferenceService('superserve', systemClock, () => ({
    name: 'superserve', versions: ['1'], platform: 'bench', arch: DEFAULT_ARCH, backend: 'none', untrained: true, checkpoint: 'instant',
    policy: 'slackfit-q', defaultSloMs: 1000, subnets: subnets.map((s) => ({ id: s.id, accuracy: s.accuracy, config: s.config, imageSize: s.config.image_size })),
    imageSize, workers: { total: 1, alive: 1 },
  }), events);
  service.attach({ dispatcher, accuracyOf: (id) => subnets[id]?.accuracy ?? 0, hasSubnet: (id) => id >= 0 && id < subnets.length });
  return service;
}
