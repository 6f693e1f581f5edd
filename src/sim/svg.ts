/**
 * A tiny SVG chart writer (no dependencies): scatter, line and stacked-area plots with axes, ticks and a legend.
 * Colours come from the palette shared with the dashboard (src/palette.ts).
 * @module
 */
import { seriesColor } from '../palette.ts';

export interface XY { x: number; y: number; label?: string }
export interface Series { name: string; points: XY[]; color?: string }
export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  kind: 'scatter' | 'line' | 'stacked';
  xDomain?: [number, number];
  yDomain?: [number, number];
  width?: number;
  height?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function extent(vals: number[], pad: number): [number, number] {
  const f = vals.filter(Number.isFinite);
  if (f.length === 0) return [0, 1];
  let lo = Math.min(...f); let hi = Math.max(...f);
  if (lo === hi) { const d = Math.abs(lo) * 0.01 || 0.5; lo -= d; hi += d; }
  const d = (hi - lo) * pad;
  return [lo - d, hi + d];
}

export function chart(o: ChartOptions): string {
  const W = o.width ?? 720; const H = o.height ?? 420;
  const m = { l: 64, r: 190, t: 36, b: 48 };
  const pw = W - m.l - m.r; const ph = H - m.t - m.b;
  let stackedSeries = o.series;
  if (o.kind === 'stacked') {
    const acc = new Map<number, number>();
    stackedSeries = o.series.map((s) => ({
      ...s, points: s.points.map((p) => { const base = acc.get(p.x) ?? 0; acc.set(p.x, base + p.y); return { x: p.x, y: base + p.y, label: String(base) }; }),
    }));
  }
  const all = stackedSeries.flatMap((s) => s.points);
  const [x0, x1] = o.xDomain ?? extent(all.map((p) => p.x), o.kind === 'scatter' ? 0.05 : 0);
  const [y0, y1] = o.yDomain ?? extent(all.map((p) => p.y).concat(o.kind === 'stacked' ? [0] : []), 0.05);
  const sx = (x: number) => Math.round((m.l + ((x - x0) / (x1 - x0 || 1)) * pw) * 10) / 10;
  const sy = (y: number) => Math.round((m.t + ph - ((y - y0) / (y1 - y0 || 1)) * ph) * 10) / 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.l + pw / 2}" y="20" text-anchor="middle" font-size="14">${esc(o.title)}</text>`,
  ];
  for (const t of niceTicks(x0, x1)) {
    parts.push(`<line x1="${sx(t)}" y1="${m.t}" x2="${sx(t)}" y2="${m.t + ph}" stroke="#eee"/>`,
      `<text x="${sx(t)}" y="${m.t + ph + 14}" text-anchor="middle">${t}</text>`);
  }
  for (const t of niceTicks(y0, y1)) {
    parts.push(`<line x1="${m.l}" y1="${sy(t)}" x2="${m.l + pw}" y2="${sy(t)}" stroke="#eee"/>`,
      `<text x="${m.l - 6}" y="${sy(t) + 4}" text-anchor="end">${t}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`,
    `<text x="${m.l + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  stackedSeries.forEach((s, i) => {
    const color = s.color ?? seriesColor(i);
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    if (o.kind === 'scatter') {
      for (const p of pts) {
        parts.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="4" fill="${color}" fill-opacity="0.8"><title>${esc(`${s.name}${p.label ? ' ' + p.label : ''}: (${p.x}, ${p.y})`)}</title></circle>`);
      }
    } else if (o.kind === 'line') {
      if (pts.length) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ')}"/>`);
    } else if (pts.length) {
      const top = pts.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`);
      const bottom = [...pts].reverse().map((p) => `${sx(p.x).toFixed(1)},${sy(Number(p.label ?? 0)).toFixed(1)}`);
      parts.push(`<polygon fill="${color}" fill-opacity="0.85" stroke="none" points="${top.concat(bottom).join(' ')}"/>`);
    }
    const ly = m.t + 8 + i * 16;
    parts.push(`<rect x="${m.l + pw + 12}" y="${ly - 8}" width="10" height="10" fill="${color}"/>`,
      `<text x="${m.l + pw + 28}" y="${ly + 1}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
