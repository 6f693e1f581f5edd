/**
 * `superserve trace <poisson|bursty|time-varying|azure> ... --out FILE`: writes a seeded arrival trace.
 * @module
 */
import { azureTrace } from '../sim/azure.ts';
import { intFlag, listFlag, numFlag, parseFlags, requireFlag, runCommand, UsageError } from './args.ts';
import { ClassMixError, parseMix, withClassMix } from '../sim/request-classes.ts';
import { writeTraceFile, type Trace } from '../sim/trace-file.ts';
import { burstyTrace, poissonTrace, timeVaryingTrace, traceStats } from '../sim/traces.ts';

export const TRACE_USAGE = `usage: superserve trace <kind> [options] --out FILE

kinds and their options (common: --duration-s D (default 60), --seed N (default 1)):
  poisson       --rate R                         Poisson arrivals, R q/s
  bursty        --base-rate Lb --rate Lv --cv2 C constant-rate base stream (default Lb 1500) + gamma stream (Lv, CV² C)
  time-varying  --rate-from L1 --rate-to L2 --accel T --cv2 C [--warm-s W]
                rate L1 for W s (default 30), ramp at T q/s² to L2, hold L2; default duration W + ramp + 30 s
  azure         --rate R [--csv-dir DIR] [--day N] [--top-functions K]
                Azure Functions 2019 per-minute CSVs (invocations_per_function_md.anon.d*.csv) compressed from
                24 h into D s (default 120) and rescaled to mean R (default 6400); without --csv-dir the
                MAF-shaped default curve in data/traces/maf-default.json is used

request classes (any kind; drawn from their own seeded streams, so the arrival times are those of the same
trace without them):
  --slo-mix MS:FRAC,...       each request's SLO, e.g. 1000:0.9,10000:0.1
  --priority-mix P:FRAC,...   each request's priority as Triton's (0 = default level, 1 = highest), e.g. 1:0.2,0:0.8

File format: "#superserve-trace v1", a "#meta {json}" line, then one integer per line: µs since the previous arrival;
with a mix "#superserve-trace v2" and one "delta_us slo_ms priority" per line.`;

export async function run(argv: string[]): Promise<number> {
  return runCommand('trace', async () => {
    const { values, positionals } = parseFlags(argv, {
        out: { type: 'string' }, rate: { type: 'string' }, 'duration-s': { type: 'string' }, seed: { type: 'string' },
        'base-rate': { type: 'string' }, cv2: { type: 'string' }, 'rate-from': { type: 'string' }, 'rate-to': { type: 'string' },
        accel: { type: 'string' }, 'warm-s': { type: 'string' }, 'csv-dir': { type: 'string' }, day: { type: 'string' },
        'top-functions': { type: 'string' }, 'slo-mix': { type: 'string' }, 'priority-mix': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      }, TRACE_USAGE, true);
    if (values.help) { process.stdout.write(TRACE_USAGE + '\n'); return 0; }
    const kind = positionals[0];
    if (!kind) throw new UsageError('missing trace kind');
    if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
    const out = requireFlag(values.out, 'out');
    const trace = withMixes(await makeTrace(kind, values), values);
    writeTraceFile(out, trace);
    const s = traceStats(trace.arrivalsMs, trace.meta.durationS);
    process.stderr.write(`${kind}: ${trace.arrivalsMs.length} arrivals over ${trace.meta.durationS} s ` +
      `(mean ${s.rate.toFixed(1)} q/s, inter-arrival CV² ${s.cv2.toFixed(2)}) -> ${out}\n`);
    return 0;
  }, TRACE_USAGE);
}

/** Applies `--slo-mix` / `--priority-mix` (seeded by `--seed`); the trace unchanged without them. */
export function withMixes(trace: Trace, values: Record<string, unknown>): Trace {
  const slo = values['slo-mix']; const prio = values['priority-mix'];
  if (slo === undefined && prio === undefined) return trace;
  try {
    return withClassMix(trace, {
      ...(slo !== undefined ? { sloMix: parseMix(String(slo), '--slo-mix', false) } : {}),
      ...(prio !== undefined ? { priorityMix: parseMix(String(prio), '--priority-mix', true) } : {}),
      seed: intFlag(values.seed, 'seed') ?? 1,
    });
  } catch (e) {
    if (e instanceof ClassMixError) throw new UsageError(e.message);
    throw e;
  }
}

/** Builds the trace a `trace` command line asks for (exported for `experiment`-style callers and tests). */
export async function makeTrace(kind: string, values: Record<string, unknown>): Promise<Trace> {
  const seed = intFlag(values.seed, 'seed') ?? 1;
  switch (kind) {
    case 'poisson':
      return poissonTrace({ rate: requireFlag(numFlag(values.rate, 'rate'), 'rate'), durationS: numFlag(values['duration-s'], 'duration-s') ?? 60, seed });
    case 'bursty':
      return burstyTrace({
        baseRate: numFlag(values['base-rate'], 'base-rate') ?? 1500, rate: requireFlag(numFlag(values.rate, 'rate'), 'rate'), cv2: requireFlag(numFlag(values.cv2, 'cv2'), 'cv2'),
        durationS: numFlag(values['duration-s'], 'duration-s') ?? 60, seed,
      });
    case 'time-varying': {
      const rateFrom = requireFlag(numFlag(values['rate-from'], 'rate-from'), 'rate-from'); const rateTo = requireFlag(numFlag(values['rate-to'], 'rate-to'), 'rate-to');
      const accel = requireFlag(numFlag(values.accel, 'accel'), 'accel'); const warmS = numFlag(values['warm-s'], 'warm-s') ?? 30;
      if (!(accel > 0)) throw new UsageError(`--accel must be positive, got ${accel}`);
      const def = warmS + Math.abs(rateTo - rateFrom) / accel + 30;
      return timeVaryingTrace({ rateFrom, rateTo, accel, cv2: requireFlag(numFlag(values.cv2, 'cv2'), 'cv2'), warmS, durationS: numFlag(values['duration-s'], 'duration-s') ?? def, seed });
    }
    case 'azure':
      return azureTrace({
        csvDir: values['csv-dir'] as string | undefined, day: numFlag(values.day, 'day'), topFunctions: numFlag(values['top-functions'], 'top-functions'),
        rate: numFlag(values.rate, 'rate') ?? 6400, durationS: numFlag(values['duration-s'], 'duration-s') ?? 120, seed,
      });
    default:
      throw new UsageError(`unknown trace kind "${kind}" (poisson, bursty, time-varying, azure)`);
  }
}
