/**
 * `superserve serve`: HTTP (KServe V2) in front of the SlackFit-family scheduler and the inference workers.
 * Listens at once (live), becomes ready after weights, SubnetNorm table, profile and warm-up.
 * @module
 */
import { paretoSet, parseArch } from '../../supernet/archs.ts';
import { parseBackendName } from '../../supernet/backend.ts';
import { DEFAULT_CACHE_MIB } from '../../supernet/engine.ts';
import { DEFAULT_ARCH, ensureDefaultCheckpoint } from '../../supernet/load.ts';
import { createApp } from '../http/app.ts';
import { installSignalHandlers, startHttpServer } from '../http/serve.ts';
import { createMetrics } from '../metrics.ts';
import { DEFAULT_PROFILE_OPTIONS } from '../profiler/measure.ts';
import { createPolicy, profileFromJson, Scheduler, systemClock, type LateMode } from '../scheduler/index.ts';
import { Dispatcher, type ItemPayload } from '../serving/dispatcher.ts';
import { startLocalWorkers } from '../serving/local-workers.ts';
import { LocalInferenceService } from '../serving/service.ts';
import type { ModelMetadata } from '../serving/types.ts';
import { intFlag, numFlag, parseFlags, runCommand, UsageError } from './args.ts';
import { archOfCheckpoint } from './checkpoint-arch.ts';

const USAGE = `usage: superserve serve [--checkpoint DIR] [--arch A] [--policy P] [--slo-ms N] [--port N] [--host H]
       [--workers N] [--backend B] [--max-queue N] [--late reject|best-effort] [--body-limit-mb N]
       [--cache-mib N] [--warmup 1,2,...] [--reprofile] [--profile-batches 1,2,4,8,16] [--profile-repeats N]
       [--model-name NAME] [--nats URL]
  --policy   auto (default: ${'slackfit-q on CPU/WASM backends, slackfit on a GPU'}), slackfit, slackfit-q, maxbatch, maxacc, fixed:<id>, infaas`;

export function run(argv: string[]): Promise<number> {
  return runCommand('serve', async () => {
    const { values } = parseFlags(argv, {
      checkpoint: { type: 'string' }, arch: { type: 'string' }, policy: { type: 'string' }, 'slo-ms': { type: 'string' },
      port: { type: 'string' }, host: { type: 'string' }, workers: { type: 'string' }, backend: { type: 'string' },
      'max-queue': { type: 'string' }, late: { type: 'string' }, 'body-limit-mb': { type: 'string' },
      'cache-mib': { type: 'string' }, warmup: { type: 'string' }, reprofile: { type: 'boolean' },
      'model-name': { type: 'string' }, nats: { type: 'string' },
      'profile-batches': { type: 'string' }, 'profile-repeats': { type: 'string' },
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
    let totalWorkers = workers;
    let dispatcher: Dispatcher | undefined;

    const describe = (): ModelMetadata => ({
      name: modelName, versions: ['1'], platform: `superserve_tfjs_${backendName}`, arch: servedArch, backend: backendName,
      untrained, checkpoint, policy: policyName, defaultSloMs: sloMs,
      subnets: subnets.map((s) => ({ id: s.id, accuracy: s.accuracy, config: s.config, imageSize: s.config.image_size })),
      imageSize: Math.max(...subnets.map((s) => s.config.image_size)),
      workers: { total: totalWorkers, alive: dispatcher?.workerCount ?? 0 },
    });
    const service = new LocalInferenceService(modelName, systemClock, describe);
    const app = createApp({ service, metrics, defaultSloMs: sloMs, bodyLimitBytes: Math.round(bodyLimitMb * 2 ** 20), now: () => systemClock.now() });
    const http = await startHttpServer({ app, port, host, service, log });
    log(`listening on http://${host}:${http.port} (live; not ready until the model is loaded, profiled and warm)`);
    installSignalHandlers({ close: http.close, service, log });

    try {
      await startServing();
    } catch (e) {
      log(`start-up failed: ${(e as Error).message}`);
      await http.close();
      throw e;
    }
    await new Promise<never>(() => {}); // runs until a signal handler exits the process
    return 0;

    async function startServing(): Promise<void> {
    const local = await startLocalWorkers({
      checkpoint, arch: servedArch, backend, workers: Math.max(workers, 1), cacheMiB, warmupBatches: warmup,
      reprofile: values.reprofile === true, log,
      profileOptions: {
        ...DEFAULT_PROFILE_OPTIONS,
        ...(values['profile-batches'] ? { batchSizes: values['profile-batches'].split(',').map((b) => intFlag(b, 'profile-batches', 1, 256)!) } : {}),
        ...(values['profile-repeats'] ? { repeats: intFlag(values['profile-repeats'], 'profile-repeats', 2, 1000)! } : {}),
      },
    });
    backendName = local.info.backend;
    untrained = local.info.untrained;
    if (policyName === 'auto') policyName = backendName === 'tensorflow-gpu' ? 'slackfit' : 'slackfit-q';
    const profile = profileFromJson(local.profile);
    const policy = createPolicy(policyName, profile, { workers: Math.max(1, workers) });
    const scheduler = new Scheduler<ItemPayload>({ clock: systemClock, policy, profile, lateMode: late, maxQueue });
    dispatcher = new Dispatcher(scheduler, systemClock, {
      onBatch: (id, size, ms) => metrics.recordBatch(id, size, ms),
      onWorkers: (alive) => metrics.setWorkers(alive, totalWorkers),
      onPending: (queued, inFlight) => metrics.setPending(queued + inFlight),
    });
    for (const w of workers === 0 ? [] : local.workers) dispatcher.addWorker(w);
    if (workers === 0) for (const w of local.workers) await w.close();
    service.attach({
      scheduler, dispatcher,
      accuracyOf: (id) => subnets[id]?.accuracy ?? Number.NaN,
      hasSubnet: (id) => Number.isInteger(id) && id >= 0 && id < subnets.length,
    });
    log(`ready: ${servedArch}${untrained ? ' (UNTRAINED embedded default: predictions are meaningless)' : ''}, policy ${policyName}, ` +
      `SLO ${sloMs} ms, ${dispatcher.workerCount} worker(s), backend ${backendName}`);
    }
  });
}
