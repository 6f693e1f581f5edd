import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPolicy, PolicyError, ProfileTable, type Decision } from '../../src/scheduler/index.ts';
import { tinyProfile } from './profiles.ts';

const pick = (name: string, slack: number) => {
  const d = createPolicy(name, tinyProfile()).decide(slack, 1, 0);
  return d && `${d.subnetId}x${d.batchSize}`;
};

test('maxbatch: largest batch of the smallest subnet that fits, then the most accurate subnet at it', () => {
  assert.is(pick('maxbatch', 9), null);
  assert.is(pick('maxbatch', 20), '0x4'); // B4 = 26 does not fit
  assert.is(pick('maxbatch', 30), '0x8'); // B8 = 42 does not fit
  assert.is(pick('maxbatch', 45), '1x8');
  assert.is(pick('maxbatch', 80), '2x8');
});

test('maxacc: most accurate subnet whose batch 1 fits, then its largest batch that fits', () => {
  assert.is(pick('maxacc', 9), null);
  assert.is(pick('maxacc', 15), '1x1');
  assert.is(pick('maxacc', 30), '2x2');
  assert.is(pick('maxacc', 50), '2x4');
});

test('fixed:<id> (Clipper+) and infaas (always the cheapest subnet)', () => {
  assert.is(pick('fixed:1', 13), null);
  assert.is(pick('fixed:1', 30), '1x4');
  assert.is(pick('infaas', 11), '0x1');
  assert.is(pick('infaas', 30), '0x8');
  assert.is(createPolicy('fixed:2', tinyProfile()).bestEffortSubnetId, 2);
});

test('lookup tables agree with the rules at every slack (brute force)', () => {
  const t = new ProfileTable(tinyProfile());
  const fits = (si: number, b: number, s: number) => t.latency(si, b) <= s;
  const grid = [1, 2, 4, 8];
  const rule = (name: string, s: number): string | null => {
    if (name === 'maxacc') {
      for (let si = 2; si >= 0; si--) { const bs = grid.filter((b) => fits(si, b, s)); if (bs.length) return `${si}x${bs.at(-1)}`; }
      return null;
    }
    const bs = grid.filter((b) => fits(0, b, s));
    if (!bs.length) return null;
    const b = bs.at(-1)!;
    for (let si = 2; si >= 0; si--) if (fits(si, b, s)) return `${si}x${b}`;
    return null;
  };
  for (const name of ['maxacc', 'maxbatch']) {
    const p = createPolicy(name, tinyProfile());
    for (let s = 0; s <= 90; s += 0.25) {
      const d: Decision | null = p.decide(s, 1, 0);
      assert.is(d && `${d.subnetId}x${d.batchSize}`, rule(name, s), `${name} at ${s}`);
      if (d) assert.is(d.expectedLatencyMs, t.latency(d.subnetId, d.batchSize));
    }
  }
});

test('createPolicy rejects unknown names, unknown subnets and bad options', () => {
  assert.throws(() => createPolicy('fastest', tinyProfile()), (e: unknown) => e instanceof PolicyError && /unknown policy "fastest"/.test(e.message));
  assert.throws(() => createPolicy('fixed:9', tinyProfile()), /fixed:9: no such subnet/);
  assert.throws(() => createPolicy('fixed:x', tinyProfile()), /unknown policy/);
  assert.throws(() => createPolicy('slackfit', tinyProfile(), { buckets: 0 }), /buckets must be a positive integer/);
  assert.throws(() => createPolicy('maxbatch', tinyProfile(), { batchSizes: 'odd' as 'all' }), /batchSizes/);
  for (const n of ['slackfit', 'slackfit-q', 'maxbatch', 'maxacc', 'fixed:0', 'infaas']) assert.is(createPolicy(n, tinyProfile()).name, n);
});

test.run();
