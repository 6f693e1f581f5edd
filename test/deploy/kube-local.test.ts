import { appendFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testIf } from '../fixtures.ts';
import { buildImage, deployTestsEnabled, inferTop5, mustRun, run } from './deploy-env.ts';

const enabled = deployTestsEnabled();
const deployTest = testIf(enabled);
let url = '';

if (enabled) {
  test.before(async () => {
    await buildImage();
    await run('bash', ['scripts/kube-local.sh', 'down']);
  });
  test.after(async () => {
    const down = await run('bash', ['scripts/kube-local.sh', 'down']);
    if (down.code !== 0) console.error(down.err);
  });
}

deployTest('kube-local brings up NATS, the router and 2 workers from the manifests and prints the router URL', async () => {
  const up = await run('bash', ['scripts/kube-local.sh', 'up'], { timeoutMs: 1_200_000 });
  assert.is(up.code, 0, `${up.out}\n${up.err}`);
  url = /^SUPERSERVE_URL=(\S+)$/m.exec(up.out)?.[1] ?? '';
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const readyS = /ready in (\d+) s/.exec(up.out)?.[1];
  if (process.env.SUPERSERVE_DEPLOY_RESULTS && readyS) {
    await appendFile(process.env.SUPERSERVE_DEPLOY_RESULTS, `${JSON.stringify({ kubePlayStartToReadyS: Number(readyS) })}\n`);
  }
  const pods = (await mustRun('podman', ['pod', 'ps', '--format', '{{.Name}} {{.Status}}'])).trim().split('\n');
  for (const p of ['nats-pod-0', 'superserve-router-pod-0', 'superserve-worker-pod-0', 'superserve-worker-pod-1']) {
    assert.ok(pods.some((l) => l.startsWith(`${p} Running`)), `${p} is not running: ${pods.join('; ')}`);
  }
  const r = await inferTop5(url);
  assert.is(r.status, 200, r.body);
});

deployTest('every request is answered while a worker pod is killed', async () => {
  assert.ok(url, 'kube-local is up');
  const answers: Array<{ status: number; body: string }> = [];
  let killed = false;
  const stream = async (id: number): Promise<void> => {
    for (let i = 0; i < 12; i++) {
      answers.push(await inferTop5(url, id * 100 + i));
      if (!killed && answers.length >= 4) {
        killed = true;
        await mustRun('podman', ['pod', 'kill', 'superserve-worker-pod-0']);
      }
    }
  };
  await Promise.all([stream(1), stream(2)]);
  assert.ok(killed);
  assert.is(answers.length, 24);
  for (const a of answers) assert.is(a.status, 200, a.body);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /^superserve_workers\{state="dead"\} [1-9]/m, 'the router noticed the killed worker');
});

test.run();
