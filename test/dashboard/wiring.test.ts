import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createApp } from '../../src/http/app.ts';
import { createMetrics } from '../../src/metrics.ts';
import { parseServeConfig } from '../../src/server/config.ts';
import { UsageError } from '../../src/usage-error.ts';
import { FakeService } from '../http/fake-service.ts';

test('serve --dashboard on|off (default on); anything else is a usage error', () => {
  assert.is(parseServeConfig([]).config.dashboard, true);
  assert.is(parseServeConfig(['--dashboard', 'off']).config.dashboard, false);
  assert.is(parseServeConfig(['--dashboard', 'on']).config.dashboard, true);
  assert.throws(() => parseServeConfig(['--dashboard', 'maybe']), (e: unknown) => e instanceof UsageError && /--dashboard must be on or off/.test(e.message));
});

test('without a dashboard the app has no /dashboard routes', async () => {
  const app = createApp({ service: new FakeService(), metrics: createMetrics(), defaultSloMs: 100 });
  for (const path of ['/dashboard', '/dashboard/events', '/dashboard/assets/charts.js']) {
    const r = await app.request(path);
    assert.is(r.status, 404, path);
    assert.type((await r.json()).error, 'string');
  }
});

test.run();
