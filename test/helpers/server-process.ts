/**
 * Starts `superserve serve` as a real child process on a free port and waits until it is ready.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './free-port.ts';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeCheckpoint } from '../../supernet/checkpoint/checkpoint-dir.ts';
import { randomStateDict } from '../../supernet/checkpoint/random-init.ts';
import type { ArchName } from '../../supernet/types.ts';

export const ROOT = resolve(import.meta.dirname, '../..');

export { freePort };

/** A seeded random-weight checkpoint in a fresh temp dir (small and quick for tests: OFA-MBv3 w1.0). */
export async function tempCheckpoint(arch: ArchName = 'ofa-mbv3-w1.0', seed = 1): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'superserve-test-')), 'ckpt');
  await writeCheckpoint(dir, arch, randomStateDict(arch, seed), { untrained: true, source: { seed } });
  return dir;
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * `port`: listen there (a restart on the same address); a free port by default. `node`: extra Node options and
 * environment for the server process (e.g. a test-only `--import` preload).
 */
export async function startServer(args: string[], readyTimeoutMs = 240_000, port?: number,
  node: { args?: string[]; env?: Record<string, string> } = {}): Promise<ServerProcess> {
  port ??= await freePort();
  // A free gRPC port too, unless the test sets one: the default 8081 may be taken on a shared machine.
  const grpc = args.some((a) => a.startsWith('--grpc')) ? [] : ['--grpc-port', String(await freePort())];
  const child = spawn(process.execPath, [...node.args ?? [], join(ROOT, 'bin/superserve.mjs'), 'serve', '--port', String(port), '--host', '127.0.0.1', ...grpc, ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SUPERSERVE_BACKEND: 'wasm', ...node.env } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before ready:\n${out}`);
    if (Date.now() - started > readyTimeoutMs) { child.kill('SIGKILL'); throw new Error(`server not ready in ${readyTimeoutMs} ms:\n${out}`); }
    try {
      const r = await fetch(`${url}/v2/health/ready`);
      if (r.status === 200) break;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url, child, output: () => out,
    stop: async (signal = 'SIGTERM') => { if (child.exitCode === null) child.kill(signal); return exited; },
  };
}
