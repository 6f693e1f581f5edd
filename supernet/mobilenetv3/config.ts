/**
 * Subnet configs of the MobileNetV3 supernets: validation of untrusted input (OFA's exact
 * `{ks:[20], e:[20], d:[5], image_size}` dict) and the canonical cache / SubnetNorm key.
 * @module
 */
import { SubnetConfigError, type MbV3SubnetConfig } from '../types.ts';
import { D_CHOICES, E_CHOICES, KS_CHOICES, N_ELASTIC_BLOCKS, N_STAGES, type MbV3Arch } from './arch.ts';

/** Accepted resolutions (integers). OFA trained 128..224; anything from 32 up runs through the 32x downsampling. */
export const MIN_IMAGE_SIZE = 32;
export const MAX_IMAGE_SIZE = 512;

function intList(obj: Record<string, unknown>, field: string, length: number, choices: readonly number[]): number[] {
  const v = obj[field];
  if (v === undefined) throw new SubnetConfigError(field, v, `missing (expected ${length} integers from {${choices.join(',')}})`);
  if (!Array.isArray(v)) throw new SubnetConfigError(field, v, `must be an array of ${length} integers`);
  if (v.length !== length) throw new SubnetConfigError(field, v, `must have exactly ${length} entries, got ${v.length}`);
  v.forEach((x, i) => {
    if (typeof x !== 'number' || !choices.includes(x)) {
      throw new SubnetConfigError(`${field}[${i}]`, x, `must be one of ${choices.join(', ')}`);
    }
  });
  return [...(v as number[])];
}

/** Validate an untrusted value as an MBv3 subnet config. Unknown extra fields are rejected too (typos would be silent). */
export function validateMbV3Config(config: unknown): MbV3SubnetConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new SubnetConfigError('config', config, 'must be an object {ks, e, d, image_size}');
  }
  const obj = config as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!['ks', 'e', 'd', 'image_size'].includes(k)) throw new SubnetConfigError(k, obj[k], 'unknown field (expected ks, e, d, image_size)');
  }
  const ks = intList(obj, 'ks', N_ELASTIC_BLOCKS, KS_CHOICES);
  const e = intList(obj, 'e', N_ELASTIC_BLOCKS, E_CHOICES);
  const d = intList(obj, 'd', N_STAGES, D_CHOICES);
  const r = obj['image_size'];
  if (r === undefined) throw new SubnetConfigError('image_size', r, `missing (expected an integer in ${MIN_IMAGE_SIZE}..${MAX_IMAGE_SIZE})`);
  if (typeof r !== 'number' || !Number.isInteger(r) || r < MIN_IMAGE_SIZE || r > MAX_IMAGE_SIZE) {
    throw new SubnetConfigError('image_size', r, `must be an integer in ${MIN_IMAGE_SIZE}..${MAX_IMAGE_SIZE}`);
  }
  return { ks, e, d, image_size: r };
}

/** Supernet block indices (1..20) that run for depths `d`: the first d[s] blocks of every stage. */
export function activeBlocks(arch: MbV3Arch, d: readonly number[]): number[] {
  return arch.stageBlocks.flatMap((group, s) => group.slice(0, d[s]));
}

/**
 * Canonical key, e.g. `mbv3-w1.0:ks=7,5,-,-,...;e=6,4,-,-,...;d=2,...;r=224`. Entries of blocks the depth skips do not
 * change the network, so they are written as `-`: configs that differ only there share a key (cache, SubnetNorm).
 */
export function mbv3Key(arch: MbV3Arch, c: MbV3SubnetConfig): string {
  const active = new Set(activeBlocks(arch, c.d));
  const show = (v: number[]) => v.map((x, i) => (active.has(i + 1) ? String(x) : '-')).join(',');
  return `mbv3-w${arch.width.toFixed(1)}:ks=${show(c.ks)};e=${show(c.e)};d=${c.d.join(',')};r=${c.image_size}`;
}
