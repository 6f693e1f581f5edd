/**
 * Error classes of the scheduler: each names the bad input.
 * @module
 */

/** A latency profile (JSON or object) that cannot be used; the message names the field. */
export class ProfileError extends Error {
  constructor(message: string) {
    super(`invalid latency profile: ${message}`);
    this.name = 'ProfileError';
  }
}

/** An unknown policy name or bad policy option. */
export class PolicyError extends Error {
  constructor(message: string) {
    super(`invalid scheduling policy: ${message}`);
    this.name = 'PolicyError';
  }
}

/** Misuse of the Scheduler (duplicate request id, unknown pinned sub-network, bad decision...). */
export class SchedulerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchedulerError';
  }
}
