/**
 * The paper's other policies (App. A.5) and baselines (§6.1), all greedy on the head's slack
 * and all O(log n) lookups of a precomputed step table. "Fits" means latency <= slack.
 * - maxbatch: the largest batch whose smallest-subnet latency fits, then at that batch the most
 *   accurate subnet that fits.
 * - maxacc: the most accurate subnet whose batch-1 latency fits, then its largest batch that fits.
 * - fixed:<id> (Clipper+): one subnet, its largest batch that fits.
 * - infaas: INFaaS with no accuracy threshold, i.e. fixed on the cheapest (smallest) subnet.
 * Subnets are scanned, not binary-searched, so a profile whose latency is not monotone in
 * accuracy (the A40 at batch 1) still gives the rule's answer.
 * @module
 */
import { PolicyError } from './errors.ts';
import { resolveOptions, type PolicyOptions } from './options.ts';
import { ProfileTable } from './profile-table.ts';
import { StepTable } from './step-table.ts';
import type { Decision, LateMode, LatencyProfile, Policy } from './types.ts';

type Rule = (table: ProfileTable, grid: number[], slack: number) => Decision | null;

function option(table: ProfileTable, si: number, b: number): Decision {
  return { subnetId: table.subnets[si]!.id, batchSize: b, expectedLatencyMs: table.latency(si, b) };
}

/** Largest batch of subnet index `si` in `grid` that fits, or undefined. */
function largestFitting(table: ProfileTable, grid: number[], si: number, slack: number): number | undefined {
  let best: number | undefined;
  for (const b of grid) if (table.latency(si, b) <= slack) best = b;
  return best;
}

const maxBatchRule: Rule = (table, grid, slack) => {
  const b = largestFitting(table, grid, 0, slack);
  if (b === undefined) return null;
  for (let si = table.count - 1; si >= 0; si--) if (table.latency(si, b) <= slack) return option(table, si, b);
  return null;
};

const maxAccRule: Rule = (table, grid, slack) => {
  for (let si = table.count - 1; si >= 0; si--) {
    const b = largestFitting(table, grid, si, slack);
    if (b !== undefined) return option(table, si, b);
  }
  return null;
};

const fixedRule = (si: number): Rule => (table, grid, slack) => {
  const b = largestFitting(table, grid, si, slack);
  return b === undefined ? null : option(table, si, b);
};

class StepPolicy implements Policy {
  readonly maxBatch: number;
  /** These rules already consider every option that fits, so `late` only reaches the scheduler. */
  readonly late: LateMode;
  readonly batchSizes: readonly number[];
  readonly #steps: StepTable;

  constructor(readonly name: string, table: ProfileTable, opts: PolicyOptions, rule: Rule, readonly bestEffortSubnetId: number,
    readonly subnetIds?: readonly number[]) {
    const { grid, maxBatch, late } = resolveOptions(table, opts, 'profiled');
    this.maxBatch = maxBatch;
    this.late = late;
    this.batchSizes = grid;
    const latencies: number[] = [];
    table.subnets.forEach((_, si) => grid.forEach((b) => latencies.push(table.latency(si, b))));
    this.#steps = new StepTable(latencies, (slack) => rule(table, grid, slack));
  }

  decide(slackMs: number): Decision | null {
    return this.#steps.lookup(slackMs);
  }
}

export function maxBatchPolicy(profile: LatencyProfile, opts: PolicyOptions = {}): Policy {
  const t = new ProfileTable(profile);
  return new StepPolicy('maxbatch', t, opts, maxBatchRule, t.subnets[0]!.id);
}

export function maxAccPolicy(profile: LatencyProfile, opts: PolicyOptions = {}): Policy {
  const t = new ProfileTable(profile);
  return new StepPolicy('maxacc', t, opts, maxAccRule, t.subnets[0]!.id);
}

/** Clipper+: pinned to one subnet id. */
export function fixedPolicy(profile: LatencyProfile, subnetId: number, opts: PolicyOptions = {}): Policy {
  const t = new ProfileTable(profile);
  if (!t.has(subnetId)) throw new PolicyError(`fixed:${subnetId}: no such subnet (ids: ${t.subnets.map((s) => s.id).join(', ')})`);
  return new StepPolicy(`fixed:${subnetId}`, t, opts, fixedRule(t.indexOf(subnetId)), subnetId, [subnetId]);
}

export function infaasPolicy(profile: LatencyProfile, opts: PolicyOptions = {}): Policy {
  const t = new ProfileTable(profile);
  return new StepPolicy('infaas', t, opts, fixedRule(0), t.subnets[0]!.id, [t.subnets[0]!.id]);
}
