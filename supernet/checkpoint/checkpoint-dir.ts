/**
 * The on-disk checkpoint directory (format: checkpoints/README.md): `checkpoint.json` (metadata +
 * tfjs weights manifest) and `weights.bin` (raw little-endian tensors in manifest order), plus the
 * optional SubnetNorm files. Writes are atomic; reads validate everything against the arch's spec.
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArchName, RawTensor, StateDict, SubnetNormTable } from '../types.ts';
import {
  CHECKPOINT_FORMAT, CHECKPOINT_JSON, CHECKPOINT_VERSION, type CheckpointJson, type CheckpointMeta,
  type CheckpointSource, type ManifestWeight, WEIGHTS_BIN, formatCheckpointJson, parseCheckpointJson,
} from './checkpoint-format.ts';
import { writeChunks, writeDirAtomically } from './atomic-fs.ts';
import { CheckpointError } from './errors.ts';
import { checkStateDict, stateDictSpec } from './spec.ts';
import { readSubnetNorm } from './subnetnorm-file.ts';

export { checkpointHash } from './checkpoint-hash.ts';
export { writeSubnetNorm } from './subnetnorm-file.ts';
export type { CheckpointMeta, CheckpointSource } from './checkpoint-format.ts';

export interface WriteCheckpointOptions {
  /** Replace an existing directory (atomically). */
  force?: boolean;
  /** Bytes of weights.bin written so far, out of the total. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

export interface LoadedCheckpoint {
  arch: ArchName;
  meta: CheckpointMeta;
  /** Tensors in spec order; float data may be views into one shared buffer: do not mutate. */
  stateDict: StateDict;
  subnetNorm: SubnetNormTable;
}

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;

/**
 * Write `sd` (checked against `arch`'s spec) as a checkpoint directory. int64 tensors
 * (`num_batches_tracked`) are stored as int32 and come back as int64.
 */
export async function writeCheckpoint(
  dir: string, arch: ArchName, sd: StateDict,
  meta: { untrained: boolean; source?: CheckpointSource; created?: string },
  opts: WriteCheckpointOptions = {},
): Promise<void> {
  checkStateDict(arch, sd);
  const spec = stateDictSpec(arch);
  const weights: ManifestWeight[] = [];
  const chunks: Uint8Array[] = [];
  for (const e of spec) {
    const t = sd.get(e.name)!;
    if (t.dtype === 'int64') {
      const v = new Int32Array(t.data.length);
      t.data.forEach((x, i) => {
        const b = x as bigint;
        if (b < INT32_MIN || b > INT32_MAX) throw new CheckpointError(`${e.name}: int64 value ${b} does not fit the int32 storage`);
        v[i] = Number(b);
      });
      chunks.push(new Uint8Array(v.buffer));
      weights.push({ name: e.name, shape: [...e.shape], dtype: 'int32' });
    } else {
      const f = t.data as Float32Array;
      chunks.push(new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
      weights.push({ name: e.name, shape: [...e.shape], dtype: 'float32' });
    }
  }
  const total = chunks.reduce((a, c) => a + c.length, 0);
  const cj: CheckpointJson = {
    format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, arch,
    untrained: meta.untrained, source: meta.source ?? {}, created: meta.created ?? new Date().toISOString(),
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights }],
  };
  const json = formatCheckpointJson(cj);
  await writeDirAtomically(dir, async (tmp) => {
    await writeChunks(join(tmp, WEIGHTS_BIN), chunks, (n) => opts.onProgress?.(n, total));
    await writeChunks(join(tmp, CHECKPOINT_JSON), [new TextEncoder().encode(json)]);
  }, { force: opts.force });
}

/** `<dir>/checkpoint.json`, parsed and validated (no weights read). */
export async function readCheckpointJson(dir: string): Promise<ReturnType<typeof parseCheckpointJson>> {
  const jsonPath = join(dir, CHECKPOINT_JSON);
  if (!existsSync(jsonPath)) throw new CheckpointError(`not a checkpoint directory: ${jsonPath} is missing`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(jsonPath, 'utf8'));
  } catch (err) {
    throw new CheckpointError(`${jsonPath}: invalid JSON (${(err as Error).message})`, { cause: err });
  }
  return parseCheckpointJson(parsed, jsonPath);
}

/** Read and validate a checkpoint directory (weights, metadata, SubnetNorm table). */
export async function readCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  if (!existsSync(dir)) throw new CheckpointError(`checkpoint directory not found: ${dir}`);
  if (!(await stat(dir)).isDirectory()) throw new CheckpointError(`not a checkpoint directory (it is a file): ${dir}`);
  const cj = await readCheckpointJson(dir);
  const sd: StateDict = new Map();
  for (const group of cj.weightsManifest) {
    const buffer = await readGroup(dir, group.paths, group.weights);
    let off = 0;
    for (const w of group.weights) {
      const numel = w.shape.reduce((a, b) => a * b, 1);
      sd.set(w.name, tensorAt(buffer, off, numel, w));
      off += numel * 4;
    }
  }
  try {
    checkStateDict(cj.arch, sd);
  } catch (err) {
    throw new CheckpointError(`${dir}: ${(err as Error).message}`, { cause: err });
  }
  return {
    arch: cj.arch,
    meta: { untrained: cj.untrained, source: cj.source, created: cj.created },
    stateDict: sd,
    subnetNorm: await readSubnetNorm(dir, cj.arch),
  };
}

/** Concatenated bytes of a manifest group's files, after checking their total size. */
async function readGroup(dir: string, paths: string[], weights: ManifestWeight[]): Promise<Uint8Array> {
  const expected = weights.reduce((a, w) => a + w.shape.reduce((x, y) => x * y, 1) * 4, 0);
  const parts: Uint8Array[] = [];
  for (const p of paths) {
    const full = join(dir, p);
    if (!existsSync(full)) throw new CheckpointError(`${dir}: weights file ${p} is missing`);
    parts.push(await readFile(full));
  }
  const actual = parts.reduce((a, b) => a + b.length, 0);
  if (actual !== expected) {
    throw new CheckpointError(`${dir}: weights size mismatch: ${paths.join('+')} has ${actual} bytes, the manifest needs ${expected}`);
  }
  if (parts.length === 1 && parts[0]!.byteOffset % 4 === 0) return parts[0]!;
  const all = new Uint8Array(actual);
  let o = 0;
  for (const p of parts) { all.set(p, o); o += p.length; }
  return all;
}

function tensorAt(buf: Uint8Array, off: number, numel: number, w: ManifestWeight): RawTensor {
  const start = buf.byteOffset + off;
  if (w.dtype === 'int32') {
    const ints = new Int32Array(buf.buffer, start, numel);
    return { shape: [...w.shape], dtype: 'int64', data: BigInt64Array.from(ints, (v) => BigInt(v)) };
  }
  return { shape: [...w.shape], dtype: 'float32', data: new Float32Array(buf.buffer, start, numel) };
}
