/**
 * Standalone static sub-network on disk (`export-subnet`), like OFA's get_active_subnet(): `model.json`
 * (topology + the standard tfjs weightsManifest) and `weights.bin`. Loading needs no supernet.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFile, writeFile } from 'node:fs/promises';
import { writeDirAtomically } from './checkpoint/atomic-fs.ts';
import { join } from 'node:path';
import { staticSubnetFromArtifacts } from './archs.ts';
import type { MaterializedSubnet, StaticArtifacts } from './types.ts';

export const STATIC_FORMAT = 'superserve-static-subnet';

interface ModelJson {
  format: typeof STATIC_FORMAT;
  version: 1;
  arch: StaticArtifacts['arch'];
  config: StaticArtifacts['config'];
  topology: unknown;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

export async function saveStaticSubnet(dir: string, a: StaticArtifacts): Promise<void> {
  const named: tf.NamedTensorMap = Object.fromEntries(a.weights);
  const { data, specs } = await tf.io.encodeWeights(named);
  const json: ModelJson = {
    format: STATIC_FORMAT, version: 1, arch: a.arch, config: a.config, topology: a.topology,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
  };
  await writeDirAtomically(dir, async (tmp) => {
    await writeFile(join(tmp, 'weights.bin'), new Uint8Array(data as ArrayBuffer));
    await writeFile(join(tmp, 'model.json'), JSON.stringify(json, null, 1));
  }, { force: true });
}

export async function loadStaticSubnet(dir: string): Promise<MaterializedSubnet> {
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ModelJson;
  if (json.format !== STATIC_FORMAT) throw new Error(`${dir}/model.json is not a ${STATIC_FORMAT} (format=${String(json.format)})`);
  const group = json.weightsManifest[0];
  if (group === undefined) throw new Error(`${dir}/model.json has an empty weightsManifest`);
  const buf = await readFile(join(dir, group.paths[0] ?? 'weights.bin'));
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const tensors = tf.io.decodeWeights(ab, group.weights);
  return staticSubnetFromArtifacts({
    arch: json.arch, config: json.config, topology: json.topology, weights: new Map(Object.entries(tensors)),
  });
}
