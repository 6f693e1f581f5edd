/**
 * Public exports of the scheduler (no TensorFlow.js, no HTTP, no wall time except `systemClock`).
 * @module
 */
export type { Clock, Decision, Dispatch, LateMode, LatencyProfile, Policy, QueuedRequest, SchedulerStats, SubnetProfile } from './types.ts';
export { systemClock, VirtualClock } from './clock.ts';
export { PolicyError, ProfileError, SchedulerError } from './errors.ts';
export { EdfQueue } from './edf-queue.ts';
export { normalizeProfile, profileFromJson, scaleProfile, type ProfileJsonOptions } from './profile.ts';
export { ProfileTable } from './profile-table.ts';
export { createPolicy, DEFAULT_POLICY, POLICY_NAMES, resolvePolicy, type PolicyOptions, type PolicySpec } from './policy.ts';
export { batchSizesLabel, checkBatchSizes, checkLateMode, LATE_MODES, parseBatchSizes, type BatchSizes } from './options.ts';
export { buildBuckets, SlackFitPolicy, type Bucket, type BucketOption } from './slackfit.ts';
export { SlackFitQPolicy } from './slackfit-q.ts';
export { SlackFitMPolicy } from './slackfit-m.ts';
export { fixedPolicy, infaasPolicy, maxAccPolicy, maxBatchPolicy } from './baselines.ts';
export { PIN_SCAN_SLACK, Scheduler, type NextResult, type SchedulerOptions } from './scheduler.ts';
export { PullLoop, type Admission, type BatchOutcome, type PullSink, type RefusedAdmission, type RunningBatch, type WorkerState } from './pull-loop.ts';
