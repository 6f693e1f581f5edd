/**
 * `superserve calibrate`: SubnetNorm statistics per sub-network (OFA set_running_statistics: forward passes
 * only), stored in the checkpoint directory where the engine finds them.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { paretoSet } from '../../supernet/archs.ts';
import { parseArch, type BnStats, type SubnetNormTable } from '../../supernet/types.ts';
import { selectBackend } from '../../supernet/backend.ts';
import { writeSubnetNorm } from '../../supernet/checkpoint/checkpoint-dir.ts';
import { loadModel } from '../../supernet/load.ts';
import { decodeImageFast, preprocessOfa } from '../imaging/index.ts';
import { intFlag, parseFlags, runCommand, UsageError } from './args.ts';

const USAGE = `usage: superserve calibrate <checkpoint dir> (--images <dir of JPEG/PNG> | --input-bin <f32 NCHW file>)
       --subnets <file.json | pareto> [--batch-size 32] [--max-images N] [--backend B]
  --subnets: a JSON list of sub-network configs, {"subnets":[{"config":...}]}, or the word "pareto"`;

export function run(argv: string[]): Promise<number> {
  return runCommand('calibrate', async () => {
    const { values, positionals } = parseFlags(argv, {
      images: { type: 'string' }, 'input-bin': { type: 'string' }, subnets: { type: 'string' },
      'batch-size': { type: 'string' }, 'max-images': { type: 'string' }, backend: { type: 'string' }, arch: { type: 'string' },
    }, USAGE, true);
    if (values.help) { console.log(USAGE); return 0; }
    const dir = positionals[0];
    if (dir === undefined || positionals.length > 1) throw new UsageError(`give exactly one checkpoint directory\n${USAGE}`);
    if (values.subnets === undefined) throw new UsageError(`--subnets is required\n${USAGE}`);
    if ((values.images === undefined) === (values['input-bin'] === undefined)) throw new UsageError(`give one of --images or --input-bin\n${USAGE}`);
    const batchSize = intFlag(values['batch-size'], 'batch-size', 1, 1024) ?? 32;
    const maxImages = intFlag(values['max-images'], 'max-images', 1);
    const backend = await selectBackend(values.backend ?? process.env.SUPERSERVE_BACKEND ?? 'auto');
    console.error(`backend: ${backend.name}`);
    const model = await loadModel(dir, values.arch === undefined ? undefined : parseArch(values.arch));
    const configs = await readSubnets(values.subnets, model.arch).then((list) => list.map((c) => model.supernet.validate(c)));

    const table: SubnetNormTable = new Map();
    for (const config of configs) {
      const r = config.image_size;
      const images = values.images !== undefined
        ? await loadImageDir(values.images, r, maxImages)
        : await loadBin(values['input-bin']!, r, maxImages);
      const batches: tf.Tensor4D[] = [];
      for (let i = 0; i < images.n; i += batchSize) {
        const n = Math.min(batchSize, images.n - i);
        batches.push(tf.tensor4d(images.nhwc.subarray(i * r * r * 3, (i + n) * r * r * 3), [n, r, r, 3]));
      }
      const stats: Map<string, BnStats> = model.supernet.calibrate(config, batches);
      tf.dispose(batches);
      table.set(model.supernet.key(config), stats);
      console.error(`calibrated ${model.supernet.key(config)} on ${images.n} images: ${stats.size} BatchNorm layers`);
    }
    await writeSubnetNorm(dir, table);
    console.error(`stored SubnetNorm statistics for ${table.size} sub-network(s) in ${dir}`);
    model.supernet.dispose();
    return 0;
  });
}

async function readSubnets(spec: string, arch: ReturnType<typeof parseArch>): Promise<unknown[]> {
  if (spec === 'pareto') return paretoSet(arch).map((s) => s.config);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(spec, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read --subnets ${spec}: ${(e as Error).message}`);
  }
  const list = Array.isArray(json) ? json : (json as { subnets?: unknown }).subnets;
  if (!Array.isArray(list) || list.length === 0) throw new UsageError(`--subnets ${spec} must hold a non-empty list of configs`);
  return list.map((s) => (typeof s === 'object' && s !== null && 'config' in s ? (s as { config: unknown }).config : s));
}

async function loadImageDir(dir: string, size: number, max?: number): Promise<{ nhwc: Float32Array; n: number }> {
  const files = (await readdir(dir)).filter((f) => ['.jpg', '.jpeg', '.png'].includes(extname(f).toLowerCase())).sort();
  const chosen = max === undefined ? files : files.slice(0, max);
  if (chosen.length === 0) throw new UsageError(`no JPEG or PNG images in ${dir}`);
  const per = size * size * 3;
  const nhwc = new Float32Array(chosen.length * per);
  for (const [i, f] of chosen.entries()) {
    try {
      nhwc.set(preprocessOfa(await decodeImageFast(await readFile(join(dir, f))), size), i * per);
    } catch (e) {
      throw new Error(`cannot use image ${join(dir, f)}: ${(e as Error).message}`);
    }
  }
  return { nhwc, n: chosen.length };
}

/** Raw float32 NCHW at the sub-network's resolution (used by the reference calibration fixture). */
async function loadBin(file: string, size: number, max?: number): Promise<{ nhwc: Float32Array; n: number }> {
  const b = await readFile(file);
  const per = 3 * size * size;
  if (b.byteLength === 0 || b.byteLength % (per * 4) !== 0) throw new UsageError(`${file}: ${b.byteLength} bytes is not a whole number of float32 [3,${size},${size}] images`);
  let n = b.byteLength / (per * 4);
  if (max !== undefined) n = Math.min(n, max);
  const nchw = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + n * per * 4));
  const nhwc = tf.tidy(() => tf.transpose(tf.tensor4d(nchw, [n, 3, size, size]), [0, 2, 3, 1]).dataSync() as Float32Array);
  return { nhwc: Float32Array.from(nhwc), n };
}

