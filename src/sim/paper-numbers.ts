/**
 * What the SuperServe paper (NSDI '25) reports for each experiment, as far as its text gives numbers
 * (see the paper digest §2.4, §3, §4.3). Figures are plots, so most per-trace values are not stated:
 * the strings below are the stated claims, placed next to the matching rows of our report.
 * @module
 */

export interface PaperClaim {
  /** Applies to runs of this policy ('slackfit' = SuperServe; 'fixed:*' = any Clipper+). */
  policy: string;
  /** Optional filter on trace parameters (all given keys must match). */
  where?: Record<string, number>;
  attainment?: string;
  accuracy?: string;
  note?: string;
}

export const PAPER_CLAIMS: Record<string, PaperClaim[]> = {
  fig8: [
    { policy: 'slackfit', attainment: '0.99999', note: '+4.65 % accuracy at equal attainment, 2.85x attainment at equal accuracy vs Clipper+/INFaaS' },
    { policy: 'infaas', note: 'near-perfect attainment, lowest accuracy (73.8)' },
  ],
  fig9: [
    { policy: 'slackfit', attainment: '> 0.999', note: '+4.33 % accuracy at 0.9999 attainment; 2.06x attainment at equal accuracy' },
    { policy: 'slackfit', where: { rate: 5550 }, accuracy: '76-78 (Fig. 13a)', note: '80.16 never chosen; small subnets more as CV² grows' },
    { policy: 'fixed:1', where: { rate: 5550 }, note: 'Clipper+(76.69) degrades as CV² grows' },
    { policy: 'fixed:3', where: { cv2: 2 }, note: 'Clipper+(78.25) degrades as λv grows' },
    { policy: 'infaas', accuracy: '~73.8', note: 'near-perfect attainment' },
  ],
  fig10: [
    { policy: 'slackfit', attainment: '0.991-1.0', note: 'accuracy gap to Clipper+ narrows as τ grows' },
    { policy: 'slackfit', where: { rateTo: 7400 }, accuracy: '79.2 -> 77.5 (Fig. 13b)' },
    { policy: 'fixed:4', where: { rateTo: 6800 }, note: 'Clipper+(79.44) diverges as τ grows' },
    { policy: 'fixed:4', where: { accel: 250 }, note: 'Clipper+(79.44) diverges as λ2 grows' },
  ],
  fig11a: [{ policy: 'slackfit', attainment: '~0.999', note: 'holds down to 50 % of workers by moving to smaller subnets' }],
  fig11c: [
    { policy: 'slackfit', attainment: '0.999' },
    { policy: 'maxbatch', where: { cv2: 8 }, attainment: '~5 % below SlackFit' },
    { policy: 'maxacc', attainment: 'diverges (cannot keep up)' },
  ],
};

/** The paper's claims that apply to one run (policy + trace parameters). */
export function claimsFor(experiment: string, policy: string, traceParams: Record<string, unknown>): PaperClaim[] {
  return (PAPER_CLAIMS[experiment] ?? []).filter((c) =>
    (c.policy === policy || (c.policy === 'fixed:*' && policy.startsWith('fixed:'))) &&
    Object.entries(c.where ?? {}).every(([k, v]) => traceParams[k] === v));
}
