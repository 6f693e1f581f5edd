/**
 * `superserve simulate --profile P --trace T --policy X --workers N --slo-ms S [--fail-at t1,t2] --out DIR`:
 * one discrete-event run with the server's scheduler; writes summary.json, timeseries.csv and plots.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { intFlag, listFlag, numFlag, parseFlags, requireFlag, runCommand, UsageError } from './args.ts';
import { DEFAULT_SLO_TARGET } from '../scheduler/options.ts';
import { resolvePolicy } from '../scheduler/index.ts';
import { classesOf, DEFAULT_PRIORITY_LEVELS } from '../sim/request-classes.ts';
import { policySettingsFlags, runSettings } from '../sim/run-settings.ts';
import { loadProfile, noiseFor } from '../sim/profiles.ts';
import { runLabel, timeSeriesCharts } from '../sim/report.ts';
import { simulate } from '../sim/simulator.ts';
import { timeSeriesCsv, writeSummary } from '../sim/summary.ts';
import { readTraceFile } from '../sim/trace-file.ts';

export const SIMULATE_USAGE = `usage: superserve simulate --trace FILE --policy X --out DIR [options]

  --trace FILE          trace from \`superserve trace\`
  --policy X            default (the server's: DEFAULT_POLICY) | slackfit | slackfit-q | maxbatch | maxacc | infaas | fixed:<id>
  --batch-sizes B       all | profiled | 1,2,4,8,16: the batch sizes the policy may pick (default: the policy's own)
  --late L              drop | serve: a head the policy cannot serve in time is dropped at once, or served
                        anyway (SlackFit: below its lowest bucket; late heads on the cheapest sub-network)
                        (default drop)
  --noise N             none (default: every batch takes exactly its predicted latency) | profile (drawn from
                        the profile's per-point distribution: measured quantiles, else a log-normal with its mean/std)
  --seed N              noise seed (default 1)
  --adapt-latency on|off   feed the drawn batch times back into the scheduler's latency factor, as the server
                        does (default on)
  --profile P           a40 (default: the authors' A40 OFA-ResNet50 profile) | 2080ti (a40 at device scale 2.5)
                        | path to a profile.json (or a directory holding one)
  --profile-scale X     device slowdown on top of the profile (default 1; results depend strongly on it)
  --stat mean|p99       which profiled statistic to use (default mean)
  --latency forward|end-to-end   forward pass only (default; matches the paper's capacities) or the whole
                        per-batch total incl. JPEG decode
  --workers N           default 8
  --slo-ms S            default 36
  --fail-at t1,t2,...   kill one worker at each time: seconds, or milliseconds with an "ms" suffix (12,24 or 12000ms)
  --max-queue N         bounded queue (default unbounded)
  --priority-levels L   priority levels (Triton's; default 2): a trace's priority 0 or above L is level L
  --slo-target T        share of admitted requests that should meet their deadline; slackfit-m plans with the
                        latency quantile it needs (default 0.99)
  --experiment NAME     label for summary.json (default "simulate")
Writes DIR/summary.json, DIR/timeseries.csv (per 100 ms) and DIR/plots/*.svg.`;

export async function run(argv: string[]): Promise<number> {
  return runCommand('simulate', async () => {
    const { values, positionals } = parseFlags(argv, {
        profile: { type: 'string' }, 'profile-scale': { type: 'string' }, stat: { type: 'string' }, latency: { type: 'string' }, trace: { type: 'string' },
        policy: { type: 'string' }, workers: { type: 'string' }, 'slo-ms': { type: 'string' }, 'fail-at': { type: 'string' },
        late: { type: 'string' }, 'batch-sizes': { type: 'string' }, noise: { type: 'string' }, seed: { type: 'string' },
        'adapt-latency': { type: 'string' }, 'max-queue': { type: 'string' }, experiment: { type: 'string' }, out: { type: 'string' },
        'priority-levels': { type: 'string' }, 'slo-target': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      }, SIMULATE_USAGE, true);
    if (values.help) { process.stdout.write(SIMULATE_USAGE + '\n'); return 0; }
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const out = requireFlag(values.out, 'out'); const tracePath = requireFlag(values.trace, 'trace'); const policy = requireFlag(values.policy, 'policy');
    const stat = values.stat || 'mean';
    if (stat !== 'mean' && stat !== 'p99') throw new UsageError(`--stat must be mean or p99, got "${stat}"`);
    const settings = policySettingsFlags(values);
    const noise = values.noise || 'none';
    if (noise !== 'none' && noise !== 'profile') throw new UsageError(`--noise must be none or profile, got "${noise}"`);
    const seed = intFlag(values.seed, 'seed') ?? 1;
    const adapt = values['adapt-latency'] || 'on';
    if (adapt !== 'on' && adapt !== 'off') throw new UsageError(`--adapt-latency must be on or off, got "${adapt}"`);
    const workers = intFlag(values.workers, 'workers') ?? 8; const sloMs = numFlag(values['slo-ms'], 'slo-ms') ?? 36;
    if (workers < 1) throw new UsageError(`--workers must be >= 1, got ${workers}`);
    if (!(sloMs > 0)) throw new UsageError(`--slo-ms must be positive, got ${sloMs}`);
    const failAtMs = parseFailAt(values['fail-at']);
    const part = values.latency || 'forward';
    if (part !== 'forward' && part !== 'end-to-end') throw new UsageError(`--latency must be forward or end-to-end, got "${part}"`);
    const lp = loadProfile(values.profile || 'a40', numFlag(values['profile-scale'], 'profile-scale') ?? 1, stat, part);
    const trace = readTraceFile(tracePath);
    const levels = intFlag(values['priority-levels'], 'priority-levels') ?? DEFAULT_PRIORITY_LEVELS;
    if (levels < 1) throw new UsageError(`--priority-levels must be >= 1, got ${levels}`);
    const sloTarget = numFlag(values['slo-target'], 'slo-target') ?? DEFAULT_SLO_TARGET;
    if (!(sloTarget > 0 && sloTarget < 1)) throw new UsageError(`--slo-target must be between 0 and 1 (exclusive), got ${sloTarget}`);
    const t0 = performance.now();
    const spec = resolvePolicy(policy, settings);
    const nm = noiseFor(lp, noise, seed);
    const r = simulate({
      profile: lp.profile, arrivalsMs: trace.arrivalsMs, policy: spec.name, workers, sloMs, failAtMs,
      policyOptions: { ...(spec.batchSizes ? { batchSizes: spec.batchSizes } : {}), ...(spec.late ? { late: spec.late } : {}), sloTarget },
      requestClasses: classesOf(trace, sloMs, levels),
      ...(nm ? { durationOf: nm.durationOf } : {}), adaptLatency: adapt === 'on',
      durationMs: trace.meta.durationS * 1000,
      ...(values['max-queue'] !== undefined ? { maxQueue: requireFlag(intFlag(values['max-queue'], 'max-queue'), 'max-queue') } : {}),
    });
    const wallS = (performance.now() - t0) / 1000;
    const traceName = tracePath.replace(/^.*\//, '').replace(/\.trace$/, '');
    const summaryRun = r.recorder.toRun({
      experiment: values.experiment || 'simulate', trace: traceName, policy: r.policyName, workers, slo_ms: sloMs,
      params: {
        ...runSettings(r.policy, { noise, seed, adaptLatency: adapt === 'on' }), profile: lp.name, profile_scale: lp.scale, stat, latency: part,
        trace: trace.meta, ...(failAtMs.length ? { fail_at_ms: failAtMs } : {}), priority_levels: levels, slo_target: sloTarget,
      },
    });
    mkdirSync(join(out, 'plots'), { recursive: true });
    writeSummary(join(out, 'summary.json'), [summaryRun]);
    writeFileSync(join(out, 'timeseries.csv'), timeSeriesCsv(r.recorder.series));
    for (const [kind, svg] of Object.entries(timeSeriesCharts(r.recorder.series, `${traceName} ${runLabel(summaryRun, lp.profile)} (${lp.name} x${lp.scale})`, lp.profile))) {
      writeFileSync(join(out, 'plots', `${kind}.svg`), svg);
    }
    process.stderr.write(`${runLabel(summaryRun, lp.profile)} on ${traceName} (profile ${lp.name} ${part}, scale ${lp.scale}): attainment ${summaryRun.slo_attainment.toFixed(4)}, ` +
      `accuracy ${summaryRun.mean_accuracy.toFixed(2)} %, p99 ${summaryRun.p99_ms.toFixed(1)} ms; ` +
      `${trace.arrivalsMs.length} requests in ${wallS.toFixed(2)} s (${Math.round(trace.arrivalsMs.length / wallS)} req/s) -> ${out}\n`);
    return 0;
  }, SIMULATE_USAGE);
}

/** "12,24" (seconds) or "12000ms,24000ms" -> ms. */
export function parseFailAt(raw: string | undefined): number[] {
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((s) => {
    const t = s.trim();
    const ms = t.endsWith('ms');
    const v = Number(ms ? t.slice(0, -2) : t);
    if (t === '' || !Number.isFinite(v) || v < 0) throw new UsageError(`--fail-at: "${t}" is not a time (seconds, or ms with an "ms" suffix)`);
    return ms ? v : v * 1000;
  });
}
