/**
 * All-or-nothing directory and file writes, the one place the project writes something a reader must never
 * see half-written: build under `<target>.tmp-<pid>` next to the target, then rename. The temporary is
 * removed on any error, on SIGINT/SIGTERM while it is being written, and, if the process was killed
 * outright, by the next write to the same target (temporaries whose process is gone are stale).
 * @module
 */
import { existsSync, rmSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CheckpointError } from './errors.ts';

/** Create `dir` by filling `dir.tmp-<pid>` and renaming it; refuses an existing `dir` unless `force`. */
export async function writeDirAtomically(dir: string, fill: (tmpDir: string) => Promise<void>, opts: { force?: boolean } = {}): Promise<void> {
  if (existsSync(dir) && !opts.force) {
    throw new CheckpointError(`${dir} already exists (use --force, or { force: true }, to replace it)`);
  }
  await mkdir(dirname(dir), { recursive: true });
  await removeStaleTemporaries(dir);
  await withTemporary(`${dir}.tmp-${process.pid}`, async (tmp) => {
    await mkdir(tmp);
    await fill(tmp);
    // Replace only when asked to: a `dir` that appeared meanwhile (another process won a race to create it)
    // stays as it is, since its readers may already be using it.
    if (opts.force && existsSync(dir)) {
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
  });
}

/** Write a file (text or byte chunks) to `path.tmp-<pid>`, fsync, rename over `path`. */
export async function writeFileAtomically(path: string, content: string | Iterable<Uint8Array>): Promise<void> {
  await removeStaleTemporaries(path);
  await withTemporary(`${path}.tmp-${process.pid}`, async (tmp) => {
    await writeChunks(tmp, typeof content === 'string' ? [new TextEncoder().encode(content)] : content);
    await rename(tmp, path);
  });
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

/**
 * Runs `use(tmp)`; removes `tmp` if it throws, and if SIGINT/SIGTERM arrives meanwhile (then, when nobody
 * else handles the signal, exits as the signal would: 130 / 143).
 */
async function withTemporary(tmp: string, use: (tmp: string) => Promise<void>): Promise<void> {
  await rm(tmp, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals): void => {
    rmSync(tmp, { recursive: true, force: true });
    if (process.listenerCount(signal) === 1) process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await use(tmp);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Removes `<target>.tmp-<pid>` left by processes that no longer run (killed with SIGKILL, power loss). */
export async function removeStaleTemporaries(target: string): Promise<string[]> {
  const prefix = `${basename(target)}.tmp-`;
  let names: string[];
  try { names = await readdir(dirname(target)); } catch { return []; }
  const stale = names.filter((n) => n.startsWith(prefix) && !isRunning(Number(n.slice(prefix.length))));
  await Promise.all(stale.map((n) => rm(join(dirname(target), n), { recursive: true, force: true })));
  return stale;
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false; // ours, from an earlier failed attempt in this process
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
