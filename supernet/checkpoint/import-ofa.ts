/**
 * `.pth` -> checkpoint directory: read, normalise OFA key names, check against the arch's spec,
 * write atomically. Nothing is written unless the whole file is valid.
 * @module
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ArchName, StateDict } from '../types.ts';
import { ARCH_NAMES } from '../types.ts';
import { writeCheckpoint } from './checkpoint-dir.ts';
import { CheckpointError } from './errors.ts';
import { normalizeOfaKeys } from './key-normalize.ts';
import { readPth } from './pth-reader.ts';
import { checkStateDict, StateDictMismatchError } from './spec.ts';

export type ImportPhase = 'read' | 'parse' | 'write';

export interface ImportOfaOptions {
  /** Progress within a phase: bytes read, tensors parsed, bytes written. */
  onProgress?: (phase: ImportPhase, done: number, total: number) => void;
  /** Replace an existing output directory. */
  force?: boolean;
}

export interface ImportOfaResult {
  tensors: number;
  sha256: string;
  /** Key renames / default fills applied (OFA's load_state_dict rules). */
  notes: string[];
}

/** Import an OFA supernet `.pth` as a checkpoint directory for `arch`. */
export async function importOfa(pthPath: string, arch: ArchName, outDir: string, opts: ImportOfaOptions = {}): Promise<ImportOfaResult> {
  if (!ARCH_NAMES.includes(arch)) throw new CheckpointError(`unknown architecture '${String(arch)}' (expected one of ${ARCH_NAMES.join(', ')})`);
  const bytes = await readWithProgress(pthPath, (d, t) => opts.onProgress?.('read', d, t));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const raw = readPth(bytes, { label: pthPath, onProgress: (d, t) => opts.onProgress?.('parse', d, t) });
  const { stateDict, notes } = normalizeOfaKeys(arch, raw);
  try {
    checkStateDict(arch, stateDict);
  } catch (err) {
    if (!(err instanceof StateDictMismatchError)) throw err;
    const other = err.matchingArch ?? guessArch(raw, arch);
    throw new CheckpointError(`${pthPath}: ${err.message}${other && !err.matchingArch ? `; it is an ${other} state dict` : ''}`, { cause: err });
  }
  await writeCheckpoint(outDir, arch, stateDict, {
    untrained: false, source: { file: basename(pthPath), sha256 },
  }, { force: opts.force, onProgress: (d, t) => opts.onProgress?.('write', d, t) });
  return { tensors: stateDict.size, sha256, notes };
}

/** The architecture whose (normalised) spec the state dict matches exactly, if any. */
function guessArch(sd: StateDict, not: ArchName): ArchName | null {
  for (const arch of ARCH_NAMES) {
    if (arch === not) continue;
    try {
      checkStateDict(arch, normalizeOfaKeys(arch, sd).stateDict);
      return arch;
    } catch { /* not this one */ }
  }
  return null;
}

async function readWithProgress(path: string, onProgress: (done: number, total: number) => void): Promise<Uint8Array> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new CheckpointError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  try {
    const { size } = await fh.stat();
    const buf = new Uint8Array(size);
    let off = 0;
    while (off < size) {
      const { bytesRead } = await fh.read(buf, off, Math.min(8 << 20, size - off), off);
      if (bytesRead === 0) break;
      off += bytesRead;
      onProgress(off, size);
    }
    if (off !== size) throw new CheckpointError(`${path}: file shrank while reading (${off} of ${size} bytes)`);
    return buf;
  } finally {
    await fh.close();
  }
}
