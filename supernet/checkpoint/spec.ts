/**
 * The state_dict spec of each architecture and the check that a StateDict matches it exactly.
 * @module
 */
import type { ArchName, StateDict, StateDictSpec } from '../types.ts';
import { ARCH_NAMES } from '../types.ts';
import { CheckpointError } from './errors.ts';
import { mbv3StateDictSpec } from './spec-mbv3.ts';
import { resnet50StateDictSpec } from './spec-resnet50.ts';

const cache = new Map<ArchName, StateDictSpec>();

/** Every tensor name, shape and dtype of the architecture's supernet, in OFA's order. */
export function stateDictSpec(arch: ArchName): StateDictSpec {
  let spec = cache.get(arch);
  if (!spec) {
    if (arch === 'ofa-mbv3-w1.0') spec = mbv3StateDictSpec(1.0);
    else if (arch === 'ofa-mbv3-w1.2') spec = mbv3StateDictSpec(1.2);
    else if (arch === 'ofa-resnet50') spec = resnet50StateDictSpec();
    else throw new CheckpointError(`unknown architecture '${String(arch)}' (expected one of ${ARCH_NAMES.join(', ')})`);
    cache.set(arch, spec);
  }
  return spec;
}

/** Thrown when a state dict does not fit an architecture; lists what is wrong. */
export class StateDictMismatchError extends CheckpointError {
  constructor(
    readonly arch: ArchName,
    readonly missing: string[],
    readonly unexpected: string[],
    readonly wrongShape: string[],
    readonly matchingArch: ArchName | null,
  ) {
    const parts: string[] = [];
    const list = (names: string[]): string => names.slice(0, 4).join(', ') + (names.length > 4 ? `, … (${names.length - 4} more)` : '');
    if (missing.length) parts.push(`${missing.length} missing (${list(missing)})`);
    if (unexpected.length) parts.push(`${unexpected.length} unexpected (${list(unexpected)})`);
    if (wrongShape.length) parts.push(`${wrongShape.length} with the wrong shape or dtype (${list(wrongShape)})`);
    const hint = matchingArch ? `; it is an ${matchingArch} state dict` : '';
    super(`state dict does not match ${arch}: ${parts.join('; ')}${hint}`);
    this.name = 'StateDictMismatchError';
  }
}

/** Throws StateDictMismatchError unless `sd` has exactly the spec's names, shapes and dtypes (and data of that size). */
export function checkStateDict(arch: ArchName, sd: StateDict): void {
  const { missing, unexpected, wrongShape } = compare(stateDictSpec(arch), sd);
  if (missing.length || unexpected.length || wrongShape.length) {
    const matching = ARCH_NAMES.find((other) => other !== arch && isExactMatch(compare(stateDictSpec(other), sd))) ?? null;
    throw new StateDictMismatchError(arch, missing, unexpected, wrongShape, matching);
  }
}

function compare(spec: StateDictSpec, sd: StateDict) {
  const missing: string[] = [];
  const wrongShape: string[] = [];
  const names = new Set<string>();
  for (const e of spec) {
    names.add(e.name);
    const t = sd.get(e.name);
    if (!t) { missing.push(e.name); continue; }
    const numel = e.shape.reduce((a, b) => a * b, 1);
    const sameShape = t.shape.length === e.shape.length && t.shape.every((d, i) => d === e.shape[i]);
    if (!sameShape || t.dtype !== e.dtype || t.data.length !== numel) {
      wrongShape.push(`${e.name} [${t.shape.join(',')}] ${t.dtype}, expected [${e.shape.join(',')}] ${e.dtype}`);
    }
  }
  const unexpected = [...sd.keys()].filter((n) => !names.has(n));
  return { missing, unexpected, wrongShape };
}

function isExactMatch(r: ReturnType<typeof compare>): boolean {
  return !r.missing.length && !r.unexpected.length && !r.wrongShape.length;
}
