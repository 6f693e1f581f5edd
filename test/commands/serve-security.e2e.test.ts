/**
 * `superserve serve --tls-cert --tls-key --auth-tokens-file` as a real process: HTTPS and gRPC over TLS,
 * the token matrix on both, SIGHUP rotation (a removed token refused, a bad file keeps the old tokens with
 * a warning), a plain-text client on either TLS port gets no answer, and no token ever appears in the
 * server's output or in what its metadata endpoints return. A missing tokens file exits 1 at once.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, status, type Client } from '@grpc/grpc-js';
import { testIf } from '../fixtures.ts';
import { inferenceClient } from '../../src/grpc/proto.ts';
import { freePort, ROOT, tempCheckpoint } from '../helpers/server-process.ts';
import { HAVE_OPENSSL, makeCert, type TestCert } from '../helpers/tls-certs.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.ts';

const TOKENS = ['first-secret-token-aaaa', 'second-secret-token-bbbb', 'third-secret-token-cccc'];
let cert: TestCert;
let dir: string;
let tokensFile: string;
let child: ChildProcess;
let out = '';
let port: number;
let grpcPort: number;
let client: Client & Record<string, Function>;
let receiver: OtlpReceiver;
const SNI = { 'grpc.ssl_target_name_override': 'localhost' };

interface Reply { status: number; body: string; headers: Record<string, unknown> }
function get(path: string, token?: string, ca?: Buffer, method = 'GET', headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, method, ca: ca ?? cert.cert, servername: 'localhost', headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function grpc(method: string, req: unknown, token?: string): Promise<{ code: number; details?: string; res?: any }> {
  const md = new Metadata();
  if (token) md.set('authorization', `Bearer ${token}`);
  return new Promise((resolve) => client[method]!(req, md, { deadline: Date.now() + 10_000 },
    (err: { code: number; details: string } | null, res: unknown) => resolve(err ? { code: err.code, details: err.details } : { code: status.OK, res })));
}

async function until(what: string, cond: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond().catch(() => false))) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function spawnServe(args: string[]): ChildProcess {
  const c = spawn(process.execPath, [join(ROOT, 'bin/superserve.mjs'), 'serve', '--host', '127.0.0.1', ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SUPERSERVE_BACKEND: 'wasm' } });
  c.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  c.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  return c;
}

const t = testIf(HAVE_OPENSSL);

test.before(async () => {
  if (!HAVE_OPENSSL) return;
  cert = makeCert();
  dir = await mkdtemp(join(tmpdir(), 'superserve-sec-'));
  tokensFile = join(dir, 'tokens');
  await writeFile(tokensFile, `# test tokens\n${TOKENS[0]}\n${TOKENS[1]}\n`);
  port = await freePort();
  grpcPort = await freePort();
  receiver = await startOtlpReceiver();
  const ckpt = await tempCheckpoint();
  child = spawnServe(['--checkpoint', ckpt, '--port', String(port), '--grpc-port', String(grpcPort), '--workers', '1', '--decode-threads', '0',
    '--tls-cert', cert.certFile, '--tls-key', cert.keyFile, '--auth-tokens-file', tokensFile, '--public-paths', '/metrics', '--otlp-endpoint', receiver.endpoint]);
  await until('the HTTPS port to be live', async () => (await get('/v2/health/live')).status === 200, 120_000);
  client = new (inferenceClient())(`127.0.0.1:${grpcPort}`, credentials.createSsl(cert.cert), SNI) as typeof client;
});

test.after(async () => {
  client?.close();
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  cert?.remove();
  await receiver?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

t('HTTPS: right token answers, wrong or none get 401; health and a public path are open', async () => {
  assert.is((await get('/v2', TOKENS[0])).status, 200);
  for (const bad of [undefined, 'not-a-token']) {
    const r = await get('/v2', bad);
    assert.is(r.status, 401);
    assert.is(r.headers['www-authenticate'], 'Bearer');
    assert.equal(JSON.parse(r.body), { error: 'unauthorized' });
  }
  assert.is((await get('/metrics')).status, 200);
  assert.is((await get('/v2/health/live')).status, 200);
});

t('gRPC over TLS: right token answers, wrong or none are UNAUTHENTICATED; ServerLive is open', async () => {
  assert.is((await grpc('ServerMetadata', {}, TOKENS[0])).code, status.OK);
  assert.is((await grpc('ServerMetadata', {}, 'not-a-token')).code, status.UNAUTHENTICATED);
  assert.is((await grpc('ServerMetadata', {})).code, status.UNAUTHENTICATED);
  assert.equal((await grpc('ServerLive', {})).res, { live: true });
});

t('a plain-text client on the TLS ports gets no answer', async () => {
  const plain = await new Promise<string>((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/v2/health/live' }, (res) => resolve(`answered ${res.statusCode}`));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code}`));
    req.setTimeout(5000, () => { req.destroy(); resolve('timeout'); });
    req.end();
  });
  assert.not.match(plain, /^answered/, plain);
  const insecure = new (inferenceClient())(`127.0.0.1:${grpcPort}`, credentials.createInsecure()) as typeof client;
  const r = await new Promise<number>((resolve) => insecure.ServerLive!({}, { deadline: Date.now() + 3000 }, (err: { code: number } | null) => resolve(err ? err.code : 0)));
  insecure.close();
  assert.is(r, status.UNAVAILABLE);
});

t('dashboard in a browser: the sign-in form, then a Secure session cookie opens its state (not the API)', async () => {
  const form = await get('/dashboard');
  assert.is(form.status, 401);
  assert.match(form.body, /action="\/dashboard\/login"/);
  const login = await get('/dashboard/login', undefined, undefined, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, `token=${TOKENS[0]}`);
  assert.is(login.status, 303);
  const cookie = String((login.headers['set-cookie'] as string[])[0]);
  assert.match(cookie, /Secure/);
  const session = { cookie: cookie.split(';')[0]! };
  const state = await get('/dashboard/state', undefined, undefined, 'GET', session);
  assert.is(state.status, 200);
  assert.ok(JSON.parse(state.body).model, 'the dashboard state');
  assert.is((await get('/v2', undefined, undefined, 'GET', session)).status, 401);
});

t('SIGHUP rotation: a removed token is refused, a new one accepted on both ports; a bad file keeps the old tokens', async () => {
  await writeFile(tokensFile, `${TOKENS[1]}\n${TOKENS[2]}\n`);
  child.kill('SIGHUP');
  await until('the rotation', async () => (await get('/v2', TOKENS[0])).status === 401);
  assert.is((await get('/v2', TOKENS[2])).status, 200);
  assert.is((await grpc('ServerMetadata', {}, TOKENS[0])).code, status.UNAUTHENTICATED);
  assert.is((await grpc('ServerMetadata', {}, TOKENS[2])).code, status.OK);
  assert.ok(child.exitCode === null, 'SIGHUP does not stop the server');

  await writeFile(tokensFile, `oops a line with spaces ${TOKENS[0]}\n`);
  child.kill('SIGHUP');
  await until('the warning', async () => /tokens NOT reloaded/.test(out));
  assert.is((await get('/v2', TOKENS[1])).status, 200, 'the old tokens stay');
  assert.is((await get('/v2', TOKENS[0])).status, 401);
});

t('no token in the server output or in what /v2, model metadata, config and the dashboard return', async () => {
  const bodies = await Promise.all(['/v2', '/v2/models/superserve', '/v2/models/superserve/config', '/dashboard/state', '/metrics']
    .map(async (p) => (await get(p, TOKENS[1])).body));
  for (const token of TOKENS) {
    assert.not.ok(out.includes(token), `token in the server output:\n${out}`);
    for (const b of bodies) assert.not.ok(b.includes(token), 'token in a metadata reply');
  }
  assert.match(out, /bearer tokens required \(2 loaded/);
  assert.match(out, /listening on https:/);
});

t('--otlp-endpoint: an infer request with a traceparent is exported as a trace continuing it, without the token', async () => {
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const body = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, 16, 16], data: new Array(768).fill(0.5) }] });
  const r = await get('/v2/models/superserve/infer', TOKENS[1], undefined, 'POST', { 'content-type': 'application/json', traceparent: `00-${traceId}-b7ad6b7169203331-01` }, body);
  assert.ok([200, 503].includes(r.status), `infer: ${r.status} ${r.body}`); // answered, or refused while still loading
  await until('the exported trace', async () => receiver.spans.some((s) => s.traceId === traceId && s.name === 'infer'), 30_000);
  const root = receiver.spans.find((s) => s.traceId === traceId && s.name === 'infer')!;
  assert.is(root.parentSpanId, 'b7ad6b7169203331');
  assert.is(root.service, 'superserve');
  assert.is(root.attributes.transport, 'http');
  if (r.status === 503) assert.is(root.attributes['refusal.reason'], 'not_ready');
  for (const token of TOKENS) assert.not.ok(JSON.stringify(receiver.spans).includes(token), 'a token in the exported spans');
});

t('a missing tokens file is a clear error, exit 1', async () => {
  const before = out.length;
  const c = spawnServe(['--port', '0', '--grpc', 'off', '--auth-tokens-file', join(dir, 'missing')]);
  const code = await new Promise<number | null>((r) => c.once('exit', r));
  assert.is(code, 1);
  assert.match(out.slice(before), /cannot read the tokens file .*missing: ENOENT/);
});

test.run();
