/**
 * The on-disk checkpoint's `checkpoint.json` (see checkpoints/README.md): its type and validation.
 * @module
 */
import type { ArchName } from '../types.ts';
import { ARCH_NAMES } from '../types.ts';
import { CheckpointError } from './errors.ts';

export const CHECKPOINT_JSON = 'checkpoint.json';
export const WEIGHTS_BIN = 'weights.bin';
export const CHECKPOINT_FORMAT = 'superserve-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** Where the weights came from: an imported `.pth` (file name + sha256) or a seeded random init. */
export interface CheckpointSource { file?: string; sha256?: string; seed?: number }

export interface CheckpointMeta {
  /** True for randomly initialised weights (demo / tests): logits mean nothing. */
  untrained: boolean;
  source: CheckpointSource;
  /** ISO-8601 creation time. */
  created: string;
}

/** tfjs weights-manifest entry; shapes are PyTorch's, names OFA's state_dict names. */
export interface ManifestWeight { name: string; shape: number[]; dtype: 'float32' | 'int32' }
export interface ManifestGroup { paths: string[]; weights: ManifestWeight[] }

export interface CheckpointJson extends CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  version: typeof CHECKPOINT_VERSION;
  arch: ArchName;
  weightsManifest: ManifestGroup[];
}

/** Validate parsed `checkpoint.json`; `where` names the file in errors. */
export function parseCheckpointJson(value: unknown, where: string): CheckpointJson {
  const bad = (why: string): never => { throw new CheckpointError(`${where}: ${why}`); };
  if (!isObject(value)) return bad('not a JSON object');
  if (value.format !== CHECKPOINT_FORMAT) bad(`format is ${JSON.stringify(value.format)}, expected "${CHECKPOINT_FORMAT}"`);
  if (value.version !== CHECKPOINT_VERSION) bad(`unsupported version ${JSON.stringify(value.version)} (this build reads ${CHECKPOINT_VERSION})`);
  if (!ARCH_NAMES.includes(value.arch as ArchName)) bad(`unknown arch ${JSON.stringify(value.arch)} (expected one of ${ARCH_NAMES.join(', ')})`);
  if (typeof value.untrained !== 'boolean') bad('"untrained" must be a boolean');
  if (!isObject(value.source)) bad('"source" must be an object');
  if (typeof value.created !== 'string') bad('"created" must be a string');
  const groups = value.weightsManifest;
  if (!Array.isArray(groups) || groups.length === 0) return bad('"weightsManifest" must be a non-empty array');
  for (const g of groups) {
    if (!isObject(g) || !Array.isArray(g.paths) || !g.paths.every(isPlainFileName) || !Array.isArray(g.weights)) {
      bad('every weightsManifest group needs "paths" (file names inside the directory) and "weights"');
    }
    for (const w of (g as { weights: unknown[] }).weights) {
      if (!isObject(w) || typeof w.name !== 'string' || !Array.isArray(w.shape)
        || !w.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)
        || (w.dtype !== 'float32' && w.dtype !== 'int32')) {
        bad(`bad weightsManifest entry ${JSON.stringify(w)}`);
      }
    }
  }
  return value as unknown as CheckpointJson;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isPlainFileName(p: unknown): boolean {
  return typeof p === 'string' && p.length > 0 && !p.includes('/') && !p.includes('\\') && p !== '.' && p !== '..';
}

/** `checkpoint.json` text: readable, one manifest weight per line. */
export function formatCheckpointJson(cj: CheckpointJson): string {
  const { weightsManifest, ...rest } = cj;
  const lines = Object.entries(rest).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  const groups = weightsManifest.map((g) =>
    `    {"paths": ${JSON.stringify(g.paths)}, "weights": [\n${g.weights.map((w) => `      ${JSON.stringify(w)}`).join(',\n')}\n    ]}`);
  lines.push(`  "weightsManifest": [\n${groups.join(',\n')}\n  ]`);
  return `{\n${lines.join(',\n')}\n}\n`;
}
