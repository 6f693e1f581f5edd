/**
 * The one palette of every chart the project draws: the SVG plots of simulations and replays (src/sim/svg.ts),
 * the live dashboard and the offline report.html (src/dashboard/). Okabe & Ito's eight colours, chosen to stay
 * distinguishable under the common colour-vision deficiencies (protanopia, deuteranopia, tritanopia); yellow
 * and black come last because yellow is faint as a thin line on white.
 * @module
 */

/** Categorical colours, in the order series take them. */
export const PALETTE: readonly string[] = [
  '#0072B2', // blue
  '#E69F00', // orange
  '#009E73', // bluish green
  '#D55E00', // vermillion
  '#56B4E9', // sky blue
  '#CC79A7', // reddish purple
  '#F0E442', // yellow
  '#000000', // black
];

/** The colour of the i-th series (wraps around). */
export function seriesColor(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}
