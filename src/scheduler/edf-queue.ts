/**
 * Global earliest-deadline-first queue: a binary min-heap on (deadline, arrival order) with an
 * id -> heap-slot index, so push, pop and remove-by-id are all O(log n).
 * @module
 */
import { SchedulerError } from './errors.ts';
import type { QueuedRequest } from './types.ts';

interface Entry<P> {
  req: QueuedRequest<P>;
  /** Insertion order: equal deadlines leave in FIFO order, also after a set-aside re-push. */
  seq: number;
}

export class EdfQueue<P = unknown> {
  readonly #heap: Entry<P>[] = [];
  readonly #slot = new Map<number, number>();
  #seq = 0;
  /** Largest deadline pushed since the queue was last empty: an upper bound on every queued deadline. */
  #maxDeadline = Number.NEGATIVE_INFINITY;

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
    this.#insert({ req, seq: this.#seq++ });
  }

  pop(): QueuedRequest<P> | undefined {
    return this.#popEntry()?.req;
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
    return entry.req;
  }

  /**
   * How many queued requests have a deadline <= `deadline` (they leave before a request with that deadline).
   * O(1) when `deadline` is at least every queued deadline (one SLO for all: the common case), else it
   * walks only the part of the heap that counts.
   */
  countUpTo(deadline: number): number {
    if (deadline >= this.#maxDeadline) return this.#heap.length;
    let count = 0;
    const stack = this.#heap.length > 0 ? [0] : [];
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (this.#heap[i]!.req.deadline > deadline) continue;
      count++;
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
      while (out.length < max && this.#heap.length > 0) out.push(this.#popEntry()!.req);
      return out;
    }
    const refused: Entry<P>[] = [];
    let scanned = 0;
    while (out.length < max && scanned < scanLimit && this.#heap.length > 0) {
      const e = this.#popEntry()!;
      scanned++;
      if (accept(e.req)) out.push(e.req);
      else refused.push(e);
    }
    for (const e of refused) this.#insert(e);
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
