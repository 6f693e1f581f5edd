/**
 * Every state_dict entry of OFA's `ofa_resnet50` supernet (368 keys), in OFA's order (ofa-supernets.md §4).
 * @module
 */
import type { StateDictSpec } from '../types.ts';
import { makeDivisible } from '../ops/make-divisible.ts';

const STAGE_WIDTH = [256, 512, 1024, 2048];
const BLOCKS_PER_STAGE = [4, 4, 6, 4]; // BASE_DEPTH_LIST [2,2,4,2] + max(depth_list) 2
const MAX_EXPAND = 0.35;

/** The supernet state_dict spec: max widths (width multiplier 1.0, expand 0.35). */
export function resnet50StateDictSpec(): StateDictSpec {
  const spec: StateDictSpec = [];
  const f32 = (name: string, shape: number[]): void => { spec.push({ name, shape, dtype: 'float32' }); };
  const bn = (prefix: string, c: number): void => {
    for (const p of ['weight', 'bias', 'running_mean', 'running_var']) f32(`${prefix}.${p}`, [c]);
    spec.push({ name: `${prefix}.num_batches_tracked`, shape: [], dtype: 'int64' });
  };
  const midStem = makeDivisible(64 * 0.5);
  const stemOut = makeDivisible(64);
  f32('input_stem.0.conv.conv.weight', [midStem, 3, 3, 3]);
  bn('input_stem.0.bn.bn', midStem);
  f32('input_stem.1.conv.conv.conv.weight', [midStem, midStem, 3, 3]);
  bn('input_stem.1.conv.bn.bn', midStem);
  f32('input_stem.2.conv.conv.weight', [stemOut, midStem, 3, 3]);
  bn('input_stem.2.bn.bn', stemOut);

  let cin = stemOut;
  let block = 0;
  for (let stage = 0; stage < 4; stage++) {
    const cout = makeDivisible(STAGE_WIDTH[stage]!);
    const mid = makeDivisible(Math.round(cout * MAX_EXPAND));
    for (let j = 0; j < BLOCKS_PER_STAGE[stage]!; j++, block++) {
      const p = `blocks.${block}`;
      f32(`${p}.conv1.conv.conv.weight`, [mid, cin, 1, 1]);
      bn(`${p}.conv1.bn.bn`, mid);
      f32(`${p}.conv2.conv.conv.weight`, [mid, mid, 3, 3]);
      bn(`${p}.conv2.bn.bn`, mid);
      f32(`${p}.conv3.conv.conv.weight`, [cout, mid, 1, 1]);
      bn(`${p}.conv3.bn.bn`, cout);
      if (j === 0) {
        f32(`${p}.downsample.conv.conv.weight`, [cout, cin, 1, 1]);
        bn(`${p}.downsample.bn.bn`, cout);
      }
      cin = cout;
    }
  }
  f32('classifier.linear.linear.weight', [1000, cin]);
  f32('classifier.linear.linear.bias', [1000]);
  return spec;
}
