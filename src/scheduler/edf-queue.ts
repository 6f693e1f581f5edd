/**
 * Global earliest-deadline-first queue: a binary min-heap on (deadline, arrival order) with an
 * id -> heap-slot index, so push, pop and remove-by-id are all O(log n).
 *
 * It also keeps, per SLO class (requests whose SLO = deadline - arrival lies within a factor of about
 * sqrt(2): one class per half octave), the count and the earliest and latest deadline, in O(1) amortised
 * per operation: what a policy needs to plan the queue from the deadlines actually in it (mixed SLOs).
 * Within a class requests arrive in deadline order, so its earliest deadline is its oldest live member
 * (a FIFO with lazy deletion); its latest is the largest pushed since the class was last empty (a bound).
 * @module
 */
import { SchedulerError } from './errors.ts';
import type { QueuedRequest } from './types.ts';

interface Entry<P> {
  req: QueuedRequest<P>;
  /** Insertion order: equal deadlines leave in FIFO order, also after a set-aside re-push. */
  seq: number;
  cls: SloClass<P>;
  gone: boolean;
}

interface SloClass<P> {
  key: number;
  count: number;
  fifo: Entry<P>[];
  front: number;
  lastDeadline: number;
}

/** The class key of an SLO (half octaves). */
export function sloClassKey(sloMs: number): number {
  return Math.round(2 * Math.log2(Math.max(sloMs, 1e-3)));
}

export class EdfQueue<P = unknown> {
  readonly #heap: Entry<P>[] = [];
  readonly #slot = new Map<number, number>();
  #seq = 0;
  /** Largest deadline pushed since the queue was last empty: an upper bound on every queued deadline. */
  #maxDeadline = Number.NEGATIVE_INFINITY;
  readonly #classes = new Map<number, SloClass<P>>();
  /** The class of the last push and its SLO: consecutive arrivals mostly share one. */
  #lastSlo = Number.NaN;
  #lastCls: SloClass<P> | undefined;
  /** priority level (absent: Infinity) -> queued count. */
  readonly #levels = new Map<number, number>();

  get size(): number {
    return this.#heap.length;
  }

  has(id: number): boolean {
    return this.#slot.has(id);
  }

  peek(): QueuedRequest<P> | undefined {
    return this.#heap[0]?.req;
  }

  push(req: QueuedRequest<P>): void {
    if (!Number.isFinite(req.deadline)) throw new SchedulerError(`request ${req.id}: deadline must be finite, got ${req.deadline}`);
    if (this.#slot.has(req.id)) throw new SchedulerError(`request id ${req.id} is already queued`);
    const slo = req.deadline - req.arrival;
    let cls = this.#lastCls;
    if (slo !== this.#lastSlo || cls === undefined || cls.count === 0) {
      const key = sloClassKey(slo);
      cls = this.#classes.get(key);
      if (cls === undefined) {
        cls = { key, count: 0, fifo: [], front: 0, lastDeadline: Number.NEGATIVE_INFINITY };
        this.#classes.set(key, cls);
      }
      this.#lastSlo = slo;
      this.#lastCls = cls;
    }
    const e: Entry<P> = { req, seq: this.#seq++, cls, gone: false };
    const level = req.priority ?? Number.POSITIVE_INFINITY;
    this.#levels.set(level, (this.#levels.get(level) ?? 0) + 1);
    cls.count++;
    cls.fifo.push(e);
    if (req.deadline > cls.lastDeadline) cls.lastDeadline = req.deadline;
    this.#insert(e);
  }

  pop(): QueuedRequest<P> | undefined {
    const e = this.#popEntry();
    if (e) this.#leave(e);
    return e?.req;
  }

  /**
   * Writes, per SLO class with requests queued, [count, earliest deadline, latest deadline] into `out` from
   * index 0 (3 numbers per class); returns the number of classes. O(classes), no allocation once `out` is large enough.
   */
  classSummary(out: number[]): number {
    let k = 0;
    for (const c of this.#classes.values()) {
      out[k++] = c.count;
      out[k++] = c.fifo[c.front]!.req.deadline;
      out[k++] = c.lastDeadline;
    }
    return k / 3;
  }

  /** The most important priority level queued (lowest number); Infinity when none has one. O(levels). */
  mostImportantLevel(): number {
    let m = Number.POSITIVE_INFINITY;
    for (const k of this.#levels.keys()) if (k < m) m = k;
    return m;
  }

  #leave(e: Entry<P>): void {
    e.gone = true;
    const level = e.req.priority ?? Number.POSITIVE_INFINITY;
    const left = this.#levels.get(level)! - 1;
    if (left === 0) this.#levels.delete(level); else this.#levels.set(level, left);
    const c = e.cls;
    if (--c.count === 0) {
      this.#classes.delete(c.key);
      return;
    }
    while (c.fifo[c.front]!.gone) c.front++;
    if (c.front > 64 && c.front * 2 > c.fifo.length) {
      c.fifo.splice(0, c.front);
      c.front = 0;
    }
  }

  remove(id: number): QueuedRequest<P> | undefined {
    const i = this.#slot.get(id);
    if (i === undefined) return undefined;
    const entry = this.#heap[i]!;
    const last = this.#heap.pop()!;
    this.#slot.delete(id);
    if (i < this.#heap.length) {
      this.#place(last, i);
      this.#up(i);
      this.#down(this.#slot.get(last.req.id)!);
    }
    this.#leave(entry);
    return entry.req;
  }

  /**
   * How many queued requests have a deadline <= `deadline` (they leave before a request with that deadline).
   * O(1) when `deadline` is at least every queued deadline (one SLO for all: the common case), else it
   * walks only the part of the heap that counts.
   */
  countUpTo(deadline: number, accept?: (r: QueuedRequest<P>) => boolean): number {
    if (deadline >= this.#maxDeadline && accept === undefined) return this.#heap.length;
    let count = 0;
    const stack = this.#heap.length > 0 ? [0] : [];
    while (stack.length > 0) {
      const i = stack.pop()!;
      const r = this.#heap[i]!.req;
      if (r.deadline > deadline) continue;
      if (accept === undefined || accept(r)) count++;
      const l = 2 * i + 1;
      if (l < this.#heap.length) stack.push(l);
      if (l + 1 < this.#heap.length) stack.push(l + 1);
    }
    return count;
  }

  /**
   * Pop up to `max` requests in EDF order that `accept` admits. Requests it refuses are put
   * back with their original order; at most `scanLimit` requests are looked at (bounds the
   * cost when many refused requests sit near the head).
   */
  popUpTo(max: number, accept?: (r: QueuedRequest<P>) => boolean, scanLimit = Number.POSITIVE_INFINITY): QueuedRequest<P>[] {
    const out: QueuedRequest<P>[] = [];
    if (!accept) {
      while (out.length < max && this.#heap.length > 0) {
        const e = this.#popEntry()!;
        this.#leave(e);
        out.push(e.req);
      }
      return out;
    }
    const refused: Entry<P>[] = [];
    let scanned = 0;
    while (out.length < max && scanned < scanLimit && this.#heap.length > 0) {
      const e = this.#popEntry()!;
      scanned++;
      if (accept(e.req)) {
        this.#leave(e);
        out.push(e.req);
      } else refused.push(e);
    }
    for (const e of refused) this.#insert(e);
    return out;
  }

  /** Queued requests with deadline <= `deadline` that `accept` admits (heap order; walks only that part). */
  collectUpTo(deadline: number, accept: (r: QueuedRequest<P>) => boolean): QueuedRequest<P>[] {
    const out: QueuedRequest<P>[] = [];
    const stack = this.#heap.length > 0 ? [0] : [];
    while (stack.length > 0) {
      const i = stack.pop()!;
      const r = this.#heap[i]!.req;
      if (r.deadline > deadline) continue;
      if (accept(r)) out.push(r);
      const l = 2 * i + 1;
      if (l < this.#heap.length) stack.push(l);
      if (l + 1 < this.#heap.length) stack.push(l + 1);
    }
    return out;
  }

  /** All queued requests in heap order (not sorted); for diagnostics. */
  *[Symbol.iterator](): IterableIterator<QueuedRequest<P>> {
    for (const e of this.#heap) yield e.req;
  }

  #insert(e: Entry<P>): void {
    if (this.#heap.length === 0) this.#maxDeadline = Number.NEGATIVE_INFINITY;
    if (e.req.deadline > this.#maxDeadline) this.#maxDeadline = e.req.deadline;
    this.#heap.push(e);
    const i = this.#heap.length - 1;
    this.#slot.set(e.req.id, i);
    this.#up(i);
  }

  #popEntry(): Entry<P> | undefined {
    const top = this.#heap[0];
    if (!top) return undefined;
    const last = this.#heap.pop()!;
    this.#slot.delete(top.req.id);
    if (this.#heap.length > 0) {
      this.#place(last, 0);
      this.#down(0);
    }
    return top;
  }

  #less(a: Entry<P>, b: Entry<P>): boolean {
    return a.req.deadline < b.req.deadline || (a.req.deadline === b.req.deadline && a.seq < b.seq);
  }

  #place(e: Entry<P>, i: number): void {
    this.#heap[i] = e;
    this.#slot.set(e.req.id, i);
  }

  #up(i: number): void {
    const e = this.#heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = this.#heap[p]!;
      if (!this.#less(e, parent)) break;
      this.#place(parent, i);
      i = p;
    }
    this.#place(e, i);
  }

  #down(i: number): void {
    const n = this.#heap.length;
    const e = this.#heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.#less(this.#heap[r]!, this.#heap[l]!)) c = r;
      const child = this.#heap[c]!;
      if (!this.#less(child, e)) break;
      this.#place(child, i);
      i = c;
    }
    this.#place(e, i);
  }
}
