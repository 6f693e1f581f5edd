/**
 * A tiny SVG chart writer (no dependencies): scatter, line and stacked-area plots with axes, ticks and a legend.
 * Colours come from the palette shared with the dashboard (src/palette.ts).
 *
 * Scatter plots are drawn so that a reader can trust them: each series has its own open marker shape
 * and size (a point hidden under another stays visible as a concentric outline) and its legend entry
 * prints the exact values. `yScale: 'nines'` plots an attainment a as -log10(1 - a) (ticks 0.9, 0.99,
 * 0.999, ...), so 0.999 and 1.0 are far apart; 1.0 itself sits on the top edge, labelled ">= 1 - 10^-N".
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
  /** 'nines': y in [0, 1] plotted as -log10(1 - y), capped at `maxNines`. @default 'linear' */
  yScale?: 'linear' | 'nines';
  /** Top of the nines scale (1 - 10^-maxNines and above sit on the top edge). @default 6 */
  maxNines?: number;
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

/** -log10(1 - a), capped at `max` nines. */
export function nines(a: number, max = 6): number {
  return a >= 1 ? max : Math.min(max, -Math.log10(1 - a));
}

/** Open marker shapes, one per series (index mod count). */
const SHAPES = ['circle', 'square', 'diamond', 'triangle', 'down', 'cross'] as const;

function marker(shape: (typeof SHAPES)[number], x: number, y: number, r: number, color: string, title: string): string {
  const st = `fill="none" stroke="${color}" stroke-width="1.6"`;
  const t = `<title>${esc(title)}</title>`;
  const f = (v: number) => v.toFixed(1);
  switch (shape) {
    case 'circle': return `<circle cx="${f(x)}" cy="${f(y)}" r="${f(r)}" ${st}>${t}</circle>`;
    case 'square': return `<rect x="${f(x - r)}" y="${f(y - r)}" width="${f(2 * r)}" height="${f(2 * r)}" ${st}>${t}</rect>`;
    case 'diamond': return `<polygon points="${f(x)},${f(y - r * 1.3)} ${f(x + r * 1.3)},${f(y)} ${f(x)},${f(y + r * 1.3)} ${f(x - r * 1.3)},${f(y)}" ${st}>${t}</polygon>`;
    case 'triangle': return `<polygon points="${f(x)},${f(y - r * 1.3)} ${f(x + r * 1.2)},${f(y + r * 0.8)} ${f(x - r * 1.2)},${f(y + r * 0.8)}" ${st}>${t}</polygon>`;
    case 'down': return `<polygon points="${f(x)},${f(y + r * 1.3)} ${f(x + r * 1.2)},${f(y - r * 0.8)} ${f(x - r * 1.2)},${f(y - r * 0.8)}" ${st}>${t}</polygon>`;
    case 'cross': return `<path d="M${f(x - r)},${f(y - r)}L${f(x + r)},${f(y + r)}M${f(x - r)},${f(y + r)}L${f(x + r)},${f(y - r)}" ${st}>${t}</path>`;
  }
}

export function chart(o: ChartOptions): string {
  const W = o.width ?? 720; const H = o.height ?? 420;
  const m = { l: 64, r: o.kind === 'scatter' ? 300 : 190, t: 36, b: 48 };
  const maxN = o.maxNines ?? 6;
  const ny = o.yScale === 'nines';
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
  const [y0, y1] = ny ? [0, maxN] : o.yDomain ?? extent(all.map((p) => p.y).concat(o.kind === 'stacked' ? [0] : []), 0.05);
  const sx = (x: number) => Math.round((m.l + ((x - x0) / (x1 - x0 || 1)) * pw) * 10) / 10;
  const syLin = (y: number) => Math.round((m.t + ph - ((y - y0) / (y1 - y0 || 1)) * ph) * 10) / 10;
  const sy = (y: number) => syLin(ny ? nines(y, maxN) : y);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.l + pw / 2}" y="20" text-anchor="middle" font-size="14">${esc(o.title)}</text>`,
  ];
  for (const t of niceTicks(x0, x1)) {
    parts.push(`<line x1="${sx(t)}" y1="${m.t}" x2="${sx(t)}" y2="${m.t + ph}" stroke="#eee"/>`,
      `<text x="${sx(t)}" y="${m.t + ph + 14}" text-anchor="middle">${t}</text>`);
  }
  const yTicks = ny ? Array.from({ length: maxN + 1 }, (_, k) => ({ at: k, label: k === 0 ? '0' : k === maxN ? `>= ${(1 - 10 ** -maxN).toFixed(maxN)}` : (1 - 10 ** -k).toFixed(k) }))
    : niceTicks(y0, y1).map((t) => ({ at: t, label: String(t) }));
  for (const t of yTicks) {
    parts.push(`<line x1="${m.l}" y1="${syLin(t.at)}" x2="${m.l + pw}" y2="${syLin(t.at)}" stroke="#eee"/>`,
      `<text x="${m.l - 6}" y="${syLin(t.at) + 4}" text-anchor="end">${t.label}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`,
    `<text x="${m.l + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  stackedSeries.forEach((s, i) => {
    const color = s.color ?? seriesColor(i);
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    if (o.kind === 'scatter') {
      const r = 7.5 - (i % 4) * 1.5;
      for (const p of pts) parts.push(marker(SHAPES[i % SHAPES.length]!, sx(p.x), sy(p.y), r, color, `${s.name}${p.label ? ' ' + p.label : ''}: (${p.x}, ${p.y})`));
    } else if (o.kind === 'line') {
      if (pts.length) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ')}"/>`);
    } else if (pts.length) {
      const top = pts.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`);
      const bottom = [...pts].reverse().map((p) => `${sx(p.x).toFixed(1)},${sy(Number(p.label ?? 0)).toFixed(1)}`);
      parts.push(`<polygon fill="${color}" fill-opacity="0.85" stroke="none" points="${top.concat(bottom).join(' ')}"/>`);
    }
    const ly = m.t + 8 + i * 16;
    if (o.kind === 'scatter') {
      const p = pts[0];
      parts.push(marker(SHAPES[i % SHAPES.length]!, m.l + pw + 17, ly - 3, 4.5, color, s.name),
        `<text x="${m.l + pw + 28}" y="${ly + 1}">${esc(s.name)}${p ? esc(`: ${p.y.toFixed(5)} / ${p.x.toFixed(2)}`) : ''}</text>`);
    } else {
      parts.push(`<rect x="${m.l + pw + 12}" y="${ly - 8}" width="10" height="10" fill="${color}"/>`,
        `<text x="${m.l + pw + 28}" y="${ly + 1}">${esc(s.name)}</text>`);
    }
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
