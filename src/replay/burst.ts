/**
 * An open-loop burst against a live server over keep-alive connections: requests leave at a fixed rate
 * whatever the answers do, and every request's fate is recorded — an HTTP status, or a socket error
 * (no answer at all). `probeLive` times `GET /v2/health/live` meanwhile (run it in another process when
 * its latency is the measurement: the burst's own event loop is busy). Used by `npm run bench:overload`
 * and by the overload end-to-end test.
 * @module
 */
import http from 'node:http';
import { Rng } from '../sim/rng.ts';
import { quantile } from '../sim/summary.ts';

/** One kind of request in a mixed burst (its own SLO and priority), sent in proportion to `share`. */
export interface BurstClass {
  name: string;
  body: Uint8Array;
  headers: Record<string, string>;
  /** The SLO its body asks for. */
  sloMs: number;
  share: number;
}

export interface ClassResult {
  name: string;
  sent: number;
  answered: number;
  ok: number;
  /** Share of its 200s whose response says deadline_met. */
  okDeadlineMet: number;
  meanAccuracy: number;
  byStatus: Record<string, number>;
  refusalLatenessP99Ms: number;
}

export interface BurstOptions {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  path: string;
  body: Uint8Array;
  headers: Record<string, string>;
  ratePerS: number;
  seconds: number;
  /** The request's latency target (for lateness); it must be the SLO the body asks for. */
  sloMs: number;
  /** Most sockets kept open to the server (requests beyond wait in the client). @default 256 */
  maxSockets?: number;
  /** Give up on an answer after this long (counted as no answer). @default 60000 */
  timeoutMs?: number;
  /** Interval of an in-process liveness probe (0: none). @default 100 */
  probeEveryMs?: number;
  /** A mixed burst: each request is one of these, drawn from a seeded stream (body/headers/sloMs above are then unused). */
  classes?: BurstClass[];
  /** @default 1 */
  seed?: number;
}

export interface RequestFate {
  sentAt: number;
  /** ms after sentAt; undefined when no answer came. */
  latencyMs?: number;
  status?: number;
  error?: string;
  deadlineMet?: boolean;
  accuracy?: number;
  /** Index into `classes` (0 without classes). */
  cls: number;
}

export interface BurstResult {
  sent: number;
  answered: number;
  /** Requests that got no HTTP answer (socket closed/reset, timeout), by error. */
  unanswered: Record<string, number>;
  byStatus: Record<string, number>;
  /** p50 / p99 / max of latency of 200s. */
  okLatencyMs: { p50: number; p99: number; max: number };
  /** How long after its deadline each non-200 answer came (negative: before), p50 / p99 / max. */
  refusalLatenessMs: { p50: number; p99: number; max: number };
  /** Share of 200 answers whose response says deadline_met. */
  okDeadlineMet: number;
  meanAccuracy: number;
  /** GET /v2/health/live during the burst: answered probes' latency, and probes that failed or timed out (1 s). */
  live: { probes: number; failed: number; p50: number; p99: number; max: number };
  /** Per class of a mixed burst (one entry, the whole burst, without classes). */
  classes: ClassResult[];
  fates: RequestFate[];
}

export async function runBurst(o: BurstOptions): Promise<BurstResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.maxSockets ?? 256 });
  const target = new URL(o.path, o.url);
  const fates: RequestFate[] = [];
  const pending: Promise<void>[] = [];
  const classes: BurstClass[] = o.classes ?? [{ name: 'all', body: o.body, headers: o.headers, sloMs: o.sloMs, share: 1 }];
  const pick = classPicker(classes, o.seed ?? 1);
  const n = Math.round(o.ratePerS * o.seconds);
  const t0 = performance.now();
  const probe = probeLive(o.url, o.probeEveryMs ?? 100);
  for (let i = 0; i < n; i++) {
    const at = t0 + (i * 1000) / o.ratePerS;
    const wait = at - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const fate: RequestFate = { sentAt: performance.now(), cls: pick() };
    fates.push(fate);
    pending.push(send(agent, target, classes[fate.cls]!, o.timeoutMs ?? 60_000, fate));
  }
  await Promise.all(pending);
  const live = await probe.stop();
  agent.destroy();

  const unanswered: Record<string, number> = {};
  for (const f of fates) if (f.status === undefined) unanswered[f.error ?? 'unknown'] = (unanswered[f.error ?? 'unknown'] ?? 0) + 1;
  const all = summarise(fates, classes);
  return {
    sent: n, answered: all.answered, unanswered, byStatus: all.byStatus,
    okLatencyMs: all.okLatencyMs, refusalLatenessMs: all.refusalLatenessMs, okDeadlineMet: all.okDeadlineMet, meanAccuracy: all.meanAccuracy,
    live, fates,
    classes: classes.map((c, i) => {
      const r = summarise(fates.filter((f) => f.cls === i), classes);
      return {
        name: c.name, sent: r.sent, answered: r.answered, ok: r.byStatus['200'] ?? 0, okDeadlineMet: r.okDeadlineMet,
        meanAccuracy: r.meanAccuracy, byStatus: r.byStatus, refusalLatenessP99Ms: r.refusalLatenessMs.p99,
      };
    }),
  };
}

/** Seeded draws of a class index in proportion to the shares (a fixed sequence for a given seed). */
function classPicker(classes: BurstClass[], seed: number): () => number {
  if (classes.length === 1) return () => 0;
  const total = classes.reduce((a, c) => a + c.share, 0);
  const rng = new Rng(seed);
  return () => {
    let u = rng.uniform() * total;
    for (let i = 0; i < classes.length - 1; i++) { u -= classes[i]!.share; if (u < 0) return i; }
    return classes.length - 1;
  };
}

function summarise(fates: RequestFate[], classes: BurstClass[]) {
  const byStatus: Record<string, number> = {};
  const ok: number[] = [];
  const lateness: number[] = [];
  const accuracies: number[] = [];
  let met = 0;
  let answered = 0;
  for (const f of fates) {
    if (f.status === undefined) continue;
    answered++;
    byStatus[f.status] = (byStatus[f.status] ?? 0) + 1;
    if (f.status === 200) {
      ok.push(f.latencyMs!);
      if (f.deadlineMet) met++;
      if (f.accuracy !== undefined) accuracies.push(f.accuracy);
    } else lateness.push(f.latencyMs! - classes[f.cls]!.sloMs);
  }
  const stats = (xs: number[]) => { const s = xs.sort((a, b) => a - b); return { p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s.at(-1) ?? 0 }; };
  return {
    sent: fates.length, answered, byStatus, okLatencyMs: stats(ok), refusalLatenessMs: stats(lateness),
    okDeadlineMet: ok.length ? met / ok.length : 1,
    meanAccuracy: accuracies.length ? accuracies.reduce((a, b) => a + b, 0) / accuracies.length : 0,
  };
}

function send(agent: http.Agent, target: URL, c: BurstClass, timeoutMs: number, fate: RequestFate): Promise<void> {
  return new Promise<void>((resolve) => {
    const req = http.request(target, { method: 'POST', agent, headers: { ...c.headers, 'content-length': String(c.body.byteLength) } });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('client timeout')));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        fate.status = res.statusCode;
        fate.latencyMs = performance.now() - fate.sentAt;
        if (res.statusCode === 200) {
          const params = responseParameters(Buffer.concat(chunks), res.headers['inference-header-content-length']);
          fate.deadlineMet = params?.deadline_met === true;
          if (typeof params?.accuracy === 'number') fate.accuracy = params.accuracy;
        }
        resolve();
      });
      res.on('error', (e) => { fate.status = undefined; fate.error = e.message; resolve(); });
    });
    req.on('error', (e: NodeJS.ErrnoException) => { if (fate.status === undefined) fate.error = e.code ?? e.message; resolve(); });
    req.end(c.body);
  });
}

function responseParameters(body: Buffer, headerLength: string | string[] | undefined): { deadline_met?: unknown; accuracy?: unknown } | undefined {
  try {
    const n = typeof headerLength === 'string' ? Number(headerLength) : body.byteLength;
    return (JSON.parse(body.subarray(0, n).toString('utf8')) as { parameters?: { deadline_met?: unknown; accuracy?: unknown } }).parameters;
  } catch {
    return undefined;
  }
}

export type LiveProbeResult = BurstResult['live'];

/** Times `GET /v2/health/live` every `everyMs` (a probe fails after 1 s without an answer) until stopped. */
export function probeLive(base: string, everyMs: number): { stop(): Promise<LiveProbeResult> } {
  const url = new URL('/v2/health/live', base);
  const times: number[] = [];
  let failed = 0;
  let running = everyMs > 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const loop = (async () => {
    while (running) {
      const t = performance.now();
      const ok = await new Promise<boolean>((resolve) => {
        const req = http.get(url, { agent }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode === 200)); });
        req.setTimeout(1000, () => req.destroy(new Error('timeout')));
        req.on('error', () => resolve(false));
      });
      if (ok) times.push(performance.now() - t); else failed++;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      agent.destroy();
      const s = times.sort((a, b) => a - b);
      return { probes: times.length + failed, failed, p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s.at(-1) ?? 0 };
    },
  };
}
