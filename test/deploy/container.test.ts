import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testIf } from '../fixtures.ts';
import { freePort } from '../helpers/free-port.ts';
import { buildImage, deployTestsEnabled, IMAGE, inferTop5, mustRun, run, waitReady } from './deploy-env.ts';

const enabled = deployTestsEnabled();
const deployTest = testIf(enabled);
const name = `superserve-test-${process.pid}`;
let url = '';

if (enabled) {
  test.before(async () => { await buildImage(); });
  test.after(async () => { await run('podman', ['rm', '-f', '-t', '0', name]); });
}

deployTest('the image runs as a non-root user, serve by default, SIGTERM as its stop signal', async () => {
  assert.is((await mustRun('podman', ['run', '--rm', '--entrypoint', 'id', IMAGE, '-u'])).trim(), '10001');
  const config = JSON.parse(await mustRun('podman', ['image', 'inspect', IMAGE, '--format', '{{json .Config}}'])) as
    { Entrypoint: string[]; Cmd: string[]; StopSignal: string };
  const health = JSON.parse(await mustRun('podman', ['image', 'inspect', IMAGE, '--format', '{{json .HealthCheck}}'])) as { Test?: string[] } | null;
  assert.equal(config.Entrypoint, ['superserve']);
  assert.equal(config.Cmd, ['serve']);
  assert.is(config.StopSignal, 'SIGTERM');
  assert.ok(health?.Test?.join(' ').includes('healthcheck.mjs'), 'HEALTHCHECK kept (podman build --format docker)');
  // The embedded checkpoint was made at build time, with a profile a --workers 0 router can use.
  const ls = await mustRun('podman', ['run', '--rm', '--entrypoint', 'ls', IMAGE, 'checkpoints/embedded-ofa-resnet50-seed0']);
  assert.equal(ls.trim().split('\n').sort(), ['checkpoint.json', 'profile.json', 'weights.bin']);
});

deployTest('serve in the container answers an inference and its health check passes', async () => {
  const port = await freePort();
  const grpc = await freePort();
  await mustRun('podman', ['run', '-d', '--name', name, '--network', 'host', IMAGE,
    'serve', '--host', '127.0.0.1', '--port', String(port), '--grpc-port', String(grpc)]);
  url = `http://127.0.0.1:${port}`;
  await waitReady(url, 600_000, async () => (await run('podman', ['logs', '--tail', '40', name])).err);
  const r = await inferTop5(url);
  assert.is(r.status, 200, r.body);
  assert.is(r.top5?.length, 5);
  assert.is((await run('podman', ['healthcheck', 'run', name])).code, 0);
});

deployTest('SIGTERM drains: requests in flight are answered, then the container exits 0', async () => {
  assert.ok(url, 'the server of the previous test is running');
  const inflight = Array.from({ length: 6 }, (_, i) => inferTop5(url, i + 2));
  // Stop once the server holds some of them (accepted, not answered).
  for (let i = 0; i < 400; i++) {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    if (/^nv_inference_pending_request_count(\{[^}]*\})? [1-9]/m.test(metrics)) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  await mustRun('podman', ['kill', '--signal', 'TERM', name]);
  const answers = await Promise.all(inflight);
  for (const a of answers) assert.is(a.status, 200, a.body);
  assert.is((await mustRun('podman', ['wait', name])).trim(), '0');
  assert.match((await run('podman', ['logs', name])).err, /drained and closed/);
});

test.run();
