/**
 * `node --import tsx scripts/bench-cluster.ts [--checkpoint DIR] [--nats URL] [--repeats N] [--quick]`:
 * router -> worker -> router round trip per batch, over NATS (a `superserve worker` process, binary frames,
 * chunked above max_payload) vs in-process (a worker thread), at batch 1 and 16 on the smallest Pareto
 * sub-network. Reports median round trip, median worker compute and their difference (the transport's cost).
 * Starts its own nats-server on a free loopback port unless --nats is given. Writes bench/results/cluster.json.
 * @module
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { paretoSet } from '../supernet/archs.ts';
import { ensureDefaultCheckpoint } from '../supernet/load.ts';
import { checkpointIdentity } from '../src/worker/nats-identity.ts';
import { startNatsRouter } from '../src/worker/nats-router.ts';
import type { BatchJob, WorkerInit } from '../src/worker/protocol.ts';
import { ThreadWorker } from '../src/worker/threads.ts';
import type { WorkerTransport } from '../src/worker/transport.ts';
import { table, writeResults } from './bench-common.ts';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : undefined; };
const quick = argv.includes('--quick');
const repeats = Number(flag('repeats') ?? (quick ? 3 : 10));
const backend = process.env.SUPERSERVE_BACKEND ?? 'wasm';
const BATCHES = [1, 16];

const checkpoint = flag('checkpoint') ?? await ensureDefaultCheckpoint();
const identity = await checkpointIdentity(checkpoint);
const subnet = paretoSet(identity.arch)[0]!;
const size = subnet.config.image_size;
const init: WorkerInit = { checkpoint, arch: identity.arch, backend, cacheMiB: 512, subnets: [{ id: subnet.id, config: subnet.config }], warmupBatches: BATCHES };
console.log(`${identity.arch}, sub-network ${subnet.id} at ${size} px, backend ${backend}, ${repeats} repeats`);

const job = (jobId: number, b: number): BatchJob => ({
  jobId, subnetId: subnet.id,
  items: Array.from({ length: b }, (_, i) => ({ data: new Float32Array(size * size * 3).fill(0.01 * i), height: size, width: size })),
});

async function measure(transport: string, w: WorkerTransport): Promise<Array<Record<string, string | number>>> {
  const rows: Array<Record<string, string | number>> = [];
  let id = 1;
  for (const b of BATCHES) {
    await w.runBatch(job(id++, b));
    const rt: number[] = [];
    const compute: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const j = job(id++, b); // built outside the timed span, as the dispatcher does
      const t0 = performance.now();
      const r = await w.runBatch(j);
      rt.push(performance.now() - t0);
      if (r.error !== undefined) throw new Error(`${transport} batch ${b}: ${r.error}`);
      compute.push(r.computeMs);
    }
    const overhead = rt.map((x, i) => x - compute[i]!);
    rows.push({ transport, batch: b, 'MB sent': (b * size * size * 12) / 1e6, 'round trip ms': median(rt), 'compute ms': median(compute), 'transport ms': median(overhead) });
  }
  return rows;
}

function median(xs: number[]): number { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; }

async function freePort(): Promise<number> {
  return new Promise((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });
}

const rows: Array<Record<string, string | number>> = [];

const thread = await ThreadWorker.start('bench-thread', init);
rows.push(...await measure('worker thread', thread));
await thread.close();

let url = flag('nats');
let server: ReturnType<typeof spawn> | undefined;
if (url === undefined) {
  const port = await freePort();
  server = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  url = `nats://127.0.0.1:${port}`;
  await new Promise((r) => setTimeout(r, 500));
}
let admitted!: (w: WorkerTransport) => void;
const joined = new Promise<WorkerTransport>((r) => { admitted = r; });
const router = await startNatsRouter({ url, expect: { ...identity, backend }, onWorker: (w) => admitted(w), log: (m) => console.log(`[router] ${m}`) });
const bin = fileURLToPath(new URL('../bin/superserve.mjs', import.meta.url));
const worker = spawn(process.execPath, [bin, 'worker', '--nats', url, '--checkpoint', checkpoint, '--backend', backend, '--name', 'bench', '--warmup', BATCHES.join(',')], { stdio: ['ignore', 'inherit', 'inherit'] });
try {
  rows.push(...await measure('NATS process', await joined));
} finally {
  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));
  await router.close();
  server?.kill('SIGTERM');
}
console.log(table(rows));
await writeResults('bench/results/cluster.json', { arch: identity.arch, subnet: subnet.id, imageSize: size, backend, repeats, rows });
