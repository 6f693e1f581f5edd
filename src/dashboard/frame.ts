/**
 * The chart data both the live page and the offline report.html draw (static/charts.js reads it): named
 * columns of equal length, one row per time step. `t` is epoch seconds (live) or seconds since the start
 * (report); every other column is a number or null (nothing to show in that step).
 * @module
 */

/** Columns every frame may carry, in the order the live stream sends them; then one `mix:<id>` per sub-network. */
export const BASE_COLUMNS = [
  't',
  'arriving', 'answered', 'refused', 'expired', // requests / s
  'attainment', 'accuracy',                     // %, over the last `windowS` seconds
  'batchMean', 'batchMax',                      // images per executed batch
  'queued', 'inFlight',                         // images
  'p50', 'p99',                                 // ms, requests answered in the step
  'latencyFactor',                              // measured / profiled batch time
  'alive', 'busy', 'dead',                      // workers
] as const;

export type BaseColumn = (typeof BASE_COLUMNS)[number];

/** % of the images executed in the step that ran on sub-network `id`. */
export const mixColumn = (id: number): string => `mix:${id}`;

export interface SubnetLegend { id: number; accuracy: number }

export interface ChartFrame {
  title: string;
  /** 'clock': `t` is epoch seconds, shown as local time; 'elapsed': seconds since the start. */
  timeAxis: 'clock' | 'elapsed';
  /** The latency target, drawn on the latency chart and named on the attainment chart. */
  sloMs: number | null;
  /** Window of the attainment and accuracy columns, seconds. */
  windowS: number;
  subnets: SubnetLegend[];
  palette: readonly string[];
  columns: Record<string, Array<number | null>>;
}

/** Column names of a live row: the base columns, then the sub-networks' mix columns. */
export function columnNames(subnetIds: readonly number[]): string[] {
  return [...BASE_COLUMNS, ...subnetIds.map(mixColumn)];
}

/** Accuracies are percent (OFA tables) or fractions; the charts show percent. */
export function accuracyPercent(acc: number): number {
  return acc <= 1 ? acc * 100 : acc;
}

/** Four significant digits: what a chart can show, and a third of the JSON. */
export function compact(v: number | null | undefined): number | null {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  return v === 0 ? 0 : Number(v.toPrecision(4));
}

/** scale * sum(num) / sum(den) over the `w` steps ending at each step; null where the window's den is 0. */
export function rollingRatio(num: ArrayLike<number>, den: ArrayLike<number>, w: number, scale = 1): Array<number | null> {
  const out: Array<number | null> = new Array(num.length);
  let sn = 0; let sd = 0;
  for (let i = 0; i < num.length; i++) {
    sn += num[i]!; sd += den[i]!;
    if (i >= w) { sn -= num[i - w]!; sd -= den[i - w]!; }
    out[i] = sd > 1e-9 ? compact((scale * sn) / sd) : null;
  }
  return out;
}
