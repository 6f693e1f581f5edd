/**
 * bench:subnetact, the newcomer's view: `superserve serve` with no arguments (what `npm start` runs) in a fresh
 * directory: seconds to ready on the first start (embedded checkpoint created, quick profile) and on a later start
 * (stored profile), and the server's resident memory (all threads) while it serves every Pareto sub-network at
 * batch 1 and 8.
 * @module
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/free-port.ts';

export interface StartRun {
  label: string;
  args: string[];
  ready_s: number;
  rss_ready_mib: number;
  rss_peak_mib: number;
  /** [subnet, batch, ms end to end] of the requests sent. */
  requests: Array<[number, number, number]>;
  log_tail: string[];
}

function rssMiB(pid: number): number {
  try {
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
}

async function infer(url: string, subnet: number, n: number, size: number): Promise<number> {
  const data = new Float32Array(n * 3 * size * size).fill(0.25);
  const header = Buffer.from(JSON.stringify({
    inputs: [{ name: 'input', datatype: 'FP32', shape: [n, 3, size, size], parameters: { binary_data_size: data.byteLength } }],
    parameters: { subnet, slo_ms: 59_000 },
    outputs: [{ name: 'logits' }, { name: 'top5' }],
  }));
  const t0 = performance.now();
  const r = await fetch(`${url}/v2/models/superserve/infer`, {
    method: 'POST', headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
    body: Buffer.concat([header, Buffer.from(data.buffer)]),
  });
  const body = await r.text();
  if (r.status !== 200) throw new Error(`infer subnet ${subnet} x${n}: HTTP ${r.status} ${body.slice(0, 200)}`);
  return performance.now() - t0;
}

/** Starts `serve` in `cwd`, waits for ready, sends the requests, stops it with SIGTERM. */
export async function serveRun(root: string, cwd: string, label: string, args: string[], subnets: Array<{ id: number; size: number }>,
  log: (m: string) => void, timeoutMs = 900_000): Promise<StartRun> {
  const port = await freePort();
  const env = { ...process.env };
  delete env.SUPERSERVE_BACKEND;
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(root, 'bin/superserve.mjs'), 'serve', '--port', String(port), '--host', '127.0.0.1', ...args],
    { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  let peak = 0;
  const sampler = setInterval(() => { peak = Math.max(peak, rssMiB(child.pid!)); }, 100);
  const url = `http://127.0.0.1:${port}`;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${label}: serve exited with ${child.exitCode}:\n${out}`);
      if (performance.now() - t0 > timeoutMs) throw new Error(`${label}: not ready in ${timeoutMs / 1000} s:\n${out}`);
      try { if ((await fetch(`${url}/v2/health/ready`)).ok) break; } catch { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    const readyS = (performance.now() - t0) / 1000;
    const rssReady = rssMiB(child.pid!);
    log(`  ${label}: ready after ${readyS.toFixed(1)} s, RSS ${rssReady} MiB`);
    const requests: StartRun['requests'] = [];
    for (const n of [1, 8]) {
      for (const s of subnets) {
        requests.push([s.id, n, await infer(url, s.id, n, s.size)]);
        peak = Math.max(peak, rssMiB(child.pid!));
      }
    }
    log(`  ${label}: peak RSS ${peak} MiB over ${requests.length} requests`);
    return {
      label, args, ready_s: readyS, rss_ready_mib: rssReady, rss_peak_mib: peak, requests,
      log_tail: out.split('\n').filter((l) => l.startsWith('[superserve]')).slice(-12),
    };
  } finally {
    clearInterval(sampler);
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
}
