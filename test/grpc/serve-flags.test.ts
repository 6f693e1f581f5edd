/**
 * `serve`'s gRPC flags: a bad --grpc value is a usage error (exit 2); a gRPC port already taken stops
 * start-up with a message naming the remedy (exit 1), having closed the HTTP side again.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:net';
import { runCli } from '../helpers/capture-cli.ts';
import { freePort, tempCheckpoint } from '../helpers/server-process.ts';

test('--grpc must be on or off; --grpc-port must be a port', async () => {
  let r = await runCli(['serve', '--grpc', 'maybe']);
  assert.is(r.code, 2);
  assert.match(r.output, /--grpc must be on or off, got "maybe"/);
  r = await runCli(['serve', '--grpc-port', '70000']);
  assert.is(r.code, 2);
  assert.match(r.output, /--grpc-port must be an integer in \[0, 65535\]/);
});

test('a taken gRPC port: exit 1 with the remedy, and the HTTP port is free again', async () => {
  const busy = await new Promise<Server>((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => resolve(s)); });
  const grpcPort = (busy.address() as { port: number }).port;
  const httpPort = await freePort();
  try {
    const r = await runCli(['serve', '--checkpoint', await tempCheckpoint(), '--host', '127.0.0.1', '--port', String(httpPort), '--grpc-port', String(grpcPort)]);
    assert.is(r.code, 1, r.output);
    assert.match(r.output, new RegExp(`gRPC cannot listen on 127\\.0\\.0\\.1:${grpcPort}: .*\\(choose --grpc-port N, or --grpc off\\)`));
    const again = await new Promise<Server>((resolve, reject) => { const s = createServer().listen(httpPort, '127.0.0.1', () => resolve(s)).on('error', reject); });
    again.close();
  } finally { busy.close(); }
});

test.run();
