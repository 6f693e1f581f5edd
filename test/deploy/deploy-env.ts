/**
 * Shared by the deploy suite (scripts/test-deploy.sh): whether it may run, shell commands, the local images,
 * and one real inference request.
 * @module
 */
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const IMAGE = 'localhost/superserve:dev';
export const BASE = 'localhost/superserve-base:node20';

/** The deploy suite runs only when asked (SUPERSERVE_DEPLOY_TESTS=1: minutes of image builds) and podman is there. */
export function deployTestsEnabled(): boolean {
  if (process.env.SUPERSERVE_DEPLOY_TESTS !== '1') {
    console.warn('\n!!! SKIPPED: deploy tests run with SUPERSERVE_DEPLOY_TESTS=1 (scripts/test-deploy.sh) !!!\n');
    return false;
  }
  if (spawnSync('podman', ['--version']).status !== 0) {
    console.warn('\n!!! SKIPPED: podman is not installed (apt-get install podman runc debootstrap) !!!\n');
    return false;
  }
  return true;
}

export interface Run { code: number | null; out: string; err: string }

/** Runs a command to its end; stdout and stderr kept. */
export function run(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<Run> {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 900_000);
  return new Promise((res) => child.once('close', (code) => { clearTimeout(timer); res({ code, out, err }); }));
}

export async function mustRun(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}:\n${r.err.slice(-3000)}${r.out.slice(-2000)}`);
  return r.out;
}

/** The local base and the image from this tree (podman's layer cache makes an unchanged tree quick). */
export async function buildImage(): Promise<void> {
  await mustRun('bash', ['scripts/container/local-base.sh']);
  await mustRun('podman', ['build', '--format', 'docker', '--network', 'host', '--build-arg', `BASE=${BASE}`, '-t', IMAGE, '-f', 'Containerfile', '.']);
}

/** Polls GET url until 200; throws after timeoutMs with `why()` appended. */
export async function waitReady(url: string, timeoutMs: number, why: () => Promise<string> | string = () => ''): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    try {
      if ((await fetch(`${url}/v2/health/ready`)).status === 200) return;
    } catch { /* not listening yet */ }
    if (Date.now() - t0 > timeoutMs) throw new Error(`${url} not ready after ${timeoutMs} ms\n${await why()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** One 128x128 image through POST /v2/models/superserve/infer (binary input, JSON output); the top-5 class ids. */
export async function inferTop5(url: string, seed = 1): Promise<{ status: number; top5?: number[]; body: string }> {
  const size = 128;
  const pixels = new Float32Array(3 * size * size).map((_, i) => Math.sin((i + seed) * 0.01));
  const raw = new Uint8Array(pixels.buffer);
  const header = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, size, size], parameters: { binary_data_size: raw.byteLength } }],
    parameters: { slo_ms: 60_000 }, outputs: [{ name: 'top5' }] });
  const res = await fetch(`${url}/v2/models/superserve/infer`, {
    method: 'POST', headers: { 'inference-header-content-length': String(Buffer.byteLength(header)) }, body: Buffer.concat([Buffer.from(header), raw]),
  });
  const body = await res.text();
  if (res.status !== 200) return { status: res.status, body };
  const json = JSON.parse(body) as { outputs: Array<{ name: string; data: number[] }> };
  return { status: res.status, top5: json.outputs.find((o) => o.name === 'top5')?.data, body };
}
