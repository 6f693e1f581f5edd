/**
 * The static layer plan of one ResNet50 sub-network (what OFA's `get_active_subnet()` builds), named like the
 * static subnet's modules: `input_stem.0`, `input_stem.1.conv` (residual stem conv, if kept), `blocks.<n>.conv1`,
 * `blocks.<n>.downsample`, `classifier.linear`. Blocks are renumbered consecutively, as OFA does.
 * @module
 */

/** One conv → BN (→ ReLU) layer. */
export interface ConvSpec {
  name: string;
  inC: number;
  outC: number;
  kernel: number;
  stride: number;
  relu: boolean;
}

export interface StemPlan {
  first: ConvSpec;
  /** The residual 3×3 stem block (`x + conv(x)`), absent when the stem is skipped (`d[0] = 0`). */
  residual: ConvSpec | null;
  last: ConvSpec;
}

export interface BlockPlan {
  inC: number;
  outC: number;
  midC: number;
  stride: number;
  expandRatio: number;
  conv1: ConvSpec;
  conv2: ConvSpec;
  conv3: ConvSpec;
  /** ResNet-D shortcut: avg-pool (kernel = stride = `stride`, ceil mode) → this 1×1 conv → BN; null = identity. */
  downsample: ConvSpec | null;
}

export interface ResNetPlan {
  stem: StemPlan;
  blocks: BlockPlan[];
  classifier: { name: string; inF: number; outF: number };
}

export const CLASSIFIER_NAME = 'classifier.linear';

export function convSpec(name: string, inC: number, outC: number, kernel: number, stride: number, relu: boolean): ConvSpec {
  return { name, inC, outC, kernel, stride, relu };
}

/** Bottleneck block `n` of a static plan, with the widths given. */
export function blockPlan(n: number, inC: number, outC: number, midC: number, stride: number, expandRatio: number): BlockPlan {
  const p = `blocks.${n}`;
  const downsample = stride === 1 && inC === outC ? null : convSpec(`${p}.downsample`, inC, outC, 1, 1, false);
  return {
    inC, outC, midC, stride, expandRatio,
    conv1: convSpec(`${p}.conv1`, inC, midC, 1, 1, true),
    conv2: convSpec(`${p}.conv2`, midC, midC, 3, stride, true),
    conv3: convSpec(`${p}.conv3`, midC, outC, 1, 1, false),
    downsample,
  };
}

/** Every conv layer in execution order (a block's downsample runs before its conv1, as in OFA). */
export function planConvs(plan: ResNetPlan): ConvSpec[] {
  const { first, residual, last } = plan.stem;
  const out = residual ? [first, residual, last] : [first, last];
  for (const b of plan.blocks) out.push(...(b.downsample ? [b.downsample] : []), b.conv1, b.conv2, b.conv3);
  return out;
}

/** Names and shapes of the static weights: `<layer>.weight` HWIO (BN folded), `<layer>.bias`, classifier [in, out]. */
export function planWeightShapes(plan: ResNetPlan): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const c of planConvs(plan)) {
    shapes.set(`${c.name}.weight`, [c.kernel, c.kernel, c.inC, c.outC]);
    shapes.set(`${c.name}.bias`, [c.outC]);
  }
  shapes.set(`${plan.classifier.name}.weight`, [plan.classifier.inF, plan.classifier.outF]);
  shapes.set(`${plan.classifier.name}.bias`, [plan.classifier.outF]);
  return shapes;
}
