/**
 * `npm run bench:live-vs-sim`: the same trace replayed against the live server and simulated with the profile that
 * server measured, to check how far the simulator's attainment is from what a client sees.
 * 1. `superserve serve` on the embedded default (its own layout and default policy, --slo-ms S);
 * 2. `superserve replay` of the trace (binary tensor requests, open loop);
 * 3. SIGTERM (the server stores the profile it refined while serving), then `superserve simulate` on the same trace
 *    with that profile and the server's worker count: without latency noise, and with the profile's noise for
 *    seeds 1..5;
 * 4. bench/results/policy-eval/validation/{live-summary,sim-summary,compare}.json (compare: the gap to the noisy
 *    simulations' mean and the 0.02 target).
 * Flags: --trace FILE (default bench/results/policy-eval/validation/val.trace: 106 requests in 120 s, bursty),
 *        --slo-ms S (4000), --out DIR (default bench/results/policy-eval/validation).
 * @module
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDefaultCheckpoint } from '../supernet/load.ts';
import { startServer } from '../test/helpers/server-process.ts';
import { writeResults } from './bench-common.ts';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const out = flag('--out') ?? 'bench/results/policy-eval/validation';
const trace = flag('--trace') ?? join(out, 'val.trace');
const sloMs = Number(flag('--slo-ms') ?? 4000);
const checkpoint = await ensureDefaultCheckpoint();
const work = mkdtempSync(join(tmpdir(), 'superserve-live-vs-sim-'));

function superserve(argv: string[]): void {
  const r = spawnSync(process.execPath, ['bin/superserve.mjs', ...argv], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`superserve ${argv[0]} exited ${r.status}`);
}
type Run = { policy: string; workers: number; slo_attainment: number; mean_accuracy: number; params?: { noise?: string; seed?: number } };
const runsOf = (dir: string): Run[] => (JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { runs: Run[] }).runs;

const server = await startServer(['--checkpoint', checkpoint, '--slo-ms', String(sloMs)], 900_000);
const meta = await (await fetch(`${server.url}/v2/models/superserve`)).json() as { parameters?: { policy?: string; workers?: { total?: number } } };
superserve(['replay', '--url', server.url, '--model', 'superserve', '--trace', trace, '--slo-ms', String(sloMs), '--out', join(work, 'live')]);
await server.stop('SIGTERM');
const live = runsOf(join(work, 'live'))[0]!;

const workers = String(meta.parameters?.workers?.total ?? 1);
const sims: Run[] = [];
for (const noise of ['none', 'profile']) {
  for (const seed of noise === 'none' ? [1] : [1, 2, 3, 4, 5]) {
    const dir = join(work, `sim-${noise}-${seed}`);
    superserve(['simulate', '--profile', checkpoint, '--trace', trace, '--policy', 'default', '--workers', workers, '--slo-ms', String(sloMs),
      '--noise', noise, '--seed', String(seed), '--out', dir]);
    sims.push(...runsOf(dir));
  }
}
const noisy = sims.filter((s) => s.params?.noise === 'profile');
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const simMean = mean(noisy.map((s) => s.slo_attainment));
writeFileSync(join(out, 'live-summary.json'), JSON.stringify({ runs: [live] }, null, 1));
writeFileSync(join(out, 'sim-summary.json'), JSON.stringify({ runs: sims }, null, 1));
await writeResults(join(out, 'compare.json'), {
  trace, slo_ms: sloMs, server_policy: meta.parameters?.policy, workers: Number(workers),
  live_attainment: live.slo_attainment, sim_noise_mean_attainment: simMean,
  sim_no_noise_attainment: sims.find((s) => s.params?.noise === 'none')?.slo_attainment,
  gap: live.slo_attainment - simMean, target_abs_gap: 0.02, met: Math.abs(live.slo_attainment - simMean) <= 0.02,
  live_accuracy: live.mean_accuracy, sim_noise_mean_accuracy: mean(noisy.map((s) => s.mean_accuracy)),
});
console.log(`live ${live.slo_attainment.toFixed(3)} vs simulated ${simMean.toFixed(3)} (noise, 5 seeds): gap ${(live.slo_attainment - simMean).toFixed(3)}`);
