/**
 * Policy factory: `createPolicy(name, profile, opts)` for
 * `slackfit | slackfit-q | maxbatch | maxacc | fixed:<id> | infaas`, and the server's default.
 * @module
 */
import { fixedPolicy, infaasPolicy, maxAccPolicy, maxBatchPolicy } from './baselines.ts';
import { PolicyError } from './errors.ts';
import type { BatchSizes, PolicyOptions } from './options.ts';
import { SlackFitMPolicy } from './slackfit-m.ts';
import { SlackFitQPolicy } from './slackfit-q.ts';
import { SlackFitPolicy } from './slackfit.ts';
import type { LateMode, LatencyProfile, Policy } from './types.ts';

export type { PolicyOptions } from './options.ts';

export const POLICY_NAMES = ['slackfit', 'slackfit-m', 'slackfit-q', 'maxbatch', 'maxacc', 'fixed:<id>', 'infaas'] as const;

/** A policy with its two stated settings. */
export interface PolicySpec {
  readonly name: string;
  readonly batchSizes: BatchSizes;
  readonly late: LateMode;
}

/**
 * The policy the server runs unless told otherwise (`--policy default`, also `auto`); the
 * simulator resolves the same name to the same settings. Chosen by the evidence in
 * bench/results/policy-eval/report.md (README, "Scheduling policies").
 */
export const DEFAULT_POLICY: PolicySpec = { name: 'slackfit-m', batchSizes: 'all', late: 'drop' };

/** `default`/`auto` -> DEFAULT_POLICY (with any setting given explicitly taking precedence); other names unchanged. */
export function resolvePolicy(name: string, opts: { batchSizes?: BatchSizes; late?: LateMode } = {}): { name: string; batchSizes?: BatchSizes; late?: LateMode } {
  if (name !== 'default' && name !== 'auto') return { name, ...opts };
  return { name: DEFAULT_POLICY.name, batchSizes: opts.batchSizes ?? DEFAULT_POLICY.batchSizes, late: opts.late ?? DEFAULT_POLICY.late };
}

export function createPolicy(name: string, profile: LatencyProfile, opts: PolicyOptions = {}): Policy {
  if (name === 'default' || name === 'auto') {
    const d = resolvePolicy(name, opts);
    return createPolicy(d.name, profile, { ...opts, batchSizes: d.batchSizes!, late: d.late! });
  }
  switch (name) {
    case 'slackfit': return new SlackFitPolicy(profile, opts);
    case 'slackfit-m': return new SlackFitMPolicy(profile, opts);
    case 'slackfit-q': return new SlackFitQPolicy(profile, opts);
    case 'maxbatch': return maxBatchPolicy(profile, opts);
    case 'maxacc': return maxAccPolicy(profile, opts);
    case 'infaas': return infaasPolicy(profile, opts);
  }
  const fixed = /^fixed:(\d+)$/.exec(name);
  if (fixed) return fixedPolicy(profile, Number(fixed[1]), opts);
  throw new PolicyError(`unknown policy ${JSON.stringify(name)}; expected default or one of ${POLICY_NAMES.join(', ')}`);
}
