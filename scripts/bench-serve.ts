/**
 * `npm run bench:serve`: writes bench/results/serve.json.
 * A. scheduler decision time with 10, 1 000 and 10 000 queued requests;
 * B. HTTP requests/s through the full path (V2 decode, admission, EDF scheduler, p-queue dispatcher, worker
 *    transport, V2 encode) with a worker that answers instantly, as a ratio to a bare Hono handler that parses
 *    the same body and returns a response of the same size, both measured in this run by a load process
 *    (5 interleaved rounds, medians);
 * C. the real engine (default checkpoint, default backend): open-loop bursty load at ~1.3x the largest
 *    sub-network's capacity, SLO attainment and mean served accuracy per policy;
 * D. gRPC (raw contents) vs HTTP (binary tensor data): requests/s and p50/p99 for 1x3x224x224 FP32 requests
 *    with the instant worker, from a load process (5 interleaved rounds, medians);
 * E. request decompression (gzip, deflate) in ms per MB, against JSON.parse of the same body.
 * D and E are also written to bench/results/serve-protocols.json.
 * Flags: --skip-engine, --duration-s N (part C per policy, default 60), --slo-ms N, --policies a,b.
 * @module
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hono } from 'hono';
import { ensureDefaultCheckpoint } from '../supernet/load.ts';
import { createApp } from '../src/http/app.ts';
import { createMetrics } from '../src/metrics.ts';
import { replay } from '../src/replay/client.ts';
import { systemClock } from '../src/scheduler/index.ts';
import { burstyTrace } from '../src/sim/traces.ts';
import { startServer } from '../test/helpers/server-process.ts';
import { benchScheduler } from './bench-scheduler.ts';
import { table, writeResults } from './bench-common.ts';
import { instantService } from './lib/instant-service.ts';
import { listenOnLoopback, runLoad, writeInferBody, type LoadResult } from './lib/load-runner.ts';
import { gzipSync, deflateSync } from 'node:zlib';
import { startGrpcServer } from '../src/grpc/server.ts';
import { inflateLimited } from '../src/http/compression.ts';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const results: Record<string, unknown> = {};

// A. Scheduler decision time.
const sched = benchScheduler({ sizes: [10, 1_000, 10_000], iterations: 20_000 });
console.log('\nA. scheduler: microseconds per decision (A40 profile, 8 workers)');
console.log(table(sched.map((r) => ({ policy: r.policy, queued: r.queued, 'decide µs': r.decideUs, 'next() µs (incl. popping the batch)': r.nextUs }))));
results.scheduler = sched;

// B. HTTP path vs bare Hono.
const size = 32;
const bodyFile = await writeInferBody(size);
const load = (url: string): Promise<LoadResult> => runLoad(url, bodyFile);

const bare = new Hono();
// The bare handler parses the same body and answers with a response of the same shape and size
// (1000 logits + top-5), so the ratio isolates what validation, admission, scheduling and dispatch cost.
const bareLogits = Array.from({ length: 1000 }, (_, i) => Math.fround(Math.sin(i) * 0.3));
bare.post('/v2/models/superserve/infer', async (c) => {
  const b = await c.req.json();
  return c.json({ model_name: 'superserve', parameters: { n: Array.isArray(b.inputs) ? b.inputs.length : 0 },
    outputs: [{ name: 'logits', datatype: 'FP32', shape: [1, 1000], data: bareLogits }, { name: 'top5', datatype: 'INT64', shape: [1, 5], data: [0, 1, 2, 3, 4] }] });
});
const metrics = createMetrics();
const service = instantService(size, metrics.events);
metrics.setSnapshot(() => service.snapshot());
const full = createApp({ service, metrics, defaultSloMs: 1000 });
const listen = listenOnLoopback;
const bareSrv = await listen(bare);
const fullSrv = await listen(full);
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rounds: Array<{ bare: number; full: number }> = [];
for (let i = 0; i < 5; i++) { // interleaved to share the machine's noise
  const b = await load(`http://127.0.0.1:${bareSrv.port}/v2/models/superserve/infer`);
  const f = await load(`http://127.0.0.1:${fullSrv.port}/v2/models/superserve/infer`);
  if (f.ok !== f.requests) throw new Error(`full path answered ${f.requests - f.ok} requests with an error`);
  rounds.push({ bare: b.rps, full: f.rps });
}
bareSrv.close(); fullSrv.close();
const http = { bare_rps: med(rounds.map((r) => r.bare)), full_rps: med(rounds.map((r) => r.full)), rounds };
const ratio = http.full_rps / http.bare_rps;
console.log(`\nB. HTTP path (FP32 [1,3,${size},${size}], 16 connections): full ${http.full_rps.toFixed(0)} req/s vs bare Hono ${http.bare_rps.toFixed(0)} req/s -> ratio ${ratio.toFixed(2)}`);
results.http = { ...http, ratio, body_floats: 3 * size * size };

// D. gRPC (raw contents) vs HTTP (binary tensor data) for 1x3x224x224 FP32 requests, instant engine, same service.
{
  const tensorLoad = new URL('./lib/tensor-load.ts', import.meta.url).pathname;
  type LoadResult = { rps: number; ok: number; requests: number; p50_ms: number; p99_ms: number; server_cpu_ms_per_req: number };
  // Server CPU per request (this process serves; the load runs in its own): steadier than req/s on a shared machine.
  const run = (protocol: 'http' | 'grpc', target: string, seconds = 5, conc = 8): Promise<LoadResult> => new Promise((resolve, reject) => {
    const cpu0 = process.cpuUsage();
    const p = spawn(process.execPath, ['--import', 'tsx', tensorLoad, protocol, target, String(seconds), String(conc), '224'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('exit', (code) => {
      if (code !== 0) { reject(new Error(`tensor-load exited ${code}`)); return; }
      const cpu = process.cpuUsage(cpu0);
      const r = JSON.parse(out) as Omit<LoadResult, 'server_cpu_ms_per_req'>;
      resolve({ ...r, server_cpu_ms_per_req: (cpu.user + cpu.system) / 1000 / r.requests });
    });
  });
  const httpSrv = await listen(full);
  const grpcSrv = await startGrpcServer({ service, limits: { defaultSloMs: 1000 }, port: 0, host: '127.0.0.1' });
  const rows: Array<{ http: LoadResult; grpc: LoadResult }> = [];
  for (let i = 0; i < 5; i++) { // interleaved, as in B
    const h = await run('http', `http://127.0.0.1:${httpSrv.port}/v2/models/superserve/infer`);
    const g = await run('grpc', `127.0.0.1:${grpcSrv.port}`);
    for (const r of [h, g]) if (r.ok !== r.requests) throw new Error(`${r.requests - r.ok} requests failed`);
    rows.push({ http: h, grpc: g });
  }
  httpSrv.close();
  await grpcSrv.close();
  const pick = (k: 'http' | 'grpc') => ({
    rps: med(rows.map((r) => r[k].rps)), p50_ms: med(rows.map((r) => r[k].p50_ms)), p99_ms: med(rows.map((r) => r[k].p99_ms)),
    server_cpu_ms_per_req: med(rows.map((r) => r[k].server_cpu_ms_per_req)),
  });
  const protocols = { input: [1, 3, 224, 224], concurrency: 8, http_binary: pick('http'), grpc_raw: pick('grpc'), rounds: rows };
  const ratio = protocols.grpc_raw.rps / protocols.http_binary.rps;
  console.log('\nD. 1x3x224x224 FP32 (602 KB) requests, instant engine, 8 connections: gRPC raw contents vs HTTP binary tensor data (medians of 5 interleaved rounds)');
  console.log(table([
    { protocol: 'HTTP binary', 'req/s': protocols.http_binary.rps, 'p50 ms': protocols.http_binary.p50_ms, 'p99 ms': protocols.http_binary.p99_ms, 'server CPU ms/req': protocols.http_binary.server_cpu_ms_per_req },
    { protocol: 'gRPC raw', 'req/s': protocols.grpc_raw.rps, 'p50 ms': protocols.grpc_raw.p50_ms, 'p99 ms': protocols.grpc_raw.p99_ms, 'server CPU ms/req': protocols.grpc_raw.server_cpu_ms_per_req },
  ]));
  const cpuRatio = protocols.grpc_raw.server_cpu_ms_per_req / protocols.http_binary.server_cpu_ms_per_req;
  console.log(`gRPC / HTTP: throughput ratio ${ratio.toFixed(2)}, server CPU per request ratio ${cpuRatio.toFixed(2)}`);
  results.protocols = { ...protocols, grpc_over_http_rps: ratio, grpc_over_http_cpu_per_req: cpuRatio };
}

// E. Decompression cost per MB of request body, against parsing the same JSON (a cost every JSON request pays).
{
  const json = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, 224, 224], data: Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.fround(Math.sin(i * 0.01))) }] }));
  const binary = Buffer.from(Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.fround(Math.sin(i * 0.01))).buffer);
  const mb = (b: Buffer): number => b.byteLength / 2 ** 20;
  // Interleaved rounds (every variant once per round) so the machine's noise hits all of them alike.
  const variants = [['JSON body', json], ['binary body', binary]].flatMap(([name, body]) => (['gzip', 'deflate'] as const).map((coding) => {
    const b = body as Buffer;
    return { name: name as string, coding, body: b, packed: coding === 'gzip' ? gzipSync(b) : deflateSync(b), samples: [] as number[] };
  }));
  const parseSamples: number[] = [];
  const timed = async (fn: () => unknown): Promise<number> => { const t = performance.now(); await fn(); return performance.now() - t; };
  // The order rotates each round, so garbage left by one variant (JSON.parse's) does not always land on the same next one.
  const steps: Array<() => Promise<void>> = [
    async () => { parseSamples.push(await timed(() => JSON.parse(json.toString('utf8')))); },
    ...variants.map((v) => async () => { v.samples.push(await timed(() => inflateLimited(v.coding, [v.packed], 64 * 2 ** 20))); }),
  ];
  for (let round = 0; round < 25; round++) {
    for (let i = 0; i < steps.length; i++) await steps[(round + i) % steps.length]!();
  }
  const parse = { median: med(parseSamples) };
  const rowsE: Array<Record<string, string | number>> = variants.map((v) => ({
    body: v.name, coding: v.coding, MB: mb(v.body), 'compressed ratio': v.body.byteLength / v.packed.byteLength, 'inflate ms/MB': med(v.samples) / mb(v.body),
  }));
  const parseMsPerMb = parse.median / mb(json);
  console.log(`\nE. decompression cost (node:zlib on its thread pool, streamed with the limit); baseline: JSON.parse of the same JSON body ${parseMsPerMb.toFixed(1)} ms/MB`);
  console.log(table(rowsE.map((r) => ({ ...r, 'vs JSON.parse': (r['inflate ms/MB'] as number) / parseMsPerMb }))));
  results.decompression = { json_parse_ms_per_mb: parseMsPerMb, rows: rowsE };
  // D and E also on their own, with B of the same run as a gauge of how loaded the machine was.
  await writeResults('bench/results/serve-protocols.json', { http_path_same_run: results.http, protocols: results.protocols, decompression: results.decompression });
}

// C. Real engine, open-loop bursty load.
if (!args.includes('--skip-engine')) {
  const ckpt = await ensureDefaultCheckpoint();
  const durationS = Number(flag('--duration-s') ?? 60);
  const first = await startServer(['--checkpoint', ckpt, '--policy', 'slackfit-q'], 900_000); // profiles on first use
  await first.stop();
  const prof = JSON.parse(readFileSync(join(ckpt, 'profile.json'), 'utf8')) as { backend: string; models: Array<{ id: number; latency_and_batch_ns: Array<{ batch_size: number; mean: number }> }> };
  const largest = prof.models[prof.models.length - 1]!;
  const capacity = Math.max(...largest.latency_and_batch_ns.map((p) => p.batch_size / (p.mean / 1e9)));
  const rate = 1.3 * capacity;
  const sloMs = Number(flag('--slo-ms') ?? Math.max(1000, Math.ceil(3 * largest.latency_and_batch_ns[0]!.mean / 1e6)));
  const trace = burstyTrace({ baseRate: rate / 2, rate: rate / 2, cv2: 4, durationS, seed: 7 });
  console.log(`\nC. real engine (${prof.backend}): largest sub-network capacity ${capacity.toFixed(2)} img/s, load ${rate.toFixed(2)} req/s bursty (CV² 4 on half), SLO ${sloMs} ms, ${durationS} s per policy`);
  const rows: Array<Record<string, string | number>> = [];
  const policies = flag('--policies')?.split(',') ?? ['slackfit-q', 'slackfit', `fixed:${largest.id}`, 'fixed:0'];
  for (const policy of policies) {
    const srv = await startServer(['--checkpoint', ckpt, '--policy', policy, '--slo-ms', String(sloMs)], 900_000);
    const r = await replay({ url: srv.url, model: 'superserve', arrivalsMs: trace.arrivalsMs, traceName: 'bursty', sloMs, subnetIds: prof.models.map((m) => m.id) });
    await srv.stop();
    rows.push({ policy, sent: r.run.sent, answered: r.run.answered, slo_attainment: r.run.slo_attainment, mean_accuracy: r.run.mean_accuracy, p99_ms: r.run.p99_ms, client_lag_p99_ms: r.lag.p99 });
  }
  console.log(table(rows));
  results.engine = { backend: prof.backend, capacity_largest_img_s: capacity, rate, slo_ms: sloMs, duration_s: durationS, runs: rows };
}
if (args.includes('--skip-engine')) {
  // Keep the last real-engine run (part C takes minutes) next to the fresh A and B numbers.
  try {
    const prev = JSON.parse(readFileSync('bench/results/serve.json', 'utf8')) as { engine?: unknown; machine?: unknown };
    if (prev.engine !== undefined) results.engine = { ...(prev.engine as object), from_earlier_run: prev.machine };
  } catch { /* no earlier run */ }
}
await writeResults('bench/results/serve.json', results);
process.exit(0);
