/**
 * NATS with credentials and TLS, against our own nats-server (token + TLS, then user/password): the router
 * and a worker process connect with the right credentials (the worker is admitted); a wrong token, none,
 * or an untrusted server certificate fail with a clear, secret-free message (the worker exits 1); a token
 * rotated out of the server's config (nats-server reloads on SIGHUP) is refused afterwards; a plain-text
 * client on the TLS port gets no PONG.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testIf } from '../fixtures.ts';
import { freePort } from '../helpers/free-port.ts';
import { HAVE_OPENSSL, makeCert, type TestCert } from '../helpers/tls-certs.ts';
import { natsConnectOptions, type NatsAuthConfig } from '../../src/worker/nats-auth.ts';
import { checkpointIdentity } from '../../src/worker/nats-identity.ts';
import { startNatsRouter, type NatsRouter } from '../../src/worker/nats-router.ts';
import { mbv3Checkpoints, type TmpCheckpoints } from './mbv3-checkpoint.ts';
import { spawnWorker, waitFor } from './worker-process.ts';

const HAVE_NATS = spawnSync('nats-server', ['--version']).status === 0;
if (!HAVE_NATS) console.warn('\n!!! SKIPPED: no nats-server binary on PATH (NATS auth tests start their own) !!!\n');
const t = testIf(HAVE_NATS && HAVE_OPENSSL);

const TOKEN = 'nats-secret-token-1111';
const NEW_TOKEN = 'nats-secret-token-2222';
let dir: string;
let cert: TestCert;
let cks: TmpCheckpoints;
let server: { url: string; port: number; child: ChildProcess; conf: string } | undefined;
const files: Record<string, string> = {};

async function writeConf(conf: string, auth: string): Promise<void> {
  await writeFile(conf, `authorization { ${auth} }\ntls { cert_file: "${cert.certFile}"\n key_file: "${cert.keyFile}" }\n`);
}

async function startNats(auth: string): Promise<NonNullable<typeof server>> {
  const port = await freePort();
  const conf = join(dir, `nats-${port}.conf`);
  await writeConf(conf, auth);
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-c', conf], { stdio: 'ignore' });
  for (let i = 0; !(await canConnect(port)); i++) {
    if (i > 100 || child.exitCode !== null) { child.kill('SIGKILL'); throw new Error(`nats-server did not start on ${port}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `nats://127.0.0.1:${port}`, port, child, conf };
}

async function stopNats(s: typeof server): Promise<void> {
  if (!s || s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

async function router(auth: NatsAuthConfig, url = server!.url): Promise<NatsRouter> {
  const id = await checkpointIdentity(cks.dirs[0]!);
  return startNatsRouter({ url, connect: await natsConnectOptions(auth), expect: { ...id, backend: 'wasm' }, onWorker: () => {}, heartbeatMs: 250, missedHeartbeats: 8 });
}

async function refusal(auth: NatsAuthConfig, url?: string): Promise<string> {
  try {
    const r = await router(auth, url);
    await r.close();
    return 'connected';
  } catch (e) {
    return (e as Error).message;
  }
}

test.before(async () => {
  if (!HAVE_NATS || !HAVE_OPENSSL) return;
  dir = await mkdtemp(join(tmpdir(), 'superserve-nats-auth-'));
  cert = makeCert();
  for (const [name, text] of Object.entries({ token: TOKEN, wrong: 'not-the-token', newToken: NEW_TOKEN, password: 'pw-secret-3333', wrongPassword: 'nope' })) {
    files[name] = join(dir, name);
    await writeFile(files[name]!, `${text}\n`);
  }
  cks = await mbv3Checkpoints([3]);
  server = await startNats(`token: "${TOKEN}"`);
});

test.after(async () => {
  await stopNats(server);
  await cks?.remove();
  cert?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const noSecret = (text: string) => {
  for (const s of [TOKEN, NEW_TOKEN, 'not-the-token', 'pw-secret-3333']) assert.not.ok(text.includes(s), `a secret in: ${text}`);
};

t('router: the right token over TLS connects; a wrong token, none, or an untrusted certificate do not', async () => {
  const r = await router({ tokenFile: files.token!, tlsCa: cert.certFile });
  await r.close();
  for (const auth of [{ tokenFile: files.wrong!, tlsCa: cert.certFile }, { tlsCa: cert.certFile }]) {
    const why = await refusal(auth);
    assert.match(why, /refused the credentials \(authorization violation\)/);
    noSecret(why);
  }
  const other = makeCert('another-ca');
  try {
    const why = await refusal({ tokenFile: files.token!, tlsCa: other.certFile });
    assert.match(why, /cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+: .*(certificate|self.signed)/i);
    noSecret(why);
  } finally {
    other.remove();
  }
});

t('worker process: wrong or no token exits 1 with a clear message and no secret; the right token is admitted', async () => {
  for (const extra of [['--nats-token-file', files.wrong!, '--nats-tls-ca', cert.certFile], ['--nats-tls-ca', cert.certFile]]) {
    const w = spawnWorker('bad-creds', server!.url, cks.dirs[0]!, extra);
    const code = await w.exited;
    assert.is(code, 1, w.stderr());
    assert.match(w.stderr(), /superserve worker: NATS at nats:\/\/127\.0\.0\.1:\d+ refused the credentials/);
    noSecret(w.stderr());
  }
  const admitted: string[] = [];
  const id = await checkpointIdentity(cks.dirs[0]!);
  const r = await startNatsRouter({ url: server!.url, connect: await natsConnectOptions({ tokenFile: files.token!, tlsCa: cert.certFile }),
    expect: { ...id, backend: 'wasm' }, onWorker: (x) => admitted.push(x.name), heartbeatMs: 250, missedHeartbeats: 8 });
  const w = spawnWorker('good-creds', server!.url, cks.dirs[0]!, ['--nats-token-file', files.token!, '--nats-tls-ca', cert.certFile]);
  try {
    await waitFor('the worker to be admitted', () => admitted.length === 1 || w.child.exitCode !== null, 180_000);
    assert.is(admitted.length, 1, w.stderr());
    noSecret(w.stderr());
  } finally {
    w.child.kill('SIGTERM');
    await w.exited;
    await r.close();
  }
});

t('a token rotated out of the server config (nats-server SIGHUP reload) is refused afterwards', async () => {
  await writeConf(server!.conf, `token: "${NEW_TOKEN}"`);
  server!.child.kill('SIGHUP');
  let why = '';
  for (let i = 0; i < 50; i++) {
    why = await refusal({ tokenFile: files.token!, tlsCa: cert.certFile });
    if (why !== 'connected') break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.match(why, /refused the credentials/);
  assert.is(await refusal({ tokenFile: files.newToken!, tlsCa: cert.certFile }), 'connected');
});

t('a plain-text client on the TLS port gets no PONG', async () => {
  const got = await new Promise<string>((resolve) => {
    const s = createConnection({ port: server!.port, host: '127.0.0.1' });
    let data = '';
    s.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      if (data.includes('INFO')) s.write(`CONNECT {"auth_token":"${NEW_TOKEN}","verbose":false}\r\nPING\r\n`);
    });
    s.on('close', () => resolve(data));
    s.on('error', () => {});
    setTimeout(() => { s.destroy(); resolve(data); }, 3000);
  });
  assert.not.match(got, /PONG/);
  assert.match(got, /"tls_required":true/);
});

t('user and password: the right pair connects, a wrong password is refused', async () => {
  const s = await startNats('user: "svc", password: "pw-secret-3333"');
  try {
    const r = await router({ user: 'svc', passwordFile: files.password!, tlsCa: cert.certFile }, s.url);
    await r.close();
    const why = await refusal({ user: 'svc', passwordFile: files.wrongPassword!, tlsCa: cert.certFile }, s.url);
    assert.match(why, /refused the credentials/);
    noSecret(why);
  } finally {
    await stopNats(s);
  }
});

t('missing credential files are clear errors', async () => {
  await natsConnectOptions({ tokenFile: join(dir, 'nope') }).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /cannot read --nats-token-file .*nope: ENOENT/));
});

test.run();
