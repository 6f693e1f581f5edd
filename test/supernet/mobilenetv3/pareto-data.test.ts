/**
 * data/pareto/ofa-mbv3-w1.0.json and -w1.2.json: valid configs, ordered smallest to largest, every accuracy sourced
 * or marked estimated, recorded params / MACs reproducible.
 * @module
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mbv3Arch, mbv3Cost, mbv3Key, validateMbV3Config } from '../../../supernet/mobilenetv3/index.ts';

interface ParetoFile {
  arch: string;
  source: string;
  subnets: Array<{ id: string; name: string; accuracy: number; accuracy_source: string; params: number; macs: number; config: unknown }>;
}

for (const width of [1.0, 1.2] as const) {
  test(`data/pareto/ofa-mbv3-w${width.toFixed(1)}.json`, () => {
    const f = JSON.parse(readFileSync(new URL(`../../../data/pareto/ofa-mbv3-w${width.toFixed(1)}.json`, import.meta.url), 'utf8')) as ParetoFile;
    const arch = mbv3Arch(width);
    assert.is(f.arch, arch.arch);
    assert.ok(f.source.length > 20);
    assert.ok(f.subnets.length >= 4);
    const ids = new Set<string>();
    const keys = new Set<string>();
    let prev = 0;
    for (const s of f.subnets) {
      assert.not.ok(ids.has(s.id), `duplicate id ${s.id}`);
      ids.add(s.id);
      const c = validateMbV3Config(s.config);
      const key = mbv3Key(arch, c);
      assert.not.ok(keys.has(key), `${s.id} repeats a subnet`);
      keys.add(key);
      assert.equal(mbv3Cost(arch, c), { params: s.params, macs: s.macs }, s.id);
      assert.ok(s.macs > prev, `${s.id}: not ordered smallest to largest`);
      prev = s.macs;
      assert.ok(s.accuracy > 50 && s.accuracy < 90, `${s.id}: accuracy ${s.accuracy}`);
      assert.ok(s.accuracy_source === 'estimated' || /README|paper|notebook/.test(s.accuracy_source), `${s.id}: accuracy source`);
    }
  });
}

test.run();
