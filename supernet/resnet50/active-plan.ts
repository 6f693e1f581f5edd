/**
 * LayerSelect + WeightSlice as plain arithmetic: which supernet layers a config activates and at which widths
 * (OFA's `set_active_subnet` followed by `get_active_subnet`), as a static plan. No tensors involved.
 * @module
 */
import type { ResNetSubnetConfig } from '../types.ts';
import {
  BASE_DEPTH_LIST, BLOCK_SPECS, MAX_DEPTH, N_CLASSES, STAGE_BLOCKS, STAGE_OUT_WIDTHS, STEM_MID_WIDTHS, STEM_OUT_WIDTHS,
  middleChannels,
} from './constants.ts';
import { blockPlan, CLASSIFIER_NAME, convSpec, type BlockPlan, type ResNetPlan } from './plan.ts';

export interface ActivePlan {
  plan: ResNetPlan;
  /** Supernet block index behind each static block (skipped blocks vanish, the rest are renumbered). */
  supernetBlocks: number[];
}

function at(list: readonly number[], i: number | undefined, what: string): number {
  const v = i === undefined ? undefined : list[i];
  if (v === undefined) throw new Error(`${what}: no entry ${String(i)} (validate the config first)`);
  return v;
}

/** Assumes a validated config. */
export function activePlan(c: ResNetSubnetConfig): ActivePlan {
  const mid = at(STEM_MID_WIDTHS, c.w[0], 'w[0]');
  const stemOut = at(STEM_OUT_WIDTHS, c.w[1], 'w[1]');
  // OFA: input_stem_skipping = (d[0] != max(depth_list)); the static stem then renumbers input_stem.2 to .1.
  const withResidual = c.d[0] === MAX_DEPTH;
  const stem = {
    first: convSpec('input_stem.0', 3, mid, 3, 2, true),
    residual: withResidual ? convSpec('input_stem.1.conv', mid, mid, 3, 1, true) : null,
    last: convSpec(withResidual ? 'input_stem.2' : 'input_stem.1', mid, stemOut, 3, 1, true),
  };
  const blocks: BlockPlan[] = [];
  const supernetBlocks: number[] = [];
  let inC = stemOut;
  STAGE_BLOCKS.forEach((stageBlocks, s) => {
    const outC = at(STAGE_OUT_WIDTHS[s]!, c.w[s + 2], `w[${s + 2}]`);
    const depth = BASE_DEPTH_LIST[s]! + at([0, 1, 2], c.d[s + 1], `d[${s + 1}]`);
    for (const idx of stageBlocks.slice(0, depth)) {
      const spec = BLOCK_SPECS[idx]!;
      const e = at(c.e, idx, 'e');
      const b = blockPlan(blocks.length, inC, outC, middleChannels(outC, e), spec.stride, e);
      if ((b.downsample !== null) !== spec.hasDownsample) throw new Error(`blocks.${idx}: shortcut kind differs from OFA's`);
      blocks.push(b);
      supernetBlocks.push(idx);
      inC = outC;
    }
  });
  return { plan: { stem, blocks, classifier: { name: CLASSIFIER_NAME, inF: inC, outF: N_CLASSES } }, supernetBlocks };
}
