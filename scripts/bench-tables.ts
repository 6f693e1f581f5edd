/**
 * The benchmark tables in README.md and docs/*.md are rendered from bench/results/*.json, never typed by hand.
 * A table sits between `<!-- bench-table: NAME -->` and `<!-- /bench-table -->`; this script rewrites every such
 * block from its result file (`npm run bench:tables`), or with `--check` only reports the blocks that differ from
 * what their result file says and exits 1 (a test runs the check).
 * @module
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

type Json = Record<string, any>; // result files are schemaless JSON
type Results = (file: string) => Json;

const fixed = (v: number, d: number): string => (Number.isFinite(v) ? v.toFixed(d) : '–');
const times = (v: number): string => `${fixed(v, 2)}x`;
const table = (head: string[], rows: Array<Array<string | number>>): string =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
function source(file: string, r: Json): string {
  const m = r.machine as { cpu?: string; cores?: number; node?: string; date?: string } | undefined;
  const when = m?.date ?? (r.created as string | undefined);
  return `Source: \`bench/results/${file}\`${m ? ` (${m.cpu}, ${m.cores} cores, Node ${m.node}` : ' ('}${when ? `${m ? ', ' : ''}${when.slice(0, 10)}` : ''}).`;
}

/** Every table the docs may contain, by name: its result file and how it is drawn. */
export const TABLES: Record<string, { file: string; render: (r: Json, load: Results) => string }> = {
  layouts: {
    file: 'subnetact.json',
    render: (r) => {
      const l = r.layouts as { cores: number; subnet: string; batch: number; rows: Array<{ workers: number; wasm_threads: number; img_per_s: number; batch_ms: number; vs_1x1: number }> };
      return `${table(['workers x WASM threads', 'images/s', 'vs 1 x 1', 'batch time (s)'],
        l.rows.map((x) => [`${x.workers} x ${x.wasm_threads}`, fixed(x.img_per_s, 2), times(x.vs_1x1), fixed(x.batch_ms / 1000, 1)]))}\n\n` +
        `${l.subnet} sub-network, batch ${l.batch}, every worker busy, ${l.cores} cores. ${source('subnetact.json', r)}`;
    },
  },
  startup: {
    file: 'subnetact.json',
    render: (r) => {
      const runs = r.serve.runs as Array<{ label: string; ready_s: number; rss_ready_mib: number; rss_peak_mib: number }>;
      const acc = r.accounting.rows as Array<{ stage: string; wasm_heap_mib: number }>;
      return `${table(['server start', 'to ready (s)', 'RSS at ready (MiB)', 'RSS peak serving every sub-network at batch 1 and 8 (MiB)'],
        runs.map((x) => [x.label, fixed(x.ready_s, 1), x.rss_ready_mib, x.rss_peak_mib]))}\n\n` +
        `One worker's WASM heap: ${acc.map((a) => `${a.stage} ${fixed(a.wasm_heap_mib, 0)} MiB`).join('; ')}. ${r.serve.arch}, ${r.serve.layout.workers} x ${r.serve.layout.wasmThreads}. ${source('subnetact.json', r)}`;
    },
  },
  backends: {
    file: 'subnetact.json',
    render: (r) => {
      const rows = (r.backends.rows as Array<{ backend: string; subnet: string; batch: number; ms: number; img_per_s: number; vs_stock: number }>);
      return `${table(['backend', 'sub-network', 'batch', 'ms per batch', 'images/s', 'vs WASM 1 thread'],
        rows.map((x) => [x.backend, x.subnet, x.batch, fixed(x.ms, 1), fixed(x.img_per_s, 2), times(x.vs_stock)]))}\n\n${source('subnetact.json', r)}`;
    },
  },
  subnetact: {
    file: 'subnetact.json',
    render: (r) => {
      const s = r.switching as { actuate_cached_ms: number; actuate_uncached_slice_ms: number; load_from_disk_ms: number; speedup_cached_vs_disk: number };
      const m = r.memory as Record<'pareto' | 'hundred', { subnets: number; supernet_plus_norm_mib: number; separate_models_mib: number; ratio: number }>;
      const f = r.forward as Array<{ subnet: string; batch: number; static_ms: number; cached_overhead_pct: number; uncached_overhead_pct: number }>;
      return `${table(['what', 'result'], [
        ['switch to a cached sub-network vs load it from disk as its own model', `${fixed(s.actuate_cached_ms, 3)} ms vs ${fixed(s.load_from_disk_ms, 0)} ms (${fixed(s.speedup_cached_vs_disk, 0)}x); materialising one: ${fixed(s.actuate_uncached_slice_ms, 1)} ms`],
        ...f.map((x) => [`actuated forward vs exported static model, ${x.subnet}, batch ${x.batch} (static ${fixed(x.static_ms, 0)} ms)`, `cached ${fixed(x.cached_overhead_pct, 1)} %, streamed ${fixed(x.uncached_overhead_pct, 1)} %`]),
        ...(['pareto', 'hundred'] as const).map((k) => [`tensor memory, ${m[k].subnets} sub-networks: supernet + SubnetNorm vs separate models`, `${fixed(m[k].supernet_plus_norm_mib, 0)} vs ${fixed(m[k].separate_models_mib, 0)} MiB (${fixed(m[k].ratio, 1)}x less)`]),
      ])}\n\n${r.backend} backend, ${r.arch}. ${source('subnetact.json', r)}`;
    },
  },
  decode: {
    file: 'decode.json',
    render: (r) => `${table(['image', 'KB', 'libvips (ms)', 'pure JS (ms)', 'speed-up'],
      (r.rows as Array<{ image: string; kb: number; sharp_ms: number; js_ms: number; speedup: number }>).map((x) => [x.image, x.kb, fixed(x.sharp_ms, 1), fixed(x.js_ms, 1), times(x.speedup)]))}\n\n` +
      `${r.note}, ${r.repeats} repeats. ${source('decode.json', r)}`,
  },
  overload: {
    file: 'overload.json',
    render: (r) => {
      const runs = r.runs as Array<{ kind: string; multiplier: number; sent: number; answered: number; ok: number; s503: number; s504: number; live_p99_ms: number; live_failed: number; refusal_lateness_p99_ms: number; admitted_deadline_met: number; rss_peak_mb: number }>;
      return `${table(['body', 'load', 'sent', 'answered', '200', '503', '504', 'served on time', 'refusal lateness p99 (ms)', '/v2/health/live p99 (ms)', 'failed probes', 'RSS peak (MB)'],
        runs.map((x) => [x.kind, `${x.multiplier}x`, x.sent, x.answered, x.ok, x.s503, x.s504, fixed(x.admitted_deadline_met, 2), fixed(x.refusal_lateness_p99_ms, 0), fixed(x.live_p99_ms, 0), x.live_failed, fixed(x.rss_peak_mb, 0)]))}\n\n` +
        `Capacity ${fixed(r.capacity_req_s, 1)} req/s on time (closed loop, SLO ${r.server.slo_ms} ms, ${r.server.policy}, ${r.server.backend}); ` +
        `${r.seconds_per_burst} s open-loop bursts at multiples of it; idle /v2/health/live p99 ${fixed(r.live_idle.p99, 0)} ms. ${source('overload.json', r)}`;
    },
  },
  'overload-mixed': {
    file: 'overload.json',
    render: (r) => {
      type Mixed = { mix: string; multiplier: number; classes: Array<{ name: string; sent: number; ok: number; s503: number; s504: number; admitted_deadline_met: number; mean_accuracy: number; refusal_lateness_p99_ms: number }> };
      const mixed = (r.mixed ?? []) as Mixed[];
      if (mixed.length === 0) return `No mixed bursts in this result file. ${source('overload.json', r)}`;
      return `${table(['mix', 'load', 'class', 'sent', '200', '503', '504', 'served on time', 'mean accuracy (%)', 'refusal lateness p99 (ms)'],
        mixed.flatMap((m) => m.classes.map((c) => [m.mix, `${m.multiplier}x`, c.name, c.sent, c.ok, c.s503, c.s504, fixed(c.admitted_deadline_met, 2), fixed(c.mean_accuracy, 1), fixed(c.refusal_lateness_p99_ms, 0)])))}\n\n` +
        `Binary requests; each class of a mixed burst reported on its own. ${source('overload.json', r)}`;
    },
  },
  protocols: {
    file: 'serve-protocols.json',
    render: (r) => {
      const p = r.protocols as { concurrency: number; http_binary: Json; grpc_raw: Json; grpc_over_http_rps: number; grpc_over_http_cpu_per_req: number };
      const row = (name: string, x: Json) => [name, fixed(x.rps, 1), fixed(x.p50_ms, 0), fixed(x.p99_ms, 0), fixed(x.server_cpu_ms_per_req, 1)];
      return `${table(['path', 'req/s', 'p50 (ms)', 'p99 (ms)', 'server CPU ms/request'], [row('HTTP, binary tensor data', p.http_binary), row('gRPC, raw contents', p.grpc_raw)])}\n\n` +
        `gRPC / HTTP: ${times(p.grpc_over_http_rps)} the requests/s, ${times(p.grpc_over_http_cpu_per_req)} the CPU per request; 1x3x224x224 FP32, instant engine, ${p.concurrency} concurrent. ` +
        `JSON parse ${fixed(r.decompression.json_parse_ms_per_mb, 1)} ms/MB. ${source('serve-protocols.json', r)}`;
    },
  },
  scheduler: {
    file: 'serve.json',
    render: (r) => {
      const rows = r.scheduler as Array<{ policy: string; queued: number; decideUs: number }>;
      const queued = [...new Set(rows.map((x) => x.queued))];
      const policies = [...new Set(rows.map((x) => x.policy))];
      return `${table(['policy', ...queued.map((q) => `decide, ${q} queued (µs)`)], policies.map((p) => [p, ...queued.map((q) => fixed(rows.find((x) => x.policy === p && x.queued === q)?.decideUs ?? NaN, 2))]))}\n\n` +
        `HTTP full path vs a bare handler answering the same response: ${fixed(r.http.ratio, 2)} (${fixed(r.http.full_rps, 0)} vs ${fixed(r.http.bare_rps, 0)} req/s). ${source('serve.json', r)}`;
    },
  },
  engine: {
    file: 'serve.json',
    render: (r) => {
      const e = r.engine as { backend: string; rate: number; capacity_largest_img_s: number; slo_ms: number; duration_s: number; runs: Array<{ policy: string; sent: number; slo_attainment: number; mean_accuracy: number; p99_ms: number }>; from_earlier_run?: Json };
      return `${table(['policy', 'sent', 'SLO attainment', 'mean accuracy (%)', 'p99 (ms)'], e.runs.map((x) => [x.policy, x.sent, fixed(x.slo_attainment, 3), fixed(x.mean_accuracy, 1), fixed(x.p99_ms, 0)]))}\n\n` +
        `Real engine (${e.backend}), bursty load at ${fixed(e.rate, 2)} req/s (largest sub-network's capacity ${fixed(e.capacity_largest_img_s, 2)} img/s), SLO ${e.slo_ms} ms, ${e.duration_s} s.` +
        `${e.from_earlier_run ? ` Carried from an earlier run (${e.from_earlier_run.date?.slice(0, 10)}), not re-measured with the rest of the file.` : ''} ${source('serve.json', r)}`;
    },
  },
  sim: {
    file: 'sim.json',
    render: (r) => {
      const s = r.summary as { noise_none_cpu: number; noise_profile_cpu: number };
      return `${table(['latency noise', 'simulated requests per CPU second'], [['none', `${fixed(s.noise_none_cpu / 1e6, 2)} M`], ['profile', `${fixed(s.noise_profile_cpu / 1e6, 2)} M (${times(s.noise_profile_cpu / s.noise_none_cpu)})`]])}\n\n` +
        `Over ${new Set((r.rows as Array<{ policy: string }>).map((x) => x.policy)).size} policies. ${source('sim.json', r)}`;
    },
  },
  dashboard: {
    file: 'dashboard.json',
    render: (r) => `${table(['what', 'result'], [
      ['serving events per request', `${r.cost.events_ns_per_request} ns`],
      ['one tick (1 s), no page / one page open', `${r.cost.tick_us_no_client} / ${r.cost.tick_us_one_client} µs`],
      ['share of a core at 1000 req/s, one page', `${fixed(r.cost.core_share_at_1000_rps_one_client * 100, 2)} %`],
      [`heap after 10 min / after 1 h of simulated uptime`, `${r.memory.after_10_min.heap_used_mib} / ${r.memory.after_1_h.heap_used_mib} MiB (RSS ${r.memory.start.rss_mib} → ${r.memory.after_1_h.rss_mib} MiB)`],
      ['full-path req/s, one page open vs none (median of paired rounds)', `${r.http.median_of_paired_ratios_one_client_vs_none} (A/A control: ${r.http.aa_control_median})`],
    ])}\n\n${source('dashboard.json', r)}`,
  },
  engines: {
    file: 'engines.json',
    render: (r) => {
      const rows = r.rows as Array<{ subnet: number; batch: number; engine: string; img_per_s: number }>;
      const ratios = r.ratios as Array<{ subnet: number; batch: number; ort_over_tfjs: number; ort_over_bare: number }>;
      const ips = (s: number, b: number, e: string) => fixed(rows.find((x) => x.subnet === s && x.batch === b && x.engine === e)?.img_per_s ?? Number.NaN, 1);
      const t = r.targets as Record<string, { target: number; measured: number }>;
      const rss = r.rss_added_mib as Record<string, number>;
      return `${table(['sub-network', 'batch', 'tfjs img/s (cache auto)', 'tfjs, cache 128 MiB', 'ort img/s', 'bare ORT img/s', 'ort / tfjs', 'ort / bare'],
        ratios.map((x) => [x.subnet, x.batch, ips(x.subnet, x.batch, 'tfjs'), ips(x.subnet, x.batch, 'tfjs-cache128'), ips(x.subnet, x.batch, 'ort'), ips(x.subnet, x.batch, 'bare'),
          fixed(x.ort_over_tfjs, 2), fixed(x.ort_over_bare, 2)]))}\n\n` +
        `Targets: ort / bare >= ${t.ort_over_bare_min!.target} (worst point ${fixed(t.ort_over_bare_min!.measured, 2)}, geometric mean ${fixed(t.ort_over_bare_geomean!.measured, 2)}); ` +
        `ort / tfjs on the largest sub-network at batch 8 >= ${t.largest_batch8_ort_over_tfjs!.target} (${fixed(t.largest_batch8_ort_over_tfjs!.measured, 2)}). ` +
        `RSS added: tfjs ${fixed(rss.tfjs!, 0)} MiB (cache 128 MiB: ${fixed(rss['tfjs-cache128']!, 0)} MiB), ort ${fixed(rss.ort!, 0)} MiB, six bare sessions ${fixed(rss.bare!, 0)} MiB. ` +
        `${r.threads} threads per engine, ${r.reps} timed runs per point. ${source('engines.json', r)}`;
    },
  },
  'engines-serving': {
    file: 'overload-tfjs.json',
    render: (tf, load) => {
      const row = (engine: string, o: Json) => {
        const x = (o.runs as Json[])[0]!;
        return [engine, `${fixed(o.capacity_req_s, 1)} req/s`, `${x.multiplier}x = ${fixed(x.rate, 1)} req/s`, `${x.ok} of ${x.sent} (${fixed(x.ok / (o.seconds_per_burst as number), 1)}/s)`,
          `${x.answered} / ${x.sent}`, fixed(x.admitted_deadline_met, 2), fixed(x.mean_accuracy, 1), `${fixed(x.live_p99_ms, 0)} ms (${x.live_failed} failed)`, `${fixed(x.refusal_lateness_p99_ms, 0)} ms`, `${fixed(x.rss_peak_mb, 0)} MB`];
      };
      return `${table(['engine', 'capacity, closed loop, on time', 'burst', 'served', 'answered / sent', 'on time of served', 'mean accuracy (%)', 'live p99', 'refusal lateness p99', 'RSS peak'],
        [row('tfjs', tf), row('ort', load('overload-ort.json'))])}\n\n` +
        `Binary requests, SLO ${tf.server.slo_ms} ms, ${tf.seconds_per_burst} s bursts. Sources: \`bench/results/overload-tfjs.json\`, \`bench/results/overload-ort.json\` (${(tf.machine as Json).date.slice(0, 10)}).`;
    },
  },
  tracing: {
    file: 'tracing.json',
    render: (r) => {
      const aa = r.aa_control_paired_ratios as number[];
      return table(['measure', 'result'], [
        ['span work of one traced request (in-process, export not included)', `${fixed(r.per_request.traced_request_span_work_us, 1)} µs`],
        ['the off check (`tracingOn()`)', `${fixed(r.per_request.off_check_ns, 1)} ns`],
        ['req/s tracing on / off (medians)', `${fixed(r.ratio_on_vs_off, 3)} (paired-round median ${fixed(r.median_of_paired_ratios_on_vs_off, 3)})`],
        ['A/A control: off / off again, same rounds', `median ${fixed(r.aa_control_median, 3)}, rounds ${fixed(Math.min(...aa), 2)} to ${fixed(Math.max(...aa), 2)}`],
        ['server CPU per request, off / on (medians)', `${r.cpu_us_per_req.off} / ${r.cpu_us_per_req.on} µs`],
      ]) + `\n\n${r.setup}. ${source('tracing.json', r)}`;
    },
  },
  'readme-request': {
    file: 'readme-request.json',
    render: (r) => {
      const answer = (r.answers as unknown[]).at(-1) as Json;
      const p = answer.parameters as Json;
      const params = { ...p, prep_ms: Number(fixed(p.prep_ms, 1)), queue_ms: Number(fixed(p.queue_ms, 1)), compute_ms: Number(fixed(p.compute_ms, 1)) };
      return ['```json', JSON.stringify({ ...answer, parameters: params }, null, 1).replace(/\n\s*/g, ' ').replace(/\{ /g, '{').replace(/ \}/g, '}').replace(/\[ /g, '[').replace(/ \]/g, ']'),
        '```', '', `The last of three such requests, sent one after another to a fresh server. ${source('readme-request.json', r)}`].join('\n');
    },
  },
  validation: {
    file: 'policy-eval/validation/live-summary.json',
    render: (live, load) => {
      type Run = { policy: string; slo_ms: number; sent: number; slo_attainment: number; mean_accuracy: number; params?: { noise?: string; seed?: number } };
      const l = (live.runs as Run[])[0]!;
      const sims = load('policy-eval/validation/sim-summary.json').runs as Run[];
      return `${table(['run', 'SLO attainment', 'mean accuracy (%)'], [
        ['live server', fixed(l.slo_attainment, 3), fixed(l.mean_accuracy, 2)],
        ...sims.map((x) => [`simulator, ${x.policy}, noise ${x.params?.noise ?? 'none'}${x.params?.noise === 'profile' ? `, seed ${x.params.seed}` : ''}`, fixed(x.slo_attainment, 3), fixed(x.mean_accuracy, 2)]),
      ])}\n\n${l.sent} requests, SLO ${l.slo_ms} ms. Source: \`bench/results/policy-eval/validation/\` (live-summary.json, sim-summary.json).`;
    },
  },
  cluster: {
    file: 'cluster.json',
    render: (r) => {
      const f = r.faultTolerance as { load: { rate: number; sloMs: number }; kills: Array<{ atS: number }>; deaths: Array<{ atS: number }>; run: { policy: string; workers: number; slo_attainment: number; mean_accuracy: number; sent: number } };
      return `${table(['what', 'result'], [
        ['load', `${f.load.rate} req/s, SLO ${f.load.sloMs} ms, ${f.run.workers} NATS workers, ${f.run.policy}`],
        ['workers SIGKILLed at', f.kills.map((k) => `${fixed(k.atS, 0)} s`).join(', ')],
        ['deaths detected after', f.deaths.map((d, i) => `${fixed(d.atS - f.kills[i]!.atS, 1)} s`).join(', ')],
        ['SLO attainment, mean accuracy', `${fixed(f.run.slo_attainment, 3)}, ${fixed(f.run.mean_accuracy, 1)} % (${f.run.sent} requests)`],
      ])}\n\n${source('cluster.json', r)}`;
    },
  },
};

const BLOCK = /(<!-- bench-table: ([\w-]+) -->\n)([\s\S]*?)(<!-- \/bench-table -->)/g;

/** README.md and every docs/*.md under `root`. */
export function docFiles(root: string): string[] {
  let docs: string[] = [];
  try { docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(root, 'docs', f)); } catch { /* no docs/ */ }
  return [join(root, 'README.md'), ...docs.sort()];
}

/** `text` with every bench-table block rendered from `results`; unknown table names are listed in `problems`. */
export function renderBlocks(text: string, results: Results, problems: string[] = []): string {
  return text.replace(BLOCK, (_all, open: string, name: string, _old: string, close: string) => {
    const spec = TABLES[name];
    if (!spec) { problems.push(`unknown bench table '${name}' (known: ${Object.keys(TABLES).join(', ')})`); return _all; }
    return `${open}${spec.render(results(spec.file), results)}\n${close}`;
  });
}

export interface TableCheck { file: string; stale: string[]; problems: string[] }

/** For each doc under `root`: the bench-table blocks whose text differs from their result file's rendering. */
export function checkTables(root: string, resultsDir = join(root, 'bench/results')): TableCheck[] {
  const cache = new Map<string, Json>();
  const results: Results = (file) => {
    if (!cache.has(file)) cache.set(file, JSON.parse(readFileSync(join(resultsDir, file), 'utf8')) as Json);
    return cache.get(file)!;
  };
  return docFiles(root).map((path) => {
    const text = readFileSync(path, 'utf8');
    const problems: string[] = [];
    const want = renderBlocks(text, results, problems);
    const stale: string[] = [];
    const blocks = (t: string) => [...t.matchAll(BLOCK)].map((m) => ({ name: m[2]!, body: m[3]! }));
    const have = blocks(text), rendered = blocks(want);
    have.forEach((b, i) => { if (b.body !== rendered[i]!.body) stale.push(b.name); });
    return { file: relative(root, path), stale, problems };
  });
}

function main(): void {
  const root = resolve(import.meta.dirname, '..');
  const check = process.argv.includes('--check');
  const report = checkTables(root);
  let bad = 0;
  for (const r of report) {
    for (const p of r.problems) { console.error(`${r.file}: ${p}`); bad++; }
    if (r.stale.length === 0) continue;
    if (check) { console.error(`${r.file}: differs from bench/results: ${r.stale.join(', ')}`); bad++; continue; }
    const path = join(root, r.file);
    const cache = new Map<string, Json>();
    writeFileSync(path, renderBlocks(readFileSync(path, 'utf8'), (f) => cache.get(f) ?? cache.set(f, JSON.parse(readFileSync(join(root, 'bench/results', f), 'utf8')) as Json).get(f)!));
    console.log(`${r.file}: rewrote ${r.stale.join(', ')}`);
  }
  if (bad > 0) process.exit(1);
  if (check) console.log('every bench table matches bench/results');
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) main();
