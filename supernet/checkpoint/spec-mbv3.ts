/**
 * Every state_dict entry of OFA's `ofa_mbv3_d234_e346_k357_w1.0` / `w1.2` supernet, in OFA's order
 * (ofa-supernets.md §2.1–§2.4; Appendix A lists all 475 keys of w1.0).
 * @module
 */
import type { StateDictSpec } from '../types.ts';
import { makeDivisible } from '../ops/make-divisible.ts';

const BASE_STAGE_WIDTH = [16, 16, 24, 40, 80, 112, 160, 960, 1280];
const STAGE_HAS_SE = [false, true, false, true, true];
const BLOCKS_PER_STAGE = 4;

/** The supernet state_dict spec for a width multiplier (1.0 -> 475 keys, 1.2 -> 475 keys with wider shapes). */
export function mbv3StateDictSpec(width: 1.0 | 1.2): StateDictSpec {
  const w = BASE_STAGE_WIDTH.slice(0, 7).map((c) => makeDivisible(c * width));
  const finalExpand = makeDivisible(960 * width);
  const lastChannel = makeDivisible(1280 * width);
  const spec: StateDictSpec = [];
  const f32 = (name: string, shape: number[]): void => { spec.push({ name, shape, dtype: 'float32' }); };
  const bn = (prefix: string, c: number): void => {
    for (const p of ['weight', 'bias', 'running_mean', 'running_var']) f32(`${prefix}.${p}`, [c]);
    spec.push({ name: `${prefix}.num_batches_tracked`, shape: [], dtype: 'int64' });
  };

  const c0 = w[0]!;
  f32('first_conv.conv.weight', [c0, 3, 3, 3]);
  bn('first_conv.bn', c0);
  f32('blocks.0.conv.depth_conv.conv.weight', [w[1]!, 1, 3, 3]);
  bn('blocks.0.conv.depth_conv.bn', w[1]!);
  f32('blocks.0.conv.point_linear.conv.weight', [w[1]!, c0, 1, 1]);
  bn('blocks.0.conv.point_linear.bn', w[1]!);

  let cin = w[1]!;
  let block = 1;
  for (let stage = 0; stage < 5; stage++) {
    const cout = w[stage + 2]!;
    for (let j = 0; j < BLOCKS_PER_STAGE; j++, block++) {
      const p = `blocks.${block}.conv`;
      const mid = makeDivisible(Math.round(cin * 6));
      f32(`${p}.inverted_bottleneck.conv.conv.weight`, [mid, cin, 1, 1]);
      bn(`${p}.inverted_bottleneck.bn.bn`, mid);
      f32(`${p}.depth_conv.conv.5to3_matrix`, [9, 9]);
      f32(`${p}.depth_conv.conv.7to5_matrix`, [25, 25]);
      f32(`${p}.depth_conv.conv.conv.weight`, [mid, 1, 7, 7]);
      bn(`${p}.depth_conv.bn.bn`, mid);
      if (STAGE_HAS_SE[stage]) {
        const se = makeDivisible(Math.floor(mid / 4));
        f32(`${p}.depth_conv.se.fc.reduce.weight`, [se, mid, 1, 1]);
        f32(`${p}.depth_conv.se.fc.reduce.bias`, [se]);
        f32(`${p}.depth_conv.se.fc.expand.weight`, [mid, se, 1, 1]);
        f32(`${p}.depth_conv.se.fc.expand.bias`, [mid]);
      }
      f32(`${p}.point_linear.conv.conv.weight`, [cout, mid, 1, 1]);
      bn(`${p}.point_linear.bn.bn`, cout);
      cin = cout;
    }
  }
  f32('final_expand_layer.conv.weight', [finalExpand, cin, 1, 1]);
  bn('final_expand_layer.bn', finalExpand);
  f32('feature_mix_layer.conv.weight', [lastChannel, finalExpand, 1, 1]);
  f32('classifier.linear.weight', [1000, lastChannel]);
  f32('classifier.linear.bias', [1000]);
  return spec;
}
