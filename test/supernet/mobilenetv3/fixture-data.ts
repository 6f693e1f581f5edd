/**
 * Reading the OFA-MobileNetV3 reference fixtures (manifest, raw float32 .bin files, the .pth via readPth).
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPth } from '../../../supernet/checkpoint/pth-reader.ts';
import type { MbV3SubnetConfig, StateDict } from '../../../supernet/types.ts';

export interface FixtureFile { path: string; shape: number[] }
export interface BnIndexEntry { supernet_bn: string; subnet_bn: string; channels: number; mean_offset: number; var_offset: number }
export interface FixtureCase {
  id: string;
  config: MbV3SubnetConfig;
  image_size: number;
  subnet_params: number;
  subnet_macs: number;
  files: { input: FixtureFile; logits_supernet: FixtureFile; subnet_net_config: { path: string } };
  calibration?: {
    calib_batch_sizes: number[];
    bn_index: BnIndexEntry[];
    files: { calib_input: FixtureFile; calib_bn_stats: FixtureFile; logits_calibrated_supernet: FixtureFile };
  };
}
export interface Manifest { cases: FixtureCase[] }

export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
}

export function readF32(dir: string, rel: string): Float32Array {
  const b = readFileSync(join(dir, rel));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function readJson(dir: string, rel: string): unknown {
  return JSON.parse(readFileSync(join(dir, rel), 'utf8'));
}

export function readSupernetStateDict(dir: string): StateDict {
  return readPth(new Uint8Array(readFileSync(join(dir, 'supernet.pth'))));
}

/** A fixture image batch (float32 NCHW on disk) as an NHWC tensor. */
export function nchwFileToNhwc(dir: string, f: FixtureFile): tf.Tensor4D {
  const [n, c, h, w] = f.shape as [number, number, number, number];
  return tf.tidy(() => tf.transpose(tf.tensor4d(readF32(dir, f.path), [n, c, h, w]), [0, 2, 3, 1]));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return Number.isNaN(d) ? Infinity : d;
}
