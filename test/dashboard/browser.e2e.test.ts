/**
 * The dashboard in a real headless Chromium against a real `superserve serve` process: the page loads with no
 * console errors, the charts and tiles show the requests sent, the layout holds at 1280x800 and at phone
 * width, and the stream reconnects to a restarted server on the same port. Skipped (counted) without Chromium.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { inferRequest } from '../../src/replay/client.ts';
import { testIf } from '../fixtures.ts';
import { chromiumOrSkip, launchChromium, type Browser } from '../helpers/chromium.ts';
import { startServer, tempCheckpoint, type ServerProcess } from '../helpers/server-process.ts';

const CHROMIUM = chromiumOrSkip();
const SERVER_ARGS = ['--slo-ms', '20000', '--profile-batches', '1,2,4', '--profile-repeats', '2', '--warmup', '1'];
const WAIT = { timeout: 60_000 };

let ckpt: string;
let server: ServerProcess | undefined;
let browser: Browser | undefined;
let page: Page;
let imageSize = 224;
const problems: string[] = [];

async function send(n: number, gapMs = 0): Promise<number[]> {
  const { body, headers } = inferRequest(imageSize, 20_000, 1, 'binary');
  const replies: Promise<number>[] = [];
  for (let i = 0; i < n; i++) {
    replies.push(fetch(`${server!.url}/v2/models/superserve/infer`, { method: 'POST', body, headers }).then(async (r) => { await r.arrayBuffer(); return r.status; }));
    if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
  }
  return Promise.all(replies);
}

/** The text of a uPlot legend value: chart `chart`, series labelled `label`. */
const legendValue = (chart: string, label: string): Promise<string> => page.evaluate(([c, l]) => {
  for (const row of document.querySelectorAll(`[data-chart="${c}"] .u-legend .u-series`)) {
    if (row.querySelector('.u-label')?.textContent?.trim() === l) return row.querySelector('.u-value')?.textContent ?? '';
  }
  return 'missing';
}, [chart, label] as const);

const statValue = (id: string): Promise<string> => page.$eval(`[data-stat="${id}"] .value`, (e) => e.textContent ?? '');

// Without Chromium every test below is registered as skipped.
const browserTest = testIf(CHROMIUM !== null);

if (CHROMIUM !== null) {
  test.before(async () => {
    ckpt = await tempCheckpoint();
    server = await startServer(['--checkpoint', ckpt, ...SERVER_ARGS]);
    const meta = await (await fetch(`${server.url}/v2/models/superserve`)).json() as { parameters?: { image_size?: number } };
    imageSize = meta.parameters?.image_size ?? 224;
    browser = await launchChromium(CHROMIUM);
    page = await browser.context.newPage();
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  });

  test.after(async () => {
    await browser?.close();
    await server?.stop();
  });
}

browserTest('the page loads with no console errors and draws every chart at 1280x800', async () => {
  const res = await page.goto(`${server!.url}/dashboard`);
  assert.is(res?.status(), 200);
  await page.waitForFunction(() => document.getElementById('connection')?.textContent === 'live', undefined, WAIT);
  const charts = await page.$$eval('[data-chart]', (els) => els.map((e) => e.getAttribute('data-chart')));
  assert.equal(charts, ['requests', 'attainment', 'accuracy', 'mix', 'batch', 'queue', 'latency', 'factor', 'workers']);
  assert.is(await page.$$eval('[data-chart] canvas', (els) => els.length), 9);
  // Every chart names its unit (uPlot draws the axis labels on the canvas; the caption repeats them).
  const units = await page.$$eval('[data-chart] figcaption .unit', (els) => els.map((e) => e.textContent));
  assert.equal(units, ['requests / s', '% on time', '% top-1 (ImageNet)', '% of executed images', 'images / batch', 'images', 'ms', '× profiled latency', 'workers']);
  assert.match(await page.textContent('#model') ?? '', /UNTRAINED/);
  assert.match(await page.textContent('#model') ?? '', /ofa-mbv3-w1\.0/);
  assert.match(await page.textContent('#workers-body') ?? '', /thread/);
  // Two chart columns at 1280 px.
  const tops = await page.$$eval('[data-chart]', (els) => els.slice(0, 2).map((e) => (e as HTMLElement).offsetTop));
  assert.is(tops[0], tops[1]);
  assert.equal(problems, []);
});

browserTest('charts and tiles show the requests sent', async () => {
  const before = Number(await statValue('answered-total'));
  const sending = send(12, 250);
  // The requests chart's legend shows the latest second: some second must show answers.
  await page.waitForFunction(() => {
    for (const row of document.querySelectorAll('[data-chart="requests"] .u-legend .u-series')) {
      if (row.querySelector('.u-label')?.textContent?.trim() === 'answered') return Number(row.querySelector('.u-value')?.textContent) > 0;
    }
    return false;
  }, undefined, WAIT);
  const statuses = await sending;
  assert.equal(statuses, new Array(12).fill(200));
  await page.waitForFunction((n) => document.querySelector('[data-stat="answered-total"] .value')?.textContent === String(n), before + 12, WAIT);
  // MBv3 w1.0's Pareto accuracies are 67.5-77.5 %: the windowed mean served accuracy lies between.
  const acc = Number(await statValue('accuracy'));
  assert.ok(acc >= 67 && acc <= 78, `accuracy tile ${acc}`);
  assert.is(await statValue('attainment'), '100.0');
  assert.match(await legendValue('latency', 'SLO 20000 ms'), /20000/);
  assert.ok(Number(await legendValue('workers', 'alive')) >= 1);
  // The accuracy axis stays within 0-100 %; the workers axis counts whole workers.
  const axis = (id: string) => page.$eval(`[data-chart="${id}"]`, (e) => ({ ...(e as HTMLElement).dataset }));
  const accuracy = await axis('accuracy');
  assert.ok(Number(accuracy.yMin) >= 0 && Number(accuracy.yMax) <= 100 && Number(accuracy.yMax) > acc, JSON.stringify(accuracy));
  const workers = await axis('workers');
  const ticks = (workers.yTicks ?? '').split(' ').map(Number);
  assert.ok(ticks.length >= 2 && ticks.every(Number.isInteger), JSON.stringify(workers));
  assert.equal(problems, []);
});

browserTest('readable at phone width: one column, nothing wider than the screen', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForFunction(() => document.documentElement.scrollWidth <= window.innerWidth + 1, undefined, WAIT);
  const tops = await page.$$eval('[data-chart]', (els) => els.slice(0, 2).map((e) => (e as HTMLElement).offsetTop));
  assert.ok(tops[1]! > tops[0]!, 'charts stack');
  await page.setViewportSize({ width: 1280, height: 800 });
  assert.equal(problems, []);
});

browserTest('the stream reconnects to a restarted server', async () => {
  const started = await page.evaluate(() => document.body.dataset.serverStarted);
  const port = Number(new URL(server!.url).port);
  assert.is(await server!.stop('SIGTERM'), 0, server!.output());
  await page.waitForFunction(() => document.getElementById('connection')?.textContent === 'reconnecting…', undefined, WAIT);
  server = await startServer(['--checkpoint', ckpt, ...SERVER_ARGS], 240_000, port);
  await page.waitForFunction((s) => document.getElementById('connection')?.textContent === 'live' && document.body.dataset.serverStarted !== s, started, WAIT);
  assert.equal(await send(2), [200, 200]);
  await page.waitForFunction(() => document.querySelector('[data-stat="answered-total"] .value')?.textContent === '2', undefined, WAIT);
  // While the server was down, the browser may only have failed to reach the stream.
  const unexpected = problems.filter((p) => !/dashboard\/events|ERR_CONNECTION_REFUSED|ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_EMPTY_RESPONSE/.test(p));
  assert.equal(unexpected, []);
});

test.run();
