/**
 * Server-Sent Event streams to dashboard clients. A broadcast is encoded once and handed to every stream.
 * @hono/node-server pulls from a stream only when its socket has drained, so a client that does not keep up
 * shows as bytes waiting for its next pull: past `maxBacklogBytes` they are discarded and its stream ends (its
 * EventSource reconnects and starts over from a fresh `init`); nothing is buffered without bound. `close()`
 * ends every stream so none keeps the HTTP server from closing.
 * @module
 */

export interface SseHubOptions {
  /** Concurrent streams; more are refused. @default 32 */
  maxClients?: number;
  /** Bytes queued for one client before it is dropped. @default 1 MiB */
  maxBacklogBytes?: number;
  /** Reconnection delay the browser is told to use, ms. @default 1000 */
  retryMs?: number;
}

interface Client {
  controller: ReadableStreamDefaultController<Uint8Array>;
  /** Messages not yet pulled by the socket. */
  pending: Uint8Array[];
  pendingBytes: number;
  /** Set while the socket waits for data: the next message goes straight through. */
  wake: (() => void) | undefined;
}

const encoder = new TextEncoder();

/** One SSE message: `event:` line, one `data:` line of JSON (JSON has no raw newlines), blank line. */
export function sseMessage(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class SseHub {
  private readonly clients = new Set<Client>();
  private readonly maxClients: number;
  private readonly maxBacklog: number;
  private readonly retryMs: number;
  private closed = false;
  /** Clients dropped for falling behind, since the start. */
  dropped = 0;

  constructor(opts: SseHubOptions = {}) {
    this.maxClients = opts.maxClients ?? 32;
    this.maxBacklog = opts.maxBacklogBytes ?? 1024 * 1024;
    this.retryMs = opts.retryMs ?? 1000;
  }

  get size(): number { return this.clients.size; }

  /** A new stream that starts with `first` (already formatted messages); null when full or closed. */
  open(first: string): ReadableStream<Uint8Array> | null {
    if (this.closed || this.clients.size >= this.maxClients) return null;
    let client: Client | undefined;
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        const hello = encoder.encode(`retry: ${this.retryMs}\n\n${first}`);
        client = { controller, pending: [hello], pendingBytes: hello.byteLength, wake: undefined };
        this.clients.add(client);
      },
      pull: (controller) => {
        const c = client!;
        if (c.pending.length > 0) { flush(c); return; }
        if (!this.clients.has(c)) { controller.close(); return; }
        return new Promise<void>((resolve) => { c.wake = resolve; });
      },
      cancel: () => { if (client) this.end(client); },
    }, { highWaterMark: 0 });
  }

  /** Hands one formatted message to every stream; ends the streams that have more than the limit waiting. */
  broadcast(message: string): void {
    if (this.clients.size === 0) return;
    const bytes = encoder.encode(message);
    for (const c of this.clients) {
      if (c.pendingBytes + bytes.byteLength > this.maxBacklog) {
        this.dropped++;
        this.end(c);
        continue;
      }
      c.pending.push(bytes);
      c.pendingBytes += bytes.byteLength;
      if (c.wake) flush(c);
    }
  }

  /** Ends every stream and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const c of [...this.clients]) this.end(c);
  }

  private end(c: Client): void {
    this.clients.delete(c);
    c.pending = [];
    c.pendingBytes = 0;
    try { c.controller.close(); } catch { /* already closed or cancelled */ }
    c.wake?.();
    c.wake = undefined;
  }
}

/** Gives the waiting messages to the stream (one chunk) and releases a pending pull. */
function flush(c: Client): void {
  const chunk = c.pending.length === 1 ? c.pending[0]! : concat(c.pending, c.pendingBytes);
  c.pending = [];
  c.pendingBytes = 0;
  c.controller.enqueue(chunk);
  const wake = c.wake;
  c.wake = undefined;
  wake?.();
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.byteLength; }
  return out;
}
