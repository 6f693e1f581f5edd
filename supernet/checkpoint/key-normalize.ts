/**
 * OFA's `load_state_dict` key remapping (ofa-supernets.md §7.1), so released checkpoints with older
 * or static-net names load: renames keys the spec does not know, and fills the two kinds of
 * tensors OFA would keep at their initial values when absent (`num_batches_tracked` = 0, kernel
 * transform matrices = identity).
 * @module
 */
import type { ArchName, RawTensor, StateDict } from '../types.ts';
import { stateDictSpec } from './spec.ts';

export interface NormalizeResult {
  stateDict: StateDict;
  /** One human-readable line per rename/fill (empty for a checkpoint that already uses the spec's names). */
  notes: string[];
}

const MBV3_RULES: Array<[string, string]> = [
  ['.bn.bn.', '.bn.'], ['.conv.conv.weight', '.conv.weight'], ['.linear.linear.', '.linear.'],
  ['.linear.', '.linear.linear.'], ['bn.', 'bn.bn.'], ['conv.weight', 'conv.conv.weight'],
];
const RESNET_RULES = MBV3_RULES.slice(3);

/** Rename keys like OFA does (first matching rule wins; a key still unknown is kept as is) and fill defaults. */
export function normalizeOfaKeys(arch: ArchName, sd: StateDict): NormalizeResult {
  const spec = stateDictSpec(arch);
  const known = new Set(spec.map((e) => e.name));
  const rules = arch === 'ofa-resnet50' ? RESNET_RULES : MBV3_RULES;
  const out: StateDict = new Map();
  const notes: string[] = [];
  let renamed = 0;
  for (const [key, t] of sd) {
    let name = arch === 'ofa-resnet50' ? key : key.replaceAll('.mobile_inverted_conv.', '.conv.');
    if (!known.has(name)) {
      const rule = rules.find(([from]) => name.includes(from));
      if (rule && known.has(name.replaceAll(rule[0], rule[1]))) name = name.replaceAll(rule[0], rule[1]);
    }
    if (name !== key) renamed++;
    out.set(out.has(name) ? key : name, t);
  }
  if (renamed) notes.push(`renamed ${renamed} keys from OFA's older naming`);
  let filledCounters = 0;
  let filledMatrices = 0;
  for (const e of spec) {
    if (out.has(e.name)) continue;
    if (e.name.endsWith('.num_batches_tracked')) {
      out.set(e.name, { shape: [], dtype: 'int64', data: new BigInt64Array(1) });
      filledCounters++;
    } else if (/\.(5to3|7to5)_matrix$/.test(e.name) && e.shape.length === 2) {
      out.set(e.name, identity(e.shape[0]!));
      filledMatrices++;
    }
  }
  if (filledCounters) notes.push(`filled ${filledCounters} missing num_batches_tracked with 0`);
  if (filledMatrices) notes.push(`filled ${filledMatrices} missing kernel-transform matrices with identity (OFA's initial value)`);
  return { stateDict: out, notes };
}

function identity(n: number): RawTensor {
  const data = new Float32Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return { shape: [n, n], dtype: 'float32', data };
}
