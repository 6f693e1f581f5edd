/**
 * Listen with @hono/node-server and shut down gracefully: stop accepting, let the service answer
 * everything it accepted, then close the sockets. Signal wiring is separate so tests can call
 * `close()` without sending signals.
 * @module
 */
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';
import type { InferenceService } from '../serving/types.ts';

export interface HttpServerOptions {
  app: Hono;
  /** 0 picks a free port. @default 8080 */
  port?: number;
  /** @default '0.0.0.0' */
  host?: string;
  service: InferenceService;
  log?: (message: string) => void;
  /** After the service drained, how long to wait for responses to finish writing. @default 5000 */
  closeTimeoutMs?: number;
}

export interface HttpServerHandle {
  port: number;
  /** Stop accepting, await `service.drain()`, then close all connections. Idempotent. */
  close(): Promise<void>;
}

export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServerHandle> {
  const log = opts.log ?? (() => {});
  const host = opts.host ?? '0.0.0.0';
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: opts.app.fetch, port: opts.port ?? 8080, hostname: host }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  const close = () => (closing ??= (async () => {
    log('shutting down: no new connections, draining accepted requests');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await opts.service.drain();
    // Responses may still be flushing; idle keep-alive sockets would hold close() open forever.
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), opts.closeTimeoutMs ?? 5000);
    await closed;
    clearTimeout(timer);
    log('drained and closed');
  })());
  return { port, close };
}

export interface SignalHandlerOptions {
  /** Graceful shutdown, e.g. `startHttpServer(...).close`. */
  close: () => Promise<void>;
  /** Drained again after `close()` (a no-op when close already drained it, as startHttpServer's does). */
  service?: Pick<InferenceService, 'drain'>;
  log?: (message: string) => void;
  /** @default process.exit */
  exit?: (code: number) => void;
}

/**
 * On SIGTERM or SIGINT: `close()`, then exit 0 (1 if closing failed). A second signal exits 1 at once.
 * Returns a function that removes the handlers.
 */
export function installSignalHandlers(opts: SignalHandlerOptions): () => void {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) { exit(1); return; }
    shuttingDown = true;
    opts.log?.(`${signal} received: shutting down`);
    opts.close()
      .then(() => opts.service?.drain())
      .then(() => exit(0), (err: unknown) => { opts.log?.(`shutdown failed: ${String(err)}`); exit(1); });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => { process.off('SIGTERM', onSignal); process.off('SIGINT', onSignal); };
}
