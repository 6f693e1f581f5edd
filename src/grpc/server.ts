/**
 * The gRPC front door (@grpc/grpc-js): `inference.GRPCInferenceService` and `grpc.health.v1.Health` on
 * their own port (8081 by default), over the same service as HTTP. `close()` stops accepting calls, lets
 * every accepted call be answered (the service drains), ends health watches and open inference streams
 * (each once its requests are answered), then shuts the server down.
 * @module
 */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { PixelBudget } from '../intake/image-budget.ts';
import type { PrepPool } from '../intake/prep/prep-pool.ts';
import { imagenetLabels } from '../protocol/labels.ts';
import type { ServerInfo } from '../protocol/metadata.ts';
import { DEFAULT_MAX_SLO_MS, type RequestLimits } from '../protocol/request.ts';
import type { InferenceStatistics } from '../protocol/statistics.ts';
import type { InferenceService } from '../serving/types.ts';
import type { TokenStore } from '../auth/tokens.ts';
import { requireGrpcToken } from './auth.ts';
import { DEFAULT_GRPC_PORT } from './defaults.ts';
import { createHealth } from './health.ts';
import { createInferenceImplementation, createInferOne, type InferenceDeps } from './inference.ts';
import { healthServiceDefinition, inferenceServiceDefinition } from './proto.ts';
import { createStreamInfer } from './stream-infer.ts';


export interface GrpcServerOptions {
  service: InferenceService;
  /** Triton statistics fed by the service's events (the same object HTTP reports). Without it ModelStatistics is UNIMPLEMENTED. */
  statistics?: InferenceStatistics;
  /** The same limits as HTTP. maxSloMs @default 60_000, maxBatch @default 64 */
  limits: Omit<RequestLimits, 'maxSloMs'> & { maxSloMs?: number };
  /** 0 picks a free port. @default 8081 */
  port?: number;
  /** @default '0.0.0.0' */
  host?: string;
  /** gRPC over TLS with this certificate chain and key; plain text without. */
  tls?: { cert: Buffer; key: Buffer };
  /** Require `authorization: Bearer <token>` on every inference method but ServerLive / ServerReady (health stays open). */
  tokens?: Pick<TokenStore, 'verify'>;
  /** Largest accepted request message, as HTTP's body limit (RESOURCE_EXHAUSTED beyond). @default 64 MiB */
  maxMessageBytes?: number;
  /** Decodes BYTES images off the event loop (the HTTP app's pool); without it they are decoded inline. */
  prepPool?: PrepPool;
  pixelBudget?: PixelBudget;
  /** @default the ImageNet-1k labels */
  labels?: readonly string[];
  server?: ServerInfo;
  log?: (message: string, err?: unknown) => void;
  /** Stops the service accepting and resolves when it answered everything; share one with the HTTP server. @default service.drain */
  drain?: () => Promise<void>;
  /** After the service drained, how long calls may take to finish before they are cut. @default 5000 */
  closeTimeoutMs?: number;
}

export interface GrpcServerHandle {
  port: number;
  /** Stop accepting, await `service.drain()`, then shut down. Idempotent. */
  close(): Promise<void>;
}

export async function startGrpcServer(opts: GrpcServerOptions): Promise<GrpcServerHandle> {
  const maxMessage = opts.maxMessageBytes ?? 64 * 1024 * 1024;
  const server = new Server({ 'grpc.max_receive_message_length': maxMessage, 'grpc.max_send_message_length': -1 });
  const health = createHealth(opts.service);
  const deps: InferenceDeps = {
    service: opts.service,
    ...(opts.statistics ? { statistics: opts.statistics } : {}),
    limits: { ...opts.limits, maxSloMs: opts.limits.maxSloMs ?? DEFAULT_MAX_SLO_MS },
    labels: opts.labels ?? imagenetLabels(),
    server: opts.server ?? { name: 'superserve', version: '0.1.0' },
    ...(opts.prepPool ? { prepPool: opts.prepPool } : {}),
    ...(opts.pixelBudget ? { pixelBudget: opts.pixelBudget } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  };
  const stream = createStreamInfer(createInferOne(deps), opts.log ?? ((m, e) => console.error(m, e)));
  const inference = { ...createInferenceImplementation(deps), ModelStreamInfer: stream.handler };
  const definition = inferenceServiceDefinition();
  server.addService(definition, opts.tokens ? requireGrpcToken(inference, definition, opts.tokens) : inference);
  server.addService(healthServiceDefinition(), health.implementation);
  const credentials = opts.tls
    ? ServerCredentials.createSsl(null, [{ cert_chain: opts.tls.cert, private_key: opts.tls.key }], false)
    : ServerCredentials.createInsecure();
  const address = `${opts.host ?? '0.0.0.0'}:${opts.port ?? DEFAULT_GRPC_PORT}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, credentials, (err, p) => (err ? reject(err) : resolve(p)));
  });

  let closing: Promise<void> | undefined;
  const close = () => (closing ??= (async () => {
    // tryShutdown refuses new calls at once and resolves when the accepted ones are answered.
    const shutdown = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    health.close();
    stream.close();
    await (opts.drain ?? (() => opts.service.drain()))();
    const timer = setTimeout(() => server.forceShutdown(), opts.closeTimeoutMs ?? 5000);
    await shutdown;
    clearTimeout(timer);
  })());
  return { port, close };
}
