/**
 * Looks for WebGPU adapters in a child process, once per process: on a machine without a GPU, loading the
 * Vulkan and GL drivers only to find a software rasteriser would cost this process ~75 MB of resident memory
 * for good (measured), and a driver that crashes would take the server with it.
 * @module
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AdapterInfo, AdapterRoute } from './webgpu-adapter.ts';

export interface ProbeReport {
  routes: Array<{ route: AdapterRoute; adapter: AdapterInfo | null; error?: string }>;
  /** Set when Dawn itself did not load. */
  error?: string;
  /** The probe's stderr (driver diagnostics), trimmed. */
  stderr?: string;
}

const BOOT = fileURLToPath(new URL('./webgpu-probe-boot.mjs', import.meta.url));
const PROBE_TIMEOUT_MS = 120_000;
let cached: Promise<ProbeReport> | undefined;

export function probeAdapters(): Promise<ProbeReport> {
  cached ??= runProbe();
  return cached;
}

function runProbe(): Promise<ProbeReport> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BOOT], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = tail(err);
      const line = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve({ ...(JSON.parse(line) as ProbeReport), stderr });
      } catch {
        resolve({ routes: [], error: `the adapter probe ended without a report (${signal ?? `exit ${code}`})`, stderr });
      }
    });
  });
}

/** The last meaningful lines of driver diagnostics, without Dawn's limit notices. */
function tail(s: string): string {
  return s.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('Warning: max')).slice(-6).join(' | ');
}

/** Why no usable adapter was found, in one sentence. */
export function explainProbe(r: ProbeReport, allowSoftware: boolean): string {
  if (r.error !== undefined) return `${r.error}${r.stderr ? ` (${r.stderr})` : ''}`;
  const soft = r.routes.find((x) => x.adapter?.isSoftware);
  if (soft?.adapter && !allowSoftware) {
    return `only a software adapter was found (${soft.adapter.device || soft.adapter.description} via ${soft.route.name}); ` +
      '`auto` never uses one: name --backend webgpu to run on it';
  }
  const tried = r.routes.map((x) => `${x.route.name}${x.error ? ` (${x.error})` : ''}`).join(', ');
  return `no WebGPU adapter (tried ${tried || 'nothing'})${r.stderr ? `: ${r.stderr}` : ''}`;
}
