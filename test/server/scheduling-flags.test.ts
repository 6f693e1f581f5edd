import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseServeConfig } from '../../src/server/config.ts';

const parse = (argv: string[]) => parseServeConfig(argv, {}).config;

test('--slo-target and --priority-levels: defaults, values, and clear errors', () => {
  const d = parse([]);
  assert.equal([d.sloTarget, d.priorityLevels], [0.99, 2]);
  const c = parse(['--slo-target', '0.999', '--priority-levels', '4']);
  assert.equal([c.sloTarget, c.priorityLevels], [0.999, 4]);
  assert.throws(() => parse(['--slo-target', '1']), /--slo-target must be a number between 0 and 1/);
  assert.throws(() => parse(['--slo-target', '0']), /--slo-target must be a number between 0 and 1/);
  assert.throws(() => parse(['--priority-levels', '0']), /priority-levels/);
});

test.run();
