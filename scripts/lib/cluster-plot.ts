/**
 * The fault-tolerance plot: three stacked panels drawn with src/sim/svg.ts (SLO attainment, mean served
 * accuracy, workers alive) over time, with the SIGKILL times marked as dashed red lines in every panel.
 * @module
 */
import { seriesColor } from '../../src/palette.ts';
import { chart, type Series } from '../../src/sim/svg.ts';
import type { FaultResult } from './cluster-fault-tolerance.ts';

const W = 760;
const PANEL_H = 240;
/** Plot-area margins of chart() in src/sim/svg.ts (left 64, right 190, top 36, bottom 48): kill markers use them. */
const M = { l: 64, r: 190, t: 36, b: 48 };

function killMarkers(r: FaultResult, x1: number): string {
  const pw = W - M.l - M.r;
  return r.kills.map((k) => {
    const x = (M.l + (k.atS / x1) * pw).toFixed(1);
    return `<line x1="${x}" y1="${M.t}" x2="${x}" y2="${PANEL_H - M.b}" stroke="${seriesColor(3)}" stroke-dasharray="4 3"/>` +
      `<text x="${x}" y="${M.t + 10}" fill="${seriesColor(3)}" font-size="10" transform="rotate(90 ${x} ${M.t + 10})">kill ${k.worker}</text>`;
  }).join('\n');
}

function panel(r: FaultResult, y: number, title: string, yLabel: string, series: Series[], yDomain: [number, number]): string {
  const x1 = r.durationS;
  const svg = chart({ title, xLabel: 'time (s)', yLabel, series, kind: 'line', xDomain: [0, x1], yDomain, width: W, height: PANEL_H });
  const inner = svg.replace(/^<svg [^>]*>/, '').replace(/<\/svg>\s*$/, '');
  return `<svg x="0" y="${y}" width="${W}" height="${PANEL_H}" viewBox="0 0 ${W} ${PANEL_H}">\n${inner}\n${killMarkers(r, x1)}\n</svg>`;
}

export function faultToleranceSvg(r: FaultResult): string {
  const mid = (w: FaultResult['windows'][number]): number => (w.t0 + w.t1) / 2;
  const attain: Series = { name: 'SLO attainment', color: seriesColor(0), points: r.windows.filter((w) => w.sent > 0).map((w) => ({ x: mid(w), y: 100 * w.attainment })) };
  const acc: Series = { name: 'mean served accuracy', color: seriesColor(2), points: r.windows.filter((w) => Number.isFinite(w.accuracy)).map((w) => ({ x: mid(w), y: w.accuracy })) };
  const step = (pts: Array<[number, number]>): Array<{ x: number; y: number }> =>
    pts.flatMap(([t, a], i) => (i === 0 ? [{ x: t, y: a }] : [{ x: t, y: pts[i - 1]![1] }, { x: t, y: a }]));
  const alive: Series = { name: 'alive (router /metrics)', color: seriesColor(1), points: step(r.aliveSamples) };
  const sched: Series = {
    name: 'not yet killed', color: seriesColor(7),
    points: step([[0, r.windows[0]?.workersScheduled ?? 0] as [number, number], ...r.kills.map((k, i) => [k.atS, (r.windows[0]?.workersScheduled ?? 0) - i - 1] as [number, number]), [r.durationS, r.windows.at(-1)?.workersScheduled ?? 0]]),
  };
  const accs = acc.points.map((p) => p.y);
  const accLo = accs.length ? Math.floor(Math.min(...accs) - 1) : 60;
  const accHi = accs.length ? Math.ceil(Math.max(...accs) + 1) : 80;
  const maxW = Math.max(1, ...r.aliveSamples.map(([, a]) => a), r.windows[0]?.workersScheduled ?? 0);
  const head = `${r.arch}, ${r.load.rate} req/s Poisson, SLO ${r.load.sloMs} ms`;
  const H = 3 * PANEL_H;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    panel(r, 0, `Fault tolerance: SLO attainment per ${r.windowMs} ms (${head})`, 'SLO attainment (%)', [attain], [0, 100]),
    panel(r, PANEL_H, 'Mean accuracy of served requests (profiled top-1 of the chosen sub-network)', 'accuracy (%)', [acc], [accLo, accHi]),
    panel(r, 2 * PANEL_H, 'Workers (one SIGKILLed at each dashed line)', 'workers', [alive, sched], [0, maxW + 0.5]),
    '</svg>',
  ].join('\n') + '\n';
}
