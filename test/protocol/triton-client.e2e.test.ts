/**
 * NVIDIA's Triton Python clients (tritonclient.http and tritonclient.grpc, built from third_party/tritonclient)
 * against the real `superserve serve`: scripts/triton-client-check.py checks metadata, config, every output
 * when none is named, named outputs with binary data and class_count, errors, statistics, model control and a
 * gRPC stream of 32 requests with one invalid. Registered as skipped when no Python has the client's packages
 * (Debian's python3-numpy, -rapidjson, -geventhttpclient, -grpcio, -grpc-tools, -protobuf, -packaging; .ci/run
 * installs them). SUPERSERVE_PYTHON picks the interpreter.
 */
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import { testIf } from '../fixtures.ts';
import { freePort, ROOT, startServer, tempCheckpoint, type ServerProcess } from '../helpers/server-process.ts';

const MODULES = 'import numpy, rapidjson, geventhttpclient, grpc, grpc_tools, google.protobuf, packaging';
const python = [process.env.SUPERSERVE_PYTHON, '/usr/bin/python3', 'python3']
  .filter((p): p is string => p !== undefined && p !== '')
  .find((p) => spawnSync(p, ['-c', MODULES], { stdio: 'ignore' }).status === 0);
if (python === undefined) console.warn(`\n!!! SKIPPED: no python3 with the Triton client's packages (${MODULES.slice(7)}) !!!\n`);

let server: ServerProcess | undefined;
let grpcPort = 0;

test.before(async () => {
  if (python === undefined) return;
  grpcPort = await freePort();
  server = await startServer(['--checkpoint', await tempCheckpoint(), '--slo-ms', '20000', '--grpc-port', String(grpcPort),
    '--profile-batches', '1,2', '--profile-repeats', '2', '--warmup', '1']);
});

test.after(async () => {
  const code = await server?.stop('SIGTERM');
  if (server) assert.is(code, 0, `server exit code on SIGTERM\n${server.output()}`);
});

testIf(python !== undefined)('Triton Python clients (HTTP and gRPC, built from source): every check passes', async () => {
  const http = server!.url.replace('http://', '');
  const child = spawn(python!, [join(ROOT, 'scripts/triton-client-check.py'), '--http', http, '--grpc', `127.0.0.1:${grpcPort}`], { cwd: ROOT });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  assert.is(code, 0, out);
  const summary = /^(\d+) checks ok, (\d+) failed$/m.exec(out);
  assert.ok(summary, `no summary line:\n${out}`);
  assert.is(Number(summary![2]), 0, out);
  assert.ok(Number(summary![1]) >= 14, `every check ran:\n${out}`);
  assert.not.match(out, /^FAIL/m, out);
});

test.run();
