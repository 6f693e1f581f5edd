/**
 * Per-subnet BN statistics (SubnetNorm) stored beside a checkpoint: `subnetnorm.json` indexes
 * `subnetnorm.bin` (float32 LE; per BN layer `mean[C]` then `var[C]` at a float offset).
 * Writes merge with what is stored (a subnet key written again replaces its whole entry).
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArchName, BnStats, SubnetNormTable } from '../types.ts';
import { writeFileAtomically } from './atomic-fs.ts';
import { CHECKPOINT_JSON, parseCheckpointJson } from './checkpoint-format.ts';
import { CheckpointError } from './errors.ts';
import { stateDictSpec } from './spec.ts';

export const SUBNETNORM_JSON = 'subnetnorm.json';
export const SUBNETNORM_BIN = 'subnetnorm.bin';
const FORMAT = 'superserve-subnetnorm';

interface IndexJson {
  format: typeof FORMAT;
  version: 1;
  arch: ArchName;
  /** Length of subnetnorm.bin in float32 elements, and its sha256 (detects a torn or mixed pair). */
  floats: number;
  sha256: string;
  subnets: Array<{ key: string; layers: Array<{ bn: string; C: number; offset: number }> }>;
}

/** Merge `table` into the checkpoint's stored SubnetNorm table (validated against the arch's BN layers). */
export async function writeSubnetNorm(dir: string, table: SubnetNormTable): Promise<void> {
  const jsonPath = join(dir, CHECKPOINT_JSON);
  if (!existsSync(jsonPath)) throw new CheckpointError(`not a checkpoint directory: ${jsonPath} is missing`);
  let cj;
  try {
    cj = parseCheckpointJson(JSON.parse(await readFile(jsonPath, 'utf8')), jsonPath);
  } catch (err) {
    if (err instanceof CheckpointError) throw err;
    throw new CheckpointError(`${jsonPath}: invalid JSON (${(err as Error).message})`, { cause: err });
  }
  const bnWidth = bnWidths(cj.arch);
  for (const [key, layers] of table) validateEntry(key, layers, bnWidth);

  const merged: SubnetNormTable = new Map(await readSubnetNorm(dir, cj.arch));
  for (const [key, layers] of table) merged.set(key, layers);

  const index: IndexJson = { format: FORMAT, version: 1, arch: cj.arch, floats: 0, sha256: '', subnets: [] };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [key, layers] of merged) {
    const entry: IndexJson['subnets'][number] = { key, layers: [] };
    for (const [bn, s] of layers) {
      entry.layers.push({ bn, C: s.mean.length, offset });
      chunks.push(bytesOf(s.mean), bytesOf(s.var));
      offset += 2 * s.mean.length;
    }
    index.subnets.push(entry);
  }
  const hash = createHash('sha256');
  for (const c of chunks) hash.update(c);
  index.floats = offset;
  index.sha256 = hash.digest('hex');

  // bin first, index last: a reader that sees the new index also sees the new bin (sha256 checked).
  await writeFileAtomically(join(dir, SUBNETNORM_BIN), chunks);
  await writeFileAtomically(join(dir, SUBNETNORM_JSON), JSON.stringify(index) + '\n');
}

/** The stored SubnetNorm table of a checkpoint directory (empty when it has none). */
export async function readSubnetNorm(dir: string, arch: ArchName): Promise<SubnetNormTable> {
  const jsonPath = join(dir, SUBNETNORM_JSON);
  const binPath = join(dir, SUBNETNORM_BIN);
  const table: SubnetNormTable = new Map();
  if (!existsSync(jsonPath)) return table;
  const bad = (why: string): never => { throw new CheckpointError(`${jsonPath}: ${why}`); };
  let index: IndexJson;
  try {
    index = JSON.parse(await readFile(jsonPath, 'utf8')) as IndexJson;
  } catch (err) {
    return bad(`invalid JSON (${(err as Error).message})`);
  }
  if (index?.format !== FORMAT || index.version !== 1 || !Array.isArray(index.subnets)) bad(`not a ${FORMAT} v1 index`);
  if (index.arch !== arch) bad(`statistics are for ${index.arch}, the checkpoint is ${arch}`);
  if (!existsSync(binPath)) bad(`${SUBNETNORM_BIN} is missing`);
  const buf = await readFile(binPath);
  if (buf.length !== index.floats * 4) bad(`${SUBNETNORM_BIN} has ${buf.length} bytes, the index needs ${index.floats * 4}`);
  if (createHash('sha256').update(buf).digest('hex') !== index.sha256) bad(`${SUBNETNORM_BIN} does not match the index (sha256)`);
  const floats = new Float32Array(new Uint8Array(buf).buffer);
  const bnWidth = bnWidths(arch);
  for (const s of index.subnets) {
    const layers = new Map<string, BnStats>();
    for (const l of s.layers ?? []) {
      if (!Number.isSafeInteger(l.C) || !Number.isSafeInteger(l.offset) || l.offset < 0 || l.offset + 2 * l.C > index.floats) {
        bad(`layer ${l.bn} of ${s.key} lies outside ${SUBNETNORM_BIN}`);
      }
      layers.set(l.bn, { mean: floats.slice(l.offset, l.offset + l.C), var: floats.slice(l.offset + l.C, l.offset + 2 * l.C) });
    }
    validateEntry(s.key, layers, bnWidth);
    table.set(s.key, layers);
  }
  return table;
}

/** BN module name (e.g. `blocks.5.conv.depth_conv.bn.bn`) -> its supernet width. */
function bnWidths(arch: ArchName): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of stateDictSpec(arch)) {
    if (e.name.endsWith('.running_mean')) m.set(e.name.slice(0, -'.running_mean'.length), e.shape[0]!);
  }
  return m;
}

function validateEntry(key: string, layers: Map<string, BnStats>, bnWidth: Map<string, number>): void {
  if (typeof key !== 'string' || key.length === 0) throw new CheckpointError('SubnetNorm: empty subnet key');
  for (const [bn, s] of layers) {
    const max = bnWidth.get(bn);
    if (max === undefined) throw new CheckpointError(`SubnetNorm ${key}: '${bn}' is not a BN layer of this supernet`);
    const c = s.mean.length;
    if (c === 0 || c > max || s.var.length !== c) {
      throw new CheckpointError(`SubnetNorm ${key}: ${bn} has mean[${c}]/var[${s.var.length}], expected equal lengths in 1..${max}`);
    }
    for (let i = 0; i < c; i++) {
      if (!Number.isFinite(s.mean[i]!) || !(s.var[i]! >= 0) || !Number.isFinite(s.var[i]!)) {
        throw new CheckpointError(`SubnetNorm ${key}: ${bn} has a non-finite mean or a negative/non-finite variance at channel ${i}`);
      }
    }
  }
}

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
