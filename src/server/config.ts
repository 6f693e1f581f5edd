/**
 * `superserve serve`'s flags, parsed once into a typed `ServeConfig` with every default resolved here.
 * @module
 */
import { availableParallelism } from 'node:os';
import { parseArch, type ArchName } from '../../supernet/types.ts';
import { parseBackendName } from '../../supernet/backend-names.ts';
import { DEFAULT_CACHE_MIB } from '../../supernet/defaults.ts';
import { intFlag, numFlag, OTLP_USAGE, otlpEndpointFlag, parseFlags, UsageError } from '../commands/args.ts';
import { NATS_AUTH_FLAGS, NATS_AUTH_USAGE, parseNatsAuthFlags } from '../commands/nats-auth-flags.ts';
import { parsePublicPaths } from '../auth/public-paths.ts';
import type { NatsAuthConfig } from '../worker/nats-auth.ts';
import { DEFAULT_GRPC_PORT } from '../grpc/defaults.ts';
import { DEFAULT_PIXEL_BUDGET, type PixelBudget } from '../intake/image-budget.ts';
import { parseBatchSizes, type BatchSizes, type LateMode } from '../scheduler/index.ts';
import { DEFAULT_SLO_TARGET } from '../scheduler/options.ts';
import { DEFAULT_PRIORITY_LEVELS } from '../serving/ticket.ts';

export interface ServeConfig {
  /** Checkpoint directory; undefined serves the embedded default (created on first start). */
  checkpoint: string | undefined;
  /** Architecture when it cannot be read from the checkpoint. */
  arch: ArchName | undefined;
  modelName: string;
  /** A policy name, or 'auto' (the server's default policy). */
  policy: string;
  sloMs: number;
  port: number;
  host: string;
  /** In-process inference worker threads (0: NATS workers only); undefined: from the cores (src/serving/thread-layout.ts), one on a GPU. */
  workers: number | undefined;
  /** XNNPACK threads per worker on WASM; undefined: from the cores. */
  wasmThreads: number | undefined;
  backend: string;
  maxQueue: number;
  /** Share of admitted requests that should meet their deadline: the scheduler plans with the latency quantile it needs. */
  sloTarget: number;
  /** Priority levels a request may name (Triton's `priority`: 1 highest; 0 and out of range = the default, lowest level). */
  priorityLevels: number;
  /** A head the policy cannot serve in time: 'drop' or 'serve'; undefined: the policy's own setting. */
  late: LateMode | undefined;
  /** Batch sizes the policy may pick; undefined: the policy's own setting. */
  batchSizes: BatchSizes | undefined;
  bodyLimitBytes: number;
  cacheMiB: number;
  /** Batch sizes warmed per sub-network before ready; undefined: GPU every profiled size, CPU batch 1. */
  warmup: number[] | undefined;
  reprofile: boolean;
  profileBatches: number[] | undefined;
  profileRepeats: number | undefined;
  nats: string | undefined;
  /** Workers the queue-aware policies plan for; undefined: the workers started. */
  policyWorkers: number | undefined;
  profileScale: number;
  adaptLatency: boolean;
  /** Threads that parse large bodies and decode images off the event loop (0: inline, for debugging). */
  prepThreads: number;
  pixelBudget: PixelBudget;
  /** Port of the KServe V2 / Triton gRPC service; undefined: no gRPC (--grpc off). */
  grpcPort: number | undefined;
  /** Serve the live dashboard at /dashboard. */
  dashboard: boolean;
  /** HTTPS and gRPC over TLS with this certificate chain and key (PEM files); undefined: plain text. */
  tls: { certFile: string; keyFile: string } | undefined;
  /** Bearer tokens (one per line, re-read on SIGHUP) required on every endpoint but health; undefined: open. */
  authTokensFile: string | undefined;
  /** HTTP paths (and everything below them) open without a token, e.g. /metrics. */
  publicPaths: string[];
  /** How the router authenticates to NATS. */
  natsAuth: NatsAuthConfig;
  /** OTLP/HTTP endpoint for traces; undefined: tracing off. */
  otlpEndpoint: string | undefined;
}

export const SERVE_USAGE = `usage: superserve serve [--checkpoint DIR] [--arch A] [--policy P] [--slo-ms N] [--port N] [--host H]
       [--workers N] [--backend B] [--max-queue N] [--priority-levels N] [--slo-target X] [--late drop|serve] [--batch-sizes all|profiled|LIST] [--body-limit-mb N]
       [--cache-mib N] [--warmup 1,2,...] [--reprofile] [--profile-batches 1,2,4,8] [--profile-repeats N] [--wasm-threads N]
       [--model-name NAME] [--nats URL] [--policy-workers N] [--profile-scale X] [--adapt-latency on|off]
       [--decode-threads N] [--max-image-pixels N] [--max-request-pixels N] [--grpc-port N] [--grpc on|off]
       [--dashboard on|off] [--tls-cert FILE --tls-key FILE] [--auth-tokens-file FILE] [--public-paths /metrics,...]
       [NATS credentials, below]
  --policy   default (also 'auto': DEFAULT_POLICY in src/scheduler/policy.ts), slackfit, slackfit-m, slackfit-q, maxbatch,
             maxacc, fixed:<id>, infaas
  --slo-target  share of admitted requests that should meet their deadline (default 0.99): the scheduler plans
             with the latency quantile this needs, learnt from measured batch times
  --priority-levels  levels of Triton's request parameter 'priority' (default 2): 1 is the highest, 0 or out of
             range is the default (lowest) level; under overload lower levels are refused first
  --batch-sizes  all | profiled | 1,2,4,8,16: the batch sizes the policy may pick (default: the policy's setting)
  --late     a head the policy cannot serve in time: drop (answered 504 at once) or serve (late, on the cheapest
             sub-network); default: the policy's setting
  --workers  in-process worker threads (default from the cores: 1 up to 8 cores, 2 on 16; 1 on a GPU backend; 0 with
             --nats: remote workers only, needs <checkpoint>/profile.json); --wasm-threads: XNNPACK threads per worker
             (default cores / workers, at most 8)
  --profile-batches / --profile-repeats  measure the full profile (default: a quick one, refined while serving)
  --profile-scale  initial multiplier on the profiled latencies (e.g. more workers than cores); --adapt-latency on|off
             (default on) then tracks measured / profiled batch time online
  --decode-threads  threads that parse large request bodies and decode JPEG/PNG off the HTTP thread
             (default: half the cores, 1 to 4; 0 = inline on the HTTP thread)
  --max-image-pixels / --max-request-pixels  pixel budgets of BYTES images, read from their headers
             before decoding (defaults ${DEFAULT_PIXEL_BUDGET.maxImagePixels} / ${DEFAULT_PIXEL_BUDGET.maxRequestPixels})
  --grpc-port  port of the KServe V2 / Triton gRPC service (default ${DEFAULT_GRPC_PORT}); --grpc off disables it
  --dashboard  the live dashboard at /dashboard (default on)
  --tls-cert / --tls-key  serve HTTPS and gRPC over TLS with this PEM certificate chain and key ($SUPERSERVE_TLS_CERT, _KEY)
  --auth-tokens-file  require Authorization: Bearer <token> on every endpoint but /v2/health/live|ready (gRPC: ServerLive,
             ServerReady, grpc.health.v1); one token per line, re-read on SIGHUP ($SUPERSERVE_AUTH_TOKENS_FILE)
  --public-paths  comma-separated HTTP paths open without a token, each with everything below it, e.g. /metrics
             ($SUPERSERVE_PUBLIC_PATHS); the dashboard page has its own token sign-in (docs/security.md)
${NATS_AUTH_USAGE}
${OTLP_USAGE}`;

/** Parse `serve` flags; `help: true` when --help was given. Throws UsageError (exit 2) on a bad flag. */
export function parseServeConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): { help: boolean; config: ServeConfig } {
  const { values: v } = parseFlags(argv, {
    checkpoint: { type: 'string' }, arch: { type: 'string' }, policy: { type: 'string' }, 'slo-ms': { type: 'string' },
    port: { type: 'string' }, host: { type: 'string' }, workers: { type: 'string' }, backend: { type: 'string' },
    'max-queue': { type: 'string' }, 'priority-levels': { type: 'string' }, 'slo-target': { type: 'string' }, late: { type: 'string' }, 'batch-sizes': { type: 'string' }, 'body-limit-mb': { type: 'string' },
    'cache-mib': { type: 'string' }, warmup: { type: 'string' }, reprofile: { type: 'boolean' },
    'model-name': { type: 'string' }, nats: { type: 'string' },
    'profile-batches': { type: 'string' }, 'profile-repeats': { type: 'string' }, 'policy-workers': { type: 'string' },
    'profile-scale': { type: 'string' }, 'adapt-latency': { type: 'string' }, 'decode-threads': { type: 'string' },
    'max-image-pixels': { type: 'string' }, 'max-request-pixels': { type: 'string' },
    'grpc-port': { type: 'string' }, grpc: { type: 'string' }, dashboard: { type: 'string' }, 'wasm-threads': { type: 'string' },
    'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, 'auth-tokens-file': { type: 'string' }, 'public-paths': { type: 'string' },
    ...NATS_AUTH_FLAGS, 'otlp-endpoint': { type: 'string' },
  }, SERVE_USAGE);
  const tlsCert = v['tls-cert'] ?? (env.SUPERSERVE_TLS_CERT || undefined);
  const tlsKey = v['tls-key'] ?? (env.SUPERSERVE_TLS_KEY || undefined);
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const authTokensFile = v['auth-tokens-file'] ?? (env.SUPERSERVE_AUTH_TOKENS_FILE || undefined);
  const publicPaths = usage(() => parsePublicPaths(v['public-paths'] ?? env.SUPERSERVE_PUBLIC_PATHS));
  if (publicPaths.length > 0 && authTokensFile === undefined) throw new UsageError('--public-paths needs --auth-tokens-file (without tokens every path is open)');
  const natsAuth = parseNatsAuthFlags(v, env);
  const workers = intFlag(v.workers, 'workers', 0, 64);
  if (workers === 0 && v.nats === undefined) throw new UsageError('--workers 0 needs --nats URL (remote workers)');
  const late = v.late as LateMode | undefined;
  if (late !== undefined && late !== 'drop' && late !== 'serve') throw new UsageError(`--late must be drop or serve, got "${late}"`);
  const backend = v.backend ?? env.SUPERSERVE_BACKEND ?? 'auto';
  if (backend !== 'auto') parseBackendName(backend);
  const adapt = v['adapt-latency'] ?? 'on';
  if (adapt !== 'on' && adapt !== 'off') throw new UsageError(`--adapt-latency must be on or off, got "${adapt}"`);
  const grpc = v.grpc ?? 'on';
  if (grpc !== 'on' && grpc !== 'off') throw new UsageError(`--grpc must be on or off, got "${grpc}"`);
  const grpcPort = intFlag(v['grpc-port'], 'grpc-port', 0, 65535) ?? DEFAULT_GRPC_PORT;
  const dashboard = v.dashboard ?? 'on';
  if (dashboard !== 'on' && dashboard !== 'off') throw new UsageError(`--dashboard must be on or off, got "${dashboard}"`);
  const list = (raw: string | undefined, name: string, max: number) => raw?.split(',').filter(Boolean).map((s) => intFlag(s, name, 1, max)!);
  const config: ServeConfig = {
    checkpoint: v.checkpoint,
    arch: v.arch === undefined ? undefined : parseArch(v.arch),
    modelName: v['model-name'] ?? 'superserve',
    policy: v.policy ?? 'auto',
    sloMs: numFlag(v['slo-ms'], 'slo-ms', 0.001) ?? 1000,
    port: intFlag(v.port ?? env.PORT, 'port', 0, 65535) ?? 8080,
    host: v.host ?? '0.0.0.0',
    workers,
    wasmThreads: intFlag(v['wasm-threads'], 'wasm-threads', 1, 64),
    backend,
    maxQueue: intFlag(v['max-queue'], 'max-queue', 1) ?? 10_000,
    priorityLevels: intFlag(v['priority-levels'], 'priority-levels', 1) ?? DEFAULT_PRIORITY_LEVELS,
    sloTarget: sloTargetFlag(v['slo-target']),
    late,
    batchSizes: v['batch-sizes'] === undefined ? undefined : usage(() => parseBatchSizes(v['batch-sizes']!)),
    bodyLimitBytes: Math.round((numFlag(v['body-limit-mb'], 'body-limit-mb', 0.001) ?? 64) * 2 ** 20),
    cacheMiB: intFlag(v['cache-mib'], 'cache-mib', 0) ?? DEFAULT_CACHE_MIB,
    warmup: list(v.warmup, 'warmup', 256),
    reprofile: v.reprofile === true,
    profileBatches: list(v['profile-batches'], 'profile-batches', 256),
    profileRepeats: intFlag(v['profile-repeats'], 'profile-repeats', 1, 1000),
    nats: v.nats,
    policyWorkers: intFlag(v['policy-workers'], 'policy-workers', 1, 1024),
    profileScale: numFlag(v['profile-scale'], 'profile-scale', 0.01, 100) ?? 1,
    adaptLatency: adapt === 'on',
    prepThreads: intFlag(v['decode-threads'], 'decode-threads', 0, 64) ?? defaultPrepThreads(),
    pixelBudget: {
      maxImagePixels: intFlag(v['max-image-pixels'], 'max-image-pixels', 1) ?? DEFAULT_PIXEL_BUDGET.maxImagePixels,
      maxRequestPixels: intFlag(v['max-request-pixels'], 'max-request-pixels', 1) ?? DEFAULT_PIXEL_BUDGET.maxRequestPixels,
    },
    grpcPort: grpc === 'off' ? undefined : grpcPort,
    dashboard: dashboard === 'on',
    tls: tlsCert === undefined ? undefined : { certFile: tlsCert, keyFile: tlsKey! },
    authTokensFile,
    publicPaths,
    natsAuth,
    otlpEndpoint: otlpEndpointFlag(v['otlp-endpoint'], env),
  };
  return { help: v.help === true, config };
}

/** A parse error of a flag's value is a usage error (exit 2). */
function usage<T>(parse: () => T): T {
  try { return parse(); } catch (e) { throw new UsageError((e as Error).message); }
}

/** Half the cores, at least 1 and at most 4: inference threads need the rest. */
export function defaultPrepThreads(cores = availableParallelism()): number {
  return Math.min(4, Math.max(1, Math.floor(cores / 2)));
}

function sloTargetFlag(raw: string | undefined): number {
  const t = numFlag(raw, 'slo-target') ?? DEFAULT_SLO_TARGET;
  if (!(t > 0 && t < 1)) throw new UsageError(`--slo-target must be a number between 0 and 1 (exclusive), got ${raw}`);
  return t;
}
