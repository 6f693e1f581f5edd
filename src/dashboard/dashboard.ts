/**
 * The live dashboard: `GET /dashboard` (a static page drawing with uPlot, served from the installed package),
 * its assets, and `GET /dashboard/events`, a Server-Sent Event stream of one sample per tick from a bounded
 * ring (default: the last 10 min at 1 s). It only listens to the serving core (`events`) and samples its
 * gauges (`snapshot`) once per tick: the work per tick is fixed (one sample, one JSON string shared by all
 * clients), whatever the load, and the core never waits for it.
 * @module
 */
import type { Context, Hono } from 'hono';
import type { ServingEvents, ServingSnapshot, WorkerStatus } from '../serving/events.ts';
import type { ModelMetadata } from '../serving/types.ts';
import { PALETTE } from '../palette.ts';
import { DASHBOARD_ASSETS, type Asset } from './assets.ts';
import { columnNames, type ChartFrame } from './frame.ts';
import { DashboardRecorder, type ErrorStat, type PriorityStat, type Sample } from './recorder.ts';
import { SseHub, sseMessage } from './sse-hub.ts';

export interface DashboardOptions {
  /** Seconds of history kept and shown. @default 600 */
  windowS?: number;
  /** One sample every this many ms. @default 1000 */
  resolutionMs?: number;
  /** Seconds over which attainment and served accuracy are averaged. @default 10 */
  averageS?: number;
  /** Service clock (ms), the one the core stamps its events with. */
  now: () => number;
  snapshot: () => ServingSnapshot;
  model: () => ModelMetadata;
  sloMs: number;
  /** Concurrent dashboard streams. @default 32 */
  maxClients?: number;
  /** Bytes waiting for one slow client before it is dropped. @default 1 MiB */
  maxBacklogBytes?: number;
  /** Start the tick timer. Tests and the simulated-uptime bench drive `tick()` themselves. @default true */
  timer?: boolean;
}

export interface Dashboard {
  /** The listener to plug into the serving core's event fan-out. */
  events: ServingEvents;
  /** GET /dashboard, its assets, GET /dashboard/events (SSE) and GET /dashboard/state (the same as JSON). */
  register(app: Hono): void;
  /** Stops the timer and ends every stream; new streams are refused. Idempotent. */
  close(): void;
  /** Closes the current tick now (the timer calls it every `resolutionMs`). */
  tick(): Sample;
  /** Open SSE streams, and how many were dropped for falling behind. */
  clients(): { open: number; dropped: number };
  /** Samples held (never more than windowS * 1000 / resolutionMs). */
  readonly sampleCount: number;
}

/** Workers listed per message: the table is for reading, not for thousands of rows. */
const MAX_WORKERS_SHOWN = 64;

interface LiveState { totals: DashboardRecorder['totals']; errors: ErrorStat[]; priorities: PriorityStat[]; workers: WorkerStatus[] }

export function createDashboard(opts: DashboardOptions): Dashboard {
  const resolutionMs = opts.resolutionMs ?? 1000;
  const windowS = opts.windowS ?? 600;
  const averageS = opts.averageS ?? 10;
  if (!(resolutionMs > 0) || !(windowS > 0)) throw new RangeError('dashboard: windowS and resolutionMs must be positive');
  const capacity = Math.max(1, Math.round((windowS * 1000) / resolutionMs));
  const epochOffset = Date.now() - opts.now();
  const recorder = new DashboardRecorder({
    capacity, windowTicks: Math.max(1, Math.round((averageS * 1000) / resolutionMs)), toEpochMs: (ms) => ms + epochOffset,
  });
  const hub = new SseHub({ ...(opts.maxClients ? { maxClients: opts.maxClients } : {}), ...(opts.maxBacklogBytes ? { maxBacklogBytes: opts.maxBacklogBytes } : {}) });
  const server = { startedAt: Date.now(), pid: process.pid };
  let lastTick = opts.now();
  let subnetIds = modelSubnetIds(opts.model());
  let modelJson = '';
  let closed = false;

  const live = (snapshot: ServingSnapshot): LiveState => ({
    totals: { ...recorder.totals }, errors: recorder.errorStats(), priorities: recorder.priorityStats(), workers: recorder.workers(snapshot).slice(0, MAX_WORKERS_SHOWN),
  });

  const state = (snapshot: ServingSnapshot) => {
    const model = publicModel(opts.model());
    modelJson = JSON.stringify(model);
    const names = columnNames(subnetIds);
    const columns: ChartFrame['columns'] = {};
    for (const n of names) columns[n] = [];
    for (const s of recorder.samples.toArray()) row(s).forEach((v, i) => columns[names[i]!]!.push(v));
    const frame: ChartFrame = {
      title: model.name, timeAxis: 'clock', sloMs: opts.sloMs, windowS: averageS,
      subnets: model.subnets.map((s) => ({ id: s.id, accuracy: s.accuracy })), palette: PALETTE, columns,
    };
    return { server, capacity, resolutionMs, names, frame, model, live: live(snapshot) };
  };

  const tick = (): Sample => {
    const at = opts.now();
    const snapshot = opts.snapshot();
    const ids = modelSubnetIds(opts.model());
    const sample = recorder.close(at, Math.max(1e-3, (at - lastTick) / 1000), snapshot, subnetIds);
    lastTick = at;
    if (hub.size > 0) {
      if (ids.join() !== subnetIds.join()) {
        subnetIds = ids;
        hub.broadcast(sseMessage('init', state(snapshot)));
      } else {
        const model = publicModel(opts.model());
        const json = JSON.stringify(model);
        const changed = json !== modelJson;
        modelJson = json;
        hub.broadcast(sseMessage('sample', { row: row(sample), live: live(snapshot), ...(changed ? { model, server, sloMs: opts.sloMs } : {}) }));
      }
    } else {
      subnetIds = ids;
    }
    return sample;
  };

  const timer = opts.timer === false ? undefined : setInterval(tick, resolutionMs);
  timer?.unref();

  return {
    events: recorder,
    tick,
    clients: () => ({ open: hub.size, dropped: hub.dropped }),
    get sampleCount() { return recorder.samples.size; },
    close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      hub.close();
    },
    register(app: Hono) {
      const page = (c: Context) => serveAsset(c, DASHBOARD_ASSETS.page);
      app.get('/dashboard', page);
      app.get('/dashboard/', page);
      app.get('/dashboard/assets/:file', (c) => {
        const asset = DASHBOARD_ASSETS.files[c.req.param('file')];
        return asset ? serveAsset(c, asset) : c.json({ error: `no dashboard asset ${c.req.param('file')}` }, 404);
      });
      app.get('/dashboard/state', (c) => c.json(state(opts.snapshot())));
      app.get('/dashboard/events', (c) => {
        const stream = closed ? null : hub.open(sseMessage('init', state(opts.snapshot())));
        if (stream === null) {
          return c.json({ error: closed ? 'the dashboard is closed (server shutting down)' : 'too many dashboard clients' }, 503, { 'Retry-After': '5' });
        }
        // no-transform: a compressing middleware or proxy would buffer the stream (hono's compress honours it).
        return c.body(stream, 200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' });
      });
    },
  };
}

/** A sample as a row of `columnNames(subnetIds)`. */
function row(s: Sample): Array<number | null> {
  return [
    Math.round(s.t) / 1000, s.arriving, s.answered, s.refused, s.expired, s.attainment, s.accuracy, s.batchMean, s.batchMax,
    s.queued, s.inFlight, s.p50, s.p99, s.latencyFactor, s.alive, s.busy, s.dead, ...s.mix,
  ];
}

function modelSubnetIds(m: ModelMetadata): number[] { return m.subnets.map((s) => s.id); }

/** What the page shows of the model (the sub-networks' full configs stay out). */
function publicModel(m: ModelMetadata) {
  return {
    name: m.name, arch: m.arch, backend: m.backend, untrained: m.untrained, checkpoint: m.checkpoint, policy: m.policy,
    defaultSloMs: m.defaultSloMs, imageSize: m.imageSize, workers: m.workers,
    subnets: m.subnets.map((s) => ({ id: s.id, accuracy: s.accuracy, imageSize: s.imageSize })),
  };
}

function serveAsset(c: Context, a: Asset): Response {
  return c.body(a.text, 200, { 'Content-Type': a.type, 'Cache-Control': 'no-cache' });
}
