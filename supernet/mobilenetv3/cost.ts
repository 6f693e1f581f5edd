/**
 * Size and compute of a MobileNetV3 subnet, counted like OFA (`count_parameters`, and `count_net_flops`:
 * multiply-accumulates of convs and linear layers only, SE included).
 * @module
 */
import type { MbV3SubnetConfig } from '../types.ts';
import { midChannels, N_CLASSES, seChannels, type MbV3Arch } from './arch.ts';
import { activeBlocks } from './config.ts';

export interface SubnetCost { params: number; macs: number }

export function mbv3Cost(a: MbV3Arch, c: MbV3SubnetConfig): SubnetCost {
  const convOut = (h: number, stride: number) => (stride === 2 ? Math.ceil(h / 2) : h);
  let h = convOut(c.image_size, 2);
  const s = a.stemC;
  let macs = h * h * 27 * s + h * h * 9 * s + h * h * s * s;
  let params = 27 * s + 2 * s + (9 * s + 2 * s) + (s * s + 2 * s);
  for (const i of activeBlocks(a, c.d)) {
    const b = a.blocks[i - 1]!;
    const k = c.ks[i - 1]!;
    const mid = midChannels(b.inC, c.e[i - 1]!);
    macs += h * h * b.inC * mid;
    params += b.inC * mid + 2 * mid;
    h = convOut(h, b.stride);
    macs += h * h * k * k * mid + h * h * mid * b.outC;
    params += k * k * mid + 2 * mid + mid * b.outC + 2 * b.outC;
    if (b.se) {
      const r = seChannels(mid);
      macs += 2 * mid * r;
      params += 2 * mid * r + r + mid;
    }
  }
  const last = a.blocks[a.blocks.length - 1]!.outC;
  macs += h * h * last * a.finalExpandC + a.finalExpandC * a.lastC + a.lastC * N_CLASSES;
  params += last * a.finalExpandC + 2 * a.finalExpandC + a.finalExpandC * a.lastC + a.lastC * N_CLASSES + N_CLASSES;
  return { params, macs };
}
