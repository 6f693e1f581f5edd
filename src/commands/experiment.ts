/**
 * `superserve experiment <fig8|fig9|fig10|fig11a|fig11c|policy-eval|all> --out DIR`: the paper's experiments
 * in the simulator; writes summary.json, report.md, report.html, series/*.csv and plots/*.svg. Progress on stderr.
 * @module
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { intFlag, listFlag, numFlag, parseFlags, requireFlag, runCommand, UsageError } from './args.ts';
import { DEFAULT_CONFIG, EXPERIMENTS, experimentSpec, runCount, runExperiment, type ExperimentConfig, type ExperimentName, type RunOutput } from '../sim/experiments.ts';
import { EVAL_POLICIES } from '../sim/experiments.ts';
import { EVAL_SETTINGS, policyEvalReport, runPolicyEval, type EvalConfig, type EvalProfile } from '../sim/policy-eval.ts';
import { divideLatencies, loadProfile } from '../sim/profiles.ts';
import type { NoiseKind } from '../sim/run-settings.ts';
import { writeExperimentReport } from '../sim/report.ts';
import { experimentReportRuns, writeReportHtml } from '../dashboard/report.ts';

export const EXPERIMENT_USAGE = `usage: superserve experiment <fig8|fig9|fig10|fig11a|fig11c|policy-eval|all> --out DIR [options]

  fig8         MAF trace (6400 q/s mean, 24 h -> 120 s), every policy
  fig9         bursty grid: λb 1500 + λv {2950,4900,5550} x CV² {2,4,8}, every policy
  fig10        time-varying grid: 2500 -> {4800,6800,7800} q/s at τ {250,500,5000} q/s², CV² 8, every policy
  fig11a       λ 3500 (1500 + 2000, CV² 2), one worker killed every 12 s (8 -> 4)
  fig11c       λ 1500 + 5550, CV² {2,4,8}: slackfit vs maxbatch vs maxacc (and slackfit-q)
  policy-eval  our policies vs slackfit, each at its best setting (batch sizes all|profiled x late drop|serve)
               per trace, on every fig8-fig10 trace at each --scales value (default 1,2,2.5) and on --cpu-profile
               when given, without and with latency noise; wins/ties/losses and each policy's gap to the
               offline optimum's bound
  all          fig8 fig9 fig10 fig11a fig11c
Policies: slackfit, slackfit-q (ours), maxbatch, maxacc, infaas, fixed:0..5 (Clipper+).
Options:
  --profile P          a40 (default) | 2080ti | path to profile.json
  --profile-scale X    device slowdown (default 1); stated in the report
  --latency forward|end-to-end   forward pass only (default) or the per-batch total incl. JPEG decode
  --scales L           policy-eval: comma-separated scales (default 1,2,2.5)
  --noise L            latency noise: none (default) | profile; policy-eval: none,profile (default both) | none | profile
  --policies L         policy-eval: the policies compared with slackfit (default: the project's own)
  --cpu-profile PATH   policy-eval: also a profile.json measured by \`superserve profile\`, its latencies divided by
                       --cpu-speedup K (default 100; same as traces K x slower and a K x longer SLO)
  --duration-s D       synthetic trace length (default 60); --maf-duration-s (default 120)
  --csv-dir DIR        real Azure Functions 2019 CSVs for fig8 (default: the MAF-shaped default curve)
  --workers N (8)  --slo-ms S (36)  --seed N (1)`;

export async function run(argv: string[]): Promise<number> {
  return runCommand('experiment', async () => {
    const { values, positionals } = parseFlags(argv, {
        out: { type: 'string' }, profile: { type: 'string' }, 'profile-scale': { type: 'string' }, latency: { type: 'string' }, scales: { type: 'string' },
        'cpu-profile': { type: 'string' }, 'cpu-speedup': { type: 'string' }, 'duration-s': { type: 'string' }, 'maf-duration-s': { type: 'string' },
        noise: { type: 'string' }, policies: { type: 'string' },
        'csv-dir': { type: 'string' }, workers: { type: 'string' }, 'slo-ms': { type: 'string' }, seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      }, EXPERIMENT_USAGE, true);
    if (values.help) { process.stdout.write(EXPERIMENT_USAGE + '\n'); return 0; }
    const which = positionals[0];
    if (!which) throw new UsageError('missing experiment name');
    if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
    const names: ExperimentName[] = which === 'all' ? [...EXPERIMENTS]
      : which === 'policy-eval' || (EXPERIMENTS as readonly string[]).includes(which) ? [which as ExperimentName]
      : (() => { throw new UsageError(`unknown experiment "${which}"`); })();
    const out = requireFlag(values.out, 'out');
    const config: ExperimentConfig = {
      ...DEFAULT_CONFIG, durationS: numFlag(values['duration-s'], 'duration-s') ?? DEFAULT_CONFIG.durationS,
      mafDurationS: numFlag(values['maf-duration-s'], 'maf-duration-s') ?? DEFAULT_CONFIG.mafDurationS, seed: intFlag(values.seed, 'seed') ?? 1,
      workers: intFlag(values.workers, 'workers') ?? 8, sloMs: numFlag(values['slo-ms'], 'slo-ms') ?? 36,
      ...(values['csv-dir'] ? { csvDir: values['csv-dir'] as string } : {}),
    };
    if (config.workers < 1) throw new UsageError('--workers must be >= 1');
    if (!(config.durationS > 0) || !(config.mafDurationS > 0)) throw new UsageError('durations must be positive');
    const profileSpec = values.profile || 'a40';
    const part = values.latency || 'forward';
    if (part !== 'forward' && part !== 'end-to-end') throw new UsageError(`--latency must be forward or end-to-end, got "${part}"`);
    mkdirSync(out, { recursive: true });

    if (names[0] === 'policy-eval') {
      const scales = values.scales ? requireFlag(listFlag(values.scales, 'scales'), 'scales') : [1, 2, 2.5];
      const profiles: EvalProfile[] = scales.map((s) => { const lp = loadProfile(profileSpec, s, 'mean', part); return { label: `${lp.name} x${lp.scale}`, lp }; });
      if (values['cpu-profile']) {
        // A CPU profile is 50-200x slower than the paper's GPUs: against the paper's traces and 36 ms SLO nothing fits.
        // Dividing every latency by K is the same experiment as slowing the traces and stretching the SLO by K.
        const k = numFlag(values['cpu-speedup'], 'cpu-speedup') ?? 100;
        if (!(k > 0)) throw new UsageError('--cpu-speedup must be positive');
        const lp = divideLatencies(loadProfile(values['cpu-profile'] as string, 1, 'mean', part), k);
        profiles.push({ label: `CPU profile (${values['cpu-profile'] as string}, latency / ${k})`, lp });
      }
      const noises = ((values.noise || 'none,profile').split(',')) as NoiseKind[];
      if (noises.some((n) => n !== 'none' && n !== 'profile')) throw new UsageError(`--noise must be none, profile or none,profile`);
      const policies = values.policies ? requireFlag(values.policies, 'policies').split(',') : EVAL_POLICIES;
      const cfg: EvalConfig = {
        policies, baseline: 'slackfit', references: ['infaas'], noises, seed: config.seed, workers: config.workers, sloMs: config.sloMs,
        settings: EVAL_SETTINGS,
      };
      const spec = experimentSpec('policy-eval', config);
      const bar = progress(spec.traces.length * profiles.length * noises.length * ((policies.length + 1) * cfg.settings.length + cfg.references.length));
      const res = await runPolicyEval(spec.traces, profiles, cfg, (l) => bar.increment({ label: l }));
      bar.stop();
      policyEvalReport(out, res, cfg, [
        `Trace lengths: synthetic ${config.durationS} s; time-varying 20 s at λ1, the ramp, 20 s at λ2; MAF ${config.mafDurationS} s; trace seed ${config.seed}.`,
        `Profiles: ${profiles.map((p) => `${p.label} (${p.lp.part} latencies)`).join('; ')}.`,
      ]);
      process.stderr.write(`policy-eval: ${res.runs.length} runs, ${res.simulated} simulated requests in ${res.seconds.toFixed(0)} s -> ${out}/report.md\n`);
      return 0;
    }

    const lp = loadProfile(profileSpec, numFlag(values['profile-scale'], 'profile-scale') ?? 1, 'mean', part);
    const noiseKind = values.noise || 'none' as NoiseKind;
    if (noiseKind !== 'none' && noiseKind !== 'profile') throw new UsageError(`--noise must be none or profile, got "${noiseKind}"`);
    const specs = names.map((n) => experimentSpec(n, config));
    const bar = progress(specs.reduce((a, s) => a + runCount(s), 0));
    const all: RunOutput[] = [];
    let simulated = 0; const t0 = performance.now();
    for (const spec of specs) {
      const outputs = await runExperiment(spec, lp, config, { profile: lp.name, profile_scale: lp.scale, latency: lp.part }, (l) => bar.increment({ label: l }), { kind: noiseKind, seed: config.seed });
      for (const o of outputs) simulated += o.simulatedRequests;
      all.push(...outputs);
    }
    bar.stop();
    const wallS = (performance.now() - t0) / 1000;
    writeExperimentReport(out, {
      title: `SuperServe experiments: ${names.join(', ')} (${lp.name} x${lp.scale}, noise ${noiseKind})`, runs: all, profile: lp.profile, profileName: lp.name, profileScale: lp.scale, noise: noiseKind,
      notes: [
        `Trace lengths (not given by the paper): synthetic ${config.durationS} s; time-varying 20 s at λ1, the ramp, 20 s at λ2; MAF ${config.mafDurationS} s` +
          (config.csvDir ? ` from ${config.csvDir}` : ' from the MAF-shaped default curve (data/traces/maf-default.json; not real Azure data)') + `; seed ${config.seed}.`,
        `Latencies: the profile's ${lp.part === 'forward' ? 'forward-pass' : 'end-to-end (JPEG decode + copies + forward)'} mean per batch, interpolated between profiled batch sizes, max batch 16; each policy at its default settings (shown as [batch sizes, late]).`,
        `Simulated ${simulated} requests in ${wallS.toFixed(1)} s (${Math.round(simulated / wallS)} requests per wall-clock second).`,
      ],
    });
    writeReportHtml(join(out, 'report.html'), `SuperServe experiments: ${names.join(', ')}`, experimentReportRuns(all, lp.profile)); // report.html (dashboard charts)
    process.stderr.write(`${all.length} runs, ${simulated} simulated requests in ${wallS.toFixed(1)} s -> ${out}/report.md\n`);
    return 0;
  }, EXPERIMENT_USAGE);
}

interface Progress { increment(payload: { label: string }): void; stop(): void }

/** A cli-progress bar on a terminal; one plain line per finished run otherwise (logs, CI). */
function progress(total: number): Progress {
  if (!process.stderr.isTTY) {
    let done = 0; const t0 = performance.now();
    return {
      increment: ({ label }) => { done++; process.stderr.write(`[${done}/${total}] ${label} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`); },
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar({ format: 'experiment [{bar}] {value}/{total} runs | {label}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
  bar.start(total, 0, { label: '' });
  return bar;
}
