/**
 * `npm run bench:overload`: the server under bursts far beyond its capacity; writes bench/results/overload.json.
 * 1. Capacity, closed loop: 2, 4 and 8 clients send one-image requests back to back for 15 s each at the
 *    burst SLO; capacity = the most on-time answers per second (more clients than the server can serve in
 *    time only measure how fast it refuses).
 * 2. Open-loop bursts at 2x, 5x, 10x and 30x that capacity (15 s each) over keep-alive connections, for each
 *    request kind: FP32 as JSON numbers, FP32 with the binary tensor extension, a JPEG photo (500x375).
 *    Per burst: sent vs answered (and sockets that got no answer), `/v2/health/live` p99 from a separate
 *    process (baseline: the same probe with the server idle, this run), lateness of refusals past their
 *    deadline p99, deadline-met share of admitted requests, mean served accuracy, server RSS peak.
 * 3. Mixed bursts (binary requests) at --mix-multipliers (5,10): two SLO classes (1 s and 10 s, 90/10) and two
 *    priorities (level 1 for 10 %, the default level for 90 %, SLO 1 s), each class reported on its own.
 * Flags: --checkpoint DIR (default: the embedded default), --slo-ms N (1000), --seconds N (15),
 *        --multipliers 2,5,10,30, --kinds json,binary,jpeg (or none), --mixes classes,priorities (or none),
 *        --mix-multipliers 5,10, --policy P (the server's default),
 *        --capacity N (skip the closed-loop measurement: compare runs at the same rates), --out FILE,
 *        --workers N and --wasm-threads N (the server's thread layout; default: its own choice), --engine E (tfjs|ort|auto).
 * @module
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gradientJpeg } from '../src/imaging/gradient-jpeg.ts';
import { ensureDefaultCheckpoint } from '../supernet/load.ts';
import { fp32Bytes, frameBinaryBody, INFERENCE_HEADER_CONTENT_LENGTH } from '../src/protocol/v2-binary.ts';
import { runBurst, type BurstClass, type BurstResult, type LiveProbeResult } from '../src/replay/burst.ts';
import { startServer, type ServerProcess } from '../test/helpers/server-process.ts';
import { table, writeResults } from './bench-common.ts';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const sloMs = Number(flag('--slo-ms') ?? 1000);
const seconds = Number(flag('--seconds') ?? 15);
const multipliers = (flag('--multipliers') ?? '2,5,10,30').split(',').map(Number);
const list = (name: string, dflt: string): string[] => (flag(name) ?? dflt).split(',').filter((x) => x !== '' && x !== 'none');
const kinds = list('--kinds', 'json,binary,jpeg') as RequestKind[];
const mixes = list('--mixes', 'classes,priorities') as Array<'classes' | 'priorities'>;
const mixMultipliers = list('--mix-multipliers', '5,10').map(Number);
const checkpoint = flag('--checkpoint') ?? await ensureDefaultCheckpoint();

type RequestKind = 'json' | 'binary' | 'jpeg';
interface Request { body: Uint8Array<ArrayBuffer>; headers: Record<string, string> }

const passed = ['--policy', '--workers', '--wasm-threads', '--engine', '--slo-target'].flatMap((f) => (flag(f) === undefined ? [] : [f, flag(f)!]));
const server = await startServer(['--checkpoint', checkpoint, '--slo-ms', String(sloMs), ...passed], 900_000);
const meta = await (await fetch(`${server.url}/v2/models/superserve`)).json() as { parameters?: { image_size?: number; backend?: string; policy?: string } };
const size = meta.parameters?.image_size ?? 224;

function request(kind: RequestKind, params: { slo_ms: number; priority?: number } = { slo_ms: sloMs }): Request {
  const outputs = [{ name: 'logits' }, { name: 'top5' }]; // a classifier's answer, not all seven outputs
  if (kind === 'jpeg') {
    const jpg = Buffer.from(gradientJpeg(500, 375));
    return json({ inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [jpg.toString('base64')] }], parameters: params, outputs });
  }
  const data = Float32Array.from({ length: 3 * size * size }, (_, i) => Math.sin(i * 0.01));
  if (kind === 'json') return json({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, size, size], data: Array.from(data) }], parameters: params, outputs });
  const bytes = fp32Bytes(data);
  const framed = frameBinaryBody({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, size, size], parameters: { binary_data_size: bytes.byteLength } }], parameters: { ...params, binary_data_output: true }, outputs }, [bytes]);
  return { body: framed.body, headers: { 'content-type': 'application/octet-stream', [INFERENCE_HEADER_CONTENT_LENGTH]: String(framed.headerLength) } };
}
function json(v: unknown): Request {
  return { body: new TextEncoder().encode(JSON.stringify(v)), headers: { 'content-type': 'application/json' } };
}

/** GET /v2/health/live timed from its own process (this one is busy sending the burst). */
function startProbe(url: string): { stop(): Promise<LiveProbeResult> } {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./lib/live-probe.ts', import.meta.url).pathname, url, '100'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  return {
    stop: () => new Promise((resolve) => { child.once('exit', () => resolve(JSON.parse(out) as LiveProbeResult)); child.stdin.end(); }),
  };
}

function rssMb(s: ServerProcess): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${s.child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch { return Number.NaN; }
}

/** superserve_refused_total by reason, from /metrics. */
async function refusals(s: ServerProcess): Promise<Record<string, number>> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  return Object.fromEntries([...text.matchAll(/^superserve_refused_total\{[^}]*reason="(\w+)"[^}]*\} (\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
}

async function waitIdle(s: ServerProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const m = /^nv_inference_pending_request_count\{[^}]*\} (\d+)/m.exec(await (await fetch(`${s.url}/metrics`)).text());
    if (Number(m?.[1]) === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

// 1. Capacity, closed loop.
async function capacity(req: Request, clients: number): Promise<number> {
  const until = performance.now() + 15_000;
  let onTime = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < until) {
      const r = await fetch(`${server.url}/v2/models/superserve/infer`, { method: 'POST', headers: req.headers, body: req.body });
      const text = await r.arrayBuffer();
      if (r.status === 200) {
        const n = Number(r.headers.get(INFERENCE_HEADER_CONTENT_LENGTH) ?? text.byteLength);
        const params = (JSON.parse(new TextDecoder().decode(new Uint8Array(text, 0, n))) as { parameters: { deadline_met: boolean } }).parameters;
        if (params.deadline_met) onTime++;
      }
    }
  }));
  return onTime / ((performance.now() - t0) / 1000);
}

const idleProbe = startProbe(server.url);
await new Promise((r) => setTimeout(r, 3000));
const idle = await idleProbe.stop();
const closedLoop: Record<number, number> = {};
if (flag('--capacity') === undefined) for (const clients of [2, 4, 8]) closedLoop[clients] = await capacity(request('binary'), clients);
const cap = Number(flag('--capacity') ?? Math.max(...Object.values(closedLoop)));
console.log(`server: ${meta.parameters?.backend} backend, policy ${meta.parameters?.policy}, image ${size}px, SLO ${sloMs} ms; capacity ${cap.toFixed(2)} req/s (closed loop, on time; by clients ${JSON.stringify(closedLoop)}); live p99 idle ${idle.p99.toFixed(1)} ms`);

const runs: Array<Record<string, string | number>> = [];
for (const kind of kinds) {
  const req = request(kind);
  for (const k of multipliers) {
    await waitIdle(server);
    let peak = rssMb(server);
    const sampler = setInterval(() => { peak = Math.max(peak, rssMb(server)); }, 200);
    const probe = startProbe(server.url);
    const before = await refusals(server);
    const r: BurstResult = await runBurst({ url: server.url, path: '/v2/models/superserve/infer', body: req.body, headers: req.headers, ratePerS: k * cap, seconds, sloMs, probeEveryMs: 0 });
    const live = await probe.stop();
    clearInterval(sampler);
    const after = await refusals(server);
    const reasons = Object.entries(after).filter(([k, v]) => v > (before[k] ?? 0)).map(([k, v]) => `${k}:${v - (before[k] ?? 0)}`).join(' ');
    const achieved = r.sent / Math.max(1e-9, (r.fates.at(-1)!.sentAt - r.fates[0]!.sentAt) / 1000);
    const row = {
      kind, multiplier: k, rate: Number((k * cap).toFixed(1)), achieved_rate: Number(achieved.toFixed(1)), sent: r.sent, answered: r.answered,
      unanswered: Object.values(r.unanswered).reduce((a, b) => a + b, 0), ok: r.byStatus['200'] ?? 0, s503: r.byStatus['503'] ?? 0, s504: r.byStatus['504'] ?? 0,
      live_p99_ms: Number(live.p99.toFixed(1)), live_failed: live.failed, refusal_lateness_p99_ms: Number(r.refusalLatenessMs.p99.toFixed(1)),
      admitted_deadline_met: Number(r.okDeadlineMet.toFixed(4)), mean_accuracy: Number(r.meanAccuracy.toFixed(2)), ok_p99_ms: Number(r.okLatencyMs.p99.toFixed(0)),
      rss_peak_mb: Number(peak.toFixed(0)), refused_by_reason: reasons,
    };
    runs.push(row);
    console.log(table([row]));
  }
}
// 3. Mixed bursts.
const MIXES: Record<'classes' | 'priorities', BurstClass[]> = {
  classes: [
    { name: `slo ${sloMs} ms`, ...request('binary', { slo_ms: sloMs }), sloMs, share: 0.9 },
    { name: `slo ${10 * sloMs} ms`, ...request('binary', { slo_ms: 10 * sloMs }), sloMs: 10 * sloMs, share: 0.1 },
  ],
  priorities: [
    { name: 'priority 1', ...request('binary', { slo_ms: sloMs, priority: 1 }), sloMs, share: 0.1 },
    { name: 'priority 2 (default)', ...request('binary', { slo_ms: sloMs }), sloMs, share: 0.9 },
  ],
};
const mixed: Array<Record<string, unknown>> = [];
for (const mix of mixes) {
  for (const k of mixMultipliers) {
    await waitIdle(server);
    const r = await runBurst({ url: server.url, path: '/v2/models/superserve/infer', body: new Uint8Array(), headers: {}, sloMs, classes: MIXES[mix], ratePerS: k * cap, seconds, probeEveryMs: 0 });
    const row = {
      mix, multiplier: k, rate: Number((k * cap).toFixed(1)), sent: r.sent, answered: r.answered,
      classes: r.classes.map((c) => ({
        name: c.name, sent: c.sent, answered: c.answered, ok: c.ok, s503: c.byStatus['503'] ?? 0, s504: c.byStatus['504'] ?? 0,
        admitted_deadline_met: Number(c.okDeadlineMet.toFixed(4)), mean_accuracy: Number(c.meanAccuracy.toFixed(2)),
        refusal_lateness_p99_ms: Number(c.refusalLatenessP99Ms.toFixed(1)),
      })),
    };
    mixed.push(row);
    console.log(table(row.classes.map((c) => ({ mix, multiplier: k, ...c }))));
  }
}
await server.stop('SIGTERM');
console.log(`\n${table(runs)}`);
await writeResults(flag('--out') ?? 'bench/results/overload.json', {
  server: { backend: meta.parameters?.backend, engine: (meta.parameters as { engine?: string } | undefined)?.engine, policy: meta.parameters?.policy, image_size: size, slo_ms: sloMs, checkpoint },
  capacity_req_s: cap, capacity_by_clients: closedLoop, live_idle: idle, seconds_per_burst: seconds,
  targets: { answered_equals_sent: true, live_p99_ms: 100, refusal_lateness_p99_ms: 50, admitted_deadline_met: 0.99 },
  runs, mixed,
});
process.exit(0);
