/**
 * What every transport records when it answers an infer request: Prometheus metrics and Triton
 * statistics, fed from this one place so HTTP and gRPC count alike.
 * @module
 */
import type { Metrics } from '../metrics.ts';
import type { RefusalReason } from '../serving/events.ts';
import { ServiceError, type InferOutcome } from '../serving/types.ts';
import { toErrorAnswer, type ErrorAnswer } from './errors.ts';
import type { InferenceStatistics } from './statistics.ts';

export interface OutcomeRecorder {
  /** A request answered with results for `n` images after `requestMs`. */
  answered(outcome: InferOutcome, n: number, requestMs: number): void;
  /** A request answered with `err` after `requestMs`; returns how it is answered. */
  failed(err: unknown, requestMs: number, images?: number): ErrorAnswer;
}

export function createOutcomeRecorder(metrics: Metrics, statistics: InferenceStatistics | undefined, now: () => number = () => performance.now()): OutcomeRecorder {
  return {
    answered(outcome, n, requestMs) {
      metrics.recordSuccess(outcome, requestMs);
      statistics?.answered(now(), {
        images: Array.from({ length: n }, () => ({
          subnetId: outcome.subnetId, accuracy: outcome.accuracy, batchSize: outcome.batchSize,
          queueMs: outcome.queueMs, computeMs: outcome.computeMs, finishedAt: now(),
        })),
        latencyMs: requestMs,
        deadlineMet: outcome.deadlineMet,
      });
    },
    failed(err, requestMs, images = 0) {
      const answer = toErrorAnswer(err);
      metrics.recordFailure(answer.reason, { sloMissed: answer.sloMissed });
      statistics?.refused(now(), refusalReason(err), images, requestMs);
      return answer;
    },
  };
}

function refusalReason(err: unknown): RefusalReason {
  return err instanceof ServiceError ? err.kind : 'bad_request';
}
