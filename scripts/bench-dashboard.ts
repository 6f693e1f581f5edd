/**
 * `npm run bench:dashboard`: writes bench/results/dashboard.json and screenshots.
 * A. memory: one hour of simulated uptime (a virtual clock, 3600 ticks of 200 requests/s) through the dashboard's
 *    listener and ring; heap and RSS after 10 min and after 1 h of ticks, and the size of the state a new client gets;
 *    A2. cost, timed in-process over many repetitions: the events of one request, one tick without and with a client;
 * B. overhead: requests/s of the full HTTP path (V2 decode, admission, scheduler, dispatcher, an instantly answering
 *    worker, V2 encode) with the dashboard listening and one SSE client connected, vs none connected, and vs no
 *    dashboard at all, and an A/A control (the no-client configuration measured twice: the noise band of a ratio);
 *    a load process with 16 connections, 7 interleaved rounds, medians;
 * C. a real `superserve serve` (seeded OFA-MBv3 w1.0, WASM) under a bursty open-loop replay at ~1.3x the largest
 *    sub-network's capacity, the dashboard open in headless Chromium: screenshots at 1280x800 and phone width, and the
 *    replay's report.html rendered from disk. Skipped without Chromium.
 * Flags: --skip-browser, --rounds N (B, default 7), --duration-s N (C, default 45).
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createDashboard, type Dashboard } from '../src/dashboard/dashboard.ts';
import { writeReportHtml } from '../src/dashboard/report.ts';
import { fanOut } from '../src/serving/events.ts';
import { createApp } from '../src/http/app.ts';
import { createMetrics } from '../src/metrics.ts';
import { replay } from '../src/replay/client.ts';
import { systemClock, VirtualClock } from '../src/scheduler/index.ts';
import type { ServingSnapshot } from '../src/serving/events.ts';
import { burstyTrace } from '../src/sim/traces.ts';
import { chromiumOrSkip, launchChromium } from '../test/helpers/chromium.ts';
import { startServer, tempCheckpoint } from '../test/helpers/server-process.ts';
import { table, writeResults } from './bench-common.ts';
import { instantService } from './lib/instant-service.ts';
import { listenOnLoopback, runLoad, writeInferBody, type LoadResult } from './lib/load-runner.ts';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const OUT = resolve('bench/results');
const results: Record<string, unknown> = {};
const gc = (globalThis as { gc?: () => void }).gc;
const mib = (b: number): number => Math.round((b / 2 ** 20) * 10) / 10;
const memory = () => { gc?.(); gc?.(); const m = process.memoryUsage(); return { rss_mib: mib(m.rss), heap_used_mib: mib(m.heapUsed) }; };

// A. One hour of simulated uptime.
{
  const clock = new VirtualClock(0);
  const snapshot = (): ServingSnapshot => ({ queued: 12, inFlight: 4, latencyFactor: 1.2, workers: [{ name: 'w0', kind: 'thread', state: 'busy', backend: 'wasm' }, { name: 'w1', kind: 'nats', state: 'idle' }] });
  const subnets = [0, 1, 2, 3, 4, 5].map((id) => ({ id, accuracy: 73.8 + id, config: {}, imageSize: 224 }));
  const d = createDashboard({
    now: () => clock.now(), snapshot, sloMs: 1000, timer: false,
    model: () => ({ name: 'm', versions: ['1'], platform: 'p', arch: 'ofa-resnet50', backend: 'wasm', untrained: true, checkpoint: 'c', policy: 'slackfit', defaultSloMs: 1000, subnets, imageSize: 224, workers: { total: 2, alive: 2 } }),
  });
  const app = createApp({ service: instantService(32), metrics: createMetrics(), defaultSloMs: 1000, dashboard: d });
  const perSecond = 200;
  const simulate = (seconds: number): void => {
    for (let s = 0; s < seconds; s++) {
      const t0 = clock.now();
      for (let i = 0; i < perSecond; i++) {
        const at = t0 + (i * 1000) / perSecond;
        d.events.arrived!(at, 1);
        if (i % 50 === 49) d.events.refused!(at, 'deadline', 1);
        else d.events.answered!(at, { images: [{ subnetId: i % 6, accuracy: 73.8 + (i % 6), batchSize: 8, queueMs: 5, computeMs: 20, finishedAt: at }], latencyMs: 20 + (i % 400), deadlineMet: i % 400 < 390 });
        if (i % 8 === 7) d.events.batchFinished!(at, { worker: 'w0', subnetId: (i >> 3) % 6, size: 8, computeMs: 20, wallMs: 21, ok: true });
      }
      clock.set(t0 + 1000);
      d.tick();
    }
  };
  const start = memory();
  const t0 = performance.now();
  simulate(600);
  const tenMin = memory();
  simulate(3000);
  const wallS = (performance.now() - t0) / 1000;
  const hour = memory();
  const stateBytes = (await (await app.request('/dashboard/state')).text()).length;
  d.close();
  const mem = {
    simulated_s: 3600, requests_per_s: perSecond, samples_kept: d.sampleCount, wall_s: Math.round(wallS * 100) / 100, gc: gc !== undefined,
    start, after_10_min: tenMin, after_1_h: hour, heap_1h_over_10min: Math.round((hour.heap_used_mib / tenMin.heap_used_mib) * 1000) / 1000,
    state_json_kib: Math.round(stateBytes / 1024),
  };
  console.log(`A. memory over 1 h of simulated uptime (${perSecond} req/s): ${d.sampleCount} samples kept; heap ${start.heap_used_mib} -> ${tenMin.heap_used_mib} (10 min) -> ${hour.heap_used_mib} MiB (1 h), ratio ${mem.heap_1h_over_10min}; RSS ${hour.rss_mib} MiB; a new client's state ${mem.state_json_kib} KiB`);
  results.memory = mem;
}

// A2. What the dashboard costs per request and per tick, timed in-process over many repetitions (robust to a
// noisy machine): the events of one answered request, and one tick with no client and with one reading client.
{
  const clock = new VirtualClock(0);
  const model = instantService(32).metadata();
  const snapshot = (): ServingSnapshot => ({ queued: 12, inFlight: 4, latencyFactor: 1.2, workers: [{ name: 'w0', kind: 'thread', state: 'busy', backend: 'wasm' }] });
  const d = createDashboard({ now: () => clock.now(), snapshot, model: () => model, sloMs: 1000, timer: false });
  const app = createApp({ service: instantService(32), metrics: createMetrics(), defaultSloMs: 1000, dashboard: d });
  const image = { subnetId: 2, accuracy: 77, batchSize: 8, queueMs: 5, computeMs: 20, finishedAt: 0 };
  const n = 1_000_000;
  let t0 = performance.now();
  for (let i = 0; i < n; i++) {
    d.events.arrived!(i, 1);
    d.events.answered!(i, { images: [image], latencyMs: i % 500, deadlineMet: true });
    if (i % 8 === 0) d.events.batchFinished!(i, { worker: 'w0', subnetId: i % 6, size: 8, computeMs: 20, wallMs: 21, ok: true });
  }
  const eventNs = ((performance.now() - t0) * 1e6) / n;
  const ticks = async (k: number): Promise<number> => {
    const start = performance.now();
    for (let i = 0; i < k; i++) { clock.set(clock.now() + 1000); d.tick(); if (i % 50 === 0) await new Promise((r) => setImmediate(r)); }
    return ((performance.now() - start) * 1000) / k;
  };
  for (let i = 0; i < 600; i++) { clock.set(clock.now() + 1000); d.tick(); } // a full ring
  const tickNoClientUs = await ticks(3000);
  const res = await app.request('/dashboard/events');
  const reader = res.body!.getReader();
  let bytes = 0;
  const draining = (async () => { for (;;) { const r = await reader.read(); if (r.done) return; bytes += r.value.byteLength; } })();
  const tickOneClientUs = await ticks(3000);
  t0 = performance.now();
  for (let i = 0; i < 20; i++) await (await app.request('/dashboard/state')).arrayBuffer();
  const initMs = (performance.now() - t0) / 20;
  d.close();
  await draining;
  const cost = {
    events_ns_per_request: Math.round(eventNs), tick_us_no_client: Math.round(tickNoClientUs), tick_us_one_client: Math.round(tickOneClientUs),
    sse_bytes_per_tick: Math.round(bytes / 3000), new_client_state_ms: Math.round(initMs * 100) / 100,
    // Share of one core the dashboard takes at 1000 req/s with one client (one tick per second).
    core_share_at_1000_rps_one_client: Number(((eventNs * 1000 + tickOneClientUs * 1000) / 1e9).toPrecision(2)),
  };
  console.log(`A2. cost: ${cost.events_ns_per_request} ns of events per request; a tick ${cost.tick_us_no_client} µs without a client, ${cost.tick_us_one_client} µs with one ` +
    `(${cost.sse_bytes_per_tick} bytes sent); a new client's state ${cost.new_client_state_ms} ms; at 1000 req/s with one client: ${(cost.core_share_at_1000_rps_one_client * 100).toPrecision(2)} % of a core`);
  results.cost = cost;
}

// B. Overhead on the full HTTP path.
{
  const size = 32;
  const bodyFile = await writeInferBody(size);
  const load = (url: string): Promise<LoadResult> => runLoad(url, bodyFile);
  const listen = listenOnLoopback;

  // The same core as bench:serve (metrics listening, as `serve` wires it), once with the dashboard listening too.
  const serverWith = (withDashboard: boolean) => {
    const metrics = createMetrics();
    let service: ReturnType<typeof instantService> | undefined;
    const model = instantService(size).metadata();
    const dashboard = withDashboard ? createDashboard({ now: () => systemClock.now(), model: () => model, snapshot: () => service!.snapshot(), sloMs: 1000 }) : undefined;
    service = instantService(size, dashboard ? fanOut(metrics.events, dashboard.events) : fanOut(metrics.events));
    metrics.setSnapshot(() => service!.snapshot());
    return { dashboard, app: createApp({ service, metrics, defaultSloMs: 1000, ...(dashboard ? { dashboard } : {}) }) };
  };
  const withDash = serverWith(true);
  const dashboard: Dashboard = withDash.dashboard!;
  const on = await listen(withDash.app);
  const off = await listen(serverWith(false).app);
  const url = (port: number) => `http://127.0.0.1:${port}/v2/models/superserve/infer`;

  /** A dashboard client in its own process: reads the SSE stream and counts the messages. */
  const sseClient = async (): Promise<{ stop(): Promise<number> }> => {
    const code = `let n=0;process.on('SIGTERM',()=>{console.log(n);process.exit(0)});fetch(process.argv[1]).then(async r=>{for await(const c of r.body)n+=String(Buffer.from(c)).split('event: ').length-1;})`;
    const p: ChildProcess = spawn(process.execPath, ['-e', code, `http://127.0.0.1:${on.port}/dashboard/events`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
    for (let i = 0; i < 100 && dashboard!.clients().open === 0; i++) await new Promise((r) => setTimeout(r, 50));
    if (dashboard!.clients().open !== 1) throw new Error('the SSE client did not connect');
    return { stop: () => new Promise((res) => { p.once('exit', () => res(Number(out.trim()))); p.kill('SIGTERM'); }) };
  };

  const rounds: Array<{ off: number; none: number; client: number; none_again: number; messages: number; cpu_us_per_req: { off: number; none: number; client: number } }> = [];
  const nRounds = Number(flag('--rounds') ?? 7);
  const withClient = async () => {
    const c = await sseClient();
    const r = await load(url(on.port));
    return { r, messages: await c.stop() };
  };
  for (let i = 0; i < nRounds; i++) { // interleaved, order alternating, to share the machine's noise
    const o = await load(url(off.port));
    let n; let w;
    if (i % 2 === 0) { n = await load(url(on.port)); w = await withClient(); } else { w = await withClient(); n = await load(url(on.port)); }
    // A/A control: the same configuration as `n` measured again, so the spread of a ratio that should be 1 is known.
    const again = await load(url(on.port));
    for (const r of [o, n, w.r, again]) if (r.ok !== r.requests) throw new Error(`${r.requests - r.ok} requests answered with an error`);
    rounds.push({ off: o.rps, none: n.rps, client: w.r.rps, none_again: again.rps, messages: w.messages, cpu_us_per_req: { off: o.cpuUs, none: n.cpuUs, client: w.r.cpuUs } });
    console.log(`  round ${i + 1}: no dashboard ${o.rps.toFixed(0)}, dashboard without client ${n.rps.toFixed(0)}, with one client ${w.r.rps.toFixed(0)} req/s ` +
      `(server CPU ${o.cpuUs.toFixed(0)} / ${n.cpuUs.toFixed(0)} / ${w.r.cpuUs.toFixed(0)} µs per request; ${w.messages} SSE messages)`);
  }
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const o = med(rounds.map((r) => r.off)); const n = med(rounds.map((r) => r.none)); const c = med(rounds.map((r) => r.client));
  const r3 = (v: number) => Math.round(v * 1000) / 1000;
  const http = {
    body: `FP32 [1,3,${size},${size}] JSON, 16 connections, 6 s per measurement`, off_rps: o, no_client_rps: n, one_client_rps: c,
    ratio_one_client_vs_none: r3(c / n), median_of_paired_ratios_one_client_vs_none: r3(med(rounds.map((x) => x.client / x.none))),
    ratio_dashboard_vs_off: r3(n / o), median_of_paired_ratios_dashboard_vs_off: r3(med(rounds.map((x) => x.none / x.off))),
    // The same configuration twice: how far this machine's noise moves a ratio that is 1 by construction.
    aa_control_paired_ratios: rounds.map((x) => r3(x.none_again / x.none)),
    aa_control_median: r3(med(rounds.map((x) => x.none_again / x.none))),
    cpu_us_per_req: { off: med(rounds.map((x) => x.cpu_us_per_req.off)), none: med(rounds.map((x) => x.cpu_us_per_req.none)), client: med(rounds.map((x) => x.cpu_us_per_req.client)) },
    clients_dropped: dashboard.clients().dropped, rounds,
  };
  dashboard.close(); on.close(); off.close();
  console.log(`\nB. full HTTP path, medians of ${nRounds} rounds:`);
  console.log(table([
    { config: 'no dashboard', 'req/s': o, 'server CPU µs / request': http.cpu_us_per_req.off },
    { config: 'dashboard, no client', 'req/s': n, 'server CPU µs / request': http.cpu_us_per_req.none },
    { config: 'dashboard, one SSE client', 'req/s': c, 'server CPU µs / request': http.cpu_us_per_req.client },
  ]));
  console.log(`one client vs none: ${http.ratio_one_client_vs_none} (median of paired rounds ${http.median_of_paired_ratios_one_client_vs_none}; target >= 0.97); ` +
    `dashboard listening vs off: ${http.ratio_dashboard_vs_off} (paired ${http.median_of_paired_ratios_dashboard_vs_off}); ` +
    `A/A control (same configuration twice): median ${http.aa_control_median}, rounds ${http.aa_control_paired_ratios.join(' ')}`);
  results.http = http;
}

// C. Screenshots under a bursty replay on the real engine.
const chromiumPath = args.includes('--skip-browser') ? null : chromiumOrSkip();
if (chromiumPath !== null) {
  await mkdir(OUT, { recursive: true });
  const ckpt = await tempCheckpoint();
  const srvArgs = ['--checkpoint', ckpt, '--profile-batches', '1,2,4,8', '--profile-repeats', '3', '--warmup', '1,2,4,8'];
  const first = await startServer(srvArgs, 600_000); // profiles the checkpoint once
  await first.stop();
  const prof = JSON.parse(readFileSync(join(ckpt, 'profile.json'), 'utf8')) as { backend: string; models: Array<{ id: number; latency_and_batch_ns: Array<{ batch_size: number; mean: number }> }> };
  const largest = prof.models[prof.models.length - 1]!;
  const capacity = Math.max(...largest.latency_and_batch_ns.map((p) => p.batch_size / (p.mean / 1e9)));
  const rate = 1.3 * capacity;
  const sloMs = Math.max(1000, Math.ceil((3 * largest.latency_and_batch_ns[0]!.mean) / 1e6));
  const durationS = Number(flag('--duration-s') ?? 45);
  const srv = await startServer([...srvArgs, '--slo-ms', String(sloMs)], 600_000);
  const browser = await launchChromium(chromiumPath);
  const problems: string[] = [];
  try {
    const page = await browser.context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${srv.url}/dashboard`);
    await page.waitForFunction(() => document.getElementById('connection')?.textContent === 'live');
    const trace = burstyTrace({ baseRate: rate / 2, rate: rate / 2, cv2: 4, durationS, seed: 7 });
    console.log(`\nC. ${prof.backend}, OFA-MBv3 w1.0 (seeded): largest sub-network ${capacity.toFixed(1)} img/s, bursty replay at ${rate.toFixed(1)} req/s, SLO ${sloMs} ms, ${durationS} s`);
    const replaying = replay({ url: srv.url, model: 'superserve', arrivalsMs: trace.arrivalsMs, traceName: 'bursty', sloMs });
    await new Promise((r) => setTimeout(r, (durationS - 3) * 1000));
    await page.screenshot({ path: join(OUT, 'dashboard-1280x800.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await new Promise((r) => setTimeout(r, 1000));
    await page.screenshot({ path: join(OUT, 'dashboard-phone.png'), fullPage: false });
    const r = await replaying;
    const reportFile = join(OUT, 'dashboard-replay-report.html');
    writeReportHtml(reportFile, 'replay bursty (bench:dashboard)', [{ name: 'replay bursty', series: r.recorder.series, sloMs, subnets: r.model.subnets ?? [], summary: r.run }]);
    const report = await browser.context.newPage();
    report.on('pageerror', (e) => problems.push(`report: ${e.message}`));
    await report.setViewportSize({ width: 1280, height: 800 });
    await report.goto(`file://${reportFile}`);
    await report.screenshot({ path: join(OUT, 'dashboard-replay-report.png'), fullPage: true });
    results.screenshot = {
      files: ['dashboard-1280x800.png', 'dashboard-phone.png', 'dashboard-replay-report.html', 'dashboard-replay-report.png'],
      backend: prof.backend, rate, slo_ms: sloMs, duration_s: durationS,
      replay: { sent: r.run.sent, answered: r.run.answered, slo_attainment: r.run.slo_attainment, mean_accuracy: r.run.mean_accuracy, p99_ms: r.run.p99_ms },
      browser_errors: problems,
    };
    console.log(`replay: sent ${r.run.sent}, attainment ${r.run.slo_attainment}, accuracy ${r.run.mean_accuracy} %; browser errors: ${problems.length}`);
  } finally {
    await browser.close();
    await srv.stop();
  }
}

await writeResults(join(OUT, 'dashboard.json'), results);
process.exit(0);
