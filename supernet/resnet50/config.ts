/**
 * Validation and canonical keys of OFA-ResNet50 sub-network configs `{d: [5], e: [18], w: [6], image_size}`.
 * @module
 */
import { SubnetConfigError, type ResNetSubnetConfig } from '../types.ts';
import { D_LENGTH, DEPTH_LIST, EXPAND_RATIO_LIST, N_BLOCKS, WIDTH_MULT_LIST, W_LENGTH } from './constants.ts';

/** Resolutions accepted (OFA trained 128..224; the net is fully convolutional, so smaller/larger work too). */
export const IMAGE_SIZE_MIN = 32;
export const IMAGE_SIZE_MAX = 512;
/** `d[0]` switches the residual stem block: OFA runs it iff `d[0] == max(depth_list)`; its sampler draws 0 or 2. */
export const STEM_DEPTH_VALUES = [0, 2] as const;
const FIELDS = ['d', 'e', 'w', 'image_size'];

function list(obj: Record<string, unknown>, field: string, length: number): unknown[] {
  const v = obj[field];
  if (v === undefined) throw new SubnetConfigError(field, v, 'missing');
  if (!Array.isArray(v)) throw new SubnetConfigError(field, v, `must be an array of ${length} numbers`);
  if (v.length !== length) throw new SubnetConfigError(field, v, `must have ${length} entries, has ${v.length}`);
  return v;
}

function member(field: string, v: unknown, allowed: readonly number[]): number {
  if (typeof v !== 'number' || !allowed.includes(v)) {
    throw new SubnetConfigError(field, v, `must be one of ${allowed.join(', ')}`);
  }
  return v;
}

/** Checks an untrusted object; returns a fresh, typed copy. Throws SubnetConfigError naming the bad field. */
export function validateResNetConfig(config: unknown): ResNetSubnetConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new SubnetConfigError('config', config, 'must be an object {d, e, w, image_size}');
  }
  const obj = config as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!FIELDS.includes(k)) throw new SubnetConfigError(k, obj[k], `unknown field (expected ${FIELDS.join(', ')})`);
  }
  const d = list(obj, 'd', D_LENGTH).map((v, i) => member(`d[${i}]`, v, i === 0 ? STEM_DEPTH_VALUES : DEPTH_LIST));
  const e = list(obj, 'e', N_BLOCKS).map((v, i) => member(`e[${i}]`, v, EXPAND_RATIO_LIST));
  const widthIndices = WIDTH_MULT_LIST.map((_, i) => i);
  const w = list(obj, 'w', W_LENGTH).map((v, i) => member(`w[${i}]`, v, widthIndices));
  const r = obj.image_size;
  if (r === undefined) throw new SubnetConfigError('image_size', r, 'missing');
  if (typeof r !== 'number' || !Number.isInteger(r) || r < IMAGE_SIZE_MIN || r > IMAGE_SIZE_MAX) {
    throw new SubnetConfigError('image_size', r, `must be an integer in ${IMAGE_SIZE_MIN}..${IMAGE_SIZE_MAX}`);
  }
  return { d, e, w, image_size: r };
}

/**
 * Canonical key, e.g. `r50:d=0,0,0,0,0;e=0.2,…;w=0,0,0,0,0,0;r=224`. It spells the config as given (entries of
 * skipped blocks included), so it is stable and a SubnetNorm table keyed by it is unambiguous.
 */
export function resnetKey(c: ResNetSubnetConfig): string {
  return `r50:d=${c.d.join(',')};e=${c.e.join(',')};w=${c.w.join(',')};r=${c.image_size}`;
}
