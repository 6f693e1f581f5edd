/**
 * Shared pieces of the HTTP tests: an app over a FakeService, V2 request builders, metric lookup.
 * @module
 */
import { createApp } from '../../src/http/app.ts';
import type { AppDeps } from '../../src/http/deps.ts';
import { createMetrics, type Metrics } from '../../src/metrics.ts';
import { FakeService } from './fake-service.ts';
import { InferenceStatistics } from '../../src/protocol/statistics.ts';

export interface Harness { app: ReturnType<typeof createApp>; service: FakeService; metrics: Metrics; statistics: InferenceStatistics; logged: unknown[] }

export function harness(overrides: Partial<AppDeps> = {}): Harness {
  const metrics = createMetrics({ model: 'ofa-fake', version: '1' });
  const statistics = new InferenceStatistics(() => 1_700_000_000_000);
  const service = new FakeService(metrics, statistics);
  const logged: unknown[] = [];
  const app = createApp({ service, metrics, statistics, defaultSloMs: 100, maxSloMs: 1000, log: (_m, err) => logged.push(err), ...overrides });
  return { app, service, metrics, statistics, logged };
}

export const INFER = '/v2/models/ofa-fake/infer';

export function post(app: Harness['app'], body: unknown, path = INFER) {
  return app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The FP32 input name for a shape: `input` (NCHW) unless the last axis is the 3 channels (`input_nhwc`). */
export const fp32Name = (shape: number[]): string => (shape.length === 4 && shape[3] === 3 && shape[1] !== 3 ? 'input_nhwc' : 'input');

/** A V2 body with one FP32 input, named for its layout. */
export function fp32Body(shape: number[], data: unknown, extra: Record<string, unknown> = {}) {
  return { inputs: [{ name: fp32Name(shape), datatype: 'FP32', shape, data }], ...extra };
}

/** Flat NHWC data of n images where pixel (b, y, x) channel c = f(b, y, x, c). */
export function nhwc(n: number, h: number, w: number, f: (b: number, y: number, x: number, c: number) => number): number[] {
  const out: number[] = [];
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) out.push(f(b, y, x, c));
  return out;
}

/** Value of the sample line `series` (e.g. `name{a="b"}`) in Prometheus text, or undefined. */
export function metricValue(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  }
  return undefined;
}
