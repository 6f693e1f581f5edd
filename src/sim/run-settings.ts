/**
 * The settings that make a simulated run what it is, printed in every summary row (`runs[].params`),
 * report table and plot legend: the policy's batch sizes and late handling, the latency noise and its seed.
 * @module
 */
import { checkLateMode, parseBatchSizes, PolicyError, type BatchSizes, type LateMode, type Policy } from '../scheduler/index.ts';
import { UsageError } from '../usage-error.ts';

export type NoiseKind = 'none' | 'profile';

/** The settings part of `runs[].params`. */
export interface RunSettings {
  /** "all" when every size 1..max may be used, else the list ("1,2,4,8,16"). */
  batch_sizes: string;
  late: LateMode;
  noise: NoiseKind;
  /** Noise seed (only with noise). */
  seed?: number;
  adapt_latency: boolean;
}

/** "all" for 1..max without gaps, else "1,2,4,8,16". */
export function batchSetLabel(sizes: readonly number[] | undefined): string {
  if (!sizes || sizes.length === 0) return '?';
  return sizes.every((b, i) => b === i + 1) ? 'all' : sizes.join(',');
}

export function runSettings(policy: Policy, o: { noise: NoiseKind; seed: number; adaptLatency: boolean }): RunSettings {
  return {
    batch_sizes: batchSetLabel(policy.batchSizes), late: policy.late ?? 'drop', noise: o.noise,
    ...(o.noise !== 'none' ? { seed: o.seed } : {}), adapt_latency: o.adaptLatency,
  };
}

/** "[all, drop]" or "[1,2,4,8,16, serve, noise]" from a summary row's params. */
export function settingsLabel(params: Record<string, unknown> | undefined): string {
  if (!params || params.batch_sizes === undefined) return '';
  const noise = params.noise && params.noise !== 'none' ? ', noise' : '';
  return `[${String(params.batch_sizes)}, ${String(params.late)}${noise}]`;
}

/** `--batch-sizes` and `--late` of simulate/experiment, as policy options (absent flags: absent keys). */
export function policySettingsFlags(values: Record<string, unknown>): { batchSizes?: BatchSizes; late?: LateMode } {
  const out: { batchSizes?: BatchSizes; late?: LateMode } = {};
  try {
    if (values['batch-sizes'] !== undefined) out.batchSizes = parseBatchSizes(String(values['batch-sizes']));
    if (values.late !== undefined) out.late = checkLateMode(values.late);
  } catch (e) {
    if (e instanceof PolicyError) throw new UsageError(e.message.replace(/^late must be 'drop' or 'serve'/, '--late must be drop or serve'));
    throw e;
  }
  return out;
}
