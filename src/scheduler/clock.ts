/**
 * Clocks: `systemClock` is the ONLY place in `src/scheduler` that reads wall time;
 * `VirtualClock` lets the simulator and tests drive the same scheduler code.
 * @module
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from './types.ts';

/** performance.now(): monotonic milliseconds. */
export const systemClock: Clock = { now: () => performance.now() };

/** A clock that moves only when told to, and never backwards. */
export class VirtualClock implements Clock {
  #t: number;

  constructor(startMs = 0) {
    if (!Number.isFinite(startMs)) throw new RangeError(`VirtualClock: start time must be finite, got ${startMs}`);
    this.#t = startMs;
  }

  now(): number {
    return this.#t;
  }

  /** Jump to absolute time `t` (>= now). */
  set(t: number): void {
    if (!Number.isFinite(t)) throw new RangeError(`VirtualClock.set: time must be finite, got ${t}`);
    if (t < this.#t) throw new RangeError(`VirtualClock.set: time cannot go backwards (${t} < ${this.#t})`);
    this.#t = t;
  }

  advance(dt: number): void {
    if (!Number.isFinite(dt) || dt < 0) throw new RangeError(`VirtualClock.advance: dt must be finite and >= 0, got ${dt}`);
    this.#t += dt;
  }
}
