/**
 * Test helper: the `ofa-resnet50/seed1` reference fixtures (manifest, cases, raw float32 files) and the supernet
 * built from its float16 `.pth` through the project's checkpoint reader.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPth } from '../../../supernet/checkpoint/pth-reader.ts';
import { createResNet50Supernet } from '../../../supernet/resnet50/index.ts';
import type { ResNetSubnetConfig, StateDict, Supernet } from '../../../supernet/types.ts';

export interface BnIndexEntry { supernet_bn: string; subnet_bn: string; channels: number; mean_offset: number; var_offset: number }
export interface FixtureCase {
  id: string;
  config: ResNetSubnetConfig;
  subnet_params: number;
  files: Record<string, { path: string; shape?: number[] }>;
  calibration?: {
    calib_batch_sizes: number[];
    bn_index: BnIndexEntry[];
    files: Record<string, { path: string; shape: number[] }>;
  };
}

export function readF32(dir: string, rel: string): Float32Array {
  const b = readFileSync(join(dir, rel));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function readJson<T>(dir: string, rel: string): T {
  return JSON.parse(readFileSync(join(dir, rel), 'utf8')) as T;
}

export function fixtureCases(dir: string): FixtureCase[] {
  return readJson<{ cases: FixtureCase[] }>(dir, 'manifest.json').cases;
}

export function loadFixtureStateDict(dir: string): StateDict {
  return readPth(new Uint8Array(readFileSync(join(dir, 'supernet.pth'))));
}

export function loadFixtureSupernet(dir: string, sd = loadFixtureStateDict(dir)): Supernet {
  return createResNet50Supernet(sd, new Map());
}

/** NCHW float32 data -> NHWC tensor. */
export function nhwc(data: Float32Array, n: number, r: number): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d(data, [n, 3, r, r]), [0, 2, 3, 1]));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
