/**
 * The ONNX models of a checkpoint's sub-networks, exported once and cached next to the checkpoint under its hash
 * (`<checkpoint>/onnx/<hash>-v<exporter>/<key hash>.onnx`): a new checkpoint, new SubnetNorm statistics (both
 * change the hash) or a new exporter never reuse an old file. A `.pth` source is exported in memory each start.
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SubnetConfig, Supernet } from '../types.ts';
import { exportOnnx } from './export.ts';
import { writeOnnxFile } from './write-model.ts';

/** Bumped whenever the exported graph changes. */
export const EXPORTER_VERSION = 1;

export function onnxCacheDir(checkpointDir: string, checkpointHash: string): string {
  return join(checkpointDir, 'onnx', `${checkpointHash}-v${EXPORTER_VERSION}`);
}

/** A model in the cache is given by its file (ONNX Runtime reads it natively: no copy on the JS heap); else its bytes. */
export interface OnnxModel { key: string; source: Uint8Array | string; cached: boolean }

/** The model's bytes (read from its cache file when that is what it is). */
export async function onnxBytes(m: OnnxModel): Promise<Uint8Array> {
  return typeof m.source === 'string' ? new Uint8Array(await readFile(m.source)) : m.source;
}

/** The ONNX model of `config`: read from the cache when there, else exported (and cached when `source` is a directory). */
export async function onnxModelFor(supernet: Supernet, config: SubnetConfig, source: string, checkpointHash: string): Promise<OnnxModel> {
  const key = supernet.key(config);
  const cacheable = existsSync(source) && statSync(source).isDirectory();
  const file = join(onnxCacheDir(source, checkpointHash), `${createHash('sha256').update(key).digest('hex').slice(0, 24)}.onnx`);
  if (cacheable && existsSync(file)) return { key, source: file, cached: true };
  const m = supernet.materialize(config);
  let bytes: Uint8Array;
  try {
    bytes = exportOnnx(m.artifacts(), { subnet: key, checkpoint_hash: checkpointHash });
  } finally {
    m.dispose();
  }
  if (cacheable) {
    // A read-only checkpoint directory only costs the export again at the next start.
    await writeOnnxFile(file, bytes).catch(() => undefined);
  }
  return { key, source: bytes, cached: false };
}
