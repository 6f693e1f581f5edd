/**
 * OFA-ResNet50 (`OFAResNets`, ResNet50-D design space) architecture constants and the width/middle-channel tables,
 * computed exactly as `ofa/imagenet_classification/elastic_nn/networks/ofa_resnets.py` does.
 * @module
 */
import { makeDivisible } from '../ops/index.ts';

export const DEPTH_LIST = [0, 1, 2] as const;
export const MAX_DEPTH = 2;
export const EXPAND_RATIO_LIST = [0.2, 0.25, 0.35] as const;
export const WIDTH_MULT_LIST = [0.65, 0.8, 1.0] as const;
/** `ResNets.BASE_DEPTH_LIST`: blocks per stage that always run. */
export const BASE_DEPTH_LIST = [2, 2, 4, 2] as const;
export const STAGE_WIDTH_LIST = [256, 512, 1024, 2048] as const;
export const STAGE_STRIDES = [1, 2, 2, 2] as const;
export const N_CLASSES = 1000;
export const N_STAGES = BASE_DEPTH_LIST.length;
/** Length of the `d` (stem + stages) and `w` (2 stem widths + stages) config vectors. */
export const D_LENGTH = N_STAGES + 1;
export const W_LENGTH = N_STAGES + 2;

/** `[make_divisible(width * wm, 8) for wm in width_mult_list]`. */
function widthsOf(width: number): number[] {
  return WIDTH_MULT_LIST.map((wm) => makeDivisible(width * wm, 8));
}

/** Output widths of input_stem[2] per width index (40/48/64). */
export const STEM_OUT_WIDTHS = widthsOf(64);
/** Output widths of input_stem[0] and input_stem[1] per width index (24/24/32). */
export const STEM_MID_WIDTHS = STEM_OUT_WIDTHS.map((c) => makeDivisible(Math.floor(c / 2), 8));
/** Output widths of every block of each stage, per width index. */
export const STAGE_OUT_WIDTHS = STAGE_WIDTH_LIST.map(widthsOf);

/** Middle width of a bottleneck: `make_divisible(round(active_out * e), 8)` — of the block's OUTPUT width. */
export function middleChannels(outChannels: number, expandRatio: number): number {
  // Python's round() is half-to-even; no product of these widths and ratios is an exact half.
  return makeDivisible(Math.round(outChannels * expandRatio), 8);
}

/** Static description of one supernet bottleneck block (max widths). */
export interface SupernetBlockSpec {
  index: number;
  stage: number;
  /** Candidate input widths (width index -> channels): the previous stage's or the stem's. */
  inWidths: number[];
  outWidths: number[];
  stride: number;
  maxMid: number;
  /** ResNet-D `avgpool_conv` downsample: the first block of every stage. */
  hasDownsample: boolean;
}

function buildBlockSpecs(): SupernetBlockSpec[] {
  const specs: SupernetBlockSpec[] = [];
  let inWidths = STEM_OUT_WIDTHS;
  STAGE_OUT_WIDTHS.forEach((outWidths, stage) => {
    const n = BASE_DEPTH_LIST[stage]! + MAX_DEPTH;
    for (let j = 0; j < n; j++) {
      const stride = j === 0 ? STAGE_STRIDES[stage]! : 1;
      const sameWidths = inWidths.every((c, i) => c === outWidths[i]);
      specs.push({
        index: specs.length, stage, inWidths, outWidths, stride,
        maxMid: middleChannels(Math.max(...outWidths), Math.max(...EXPAND_RATIO_LIST)),
        hasDownsample: !(stride === 1 && sameWidths),
      });
      inWidths = outWidths;
    }
  });
  return specs;
}

/** The 18 bottleneck blocks (`blocks.0` … `blocks.17`). */
export const BLOCK_SPECS: readonly SupernetBlockSpec[] = buildBlockSpecs();
export const N_BLOCKS = BLOCK_SPECS.length;

/** Supernet block indices of each stage (`grouped_block_index`). */
export const STAGE_BLOCKS: readonly number[][] = BASE_DEPTH_LIST.map((_, s) =>
  BLOCK_SPECS.filter((b) => b.stage === s).map((b) => b.index));
