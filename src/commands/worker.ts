/**
 * `superserve worker --nats nats://HOST:PORT [--checkpoint DIR] [--arch A] [--backend B] [--name W]`:
 * an inference worker that joins a router over NATS. Exit codes: 0 stopped by a signal, 1 failure,
 * 2 bad flags, 3 refused by the router (mismatched architecture or checkpoint).
 * @module
 */
import { availableParallelism, hostname } from 'node:os';
import { paretoSet } from '../../supernet/archs.ts';
import { parseArch } from '../../supernet/types.ts';
import { DEFAULT_CACHE_MIB } from '../../supernet/defaults.ts';
import { ensureDefaultCheckpoint } from '../../supernet/load.ts';
import { chooseThreadLayout } from '../serving/thread-layout.ts';
import { checkpointArch, profileHash } from '../worker/nats-identity.ts';
import { runNatsWorker } from '../worker/nats-worker.ts';
import { natsConnectOptions, redactUrl } from '../worker/nats-auth.ts';
import { intFlag, OTLP_USAGE, otlpEndpointFlag, parseFlags, runCommand, UsageError } from './args.ts';
import { NATS_AUTH_FLAGS, NATS_AUTH_USAGE, parseNatsAuthFlags } from './nats-auth-flags.ts';

const USAGE = `usage: superserve worker --nats nats://HOST:PORT [options]
  --nats URL            NATS server the router listens on (required)
  --checkpoint DIR      checkpoint directory or OFA .pth (default: the embedded default checkpoint)
  --arch A              architecture (required with a .pth; checked against a directory's)
  --backend B           webgpu | tensorflow-gpu | tensorflow | wasm | cpu | auto (default: $SUPERSERVE_BACKEND or auto)
  --wasm-threads N      XNNPACK threads on wasm (default: the machine's cores, at most 8)
  --name W              worker name in logs and subjects (default: <hostname>-<pid>)
  --cache-mib N         sub-network cache budget, MiB resident (default 128)
  --warmup LIST         batch sizes to warm up per sub-network before joining, e.g. 1,16 ('' for none; default 1)
  --subject-prefix P    NATS subject prefix shared with the router (default superserve)
${NATS_AUTH_USAGE}
${OTLP_USAGE}
exit codes: 0 stopped by SIGTERM/SIGINT, 1 failure, 2 bad flags, 3 refused by the router`;

const FLAGS = {
  nats: { type: 'string' },
  checkpoint: { type: 'string' },
  arch: { type: 'string' },
  backend: { type: 'string' },
  name: { type: 'string' },
  'cache-mib': { type: 'string' },
  'wasm-threads': { type: 'string' },
  warmup: { type: 'string' },
  'subject-prefix': { type: 'string' },
  ...NATS_AUTH_FLAGS,
  'otlp-endpoint': { type: 'string' },
} as const;

export function parseWarmup(v: string | undefined): number[] {
  if (v === undefined) return [1];
  if (v.trim() === '') return [];
  return v.split(',').map((x) => intFlag(x.trim(), 'warmup', 1, 1024)!);
}

function archFlag(v: string): ReturnType<typeof parseArch> {
  try {
    return parseArch(v);
  } catch (e) {
    throw new UsageError(`--arch: ${(e as Error).message}`);
  }
}

export async function run(argv: string[]): Promise<number> {
  return runCommand('worker', async () => {
    const { values } = parseFlags(argv, FLAGS, USAGE);
    if (values.help) { console.log(USAGE); return 0; }
    const url = values.nats;
    if (url === undefined) throw new UsageError(`--nats nats://HOST:PORT is required\n${USAGE}`);
    if (!/^(nats|tls):\/\/[^\s/]+$/.test(url)) throw new UsageError(`--nats must look like nats://HOST:PORT, got "${redactUrl(url)}"`);
    const auth = parseNatsAuthFlags(values);
    const otlp = otlpEndpointFlag(values['otlp-endpoint'], process.env);
    const warmupBatches = parseWarmup(values.warmup);
    const cacheMiB = intFlag(values['cache-mib'], 'cache-mib', 0) ?? DEFAULT_CACHE_MIB;
    const wasmThreads = intFlag(values['wasm-threads'], 'wasm-threads', 1, 64) ?? chooseThreadLayout(availableParallelism(), { workers: 1 }).wasmThreads;
    const requestedArch = values.arch === undefined ? undefined : archFlag(values.arch);
    const connect = await natsConnectOptions(auth);
    const checkpoint = values.checkpoint ?? await ensureDefaultCheckpoint();
    const arch = await checkpointArch(checkpoint, requestedArch);
    const subnets = paretoSet(arch).map((p) => ({ id: p.id, config: p.config }));
    const log = (msg: string): void => console.error(msg);
    const name = values.name ?? `${hostname()}-${process.pid}`;
    const tracing = otlp === undefined ? undefined : await (await import('../tracing/tracer.ts')).startTracing({
      endpoint: otlp, serviceName: process.env.OTEL_SERVICE_NAME || 'superserve-worker', attributes: { 'service.instance.id': name },
    });
    try {
      return await runNatsWorker({
        url,
        connect,
        name,
        init: {
          checkpoint, arch, backend: values.backend ?? process.env.SUPERSERVE_BACKEND ?? 'auto',
          cacheMiB, subnets, warmupBatches, wasmThreads,
        },
        profileHash: await profileHash(checkpoint),
        ...(values['subject-prefix'] !== undefined ? { subjectPrefix: values['subject-prefix'] } : {}),
        log,
      });
    } finally {
      await tracing?.shutdown().catch(() => {});
    }
  });
}
