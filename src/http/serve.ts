/**
 * Listen with @hono/node-server and shut down without losing a request: every request whose headers
 * the server has read ("accepted") is answered before its socket closes. Signal wiring is separate so
 * tests can call `close()` without sending signals.
 *
 * Timeouts: a keep-alive socket is closed by the server only after `keepAliveTimeoutMs` idle (longer
 * than common clients' own idle timeouts, so clients close first and never send into a closing socket),
 * headers must arrive within `headersTimeoutMs`, a whole request within `requestTimeoutMs` (Node answers
 * 408 beyond). None of them can close a socket whose request was read and not yet answered.
 * @module
 */
import { serve } from '@hono/node-server';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';

export interface HttpServerOptions {
  app: Hono;
  /** 0 picks a free port. @default 8080 */
  port?: number;
  /** @default '0.0.0.0' */
  host?: string;
  /** Serve HTTPS with this certificate chain and key (a plain-text client gets a failed handshake, no answer). */
  tls?: { cert: Buffer; key: Buffer };
  /** Stops the service accepting work: called first on close (requests arriving later get 503). */
  service: { drain(): Promise<void> };
  log?: (message: string) => void;
  /** @default 65_000 */
  keepAliveTimeoutMs?: number;
  /** @default 120_000 */
  requestTimeoutMs?: number;
  /** How long close() waits for accepted requests before closing their sockets anyway. @default DEFAULT_DRAIN_TIMEOUT_MS */
  drainTimeoutMs?: number;
}

/** How long a shutdown waits for accepted requests (deploy/kubernetes sizes terminationGracePeriodSeconds on it). */
export const DEFAULT_DRAIN_TIMEOUT_MS = 70_000;

export interface HttpServerHandle {
  port: number;
  /** Requests read and not yet fully answered. */
  readonly openRequests: number;
  /**
   * Stop accepting connections, let the service refuse new work, wait until every accepted request has
   * been answered, then close all sockets. Idempotent.
   */
  close(): Promise<void>;
}

export class ListenError extends Error { override name = 'ListenError'; }

export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServerHandle> {
  const log = opts.log ?? (() => {});
  const host = opts.host ?? '0.0.0.0';
  const requestedPort = opts.port ?? 8080;
  let draining = false;
  const server = await new Promise<Server>((resolve, reject) => {
    // autoCleanupIncoming off: its drain of an unread body force-closes the socket after 500 ms, which resets
    // keep-alive clients under load. Our body reader discards what it does not read (body.ts), and Node
    // itself drains a body nobody touched.
    const tls = opts.tls ? { createServer: createHttpsServer, serverOptions: { cert: opts.tls.cert, key: opts.tls.key } } : {};
    const s = serve({ fetch: opts.app.fetch, port: requestedPort, hostname: host, autoCleanupIncoming: false, ...tls }, () => resolve(s as Server)) as Server;
    s.once('error', (e: NodeJS.ErrnoException) => {
      reject(new ListenError(e.code === 'EADDRINUSE' ? `port ${requestedPort} on ${host} is already in use` : `cannot listen on ${host}:${requestedPort}: ${e.message}`));
    });
  });
  server.keepAliveTimeout = opts.keepAliveTimeoutMs ?? 65_000;
  server.requestTimeout = opts.requestTimeoutMs ?? 120_000;
  // Node wants headersTimeout above keepAliveTimeout, or a reused socket may be cut while its headers arrive.
  server.headersTimeout = server.keepAliveTimeout + 1000;
  const port = (server.address() as AddressInfo).port;

  let open = 0;
  let onIdle: (() => void) | undefined;
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    open++;
    if (draining) res.setHeader('Connection', 'close');
    res.once('close', () => {
      open--;
      if (open === 0) onIdle?.();
    });
  });

  let closing: Promise<void> | undefined;
  const close = () => (closing ??= (async () => {
    log('shutting down: no new connections; answering every accepted request');
    draining = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await opts.service.drain();
    server.closeIdleConnections();
    if (open > 0) {
      const timeout = opts.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
      const idle = new Promise<void>((resolve) => { onIdle = resolve; });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), timeout); });
      if (await Promise.race([idle.then(() => false), timedOut])) log(`shutdown: ${open} request(s) still open after ${timeout} ms; closing their sockets`);
      clearTimeout(timer);
    }
    server.closeAllConnections();
    await closed;
    log('drained and closed');
  })());
  return { port, get openRequests() { return open; }, close };
}

export interface SignalHandlerOptions {
  /** Graceful shutdown, e.g. the server's close. */
  close: () => Promise<void>;
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
    if (shuttingDown) { opts.log?.(`${signal} again: exiting now`); exit(1); return; }
    shuttingDown = true;
    opts.log?.(`${signal} received: shutting down`);
    opts.close().then(() => exit(0), (err: unknown) => { opts.log?.(`shutdown failed: ${String(err)}`); exit(1); });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => { process.off('SIGTERM', onSignal); process.off('SIGINT', onSignal); };
}
