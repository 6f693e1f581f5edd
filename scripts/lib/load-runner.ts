/**
 * Driving the HTTP benchmarks: a V2 body file, an app listening on loopback, and closed-loop load from a separate
 * process (http-load.ts) so the load generator does not share the server's event loop.
 * @module
 */
import { serve } from '@hono/node-server';
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';

const LOAD_SCRIPT = new URL('./http-load.ts', import.meta.url).pathname;

/** A V2 JSON infer body with one FP32 [1,3,size,size] image, written to a temp file. */
export async function writeInferBody(size: number): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'superserve-bench-')), 'body.json');
  await writeFile(file, JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, size, size], data: Array.from({ length: 3 * size * size }, (_, i) => (i % 17) / 17) }], parameters: { slo_ms: 60_000 }, outputs: [{ name: 'logits' }, { name: 'top5' }] }));
  return file;
}

export interface LoadResult { rps: number; ok: number; requests: number; /** This process's CPU time per request, µs (the servers it hosts). */ cpuUs: number }

export function runLoad(url: string, bodyFile: string, seconds = 6, conc = 16): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', LOAD_SCRIPT, url, bodyFile, String(seconds), String(conc)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const cpu0 = process.cpuUsage();
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('exit', (code) => {
      if (code !== 0) { reject(new Error(`load exited ${code}`)); return; }
      const cpu = process.cpuUsage(cpu0);
      const r = JSON.parse(out) as Omit<LoadResult, 'cpuUs'>;
      resolve({ ...r, cpuUs: (cpu.user + cpu.system) / Math.max(1, r.requests) });
    });
  });
}

export function listenOnLoopback(app: Hono): Promise<{ port: number; close(): void }> {
  return new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve({ port: info.port, close: () => s.close() }));
  });
}
