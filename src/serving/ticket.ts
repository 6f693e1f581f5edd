/**
 * A request's deadline ticket: its timing, decided once at the front door and carried unchanged through
 * admission, preparation, the queue and the worker. Nothing downstream re-derives a deadline from an SLO.
 * @module
 */

/** Triton's default: two levels, and a request that names none gets the lower one. */
export const DEFAULT_PRIORITY_LEVELS = 2;

export interface DeadlineTicket {
  /** Arrival on the service clock (ms): when the front door first saw the request. */
  readonly arrivalMs: number;
  /** The latency target it was given, after any tightening to a transport deadline. */
  readonly sloMs: number;
  /** arrivalMs + sloMs: the one deadline every stage works to. */
  readonly deadlineMs: number;
  /** Priority level: 1 is the most important; larger numbers are less important. */
  readonly priority: number;
  /** A pinned sub-network (Pareto id). */
  readonly subnetId?: number;
}

export interface TicketFields {
  arrivalMs: number;
  sloMs: number;
  /** @default DEFAULT_PRIORITY_LEVELS (the lowest level) */
  priority?: number;
  subnetId?: number;
}

export function issueTicket(t: TicketFields): DeadlineTicket {
  return Object.freeze({
    arrivalMs: t.arrivalMs, sloMs: t.sloMs, deadlineMs: t.arrivalMs + t.sloMs, priority: t.priority ?? DEFAULT_PRIORITY_LEVELS,
    ...(t.subnetId === undefined ? {} : { subnetId: t.subnetId }),
  });
}
