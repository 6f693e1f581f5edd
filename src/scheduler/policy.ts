/**
 * Policy factory: `createPolicy(name, profile, opts)` for
 * `slackfit | slackfit-q | maxbatch | maxacc | fixed:<id> | infaas`.
 * @module
 */
import { fixedPolicy, infaasPolicy, maxAccPolicy, maxBatchPolicy } from './baselines.ts';
import { PolicyError } from './errors.ts';
import type { PolicyOptions } from './options.ts';
import { SlackFitQPolicy } from './slackfit-q.ts';
import { SlackFitPolicy } from './slackfit.ts';
import type { LatencyProfile, Policy } from './types.ts';

export type { PolicyOptions } from './options.ts';

/** What `auto` / `default` means, for the server and the simulator alike (README, Scheduling policies, says why). */
export const DEFAULT_POLICY = 'slackfit';

export const POLICY_NAMES = ['slackfit', 'slackfit-q', 'maxbatch', 'maxacc', 'fixed:<id>', 'infaas'] as const;

export function createPolicy(name: string, profile: LatencyProfile, opts: PolicyOptions = {}): Policy {
  switch (name) {
    case 'slackfit': return new SlackFitPolicy(profile, opts);
    case 'slackfit-q': return new SlackFitQPolicy(profile, opts);
    case 'maxbatch': return maxBatchPolicy(profile, opts);
    case 'maxacc': return maxAccPolicy(profile, opts);
    case 'infaas': return infaasPolicy(profile, opts);
  }
  const fixed = /^fixed:(\d+)$/.exec(name);
  if (fixed) return fixedPolicy(profile, Number(fixed[1]), opts);
  throw new PolicyError(`unknown policy ${JSON.stringify(name)}; expected one of ${POLICY_NAMES.join(', ')}`);
}
