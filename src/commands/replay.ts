/**
 * `superserve replay --url http://HOST:PORT --model M --trace T [--slo-ms S] --out DIR`: open-loop replay of a
 * trace against a running server; writes summary.json (one run), timeseries.csv, plots and report.html.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { replay } from '../replay/client.ts';
import { intFlag, listFlag, numFlag, parseFlags, requireFlag, runCommand, UsageError } from './args.ts';
import { timeSeriesCharts } from '../sim/report.ts';
import { timeSeriesCsv, writeSummary } from '../sim/summary.ts';
import { readTraceFile } from '../sim/trace-file.ts';
import { writeReportHtml } from '../dashboard/report.ts';

export const REPLAY_USAGE = `usage: superserve replay --url http://HOST:PORT --model M --trace FILE --out DIR [options]

  --slo-ms S        latency target sent with each request and used for attainment (default 36); a v2 trace's
                    per-request SLO (slo_ms > 0) and priority are sent instead, and summary.json reports per class
  --priority-levels L   the server's --priority-levels, to group priorities into classes as it does (default 2)
  --timeout-ms T    give up on a request after T ms (counted as unanswered; default 30000)
  --limit N         replay only the first N arrivals
  --json            send FP32 as JSON number arrays (default: Triton's binary tensor data extension, cheaper for the server)
Sends each request at its scheduled time (open loop); latency counts from the scheduled time.
Writes DIR/summary.json, DIR/timeseries.csv, DIR/plots/*.svg and DIR/report.html; prints the client's send lag.`;

export async function run(argv: string[]): Promise<number> {
  return runCommand('replay', async () => {
    const { values, positionals } = parseFlags(argv, {
        url: { type: 'string' }, model: { type: 'string' }, trace: { type: 'string' }, 'slo-ms': { type: 'string' },
        'timeout-ms': { type: 'string' }, limit: { type: 'string' }, 'priority-levels': { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      }, REPLAY_USAGE, true);
    if (values.help) { process.stdout.write(REPLAY_USAGE + '\n'); return 0; }
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const url = requireFlag(values.url, 'url');
    if (!/^https?:\/\/[^/]+/.test(url)) throw new UsageError(`--url must look like http://HOST:PORT, got "${url}"`);
    const model = requireFlag(values.model, 'model'); const tracePath = requireFlag(values.trace, 'trace'); const out = requireFlag(values.out, 'out');
    const sloMs = numFlag(values['slo-ms'], 'slo-ms') ?? 36;
    if (!(sloMs > 0)) throw new UsageError(`--slo-ms must be positive, got ${sloMs}`);
    const trace = readTraceFile(tracePath);
    const limit = values.limit === undefined ? trace.arrivalsMs.length : requireFlag(intFlag(values.limit, 'limit'), 'limit');
    if (limit < 1) throw new UsageError(`--limit must be >= 1, got ${limit}`);
    const arrivalsMs = trace.arrivalsMs.subarray(0, limit);
    const priorityLevels = intFlag(values['priority-levels'], 'priority-levels') ?? 2;
    if (priorityLevels < 1) throw new UsageError(`--priority-levels must be >= 1, got ${priorityLevels}`);
    const traceName = tracePath.replace(/^.*\//, '').replace(/\.trace$/, '');
    let lastPrint = 0;
    const r = await replay({
      url, model, arrivalsMs, traceName, sloMs, priorityLevels,
      ...(trace.sloMs ? { requestSloMs: trace.sloMs } : {}), ...(trace.priority ? { requestPriority: trace.priority } : {}), timeoutMs: numFlag(values['timeout-ms'], 'timeout-ms') ?? 30_000, encoding: values.json ? 'json' : 'binary',
      onProgress: (done, total) => {
        const now = Date.now();
        if (now - lastPrint > 1000 || done === total) { lastPrint = now; process.stderr.write(`\rreplay: ${done}/${total} answered`); }
      },
    });
    process.stderr.write('\n');
    mkdirSync(join(out, 'plots'), { recursive: true });
    writeSummary(join(out, 'summary.json'), [r.run]);
    writeFileSync(join(out, 'timeseries.csv'), timeSeriesCsv(r.recorder.series));
    for (const [kind, svg] of Object.entries(timeSeriesCharts(r.recorder.series, `replay ${traceName}`))) writeFileSync(join(out, 'plots', `${kind}.svg`), svg);
    writeReportHtml(join(out, 'report.html'), `replay ${traceName}`, [{ name: `replay ${traceName}`, series: r.recorder.series, sloMs, subnets: r.model.subnets ?? [], summary: r.run }]); // report.html (dashboard charts)
    const x = r.run;
    process.stderr.write(`sent ${x.sent}, answered ${x.answered}, ok ${x.ok}, attainment ${x.slo_attainment.toFixed(4)}, accuracy ${x.mean_accuracy.toFixed(2)} %, ` +
      `p50 ${x.p50_ms} ms, p99 ${x.p99_ms} ms; client send lag p50 ${r.lag.p50.toFixed(2)} / p99 ${r.lag.p99.toFixed(2)} / max ${r.lag.max.toFixed(2)} ms` +
      (x.sent !== x.answered ? `; ${x.sent - x.answered} unanswered (${String(x.params?.unanswered_reason)})` : '') + ` -> ${out}\n`);
    return 0;
  }, REPLAY_USAGE);
}
