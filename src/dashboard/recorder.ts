/**
 * The dashboard's listener on the serving core: counts what happens during each tick (O(1) per event, no
 * allocation per request) and, when the tick closes, turns the counts and a snapshot of the gauges into one
 * `Sample` kept in a fixed-size ring. Nothing here reads a clock or starts a timer: the caller closes ticks.
 * @module
 */
import { REFUSAL_REASONS, type ImageOutcome, type RefusalReason, type ServingEvents, type ServingSnapshot, type WorkerStatus } from '../serving/events.ts';
import { accuracyPercent, compact } from './frame.ts';
import { LatencyHistogram } from './latency-histogram.ts';
import { RingBuffer } from './ring-buffer.ts';

/** Refusals that do not count against the SLO (the client's fault or choice), as in the metrics. */
const SLO_NEUTRAL: ReadonlySet<RefusalReason> = new Set(['bad_request', 'cancelled']);
/** Dead workers remembered for the table after they left the snapshot. */
const MAX_DEAD_WORKERS = 32;

/** One closed tick. Rates are per second; percentages 0-100; null where nothing happened. */
export interface Sample {
  /** Epoch ms at the end of the tick. */
  t: number;
  arriving: number; answered: number; refused: number; expired: number;
  /** On-time answers / answers and refusals counted for the SLO, over the window, %. */
  attainment: number | null;
  /** Mean accuracy of the sub-networks that served the window's answered images, %. */
  accuracy: number | null;
  /** Per sub-network (in `subnetIds` order): % of the tick's executed images. */
  mix: Array<number | null>;
  batchMean: number | null; batchMax: number | null;
  queued: number; inFlight: number;
  p50: number | null; p99: number | null;
  latencyFactor: number;
  alive: number; busy: number; dead: number;
  /** Raw counts the windows are made of. */
  raw: { onTime: number; sloCounted: number; accSum: number; accImages: number };
}

export interface ErrorStat { reason: RefusalReason; total: number; lastAt: number | null }

/** Since the start, per priority level (1 = highest): answered on time, answered late, refused (SLO-counted). */
export interface PriorityStat { priority: number; onTime: number; late: number; refused: number }

export interface RecorderOptions {
  /** Samples kept (the ring's capacity). */
  capacity: number;
  /** Ticks in the attainment / accuracy window. */
  windowTicks: number;
  /** Service clock -> epoch ms. */
  toEpochMs: (serviceMs: number) => number;
}

export class DashboardRecorder implements ServingEvents {
  readonly samples: RingBuffer<Sample>;
  readonly totals = { arrived: 0, answered: 0, onTime: 0, refused: 0, images: 0 };
  private readonly errors = new Map<RefusalReason, ErrorStat>(REFUSAL_REASONS.map((r) => [r, { reason: r, total: 0, lastAt: null }]));
  private readonly deadWorkers = new Map<string, WorkerStatus>();
  private readonly hist = new LatencyHistogram();
  private readonly perSubnet = new Map<number, number>();
  private readonly perPriority = new Map<number, PriorityStat>();
  private cur = emptyCounts();

  constructor(private readonly opts: RecorderOptions) {
    this.samples = new RingBuffer<Sample>(opts.capacity);
  }

  arrived(_at: number, _images: number): void {
    this.cur.arrived++;
    this.totals.arrived++;
  }

  answered(_at: number, r: { images: ImageOutcome[]; latencyMs: number; deadlineMet: boolean; priority?: number }): void {
    const c = this.cur;
    c.answered++; c.sloCounted++;
    this.totals.answered++;
    if (r.deadlineMet) { c.onTime++; this.totals.onTime++; }
    for (const im of r.images) { c.accSum += accuracyPercent(im.accuracy); c.accImages++; }
    this.hist.add(r.latencyMs);
    if (r.priority !== undefined) { const p = this.#priority(r.priority); if (r.deadlineMet) p.onTime++; else p.late++; }
  }

  refused(at: number, reason: RefusalReason, _images: number, priority?: number): void {
    if (priority !== undefined && !SLO_NEUTRAL.has(reason)) this.#priority(priority).refused++;
    const c = this.cur;
    if (reason === 'deadline') c.expired++; else c.refused++;
    if (!SLO_NEUTRAL.has(reason)) c.sloCounted++;
    this.totals.refused++;
    const e = this.errors.get(reason);
    if (e) { e.total++; e.lastAt = this.opts.toEpochMs(at); }
  }

  batchFinished(_at: number, b: { subnetId: number; size: number; ok: boolean }): void {
    if (!b.ok) return;
    const c = this.cur;
    c.batches++; c.batchImages += b.size; c.batchMax = Math.max(c.batchMax, b.size);
    this.totals.images += b.size;
    this.perSubnet.set(b.subnetId, (this.perSubnet.get(b.subnetId) ?? 0) + b.size);
  }

  workersChanged(_at: number, workers: WorkerStatus[]): void {
    for (const w of workers) {
      if (w.state !== 'dead') { this.deadWorkers.delete(w.name); continue; }
      this.deadWorkers.delete(w.name);
      this.deadWorkers.set(w.name, w);
      if (this.deadWorkers.size > MAX_DEAD_WORKERS) this.deadWorkers.delete(this.deadWorkers.keys().next().value!);
    }
  }

  /** Per priority level seen, most important first. */
  priorityStats(): PriorityStat[] { return [...this.perPriority.values()].sort((a, b) => a.priority - b.priority).map((p) => ({ ...p })); }

  #priority(level: number): PriorityStat {
    let p = this.perPriority.get(level);
    if (p === undefined) { p = { priority: level, onTime: 0, late: 0, refused: 0 }; this.perPriority.set(level, p); }
    return p;
  }

  /** Errors by reason since the start (reasons never seen included, at 0). */
  errorStats(): ErrorStat[] { return [...this.errors.values()].map((e) => ({ ...e })); }

  /** The snapshot's workers plus the dead ones it no longer lists. */
  workers(snapshot: ServingSnapshot): WorkerStatus[] {
    const listed = new Set(snapshot.workers.map((w) => w.name));
    return [...snapshot.workers, ...[...this.deadWorkers.values()].filter((w) => !listed.has(w.name))];
  }

  /** Closes the tick that ended at service time `at` and lasted `seconds`: returns its sample, kept in the ring. */
  close(at: number, seconds: number, snapshot: ServingSnapshot, subnetIds: readonly number[]): Sample {
    const c = this.cur;
    const per = (n: number): number => compact(n / seconds)!;
    const workers = this.workers(snapshot);
    const raw = { onTime: c.onTime, sloCounted: c.sloCounted, accSum: c.accSum, accImages: c.accImages };
    let onTime = raw.onTime; let counted = raw.sloCounted; let accSum = raw.accSum; let accImages = raw.accImages;
    for (const s of this.samples.last(this.opts.windowTicks - 1)) {
      onTime += s.raw.onTime; counted += s.raw.sloCounted; accSum += s.raw.accSum; accImages += s.raw.accImages;
    }
    const sample: Sample = {
      t: this.opts.toEpochMs(at),
      arriving: per(c.arrived), answered: per(c.answered), refused: per(c.refused), expired: per(c.expired),
      attainment: counted > 0 ? compact((100 * onTime) / counted) : null,
      accuracy: accImages > 0 ? compact(accSum / accImages) : null,
      mix: subnetIds.map((id) => (c.batchImages > 0 ? compact((100 * (this.perSubnet.get(id) ?? 0)) / c.batchImages) : null)),
      batchMean: c.batches > 0 ? compact(c.batchImages / c.batches) : null,
      batchMax: c.batches > 0 ? c.batchMax : null,
      queued: snapshot.queued, inFlight: snapshot.inFlight,
      p50: compact(this.hist.quantile(0.5)), p99: compact(this.hist.quantile(0.99)),
      latencyFactor: compact(snapshot.latencyFactor) ?? 1,
      alive: workers.filter((w) => w.state !== 'dead').length,
      busy: workers.filter((w) => w.state === 'busy').length,
      dead: workers.filter((w) => w.state === 'dead').length,
      raw,
    };
    this.samples.push(sample);
    this.cur = emptyCounts();
    this.perSubnet.clear();
    this.hist.reset();
    return sample;
  }
}

function emptyCounts() {
  return { arrived: 0, answered: 0, onTime: 0, refused: 0, expired: 0, sloCounted: 0, accSum: 0, accImages: 0, batches: 0, batchImages: 0, batchMax: 0 };
}
