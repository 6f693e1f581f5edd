/**
 * What the HTTP app needs from the rest of the server, with documented defaults.
 * @module
 */
import type { InferenceService } from '../serving/types.ts';
import type { Metrics } from '../metrics.ts';
import type { PixelBudget } from '../intake/image-budget.ts';
import type { PrepPool } from '../intake/prep/prep-pool.ts';
import type { InferenceStatistics } from '../protocol/statistics.ts';
import type { Hono } from 'hono';
import type { HttpAuth } from './auth.ts';

export interface AppDeps {
  service: InferenceService;
  /** Rendered at GET /metrics (it listens to the service's events itself). */
  metrics: Pick<Metrics, 'render' | 'contentType'>;
  /** Largest accepted request body; larger ones get 413. @default 67_108_864 (64 MiB) */
  bodyLimitBytes?: number;
  /** SLO for requests that give neither `parameters.slo_ms` nor `parameters.timeout`. */
  defaultSloMs: number;
  /** Levels of the request parameter `priority`. @default DEFAULT_PRIORITY_LEVELS */
  priorityLevels?: number;
  /** Largest accepted per-request SLO. @default 60_000 */
  maxSloMs?: number;
  /** Most images in one request. @default 64 */
  maxBatch?: number;
  /** Parses large bodies and decodes BYTES images off the event loop; without it both happen inline (tests). */
  prepPool?: PrepPool;
  /** Pixel budgets for BYTES images. @default DEFAULT_PIXEL_BUDGET */
  pixelBudget?: PixelBudget;
  /** Triton statistics, fed by the service's and the dispatcher's events (createServer wires it); without it the stats routes answer 400. */
  statistics?: InferenceStatistics;
  /** Class names for the classification extension (one per class). @default the ImageNet-1k labels in data/ */
  labels?: readonly string[];
  /** Called for unexpected (500) errors. @default console.error */
  log?: (message: string, err?: unknown) => void;
  /** Routes of the live dashboard (src/dashboard), when enabled. */
  dashboard?: { register(app: Hono): void };
  /** Bearer tokens on every route but health and the public paths; without it everything is open. */
  auth?: HttpAuth;
  /** Reported by `GET /v2`. @default 'superserve', '0.1.0' */
  serverName?: string;
  serverVersion?: string;
}

export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024 * 1024;
export { DEFAULT_MAX_BATCH, DEFAULT_MAX_SLO_MS } from '../protocol/request.ts';
