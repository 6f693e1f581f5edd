/**
 * Deterministic random supernet weights for a seed (the embedded untrained default model and tests):
 * He-normal convs/linears, centre-heavy depthwise kernels, near-identity kernel-transform matrices,
 * BN gamma ~1, beta ~0, running mean ~0, var ~1, and down-scaled last layers of residual branches so
 * activations stay O(1) through every sub-network. Each tensor is drawn from its own stream seeded by
 * (seed, name), so it does not depend on the other tensors.
 * @module
 */
import type { ArchName, RawTensor, StateDict } from '../types.ts';
import { CheckpointError } from './errors.ts';
import { Prng, streamSeed } from './prng.ts';
import { stateDictSpec } from './spec.ts';

/** Std multiplier on the last conv of a branch that is added to an identity shortcut. */
const RESIDUAL_BRANCH_SCALE = 0.3;
/** Variance factor partly undoing the SE gate (h-sigmoid ≈ 0.5 at random init). */
const SE_GATE_COMPENSATION = 2;
/**
 * MBv3's feature_mix_layer sees globally pooled h-swish features, whose second moment is far below
 * the un-pooled one; measured with the real forward pass: logits rms 0.13 (min subnet) to 1.0 (max), w1.0.
 */
const POOLED_COMPENSATION = 30;
/** h-swish keeps the ReLU gain: a larger one is unstable (h-swish turns ReLU-like as activations grow). */
const H_SWISH_GAIN = 2;

type Role =
  | { kind: 'conv'; gain: number }       // He normal: std = sqrt(gain / fan_in) · scale
  | { kind: 'depthwise'; gain: number }  // N(0,1)·exp(-(dy²+dx²)/2), normalised to the same energy
  | { kind: 'matrix' } | { kind: 'bnWeight' } | { kind: 'bias' }
  | { kind: 'runningMean' } | { kind: 'runningVar' } | { kind: 'counter' };

/** A full state dict for `arch`, identical for equal seeds (seed: any 32-bit integer). */
export function randomStateDict(arch: ArchName, seed: number): StateDict {
  if (!Number.isInteger(seed)) throw new CheckpointError(`random init seed must be an integer, got ${seed}`);
  const sd: StateDict = new Map();
  for (const e of stateDictSpec(arch)) {
    const rng = new Prng(streamSeed(seed, e.name));
    sd.set(e.name, draw(roleOf(arch, e.name, e.shape), e.shape, rng));
  }
  return sd;
}

function roleOf(arch: ArchName, name: string, shape: number[]): Role {
  if (name.endsWith('.num_batches_tracked')) return { kind: 'counter' };
  if (name.endsWith('.running_mean')) return { kind: 'runningMean' };
  if (name.endsWith('.running_var')) return { kind: 'runningVar' };
  if (name.endsWith('_matrix')) return { kind: 'matrix' };
  if (name.endsWith('.bias')) return { kind: 'bias' };
  if (/\.bn(\.bn)?\.weight$/.test(name)) return { kind: 'bnWeight' };
  const act = activationGain(arch, name);
  if (shape.length === 4 && shape[1] === 1 && shape[2]! > 1) return { kind: 'depthwise', gain: act };
  const scale = isResidualBranchEnd(arch, name) ? RESIDUAL_BRANCH_SCALE ** 2 : 1;
  const se = afterSeGate(arch, name) ? SE_GATE_COMPENSATION : 1;
  const pooled = name.startsWith('feature_mix_layer.') ? POOLED_COMPENSATION : 1;
  return { kind: 'conv', gain: act * scale * se * pooled };
}

/** He gain: 2 for a layer followed by ReLU / h-swish, 1 with no activation after it (incl. the SE expand). */
function activationGain(arch: ArchName, name: string): number {
  if (/point_linear|conv3|downsample|se\.fc\.expand|classifier/.test(name)) return 1;
  if (arch === 'ofa-resnet50' || name.includes('se.fc.reduce')) return 2;
  const m = /^blocks\.(\d+)\./.exec(name);
  return m && Number(m[1]) < 9 ? 2 : H_SWISH_GAIN; // MBv3: ReLU in blocks 0–8, h-swish elsewhere
}

/** MBv3 point_linear after an SE gate (h-sigmoid ≈ 0.5 at random init) gets its lost variance back. */
function afterSeGate(arch: ArchName, name: string): boolean {
  if (arch === 'ofa-resnet50') return false;
  const m = /^blocks\.(\d+)\.conv\.point_linear\./.exec(name);
  const b = m ? Number(m[1]) : -1;
  return (b >= 5 && b <= 8) || b >= 13;
}

/** Last weight layer of a residual branch whose shortcut is the identity (OFA's shortcut rules). */
function isResidualBranchEnd(arch: ArchName, name: string): boolean {
  if (arch === 'ofa-resnet50') {
    if (name.startsWith('input_stem.1.')) return true;
    const m = /^blocks\.(\d+)\.conv3\./.exec(name);
    return m !== null && ![0, 4, 8, 14].includes(Number(m[1]));
  }
  const m = /^blocks\.(\d+)\.conv\.point_linear\./.exec(name);
  return m !== null && (Number(m[1]) === 0 || (Number(m[1]) - 1) % 4 !== 0);
}

function draw(role: Role, shape: number[], rng: Prng): RawTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (role.kind === 'counter') return { shape: [...shape], dtype: 'int64', data: new BigInt64Array(n) };
  const d = new Float32Array(n);
  switch (role.kind) {
    case 'conv': {
      const fanIn = n / shape[0]!;
      const std = Math.sqrt(role.gain / fanIn);
      rng.fillNormal(d);
      for (let i = 0; i < n; i++) d[i] = d[i]! * std;
      break;
    }
    case 'depthwise': {
      const kh = shape[2]!;
      const kw = shape[3]!;
      const env = new Float32Array(kh * kw);
      let energy = 0;
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          const dy = y - (kh - 1) / 2;
          const dx = x - (kw - 1) / 2;
          env[y * kw + x] = Math.exp(-(dy * dy + dx * dx) / 2);
          energy += env[y * kw + x]! ** 2;
        }
      }
      const scale = Math.sqrt(role.gain / energy);
      for (let i = 0; i < n; i++) d[i] = rng.normal() * env[i % (kh * kw)]! * scale;
      break;
    }
    case 'matrix': {
      const k = shape[0]!;
      for (let i = 0; i < n; i++) d[i] = (i % (k + 1) === 0 ? 1 : 0) + 0.05 * rng.normal();
      break;
    }
    case 'bnWeight': for (let i = 0; i < n; i++) d[i] = 1 + 0.05 * rng.normal(); break;
    case 'bias': for (let i = 0; i < n; i++) d[i] = 0.02 * rng.normal(); break;
    case 'runningMean': for (let i = 0; i < n; i++) d[i] = 0.02 * rng.normal(); break;
    case 'runningVar': for (let i = 0; i < n; i++) d[i] = Math.exp(0.1 * rng.normal()); break;
  }
  return { shape: [...shape], dtype: 'float32', data: d };
}
