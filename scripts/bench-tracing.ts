/**
 * `npm run bench:tracing`: writes bench/results/tracing.json. The cost of OpenTelemetry tracing on the full HTTP
 * path (V2 decode, admission, scheduler, dispatcher, an instantly answering worker, V2 encode: everything but the
 * forward pass, so the share tracing takes is its largest): requests/s with tracing off (never started) and on
 * (every request a trace of 7 spans, batched OTLP/HTTP export to a sink in its own process that drains and
 * answers 200), interleaved rounds with alternating order, medians; and an A/A control (off measured twice per
 * round: the noise band of a ratio). The load runs in its own process (16 connections).
 * A. in-process: the span work of one traced request (µs) and the off path's check (ns), over many repetitions.
 * Flags: --rounds N (default 5), --seconds N per measurement (default 4).
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createApp } from '../src/http/app.ts';
import { createMetrics } from '../src/metrics.ts';
import { fanOut } from '../src/serving/events.ts';
import { RequestTrace } from '../src/tracing/request-trace.ts';
import { contextFrom, startTracing, tracingOn } from '../src/tracing/tracer.ts';
import { table, writeResults } from './bench-common.ts';
import { instantService } from './lib/instant-service.ts';
import { listenOnLoopback, runLoad, writeInferBody } from './lib/load-runner.ts';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const nRounds = Number(flag('--rounds') ?? 5);
const seconds = Number(flag('--seconds') ?? 4);
const size = 32;

/** An OTLP/HTTP sink in its own process: counts export requests and bytes, answers 200. */
async function startSink(): Promise<{ url: string; stop(): Promise<{ exports: number; bytes: number }> }> {
  const code = `let n=0,b=0;const s=require('http').createServer((q,r)=>{q.on('data',c=>b+=c.length);q.on('end',()=>{n++;r.writeHead(200,{'content-type':'application/json'}).end('{}')})});` +
    `s.listen(0,'127.0.0.1',()=>console.log(s.address().port));process.on('SIGTERM',()=>{console.log(JSON.stringify({exports:n,bytes:b}));process.exit(0)})`;
  const p: ChildProcess = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  while (!out.includes('\n')) await new Promise((r) => setTimeout(r, 20));
  const port = Number(out.trim());
  out = '';
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => { p.once('exit', () => resolve(JSON.parse(out.trim()))); p.kill('SIGTERM'); }),
  };
}

// A. Per request, in-process over many repetitions: the span work of one traced request (the 7 spans, their
// attributes, the batch processor's queue; export dropped) and the off path's checks.
async function spanCost(n: number) {
  const { TracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace');
  const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: { export: (_s, done) => done({ code: 0 }), shutdown: async () => {} }, maxQueueSize: 1 << 16 })] });
  const tracer = provider.getTracer('bench');
  const request = (i: number) => {
    const t = new RequestTrace(tracer, contextFrom(i % 2 === 0 ? '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' : undefined), 'infer', { transport: 'http', model: 'superserve' });
    t.start('receive').end();
    t.set({ slo_ms: 1000, priority: 2, images: 1 });
    t.start('admit').end();
    t.start('prepare', { input: 'tensor' }).end();
    t.queued(1);
    t.batchStarted({ jobId: i, subnetId: 3, size: 1, worker: 'w' });
    t.batchFinished(i, undefined);
    const r = t.start('respond');
    t.answered({ deadline_met: true, latency_ms: 5, 'batch.size': 1, accuracy: 77, queue_ms: 1, compute_ms: 3, 'subnet.id': 3 });
    r.end();
    t.end();
  };
  for (let i = 0; i < 2000; i++) request(i);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) request(i);
  const onUs = ((performance.now() - t0) * 1000) / n;
  await provider.shutdown();
  let hits = 0;
  const t1 = performance.now();
  for (let i = 0; i < n * 10; i++) if (tracingOn()) hits++;
  const offNs = ((performance.now() - t1) * 1e6) / (n * 10);
  return { traced_request_span_work_us: Math.round(onUs * 10) / 10, off_check_ns: Math.round(offNs * 100) / 100, repetitions: n, hits };
}
const cost = await spanCost(20_000);
console.log(`A. span work of one traced request: ${cost.traced_request_span_work_us} µs; the off check: ${cost.off_check_ns} ns`);

const metrics = createMetrics();
const service = instantService(size, fanOut(metrics.events));
metrics.setSnapshot(() => service.snapshot());
const server = await listenOnLoopback(createApp({ service, metrics, defaultSloMs: 1000 }));
const url = `http://127.0.0.1:${server.port}/v2/models/superserve/infer`;
const bodyFile = await writeInferBody(size);
const sink = await startSink();

const measure = async (traced: boolean) => {
  const tracing = traced ? await startTracing({ endpoint: sink.url, serviceName: 'bench-tracing' }) : undefined;
  const r = await runLoad(url, bodyFile, seconds);
  await tracing?.shutdown();
  if (r.ok !== r.requests) throw new Error(`${r.requests - r.ok} requests answered with an error`);
  return r;
};

const rounds: Array<{ off: number; on: number; off_again: number; cpu_us_per_req: { off: number; on: number } }> = [];
for (let i = 0; i < nRounds; i++) {
  let off; let on;
  if (i % 2 === 0) { off = await measure(false); on = await measure(true); } else { on = await measure(true); off = await measure(false); }
  const again = await measure(false);
  rounds.push({ off: off.rps, on: on.rps, off_again: again.rps, cpu_us_per_req: { off: off.cpuUs, on: on.cpuUs } });
  console.log(`  round ${i + 1}: off ${off.rps.toFixed(0)}, on ${on.rps.toFixed(0)}, off again ${again.rps.toFixed(0)} req/s ` +
    `(server CPU ${off.cpuUs.toFixed(0)} / ${on.cpuUs.toFixed(0)} µs per request)`);
}
server.close();
const exported = await sink.stop();

const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const r3 = (v: number) => Math.round(v * 1000) / 1000;
const off = med(rounds.map((r) => r.off));
const on = med(rounds.map((r) => r.on));
const result = {
  setup: `full HTTP path, instant worker, FP32 [1,3,${size},${size}] JSON, 16 connections, ${seconds} s per measurement, ${nRounds} interleaved rounds; ` +
    'tracing on = every request a trace (infer, receive, admit, prepare, queue, batch, respond), BatchSpanProcessor, OTLP/HTTP JSON to a sink process',
  off_rps: off, on_rps: on,
  ratio_on_vs_off: r3(on / off),
  median_of_paired_ratios_on_vs_off: r3(med(rounds.map((r) => r.on / r.off))),
  aa_control_paired_ratios: rounds.map((r) => r3(r.off_again / r.off)),
  aa_control_median: r3(med(rounds.map((r) => r.off_again / r.off))),
  cpu_us_per_req: { off: Math.round(med(rounds.map((r) => r.cpu_us_per_req.off))), on: Math.round(med(rounds.map((r) => r.cpu_us_per_req.on))) },
  sink: exported,
  per_request: cost,
  rounds,
};
console.log(table([
  { tracing: 'off', 'req/s': off, 'server CPU µs / request': result.cpu_us_per_req.off },
  { tracing: 'on', 'req/s': on, 'server CPU µs / request': result.cpu_us_per_req.on },
]));
console.log(`on vs off: ${result.ratio_on_vs_off} (paired median ${result.median_of_paired_ratios_on_vs_off}); A/A control median ${result.aa_control_median} ` +
  `(${result.aa_control_paired_ratios.join(' ')}); ${exported.exports} exports, ${(exported.bytes / 2 ** 20).toFixed(1)} MiB`);
await writeResults('bench/results/tracing.json', result);
