import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from 'nats';
import { startNatsRouter } from '../../src/worker/nats-router.ts';
import { testIf } from '../fixtures.ts';
import { mbv3Checkpoints, MBV3, type TmpCheckpoints } from './mbv3-checkpoint.ts';
import { hasNatsServer, ownNatsOrSkip } from './nats-server.ts';
import { spawnWorker, waitFor } from './worker-process.ts';

const natsTest = testIf(hasNatsServer());
let cks: TmpCheckpoints | undefined;
test.after(async () => { await cks?.remove(); });

/** Resolves when `p` settles, or with 'timeout' after `ms` (the bound is 10x what the fix needs). */
const within = <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> =>
  Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref())]);

natsTest('a worker whose NATS server has gone away exits 0 promptly on SIGTERM', async () => {
  const nats = (await ownNatsOrSkip())!;
  cks = await mbv3Checkpoints([7]);
  const w = spawnWorker('sigterm-1', nats.url, cks.dirs[0]!);
  try {
    // No router on this server: the worker is up and keeps announcing.
    await waitFor('the worker to announce', () => /no router answers/.test(w.stderr()));
    await nats.stop();
    await new Promise((r) => setTimeout(r, 500)); // let the client notice the disconnect (either way it must exit)
    w.child.kill('SIGTERM');
    const code = await within(w.exited, 30_000);
    assert.is(code, 0, `worker still running or failed 30 s after SIGTERM:\n${w.stderr()}`);
    assert.match(w.stderr(), /stopped: SIGTERM received/);
  } finally {
    if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await nats.stop();
  }
});

natsTest('a router closes promptly after its NATS server has gone away', async () => {
  const nats = (await ownNatsOrSkip())!;
  const router = await startNatsRouter({
    url: nats.url, expect: { arch: MBV3, checkpointHash: 'x' }, onWorker: () => {},
  });
  const probe = await connect({ servers: nats.url, maxReconnectAttempts: 0 });
  await nats.stop();
  await probe.closed(); // the server is gone for every client now
  assert.is.not(await within(router.close(), 30_000), 'timeout');
});

test.run();
