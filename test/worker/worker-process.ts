/**
 * Test helper: `superserve worker` as a real child process, with its stderr kept for assertions.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/superserve.mjs', import.meta.url));

export interface WorkerProcess {
  name: string;
  child: ChildProcess;
  /** Everything the worker wrote to stderr so far. */
  stderr(): string;
  exited: Promise<number | null>;
}

export function spawnWorker(name: string, url: string, checkpoint: string, extra: string[] = []): WorkerProcess {
  const child = spawn(process.execPath, [BIN, 'worker', '--nats', url, '--checkpoint', checkpoint, '--backend', 'wasm',
    '--name', name, '--warmup', '', '--cache-mib', '64', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name, child, stderr: () => err, exited };
}

/** Polls `cond` every 20 ms; rejects with `what` after `timeoutMs`. */
export async function waitFor(what: string, cond: () => boolean, timeoutMs = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
