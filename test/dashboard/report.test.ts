import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportHtml, seriesFrame } from '../../src/dashboard/report.ts';
import { RunRecorder } from '../../src/sim/summary.ts';
import { runCli } from '../helpers/capture-cli.ts';

/** 2.5 s of 100 ms bins: 10 requests per bin, the first second all on time on sub-network 0, then half late on 1. */
function recorded(): RunRecorder {
  const rec = new RunRecorder(250, 2400, [0, 1], 100);
  for (let b = 0; b < 25; b++) {
    for (let i = 0; i < 10; i++) {
      const at = b * 100 + i;
      rec.arrived(at);
      const early = b < 10;
      rec.served(at, 5, early || i % 2 === 0, early ? 0 : 1, early ? 70 : 80);
    }
    rec.batch(b * 100, b < 10 ? 0 : 1, 10, b < 10 ? 70 : 80);
  }
  rec.workers(0, 2); rec.workers(1500, 1);
  return rec;
}

test('seriesFrame sums 100 ms bins into 1 s steps: rates, windowed attainment and accuracy, mix, batch, workers', () => {
  const f = seriesFrame({ name: 'r', series: recorded().series, sloMs: 36, subnets: [{ id: 0, accuracy: 70 }, { id: 1, accuracy: 80 }] }, { averageS: 1 });
  assert.is(f.timeAxis, 'elapsed');
  assert.equal(f.columns.t, [0, 1, 2]);
  assert.equal(f.columns.arriving, [100, 100, 50]);
  assert.equal(f.columns.answered, [100, 100, 50]);
  assert.equal(f.columns.attainment, [100, 50, 50]);
  assert.equal(f.columns.accuracy, [70, 80, 80]);
  assert.equal(f.columns['mix:0'], [100, 0, 0]);
  assert.equal(f.columns['mix:1'], [0, 100, 100]);
  assert.equal(f.columns.batchMean, [10, 10, 10]);
  assert.equal(f.columns.alive, [2, 1, 1]);
  assert.is(f.columns.queued, undefined, 'no queue depth in a run series: that chart is left out');
  const w = seriesFrame({ name: 'r', series: recorded().series, sloMs: 36, subnets: [] }, { averageS: 2 });
  assert.equal(w.columns.attainment, [100, 75, 50]);
  assert.ok(Number.isNaN(w.subnets[0]!.accuracy), 'unknown accuracy stays unknown');
});

test('report.html is one self-contained file: uPlot, the chart code and the data inlined, nothing fetched', () => {
  const html = reportHtml('a <title> & more', [{ name: 'run </script> 1', series: recorded().series, sloMs: 36, subnets: [] }]);
  assert.ok(!/<(script|link)[^>]+(src|href)="(?!data:)/.test(html), 'no external script or stylesheet');
  assert.ok(html.includes('uPlot'), 'uPlot inlined');
  assert.ok(html.includes('SuperServeCharts'), 'chart code inlined');
  assert.ok(html.includes('a &lt;title&gt; &amp; more'));
  const json = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]!;
  assert.is(JSON.parse(json).runs[0].name, 'run </script> 1', 'data survives the </script> in a name');
});

test('experiment --out DIR writes report.html next to report.md', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ss-report-'));
  const r = await runCli(['experiment', 'fig11a', '--out', dir, '--duration-s', '5']);
  assert.is(r.code, 0, r.output);
  assert.ok(existsSync(join(dir, 'report.md')));
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  const data = JSON.parse(/id="report-data">(.*?)<\/script>/s.exec(html)![1]!);
  assert.ok(data.runs.length >= 1);
  assert.match(data.runs[0].name, /^fig11a /);
  assert.ok(data.runs[0].frame.columns.arriving.some((v: number) => v > 0));
  assert.is(data.runs[0].frame.subnets.length, 6);
});

test.run();
