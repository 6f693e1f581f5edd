import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseWarmup, run } from '../../src/commands/worker.ts';
import { mbv3Checkpoints } from './mbv3-checkpoint.ts';

/** Runs the command, returning its exit code and what it printed on stderr. */
async function runQuiet(argv: string[]): Promise<{ code: number; err: string }> {
  const original = console.error;
  let err = '';
  console.error = (...a: unknown[]) => { err += `${a.join(' ')}\n`; };
  try {
    return { code: await run(argv), err };
  } finally {
    console.error = original;
  }
}

test('flag errors exit 2 with the problem named', async () => {
  let r = await runQuiet(['--checkpoint', '/nowhere']);
  assert.is(r.code, 2);
  assert.match(r.err, /--nats nats:\/\/HOST:PORT is required/);
  r = await runQuiet(['--nats', 'http://x:1']);
  assert.is(r.code, 2);
  assert.match(r.err, /--nats must look like nats:\/\/HOST:PORT/);
  r = await runQuiet(['--nats', 'nats://127.0.0.1:1', '--arch', 'ofa-vgg']);
  assert.is(r.code, 2);
  assert.match(r.err, /--arch: unknown architecture "ofa-vgg"/);
  r = await runQuiet(['--nats', 'nats://127.0.0.1:1', '--bogus']);
  assert.is(r.code, 2);
  r = await runQuiet(['--nats', 'nats://127.0.0.1:1', '--checkpoint', '/nowhere', '--warmup', '1,x']);
  assert.is(r.code, 2);
  assert.match(r.err, /--warmup must be an integer/);
});

test('a missing checkpoint and an unreachable NATS server exit 1 with a clear message', async () => {
  let r = await runQuiet(['--nats', 'nats://127.0.0.1:1', '--checkpoint', '/nowhere']);
  assert.is(r.code, 1);
  assert.match(r.err, /not a checkpoint directory: \/nowhere\/checkpoint.json is missing/);
  const cks = await mbv3Checkpoints([5]);
  try {
    r = await runQuiet(['--nats', 'nats://127.0.0.1:1', '--checkpoint', cks.dirs[0]!]);
    assert.is(r.code, 1);
    assert.match(r.err, /cannot connect to NATS at nats:\/\/127.0.0.1:1/);
  } finally {
    await cks.remove();
  }
});

test('--warmup: default 1, empty for none, a comma list', () => {
  assert.equal(parseWarmup(undefined), [1]);
  assert.equal(parseWarmup(''), []);
  assert.equal(parseWarmup('1, 8,16'), [1, 8, 16]);
});

test.run();
