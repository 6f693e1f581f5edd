/**
 * The fixed shape of OFA's MobileNetV3 supernets (`ofa_mbv3_d234_e346_k357_w1.0` / `w1.2`): widths, strides,
 * activations, SE placement, shortcuts and elastic choices, per ofa_mbv3.py.
 * @module
 */
import { makeDivisible, type Activation } from '../ops/index.ts';
import type { ArchName } from '../types.ts';

export type MbV3Width = 1.0 | 1.2;

export const KS_CHOICES: readonly number[] = [3, 5, 7];
export const E_CHOICES: readonly number[] = [3, 4, 6];
export const D_CHOICES: readonly number[] = [2, 3, 4];
export const N_ELASTIC_BLOCKS = 20;
export const N_STAGES = 5;
export const MAX_DEPTH = 4;
export const N_CLASSES = 1000;

/** One elastic block (supernet blocks 1..20). */
export interface MbV3BlockSpec {
  /** Supernet block index, 1..20. */
  index: number;
  /** Elastic stage 0..4 (OFA's block_group_info index). */
  stage: number;
  inC: number;
  outC: number;
  stride: number;
  act: Activation;
  se: boolean;
  /** Identity shortcut (stride 1 and in == out): every block but a stage's first. */
  residual: boolean;
  /** Middle width at the largest expand ratio (the stored tensors' size). */
  maxMid: number;
}

export interface MbV3Arch {
  arch: ArchName;
  width: MbV3Width;
  /** first_conv out = block 0 in/out. */
  stemC: number;
  finalExpandC: number;
  lastC: number;
  blocks: MbV3BlockSpec[];
  /** Supernet block indices per stage (OFA's block_group_info). */
  stageBlocks: number[][];
}

const BASE_WIDTHS = [16, 16, 24, 40, 80, 112, 160, 960, 1280];
const STAGE_STRIDES = [2, 2, 2, 1, 2];
const STAGE_ACTS: Activation[] = ['relu', 'relu', 'h_swish', 'h_swish', 'h_swish'];
const STAGE_SE = [false, true, false, true, true];

/** `make_divisible(round(Cin * e), 8)`: a block's middle width depends on its input width only. */
export function midChannels(inC: number, e: number): number {
  return makeDivisible(Math.round(inC * e), 8);
}

/** `make_divisible(C // 4, 8)`: the SE's reduced width for C active channels. */
export function seChannels(c: number): number {
  return makeDivisible(Math.floor(c / 4), 8);
}

export function archName(width: MbV3Width): ArchName {
  return width === 1.0 ? 'ofa-mbv3-w1.0' : 'ofa-mbv3-w1.2';
}

export function mbv3Arch(width: MbV3Width): MbV3Arch {
  if (width !== 1.0 && width !== 1.2) throw new RangeError(`MobileNetV3 width must be 1.0 or 1.2, got ${String(width)}`);
  const w = BASE_WIDTHS.map((b, i) => (i < 7 ? makeDivisible(b * width, 8) : b));
  const stemC = w[0]!;
  const blocks: MbV3BlockSpec[] = [];
  const stageBlocks: number[][] = [];
  let inC = w[1]!;
  for (let s = 0; s < N_STAGES; s++) {
    const outC = w[s + 2]!;
    const group: number[] = [];
    for (let j = 0; j < MAX_DEPTH; j++) {
      const stride = j === 0 ? STAGE_STRIDES[s]! : 1;
      const index = 1 + s * MAX_DEPTH + j;
      blocks.push({
        index, stage: s, inC, outC, stride, act: STAGE_ACTS[s]!, se: STAGE_SE[s]!,
        residual: stride === 1 && inC === outC, maxMid: midChannels(inC, Math.max(...E_CHOICES)),
      });
      group.push(index);
      inC = outC;
    }
    stageBlocks.push(group);
  }
  return {
    arch: archName(width), width, stemC,
    finalExpandC: makeDivisible(960 * width, 8), lastC: makeDivisible(1280 * width, 8),
    blocks, stageBlocks,
  };
}
