/**
 * A NATS server for the tests: SUPERSERVE_NATS_URL when CI started one, else our own `nats-server` on a
 * free loopback port (stopped by its PID), else null after a loud SKIP line.
 * @module
 */
import { spawn, spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort } from '../helpers/free-port.ts';

export interface TestNats { url: string; stop(): Promise<void> }

export async function natsOrSkip(): Promise<TestNats | null> {
  const env = process.env.SUPERSERVE_NATS_URL;
  if (env) return { url: env, stop: async () => {} };
  return ownNatsOrSkip();
}

export function hasNatsServer(): boolean {
  return spawnSync('nats-server', ['--version']).status === 0;
}

/** A nats-server of this test's own (never CI's shared one), for tests that kill it; null (after a SKIP line) without the binary. */
export async function ownNatsOrSkip(): Promise<TestNats | null> {
  if (!hasNatsServer()) {
    console.warn('\n!!! SKIPPED: no nats-server binary on PATH !!!\n');
    return null;
  }
  const port = await freePort();
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; ; i++) {
    if (await canConnect(port)) break;
    if (i > 100 || child.exitCode !== null) { child.kill('SIGKILL'); throw new Error(`nats-server did not start on port ${port}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    async stop() { if (child.exitCode === null) { child.kill('SIGTERM'); await exited; } },
  };
}


function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}
