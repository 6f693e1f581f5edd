/**
 * `--cache-mib auto`: room for every served sub-network (own weights x resident factor, +10 %), never below the old
 * default, capped by a share of the machine's memory (and then says so).
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSupernet, paretoSet } from '../../supernet/archs.ts';
import { autoCacheBudget, ownBytes } from '../../supernet/cache-budget.ts';
import { randomStateDict } from '../../supernet/checkpoint/random-init.ts';
import { DEFAULT_CACHE_MIB } from '../../supernet/defaults.ts';

test('the budget keeps every Pareto sub-network resident unless memory caps it', async () => {
  await tf.setBackend('wasm');
  const sn = createSupernet('ofa-mbv3-w1.2', randomStateDict('ofa-mbv3-w1.2', 1), new Map());
  try {
    const configs = paretoSet('ofa-mbv3-w1.2').map((p) => sn.validate(p.config));
    const before = tf.memory().numTensors;
    const own = configs.map((c) => ownBytes(sn, c));
    assert.is(tf.memory().numTensors, before, 'measuring leaves no tensors behind');
    assert.ok(own.every((b) => b > 1e6), own.join(','));
    const need = Math.max(DEFAULT_CACHE_MIB, Math.ceil(own.reduce((a, b) => a + b, 0) * 3 * 1.1 / 2 ** 20));
    const roomy = autoCacheBudget(sn, [...configs, configs[0]!], 3, 64 * 2 ** 30);
    assert.equal(roomy, { budgetMiB: need, needMiB: need, capped: false }, 'a repeated sub-network counts once');
    const short = autoCacheBudget(sn, configs, 3, 2 ** 30);
    assert.equal(short, { budgetMiB: DEFAULT_CACHE_MIB, needMiB: need, capped: need > DEFAULT_CACHE_MIB });
  } finally {
    sn.dispose();
  }
});

test.run();
