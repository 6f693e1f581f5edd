/**
 * The paper's fault-tolerance scenario on this machine: a real nats-server, a real router (`superserve serve
 * --nats URL --workers 0`) and N real worker processes (`superserve worker`), an open-loop Poisson trace
 * replayed over HTTP, and one worker SIGKILLed every few seconds until `minWorkers` remain. Returns per-window
 * SLO attainment, mean served accuracy and the live worker count (the router's /metrics `superserve_workers`).
 * @module
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeCheckpoint } from '../../supernet/checkpoint/checkpoint-dir.ts';
import { randomStateDict } from '../../supernet/checkpoint/random-init.ts';
import type { ArchName } from '../../supernet/types.ts';
import type { ProfileJson } from '../../src/profiler/measure.ts';
import { replay } from '../../src/replay/client.ts';
import type { SummaryRun, TimeSeries } from '../../src/sim/summary.ts';
import { poissonTrace } from '../../src/sim/traces.ts';
import { ClusterProcessError, freePort, type Proc, ProcessGroup, startNatsServer, waitFor } from './cluster-procs.ts';

export const FAULT_ARCH: ArchName = 'ofa-mbv3-w1.0';
const PROFILE_BATCHES = [1, 2, 4, 8];

export interface FaultScenarioOptions {
  bin: string;
  /** Where the seeded checkpoint (and its profile.json) is kept between runs. */
  workDir: string;
  seed: number;
  workers: number;
  minWorkers: number;
  durationS: number;
  firstKillS: number;
  killEveryS: number;
  windowMs: number;
  /** Overrides of the derived load (see deriveLoad). */
  rate?: number;
  sloMs?: number;
  /** The router's policy (default: the server's default). */
  policy?: string;
  reprofile: boolean;
  /** Use this NATS server instead of starting one. */
  natsUrl?: string;
  log(msg: string): void;
}

export interface LoadChoice {
  rate: number;
  sloMs: number;
  largestB1Ms: number;
  smallestB1Ms: number;
  effectiveCores: number;
  /** Requests/s the most accurate sub-network alone sustains at batch 1 on `effectiveCores`. */
  largestCapacity: number;
  /** Requests/s of the highest-throughput (sub-network, batch) of the profile on `effectiveCores`. */
  peakCapacity: number;
}

export interface FaultWindow {
  t0: number; t1: number; sent: number; onTime: number; attainment: number; accuracy: number;
  /** min of the router's alive-worker gauge in the window (NaN when no sample). */
  workersAlive: number;
  /** workers not yet killed at the window's end. */
  workersScheduled: number;
}

export interface FaultResult {
  arch: ArchName;
  checkpoint: string;
  seed: number;
  load: LoadChoice;
  durationS: number;
  windowMs: number;
  kills: Array<{ atS: number; worker: string }>;
  deaths: Array<{ atS: number; alive: number }>;
  windows: FaultWindow[];
  aliveSamples: Array<[number, number]>;
  run: SummaryRun;
  lag: { p50: number; p99: number; max: number };
}

/** The seeded random checkpoint, created and profiled (one process alone, wasm) unless already there. */
export async function ensureFaultCheckpoint(o: Pick<FaultScenarioOptions, 'bin' | 'workDir' | 'seed' | 'reprofile' | 'log'>): Promise<string> {
  const dir = join(o.workDir, `${FAULT_ARCH}-seed${o.seed}`);
  if (!existsSync(join(dir, 'checkpoint.json'))) {
    await mkdir(o.workDir, { recursive: true });
    o.log(`writing a seeded random ${FAULT_ARCH} checkpoint (seed ${o.seed}) to ${dir}`);
    await writeCheckpoint(dir, FAULT_ARCH, randomStateDict(FAULT_ARCH, o.seed), { untrained: true, source: { seed: o.seed } }, { force: true });
  }
  if (o.reprofile || !existsSync(join(dir, 'profile.json'))) {
    o.log(`profiling ${dir} at batches ${PROFILE_BATCHES.join(',')} (one process alone, ~40 s)`);
    await promisify(execFile)(process.execPath, [o.bin, 'profile', dir, '--backend', 'wasm', '--batches', PROFILE_BATCHES.join(',')], { maxBuffer: 1 << 24 });
  }
  return dir;
}

const latMs = (p: ProfileJson, index: number, batch: number): number => {
  const m = p.models[index];
  const pt = m?.latency_and_batch_ns.find((x) => x.batch_size === batch);
  if (pt === undefined) throw new ClusterProcessError(`profile has no batch ${batch} for model #${index}`);
  return pt.mean / 1e6;
};

/**
 * Load and SLO from the profile (measured with one process alone). N wasm workers share min(cores, N) cores,
 * so the cluster's compute is about `effectiveCores` profiles' worth whatever N is, and the router (JSON decode
 * of a ~1 MB 224 px request, ~15-30 ms of CPU) and the replay client take their share of the same cores.
 * Rate = 0.5x what the most accurate sub-network alone sustains at batch 1 on those cores; SLO = 4x its
 * batch-1 latency. Probe runs on this (shared, loaded) 2-core machine: 1.5x and SLO 3x collapsed to 0 %
 * attainment with 4 workers (every worker 2x slower than its profile, the router starved); 6 req/s with 2
 * workers and SLO 3x reached 35 %. At 0.5x / 4x the scheduler still moves between sub-networks (queue-aware),
 * and a lost worker shows as a dip (its in-flight batch is lost until the 3 s heartbeat limit) rather than
 * as a permanent collapse.
 */
export function deriveLoad(p: ProfileJson, workers: number, over: { rate?: number; sloMs?: number }): LoadChoice {
  const last = p.models.length - 1;
  const effectiveCores = Math.max(1, Math.min(cpus().length, workers));
  const largestB1Ms = latMs(p, last, 1);
  const smallestB1Ms = latMs(p, 0, 1);
  const largestCapacity = (effectiveCores * 1000) / largestB1Ms;
  let peak = 0;
  p.models.forEach((m) => m.latency_and_batch_ns.forEach((pt) => { peak = Math.max(peak, pt.batch_size / (pt.mean / 1e6)); }));
  const peakCapacity = effectiveCores * 1000 * peak;
  const rate = over.rate ?? Math.round(0.5 * largestCapacity * 10) / 10;
  const sloMs = over.sloMs ?? Math.round((4 * largestB1Ms) / 10) * 10;
  return { rate, sloMs, largestB1Ms, smallestB1Ms, effectiveCores, largestCapacity, peakCapacity };
}

function aliveFromMetrics(text: string): number | undefined {
  const m = /^superserve_workers\{[^}]*state="alive"[^}]*\}\s+(\S+)/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Sums the recorder's bins into windows of `windowMs`. */
function windowsOf(s: TimeSeries, windowMs: number, durationMs: number, alive: Array<[number, number]>, killTimesMs: number[], workers: number): FaultWindow[] {
  const per = Math.max(1, Math.round(windowMs / s.binMs));
  const out: FaultWindow[] = [];
  for (let b0 = 0; b0 * s.binMs < durationMs; b0 += per) {
    let sent = 0; let onTime = 0; let served = 0; let acc = 0;
    for (let b = b0; b < Math.min(b0 + per, s.sent.length); b++) {
      sent += s.sent[b]!; onTime += s.onTime[b]!; served += s.servedReqs[b]!; acc += s.accSum[b]!;
    }
    const t0 = (b0 * s.binMs) / 1000; const t1 = ((b0 + per) * s.binMs) / 1000;
    const inWin = alive.filter(([t]) => t >= t0 && t < t1).map(([, a]) => a);
    out.push({
      t0, t1, sent, onTime, attainment: sent ? onTime / sent : Number.NaN, accuracy: served ? acc / served : Number.NaN,
      workersAlive: inWin.length ? Math.min(...inWin) : Number.NaN,
      workersScheduled: workers - killTimesMs.filter((k) => k < t1 * 1000).length,
    });
  }
  return out;
}

export async function runFaultScenario(o: FaultScenarioOptions): Promise<FaultResult> {
  const checkpoint = await ensureFaultCheckpoint(o);
  const profile = JSON.parse(await readFile(join(checkpoint, 'profile.json'), 'utf8')) as ProfileJson;
  const load = deriveLoad(profile, o.workers, o);
  o.log(`load: ${load.rate} req/s Poisson, SLO ${load.sloMs} ms (largest sub-network b1 ${load.largestB1Ms.toFixed(0)} ms alone, ` +
    `${load.largestCapacity.toFixed(1)} req/s on ${load.effectiveCores} cores; peak ${load.peakCapacity.toFixed(0)} req/s)`);
  const logDir = join(o.workDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const group = new ProcessGroup(logDir);
  const env = { ...process.env, SUPERSERVE_BACKEND: 'wasm' };
  try {
    const url = o.natsUrl ?? (await startNatsServer(group)).url;
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const router = group.start('router', process.execPath, [o.bin, 'serve', '--nats', url, '--workers', '0', '--checkpoint', checkpoint,
      '--host', '127.0.0.1', '--port', String(port), '--slo-ms', String(load.sloMs), '--policy-workers', String(o.workers), ...(o.policy ? ['--policy', o.policy] : [])], env);
    const workers: Proc[] = [];
    for (let k = 1; k <= o.workers; k++) {
      workers.push(group.start(`w${k}`, process.execPath, [o.bin, 'worker', '--nats', url, '--checkpoint', checkpoint, '--name', `w${k}`,
        '--backend', 'wasm', '--warmup', PROFILE_BATCHES.join(',')], env));
    }
    const killed = new Set<Proc>();
    const alive = async (): Promise<number | undefined> => {
      if (!router.alive) throw new ClusterProcessError(`router exited: ${group.tail(router)}`);
      for (const w of workers) if (!w.alive && !killed.has(w)) throw new ClusterProcessError(`worker ${w.name} exited: ${group.tail(w)}`);
      return aliveFromMetrics(await (await fetch(`${base}/metrics`)).text());
    };
    o.log(`router on ${base}, ${o.workers} workers joining over ${url} (warm-up of 6 sub-networks x batches ${PROFILE_BATCHES.join(',')})`);
    await waitFor(`${o.workers} workers to join (logs in ${logDir})`, async () => ((await alive()) === o.workers ? true : undefined), 240_000, 500);

    const trace = poissonTrace({ rate: load.rate, durationS: o.durationS, seed: o.seed });
    const killAt = Array.from({ length: o.workers - o.minWorkers }, (_, i) => (o.firstKillS + i * o.killEveryS) * 1000);
    const kills: FaultResult['kills'] = [];
    const aliveSamples: Array<[number, number]> = [];
    const deaths: FaultResult['deaths'] = [];
    const t0 = performance.now();
    const elapsed = (): number => (performance.now() - t0) / 1000;
    const timers = killAt.map((ms, i) => setTimeout(() => {
      const w = workers[i]!;
      killed.add(w);
      w.child.kill('SIGKILL');
      kills.push({ atS: elapsed(), worker: w.name });
      o.log(`t=${elapsed().toFixed(1)} s: SIGKILL ${w.name}`);
    }, ms));
    let polling = true;
    const poller = (async () => {
      let last = o.workers;
      while (polling) {
        const a = await fetch(`${base}/metrics`).then((r) => r.text()).then(aliveFromMetrics).catch(() => undefined);
        if (a !== undefined) {
          aliveSamples.push([elapsed(), a]);
          if (a < last) { deaths.push({ atS: elapsed(), alive: a }); o.log(`t=${elapsed().toFixed(1)} s: router sees ${a} workers alive`); }
          last = a;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    let result;
    try {
      result = await replay({ url: base, model: 'superserve', arrivalsMs: trace.arrivalsMs, traceName: `poisson-${load.rate}`, sloMs: load.sloMs, timeoutMs: 15_000, seed: o.seed });
    } finally {
      timers.forEach(clearTimeout);
      polling = false;
      await poller;
    }
    const windows = windowsOf(result.recorder.series, o.windowMs, o.durationS * 1000, aliveSamples, killAt, o.workers);
    return {
      arch: FAULT_ARCH, checkpoint, seed: o.seed, load, durationS: o.durationS, windowMs: o.windowMs, kills, deaths, windows,
      aliveSamples: aliveSamples.map(([t, a]) => [Math.round(t * 1000) / 1000, a]), run: result.run, lag: result.lag,
    };
  } finally {
    await group.stopAll();
  }
}
