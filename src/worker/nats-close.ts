/**
 * Closing a NATS connection for good, whether or not the server is still there. nats.js's `drain()` on a
 * connection that lost its server resolves without closing it, and the client then keeps reconnecting
 * forever (maxReconnectAttempts -1), which keeps the process alive: so drain only while connected, for
 * a bounded time, and always `close()` afterwards.
 * @module
 */
import type { NatsConnection } from 'nats';

export interface NatsLink {
  nc: NatsConnection;
  /** Whether the connection is up now (false while the client is trying to reconnect). */
  connected(): boolean;
}

/** Tracks the connection's status events so callers know whether a drain can reach the server. */
export function trackConnection(nc: NatsConnection): NatsLink {
  let up = true;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') up = false;
      else if (s.type === 'reconnect') up = true;
    }
  })().catch(() => {});
  return { nc, connected: () => up && !nc.isClosed() };
}

/** Drain (at most `drainMs`) when connected, then close. Never throws, never waits for a lost server. */
export async function closeNats(link: NatsLink, drainMs = 5000): Promise<void> {
  const { nc } = link;
  if (nc.isClosed()) return;
  if (link.connected()) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      nc.drain().catch(() => {}),
      new Promise<void>((resolve) => { timer = setTimeout(resolve, drainMs); }),
    ]);
    clearTimeout(timer);
  }
  if (!nc.isClosed()) await nc.close().catch(() => {});
}
