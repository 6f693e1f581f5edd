/**
 * All-or-nothing directory and file writes: build under a temporary name next to the target,
 * then rename; on any error the temporary is removed, so no half-written checkpoint exists.
 * @module
 */
import { existsSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CheckpointError } from './errors.ts';

/** Create `dir` by filling `dir.tmp-<pid>` and renaming it; refuses an existing `dir` unless `force`. */
export async function writeDirAtomically(dir: string, fill: (tmpDir: string) => Promise<void>, opts: { force?: boolean } = {}): Promise<void> {
  if (existsSync(dir) && !opts.force) {
    throw new CheckpointError(`${dir} already exists (use --force, or { force: true }, to replace it)`);
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(dirname(dir), { recursive: true });
  try {
    await mkdir(tmp);
    await fill(tmp);
    if (existsSync(dir)) {
      const old = `${dir}.old-${process.pid}`;
      await rm(old, { recursive: true, force: true });
      await rename(dir, old);
      await rename(tmp, dir);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, dir).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOTEMPTY' || err.code === 'EEXIST') {
          throw new CheckpointError(`${dir} was created by someone else meanwhile (use --force, or { force: true }, to replace it)`);
        }
        throw err;
      });
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Write a file's chunks to `path.tmp-<pid>`, fsync, rename over `path`. */
export async function writeFileAtomically(path: string, chunks: Iterable<Uint8Array>): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeChunks(tmp, chunks);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Write chunks to a new file and fsync it; `onChunk` gets the running byte count. */
export async function writeChunks(path: string, chunks: Iterable<Uint8Array>, onChunk?: (bytes: number) => void): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    let written = 0;
    for (const c of chunks) {
      let off = 0;
      while (off < c.length) {
        const { bytesWritten } = await fh.write(c, off, c.length - off);
        off += bytesWritten;
      }
      written += c.length;
      onChunk?.(written);
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
}
