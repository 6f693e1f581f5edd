import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PALETTE, seriesColor } from '../src/palette.ts';
import { chart } from '../src/sim/svg.ts';

test('the SVG plots take their colours from the shared palette, in order, wrapping around', () => {
  const svg = chart({ title: 't', xLabel: 'x (s)', yLabel: 'y (%)', kind: 'line', series: [0, 1].map((i) => ({ name: `s${i}`, points: [{ x: 0, y: i }, { x: 1, y: i }] })) });
  assert.ok(svg.includes(`stroke="${PALETTE[0]}"`) && svg.includes(`stroke="${PALETTE[1]}"`));
  assert.is(seriesColor(PALETTE.length + 2), PALETTE[2]);
  assert.is(new Set(PALETTE).size, PALETTE.length);
});

test.run();
