import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:net';
import { ListenError } from '../../src/http/serve.ts';
import { assertPortFree } from '../../src/server/port-probe.ts';

const listen = (s: Server) => new Promise<number>((resolve) => s.listen({ host: '127.0.0.1', port: 0 }, () => resolve((s.address() as { port: number }).port)));

test('a taken port is a ListenError that names it; the probe leaves a free port free', async () => {
  const taken = createServer();
  const port = await listen(taken);
  try {
    const err = await assertPortFree('127.0.0.1', port).then(() => null, (e: unknown) => e);
    assert.instance(err, ListenError);
    assert.is((err as Error).message, `port ${port} on 127.0.0.1 is already in use`);
  } finally {
    await new Promise((r) => taken.close(r));
  }
  await assertPortFree('127.0.0.1', port);
  const again = createServer();
  await new Promise<void>((resolve, reject) => { again.once('error', reject); again.listen({ host: '127.0.0.1', port }, () => resolve()); });
  await new Promise((r) => again.close(r));
});

test('port 0 (any free port) needs no probe', async () => {
  await assertPortFree('127.0.0.1', 0);
});

test.run();
