/**
 * OFA's `make_divisible(v, 8)` (ofa/utils/pytorch_modules.py): round a channel count to a multiple of the divisor.
 * @module
 */

/** `max(d, int(v + d/2) // d * d)`, bumped by `d` if that lost more than 10 %. Same numbers as OFA for positive v. */
export function makeDivisible(v: number, divisor = 8, minValue = divisor): number {
  let out = Math.max(minValue, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (out < 0.9 * v) out += divisor;
  return out;
}
