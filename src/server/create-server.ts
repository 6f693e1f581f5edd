/**
 * The composition root of `superserve serve`: wires metrics, statistics, the serving core, the HTTP app,
 * the gRPC service and the workers from one `ServeConfig`. It listens first (live at once, or a clear error for a busy port),
 * then loads, profiles and warms the model in the background and attaches the scheduler (ready).
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { paretoSet, type ParetoSubnet } from '../../supernet/archs.ts';
import { DEFAULT_ARCH, DEFAULT_CHECKPOINT_DIR, ensureDefaultCheckpoint } from '../../supernet/load.ts';
import type { ArchName } from '../../supernet/types.ts';
import { archOfCheckpoint } from '../commands/checkpoint-arch.ts';
import { createDashboard } from '../dashboard/dashboard.ts';
import { UsageError } from '../usage-error.ts';
import { loadTlsFiles, type TlsFiles } from '../auth/tls-files.ts';
import { loadTokenStore, type TokenStore } from '../auth/tokens.ts';
import { createApp } from '../http/app.ts';
import { dashboardSessions } from '../http/dashboard-session.ts';
import { createPrepPool, type PrepPool } from '../intake/prep/prep-pool.ts';
import { startHttpServer, type HttpServerHandle } from '../http/serve.ts';
import { startGrpcServer, type GrpcServerHandle } from '../grpc/server.ts';
import { InferenceStatistics } from '../protocol/statistics.ts';
import { createMetrics } from '../metrics.ts';
import type { ProfileJson } from '../profiler/measure.ts';
import { createPolicy, profileFromJson, resolvePolicy, ProfileTable, Scheduler, systemClock, type LatencyProfile } from '../scheduler/index.ts';
import { Dispatcher, type ItemPayload } from '../serving/dispatcher.ts';
import { fanOut, type ServingSnapshot } from '../serving/events.ts';
import { startLocalWorkers } from '../serving/local-workers.ts';
import { profileRefinement, type ProfileRefinement } from '../serving/profile-refinement.ts';
import { profilePath } from '../serving/profile-store.ts';
import { LocalInferenceService } from '../serving/service.ts';
import type { ModelMetadata } from '../serving/types.ts';
import type { AdapterInfo } from '../../supernet/backends/webgpu-adapter.ts';
import { checkpointIdentity, profileHash } from '../worker/nats-identity.ts';
import { natsConnectOptions, redactUrl } from '../worker/nats-auth.ts';
import { startNatsRouter, type NatsRouter } from '../worker/nats-router.ts';
import type { ConnectionOptions } from 'nats';
import type { ServeConfig } from './config.ts';
import { grpcListenError } from './port-probe.ts';
import { superviseThreads, type ThreadSupervisor } from './thread-supervisor.ts';

export interface RunningServer {
  port: number;
  /** The gRPC port; undefined with --grpc off. */
  grpcPort: number | undefined;
  service: LocalInferenceService;
  /** Resolves once ready; rejects (after closing everything) when start-up failed. */
  ready: Promise<void>;
  /** Re-read the tokens file (SIGHUP): on a bad file the old tokens stay and a warning is logged. No-op without tokens. */
  reloadTokens(): Promise<void>;
  /** Graceful: refuse new work, answer every accepted request, stop workers and threads. Idempotent. */
  close(): Promise<void>;
}

export async function createServer(config: ServeConfig, log: (m: string) => void): Promise<RunningServer> {
  // Secrets first: a missing or bad file is a clear start-up error before anything listens or loads.
  const tls: TlsFiles | undefined = config.tls ? await loadTlsFiles(config.tls.certFile, config.tls.keyFile) : undefined;
  const tokens: TokenStore | undefined = config.authTokensFile ? await loadTokenStore(config.authTokensFile) : undefined;
  const natsConnect: Partial<ConnectionOptions> = await natsConnectOptions(config.natsAuth);
  const arch: ArchName = config.arch ?? (config.checkpoint === undefined ? DEFAULT_ARCH : await archOfCheckpoint(config.checkpoint));
  const subnets = paretoSet(arch);
  const policySpec = resolvePolicy(config.policy, {
    ...(config.late ? { late: config.late } : {}), ...(config.batchSizes ? { batchSizes: config.batchSizes } : {}),
  });
  const policyName = policySpec.name;
  const facts: { backend: string; untrained: boolean; checkpoint: string; workers: number; adapter?: AdapterInfo; wasmThreads?: number } = {
    backend: config.backend, untrained: config.checkpoint === undefined, checkpoint: config.checkpoint ?? DEFAULT_CHECKPOINT_DIR, workers: config.workers ?? 1,
  };
  let dispatcher: Dispatcher | undefined;
  let router: NatsRouter | undefined;
  let threads: ThreadSupervisor | undefined;
  let refinement: ProfileRefinement | undefined;

  const describe = (): ModelMetadata => ({
    name: config.modelName, versions: ['1'], platform: `superserve_tfjs_${facts.backend}`, arch, backend: facts.backend,
    untrained: facts.untrained, checkpoint: facts.checkpoint, policy: policyName, defaultSloMs: config.sloMs,
    subnets: subnets.map((s) => ({ id: s.id, accuracy: s.accuracy, config: s.config, imageSize: s.config.image_size })),
    imageSize: Math.max(...subnets.map((s) => s.config.image_size)),
    workers: { total: facts.workers + (router?.stats().alive ?? 0), alive: dispatcher?.workerCount ?? 0 },
    maxQueue: config.maxQueue,
    ...(facts.adapter ? { adapter: facts.adapter } : {}), ...(facts.wasmThreads !== undefined ? { wasmThreads: facts.wasmThreads } : {}),
  });
  const metrics = createMetrics({ model: config.modelName });
  const statistics = new InferenceStatistics();
  const now = () => systemClock.now();
  const dashboard = config.dashboard
    ? createDashboard({ now, snapshot: (): ServingSnapshot => service.snapshot(), model: describe, sloMs: config.sloMs })
    : undefined;
  const events = fanOut(metrics.events, statistics, ...(dashboard ? [dashboard.events] : []));
  const service = new LocalInferenceService(config.modelName, systemClock, describe, events);
  metrics.setSnapshot(() => service.snapshot());
  const prep: PrepPool | undefined = config.prepThreads > 0
    ? createPrepPool({ threads: config.prepThreads, maxImagePixels: config.pixelBudget.maxImagePixels, now })
    : undefined;
  const sessions = tokens && dashboard ? dashboardSessions({ tokens, secure: tls !== undefined }) : undefined;
  const app = createApp({
    service, metrics, statistics, defaultSloMs: config.sloMs, priorityLevels: config.priorityLevels, bodyLimitBytes: config.bodyLimitBytes, pixelBudget: config.pixelBudget,
    ...(prep ? { prepPool: prep } : {}), ...(dashboard ? { dashboard } : {}),
    ...(tokens ? { auth: { tokens, publicPaths: config.publicPaths, ...(sessions ? { session: sessions } : {}) } } : {}),
  });
  let http: HttpServerHandle;
  try {
    http = await startHttpServer({ app, port: config.port, host: config.host, service, log, ...(tls ? { tls } : {}) });
  } catch (e) {
    dashboard?.close();
    await prep?.close();
    throw e;
  }
  log(`listening on ${tls ? 'https' : 'http'}://${config.host}:${http.port} (live; not ready until the model is loaded, profiled and warm)` +
    (dashboard ? '; dashboard at /dashboard' : ''));
  if (tokens) {
    log(`bearer tokens required (${tokens.size} loaded; SIGHUP re-reads the file); open without a token: /v2/health/live, /v2/health/ready` +
      (config.publicPaths.length > 0 ? `, ${config.publicPaths.join(', ')}` : ''));
  }
  let grpc: GrpcServerHandle | undefined;
  if (config.grpcPort !== undefined) {
    try {
      grpc = await startGrpcServer({
        service, drain: () => service.drain(), statistics, port: config.grpcPort, host: config.host, limits: { defaultSloMs: config.sloMs, priorityLevels: config.priorityLevels },
        maxMessageBytes: config.bodyLimitBytes, pixelBudget: config.pixelBudget, ...(prep ? { prepPool: prep } : {}),
        ...(tls ? { tls } : {}), ...(tokens ? { tokens } : {}),
        log: (m, err) => log(err === undefined ? m : `${m}: ${String(err)}`),
      });
    } catch (e) {
      dashboard?.close();
      await http.close();
      await prep?.close();
      throw grpcListenError(config.host, config.grpcPort, e as Error);
    }
    log(`gRPC${tls ? ' over TLS' : ''} (inference.GRPCInferenceService, grpc.health.v1) on ${config.host}:${grpc.port}`);
  }

  let closing: Promise<void> | undefined;
  const close = () => (closing ??= (async () => {
    dashboard?.close(); // its streams would otherwise hold the HTTP server open
    await Promise.all([http.close(), grpc?.close()]);
    await router?.close();
    await threads?.close();
    dispatcher?.close();
    await prep?.close();
    await refinement?.flush();
  })());

  const ready = (async () => {
    const checkpoint = config.checkpoint ?? await ensureDefaultCheckpoint();
    facts.checkpoint = checkpoint;
    let profileJson: ProfileJson;
    if (config.workers !== 0) {
      const local = await startLocalWorkers({
        checkpoint, arch, backend: config.backend, cacheMiB: config.cacheMiB, reprofile: config.reprofile, log,
        ...(config.workers !== undefined ? { workers: config.workers } : {}),
        ...(config.wasmThreads !== undefined ? { wasmThreads: config.wasmThreads } : {}),
        ...(config.warmup !== undefined ? { warmupBatches: config.warmup } : {}),
        profileRequest: config.profileBatches || config.profileRepeats ? {
          mode: 'full',
          ...(config.profileBatches ? { batchSizes: config.profileBatches } : {}),
          ...(config.profileRepeats ? { repeats: config.profileRepeats } : {}),
        } : { mode: 'quick' },
      });
      facts.workers = local.workers.length;
      profileJson = local.profile;
      facts.backend = local.info.backend;
      facts.untrained = local.info.untrained;
      if (local.info.adapter) facts.adapter = local.info.adapter;
      if (local.info.backend === 'wasm') facts.wasmThreads = local.layout.wasmThreads;
      threads = superviseThreads(local, { accepting: () => service.isAccepting(), log });
    } else {
      profileJson = await storedProfile(checkpoint);
      facts.backend = profileJson.backend;
    }
    const profile = profileFromJson(profileJson);
    const policyFor = (p: LatencyProfile) => createPolicy(policyName, p, { ...policySpec, workers: config.policyWorkers ?? Math.max(1, facts.workers), sloTarget: config.sloTarget });
    const scheduler = new Scheduler<ItemPayload>({
      clock: systemClock, policy: policyFor(profile), profile,
      maxQueue: config.maxQueue, latencyFactor: config.profileScale, adaptLatency: config.adaptLatency,
    });
    // Local workers measured this profile on this machine: what they measure while serving refines and stores it.
    // (A router alone serves remote workers' times, network included: those do not belong in the checkpoint's profile.)
    // The latency factor is kept on a refresh: it also covers what the refined (compute-time) profile does not, the
    // transfer and event-loop share of a batch's wall time, and it re-converges within a few batches.
    const refine = config.workers === 0 ? undefined
      : profileRefinement({ profile: profileJson, checkpoint, log, apply: (p) => scheduler.replaceProfile(p, policyFor(p)) });
    refinement = refine;
    const d = new Dispatcher(scheduler, systemClock, refine === undefined ? events
      : fanOut(events, { batchFinished: (at, b) => { if (threads?.owns(b.worker)) refine.batchFinished?.(at, b); } }));
    dispatcher = d;
    threads?.attach(d);
    if (prep) {
      await prep.ready();
      log(`request preparation: ${prep.threads} thread(s), measured ${prep.costs.parse.toFixed(1)} ms per JSON MB, ${prep.costs.decode.toFixed(1)} ms per decoded megapixel`);
    }
    if (config.nats !== undefined) router = await startRouter(config.nats, natsConnect, checkpoint, arch, subnets, facts.backend, profile, scheduler, d, log);
    service.attach({
      dispatcher: d,
      accuracyOf: (id) => subnets[id]?.accuracy ?? Number.NaN,
      hasSubnet: (id) => Number.isInteger(id) && id >= 0 && id < subnets.length,
    });
    log(`ready: ${arch}${facts.untrained ? ' (UNTRAINED embedded default: predictions are meaningless)' : ''}, policy ${policyName}, ` +
      `SLO ${config.sloMs} ms, ${d.workerCount} local worker(s)${config.nats ? ' + NATS workers as they join' : ''}, backend ${facts.backend}`);
  })();
  const readyOrClosed = ready.catch(async (e: unknown) => {
    log(`start-up failed: ${(e as Error).message}`);
    await close();
    throw e;
  });
  const reloadTokens = async (): Promise<void> => {
    if (!tokens) return;
    try {
      const n = await tokens.reload();
      sessions?.clear();
      log(`tokens reloaded: ${n} accepted; dashboard sign-ins ended`);
    } catch (e) {
      log(`warning: tokens NOT reloaded, the previous ones stay in force: ${(e as Error).message}`);
    }
  };
  return { port: http.port, grpcPort: grpc?.port, service, ready: readyOrClosed, reloadTokens, close };
}

async function startRouter(url: string, connect: Partial<ConnectionOptions>, checkpoint: string, arch: ArchName, subnets: ParetoSubnet[], backend: string,
  profile: LatencyProfile, scheduler: Scheduler<ItemPayload>, d: Dispatcher, log: (m: string) => void): Promise<NatsRouter> {
  const id = await checkpointIdentity(checkpoint, arch);
  const table = new ProfileTable(profile);
  const router = await startNatsRouter({
    url,
    connect,
    expect: { ...id, backend, subnets: subnets.map((p) => p.id), profileHash: await profileHash(checkpoint) },
    onWorker: (w) => d.addWorker(w),
    onRefused: (reason) => log(`refused worker: ${reason}`),
    log,
    // The scheduler's own expectation (interpolated profile x the live latency factor) sets the reply deadline.
    expectedLatencyMs: (subnetId, batch) => table.has(subnetId)
      ? table.latency(table.indexOf(subnetId), Math.min(Math.max(1, batch), table.maxBatch)) * scheduler.latencyFactor
      : undefined,
  });
  log(`NATS router on ${redactUrl(url)}: waiting for workers (arch ${id.arch}, checkpoint ${id.checkpointHash}, backend ${backend})`);
  return router;
}

/** A router without local workers cannot measure: it needs the profile stored in the checkpoint. */
async function storedProfile(checkpoint: string): Promise<ProfileJson> {
  const file = profilePath(checkpoint);
  if (!existsSync(file)) {
    throw new UsageError(`--workers 0 needs a latency profile: ${file} is missing (run \`superserve profile ${checkpoint}\` on a worker machine, or start with --workers 1 once)`);
  }
  return JSON.parse(await readFile(file, 'utf8')) as ProfileJson;
}
