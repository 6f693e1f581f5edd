/**
 * Issuing a request's deadline ticket at the front door, from its decoded timing (protocol/slo.ts).
 * @module
 */
import type { RequestTiming } from '../protocol/slo.ts';
import { issueTicket, type DeadlineTicket } from '../serving/ticket.ts';

export function ticketFor(arrivalMs: number, timing: RequestTiming, subnetId: number | undefined): DeadlineTicket {
  return issueTicket({ arrivalMs, sloMs: timing.sloMs, priority: timing.priority, ...(subnetId === undefined ? {} : { subnetId }) });
}

export const sameTiming = (a: RequestTiming, b: RequestTiming): boolean => a.sloMs === b.sloMs && a.priority === b.priority;
