/**
 * `superserve serve`: HTTP (KServe V2) in front of the SlackFit-family scheduler and the inference workers.
 * Listens at once (live), becomes ready after weights, SubnetNorm table, profile and warm-up.
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { paretoSet, parseArch } from '../../supernet/archs.ts';
import { parseBackendName } from '../../supernet/backend.ts';
import { DEFAULT_CACHE_MIB } from '../../supernet/engine.ts';
import { DEFAULT_ARCH, ensureDefaultCheckpoint } from '../../supernet/load.ts';
import { createDashboard } from '../dashboard/dashboard.ts';
import { coreSnapshot, tapService } from '../dashboard/service-tap.ts';
import { createApp } from '../http/app.ts';
import { installSignalHandlers, startHttpServer } from '../http/serve.ts';
import { createDecodePool } from '../imaging/decode-pool.ts';
import { createMetrics } from '../metrics.ts';
import { DEFAULT_PROFILE_OPTIONS, type ProfileJson } from '../profiler/measure.ts';
import { createPolicy, profileFromJson, Scheduler, systemClock, type LateMode } from '../scheduler/index.ts';
import { Dispatcher, type ItemPayload } from '../serving/dispatcher.ts';
import { profilePath } from '../serving/profile-store.ts';
import { startLocalWorkers } from '../serving/local-workers.ts';
import { checkpointIdentity, profileHash } from '../worker/nats-identity.ts';
import { startNatsRouter, type NatsRouter } from '../worker/nats-router.ts';
import type { ThreadWorker } from '../worker/threads.ts';
import { LocalInferenceService } from '../serving/service.ts';
import type { ModelMetadata } from '../serving/types.ts';
import { intFlag, numFlag, parseFlags, runCommand, UsageError } from './args.ts';
import { archOfCheckpoint } from './checkpoint-arch.ts';

const USAGE = `usage: superserve serve [--checkpoint DIR] [--arch A] [--policy P] [--slo-ms N] [--port N] [--host H]
       [--workers N] [--backend B] [--max-queue N] [--late reject|best-effort] [--body-limit-mb N]
       [--cache-mib N] [--warmup 1,2,...] [--reprofile] [--profile-batches 1,2,4,8,16] [--profile-repeats N]
       [--model-name NAME] [--nats URL] [--policy-workers N] [--profile-scale X] [--adapt-latency on|off]
       [--decode-threads N]
  --profile-scale  initial multiplier on the profiled latencies (e.g. more workers than cores); --adapt-latency on|off
             (default on) then tracks measured / profiled batch time online
  --decode-threads  threads decoding JPEG/PNG inputs off the HTTP thread (default 1; 0 = inline)
  --workers  in-process worker threads (0 with --nats: remote workers only; needs <checkpoint>/profile.json)
  --policy   slackfit (default; also 'auto'), slackfit-q, maxbatch, maxacc, fixed:<id>, infaas`;

export function run(argv: string[]): Promise<number> {
  return runCommand('serve', async () => {
    const { values } = parseFlags(argv, {
      checkpoint: { type: 'string' }, arch: { type: 'string' }, policy: { type: 'string' }, 'slo-ms': { type: 'string' },
      port: { type: 'string' }, host: { type: 'string' }, workers: { type: 'string' }, backend: { type: 'string' },
      'max-queue': { type: 'string' }, late: { type: 'string' }, 'body-limit-mb': { type: 'string' },
      'cache-mib': { type: 'string' }, warmup: { type: 'string' }, reprofile: { type: 'boolean' },
      'model-name': { type: 'string' }, nats: { type: 'string' },
      'profile-batches': { type: 'string' }, 'profile-repeats': { type: 'string' }, 'policy-workers': { type: 'string' },
      'profile-scale': { type: 'string' }, 'adapt-latency': { type: 'string' }, 'decode-threads': { type: 'string' },
    }, USAGE);
    if (values.help) { console.log(USAGE); return 0; }
    const port = intFlag(values.port ?? process.env.PORT, 'port', 0, 65535) ?? 8080;
    const host = values.host ?? '0.0.0.0';
    const sloMs = numFlag(values['slo-ms'], 'slo-ms', 0.001) ?? 1000;
    const workers = intFlag(values.workers, 'workers', 0, 64) ?? 1;
    const maxQueue = intFlag(values['max-queue'], 'max-queue', 1) ?? 10_000;
    const bodyLimitMb = numFlag(values['body-limit-mb'], 'body-limit-mb', 0.001) ?? 64;
    const cacheMiB = intFlag(values['cache-mib'], 'cache-mib', 0) ?? DEFAULT_CACHE_MIB;
    const late = (values.late ?? 'reject') as LateMode;
    if (late !== 'reject' && late !== 'best-effort') throw new UsageError(`--late must be reject or best-effort, got "${late}"`);
    const backend = values.backend ?? process.env.SUPERSERVE_BACKEND ?? 'auto';
    if (backend !== 'auto') parseBackendName(backend);
    const warmup = (values.warmup ?? '1').split(',').filter(Boolean).map((s) => intFlag(s, 'warmup', 1, 256)!);
    if (workers === 0 && values.nats === undefined) throw new UsageError('--workers 0 needs --nats URL (remote workers)');
    const arch = values.arch === undefined ? undefined : parseArch(values.arch);
    const log = (m: string): void => console.error(`[superserve] ${m}`);

    const checkpoint = values.checkpoint ?? await ensureDefaultCheckpoint();
    const servedArch = arch ?? (values.checkpoint === undefined ? DEFAULT_ARCH : await archOfCheckpoint(checkpoint));
    const modelName = values['model-name'] ?? 'superserve';
    const subnets = paretoSet(servedArch);
    const metrics = createMetrics({ model: modelName });
    let policyName = values.policy ?? 'auto';
    let backendName = backend;
    let untrained = values.checkpoint === undefined;
    let dispatcher: Dispatcher | undefined;
    let router: NatsRouter | undefined;
    let respawn: ((dead: ThreadWorker, reason: string) => Promise<void>) | undefined;
    const totalWorkers = (): number => workers + (router?.stats().alive ?? 0);
    const decodeThreads = intFlag(values['decode-threads'], 'decode-threads', 0, 64) ?? 1;
    const profileScale = numFlag(values['profile-scale'], 'profile-scale', 0.01, 100) ?? 1;
    const adapt = values['adapt-latency'] ?? 'on';
    if (adapt !== 'on' && adapt !== 'off') throw new UsageError(`--adapt-latency must be on or off, got "${adapt}"`);
    const policyWorkers = intFlag(values['policy-workers'], 'policy-workers', 1, 1024) ?? Math.max(1, workers);

    const describe = (): ModelMetadata => ({
      name: modelName, versions: ['1'], platform: `superserve_tfjs_${backendName}`, arch: servedArch, backend: backendName,
      untrained, checkpoint, policy: policyName, defaultSloMs: sloMs,
      subnets: subnets.map((s) => ({ id: s.id, accuracy: s.accuracy, config: s.config, imageSize: s.config.image_size })),
      imageSize: Math.max(...subnets.map((s) => s.config.image_size)),
      workers: { total: totalWorkers(), alive: dispatcher?.workerCount ?? 0 },
    });
    const service = new LocalInferenceService(modelName, systemClock, describe);
    // dashboard wiring (moves to createServer)
    let dashboardCore: { scheduler: Scheduler<ItemPayload>; dispatcher: Dispatcher } | undefined;
    const dashboard = createDashboard({ now: () => systemClock.now(), model: describe, sloMs, snapshot: () => coreSnapshot(dashboardCore && {
      queued: dashboardCore.scheduler.size, inFlight: dashboardCore.dispatcher.inFlightCount, latencyFactor: dashboardCore.scheduler.latencyFactor,
      alive: dashboardCore.dispatcher.workerCount, backend: backendName }) });
    const decodePool = decodeThreads > 0 ? createDecodePool({ threads: decodeThreads }) : undefined;
    const app = createApp({ service: tapService(service, dashboard.events, () => systemClock.now()), dashboard, metrics, defaultSloMs: sloMs,
      bodyLimitBytes: Math.round(bodyLimitMb * 2 ** 20), now: () => systemClock.now(), ...(decodePool ? { decodePool } : {}) });
    const http = await startHttpServer({ app, port, host, service, log });
    log(`listening on http://${host}:${http.port} (live; not ready until the model is loaded, profiled and warm); dashboard at /dashboard`);
    installSignalHandlers({ close: async () => { dashboard.close(); await http.close(); await router?.close(); await decodePool?.close(); }, service, log });

    try {
      await startServing();
    } catch (e) {
      log(`start-up failed: ${(e as Error).message}`);
      dashboard.close();
      await http.close();
      await router?.close();
      await decodePool?.close();
      throw e;
    }
    await new Promise<never>(() => {}); // runs until a signal handler exits the process
    return 0;

    async function startServing(): Promise<void> {
      const profileOptions = {
        ...DEFAULT_PROFILE_OPTIONS,
        ...(values['profile-batches'] ? { batchSizes: values['profile-batches'].split(',').map((b) => intFlag(b, 'profile-batches', 1, 256)!) } : {}),
        ...(values['profile-repeats'] ? { repeats: intFlag(values['profile-repeats'], 'profile-repeats', 2, 1000)! } : {}),
      };
      let profileJson: ProfileJson;
      let localWorkers: ThreadWorker[] = [];
      if (workers > 0) {
        const local = await startLocalWorkers({ checkpoint, arch: servedArch, backend, workers, cacheMiB, warmupBatches: warmup,
          reprofile: values.reprofile === true, log, profileOptions });
        localWorkers = local.workers;
        respawn = async (dead: ThreadWorker, reason: string): Promise<void> => {
          if (!service.isAccepting()) return;
          log(`worker ${dead.name} died (${reason}); starting a replacement`);
          for (let attempt = 1; ; attempt++) {
            try {
              const w = await local.spawn(`${dead.name}.r${attempt}`);
              w.onDeath((r) => void respawn?.(w, r));
              dispatcher?.addWorker(w);
              log(`replacement worker ${w.name} is serving`);
              return;
            } catch (e) {
              log(`replacement attempt ${attempt} failed: ${(e as Error).message}`);
              if (attempt >= 5 || !service.isAccepting()) return;
              await new Promise((r) => setTimeout(r, 2000 * attempt));
            }
          }
        };
        profileJson = local.profile;
        backendName = local.info.backend;
        untrained = local.info.untrained;
      } else {
        profileJson = await routerProfile(checkpoint);
        backendName = profileJson.backend;
      }
      // The live benchmarks on this project's CPU machines favour slackfit for attainment (README, Scheduling policies).
      if (policyName === 'auto') policyName = 'slackfit';
      const profile = profileFromJson(profileJson);
      const policy = createPolicy(policyName, profile, { workers: policyWorkers });
      const scheduler = new Scheduler<ItemPayload>({ clock: systemClock, policy, profile, lateMode: late, maxQueue,
        latencyFactor: profileScale, adaptLatency: adapt === 'on' });
      const d = new Dispatcher(scheduler, systemClock, {
        onBatch: (id, size, ms, worker) => {
          metrics.recordBatch(id, size, ms); metrics.setLatencyFactor(scheduler.latencyFactor);
          dashboard.events.batchFinished?.(systemClock.now(), { worker, subnetId: id, size, computeMs: ms, wallMs: ms, ok: true }); // dashboard wiring (moves to createServer)
        },
        onWorkers: (alive) => metrics.setWorkers(alive, totalWorkers()),
        onPending: (queued, inFlight) => metrics.setPending(queued + inFlight),
      });
      dispatcher = d;
      dashboardCore = { scheduler, dispatcher: d }; // dashboard wiring (moves to createServer)
      for (const w of localWorkers) {
        d.addWorker(w);
        w.onDeath((reason) => void respawn?.(w, reason));
      }
      if (values.nats !== undefined) {
        const id = await checkpointIdentity(checkpoint, servedArch);
        const latencyOf = (subnetId: number, batch: number): number | undefined => {
          const s = profile.subnets.find((p) => p.id === subnetId);
          if (s === undefined) return undefined;
          const b = profile.batchSizes.find((x) => x >= batch) ?? profile.batchSizes[profile.batchSizes.length - 1]!;
          return s.latencyMs[b];
        };
        router = await startNatsRouter({
          url: values.nats,
          expect: { ...id, backend: backendName, subnets: subnets.map((p) => p.id), profileHash: await profileHash(checkpoint) },
          onWorker: (w) => d.addWorker(w),
          onRefused: (reason) => log(`refused worker: ${reason}`),
          log, expectedLatencyMs: latencyOf,
        });
        log(`NATS router on ${values.nats}: waiting for workers (arch ${id.arch}, checkpoint ${id.checkpointHash}, backend ${backendName})`);
      }
      metrics.setWorkers(d.workerCount, totalWorkers());
      service.attach({
        scheduler, dispatcher: d,
        accuracyOf: (id) => subnets[id]?.accuracy ?? Number.NaN,
        hasSubnet: (id) => Number.isInteger(id) && id >= 0 && id < subnets.length,
      });
      log(`ready: ${servedArch}${untrained ? ' (UNTRAINED embedded default: predictions are meaningless)' : ''}, policy ${policyName}, ` +
        `SLO ${sloMs} ms, ${d.workerCount} local worker(s)${values.nats ? ' + NATS workers as they join' : ''}, backend ${backendName}`);
    }
  });
}

/** A router without local workers cannot measure: it needs the profile stored in the checkpoint. */
async function routerProfile(checkpoint: string): Promise<ProfileJson> {
  const file = profilePath(checkpoint);
  if (!existsSync(file)) {
    throw new UsageError(`--workers 0 needs a latency profile: ${file} is missing (run \`superserve profile ${checkpoint}\` on a worker machine, or start with --workers 1 once)`);
  }
  return JSON.parse(await readFile(file, 'utf8')) as ProfileJson;
}
